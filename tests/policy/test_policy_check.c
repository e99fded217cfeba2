/* test_policy_check.c — every decision the launcher asks of a policy, as
 * tables of (policy, input, expected answer and reason), and the built-in
 * denylist with and without a loaded policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static struct policy *
load(const char *yaml)
{
	struct policy_report rep;
	struct policy *p = NULL;
	char line[1024];
	size_t i;

	if (policy_load_buffer("t.yaml", yaml, strlen(yaml), &p, &rep) == -1) {
		for (i = 0; i < rep.ndiags; i++)
			print_error("%s\n", policy_diag_format(&rep.diags[i], line, sizeof(line)));
		policy_report_free(&rep);
		fail_msg("policy did not load");
	}
	return p;
}

/* policy_check_key with a C-string value; returns the answer, why and rule. */
static int
key(const struct policy *p, const char *secret, const char *k, const char *value,
    struct policy_key_rule *rule, char *why)
{
	struct policy_key_rule r;

	why[0] = '\0';
	return policy_check_key(p, secret, k, (const unsigned char *)value, strlen(value),
				rule != NULL ? rule : &r, why, 256);
}

static const char *const denied_by_default[] = {
	"LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "DYLD_INSERT_LIBRARIES", "PATH", "IFS",
	"BASH_ENV", "ENV", "PROMPT_COMMAND", "PS4", "SHELLOPTS", "BASH_FUNC_x",
	"PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "NODE_OPTIONS", "NODE_PATH",
	"PERL5LIB", "PERL5OPT", "PERLLIB", "RUBYOPT", "RUBYLIB", "GCONV_PATH",
	"GLIBC_TUNABLES", "LOCPATH", "NLSPATH", "HOSTALIASES", "RES_OPTIONS",
	"MALLOC_CHECK_", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "OPENSSL_CONF",
	"GIT_SSH_COMMAND", "TMPDIR",
	/* issue 11: each family, and lower-case spellings read in any case */
	"GIT_EXTERNAL_DIFF", "GIT_DIR", "LESSOPEN", "ZDOTDIR", "PAGER", "GIT_PAGER",
	"AWS_PAGER", "EDITOR", "VISUAL", "VIMINIT", "EXINIT", "CLASSPATH", "TZ",
	"SSL_CERT_FILE", "SSL_CERT_DIR", "http_proxy", "HTTPS_PROXY", "https_proxy",
	"ALL_PROXY", "all_proxy", "No_Proxy", "GTK_MODULES", "BROWSER", "PS0", "PS1",
	"HOME", "XDG_CONFIG_HOME", "npm_config_registry", "NPM_CONFIG_REGISTRY",
};

static const char *const allowed_by_default[] = {
	"DB_PASSWORD", "PATHS", "MY_PATH", "LDAP_URL", "PYTHO", "NODE", "PERL",
	"ENVIRONMENT", "TERM", "STRIPE_KEY", "_", "PS5", "GITHUB_TOKEN", "PROXY_URL",
	"SSL_KEY", "USER",
};

static void
default_denylist(void **state)
{
	struct policy *p;
	char why[256];
	size_t i;

	(void)state;
	assert_int_equal(policy_default(&p), 0);
	for (i = 0; i < sizeof(denied_by_default) / sizeof(*denied_by_default); i++) {
		assert_int_equal(key(p, "s", denied_by_default[i], "x", NULL, why), -1);
		assert_non_null(strstr(why, "denied by"));
	}
	for (i = 0; i < sizeof(allowed_by_default) / sizeof(*allowed_by_default); i++)
		assert_int_equal(key(p, "s", allowed_by_default[i], "x", NULL, why), 0);
	assert_int_equal(key(p, "db", "LD_PRELOAD", "/tmp/evil.so", NULL, why), -1);
	assert_string_equal(why, "secret 'db' key 'LD_PRELOAD': denied by 'LD_*'");
	policy_free(p);
}

/* Without a policy everything else is allowed, values of any shape too. */
static void
default_allows(void **state)
{
	struct policy_key_rule r;
	struct policy *p;
	char why[256];
	const char *keys[] = { "A" };

	(void)state;
	assert_int_equal(policy_default(&p), 0);
	assert_int_equal(policy_check_environment(p, "prod", why, sizeof(why)), 0);
	assert_int_equal(policy_check_secret(p, "anything", why, sizeof(why)), 0);
	assert_int_equal(key(p, "s", "PEM", "-----BEGIN\nabc\r\n-----END\n", &r, why), 0);
	assert_false(r.drop);
	assert_int_equal(r.delivery, POLICY_DELIVER_ENV);
	assert_int_equal(r.override, POLICY_OVERRIDE_UNSET);
	assert_int_equal(policy_check_required(p, "s", keys, 1, why, sizeof(why)), 0);
	assert_int_equal(policy_conflict_mode(p), POLICY_CONFLICT_UNSET);
	assert_false(policy_pass_through(p, "HOME"));
	assert_int_equal(key(p, "s", "1BAD", "x", &r, why), -1);
	assert_string_equal(why, "secret 's' key '1BAD': not a valid environment variable name");
	policy_free(p);
}

static void
environments(void **state)
{
	struct policy *p = load("version: 1\nenvironments: [prod, staging]\n");
	char why[256];

	(void)state;
	assert_int_equal(policy_check_environment(p, "prod", why, sizeof(why)), 0);
	assert_int_equal(policy_check_environment(p, "staging", why, sizeof(why)), 0);
	assert_int_equal(policy_check_environment(p, "dev", why, sizeof(why)), -1);
	assert_string_equal(why, "environment 'dev' is not in the policy's environments");
	assert_int_equal(policy_check_environment(p, "Prod", why, sizeof(why)), -1);
	assert_int_equal(policy_check_environment(p, "pro", why, sizeof(why)), -1);
	policy_free(p);
}

static const char *secrets_yaml =
	"version: 1\n"
	"secrets:\n"
	"  db:\n"
	"    keys:\n"
	"      DB_PASSWORD: {required: true, pattern: '[A-Za-z0-9]{8,}', max_length: 16}\n"
	"      DB_HOST:\n"
	"      \"DB_*\": {override: true}\n"
	"      \"DB_[A-Z]*\": {delivery: file}\n"
	"  \"stripe-*\":\n"
	"    unknown_keys: drop\n"
	"    keys:\n"
	"      STRIPE_KEY: {pattern: 'sk_(live|test)_[a-z0-9]+', override: false}\n"
	"      CERT: {multiline: true, delivery: file}\n"
	"      NOTE: {}\n";

static void
secrets_and_globs(void **state)
{
	struct policy *p = load(secrets_yaml);
	struct policy_key_rule r;
	char why[256];

	(void)state;
	assert_int_equal(policy_check_secret(p, "db", why, sizeof(why)), 0);
	assert_int_equal(policy_check_secret(p, "stripe-live", why, sizeof(why)), 0);
	assert_int_equal(policy_check_secret(p, "stripe", why, sizeof(why)), -1);
	assert_string_equal(why, "secret 'stripe' is not in the policy's secrets");
	assert_int_equal(policy_check_secret(p, "dbx", why, sizeof(why)), -1);
	/* An exact name wins over globs; among globs the first in the file wins. */
	assert_int_equal(key(p, "db", "DB_HOST", "h", &r, why), 0);
	assert_int_equal(r.override, POLICY_OVERRIDE_UNSET);
	assert_int_equal(r.delivery, POLICY_DELIVER_ENV);
	assert_int_equal(key(p, "db", "DB_PORT", "5432", &r, why), 0);
	assert_int_equal(r.override, POLICY_OVERRIDE_ALLOW);
	assert_int_equal(r.delivery, POLICY_DELIVER_ENV);
	assert_int_equal(key(p, "db", "OTHER", "x", &r, why), -1);
	assert_string_equal(why,
			    "secret 'db' key 'OTHER': not allowed by the policy (unknown_keys: reject)");
	assert_int_equal(key(p, "stripe-x", "STRIPE_KEY", "sk_test_abc1", &r, why), 0);
	assert_int_equal(r.override, POLICY_OVERRIDE_DENY);
	assert_int_equal(key(p, "stripe-x", "CERT", "a\nb\n", &r, why), 0);
	assert_int_equal(r.delivery, POLICY_DELIVER_FILE);
	assert_int_equal(key(p, "nope", "A", "x", &r, why), -1);
	assert_string_equal(why, "secret 'nope' is not in the policy's secrets");
	policy_free(p);
}

static void
unknown_keys(void **state)
{
	struct policy *p = load(secrets_yaml);
	struct policy *q = load("version: 1\nunknown_keys: drop\nsecrets:\n"
				"  a: {keys: {A: {}}}\n"
				"  b: {unknown_keys: reject, keys: {A: {}}}\n");
	struct policy_key_rule r;
	char why[256];

	(void)state;
	assert_int_equal(key(p, "stripe-x", "EXTRA", "v", &r, why), 0);
	assert_true(r.drop);
	assert_int_equal(key(p, "stripe-x", "NOTE", "v", &r, why), 0);
	assert_false(r.drop);
	/* A denied key is refused even where unknown keys are dropped. */
	assert_int_equal(key(p, "stripe-x", "LD_PRELOAD", "v", &r, why), -1);
	assert_int_equal(key(q, "a", "B", "v", &r, why), 0);
	assert_true(r.drop);
	assert_int_equal(key(q, "b", "B", "v", &r, why), -1);
	assert_string_equal(why,
			    "secret 'b' key 'B': not allowed by the policy (unknown_keys: reject)");
	policy_free(p);
	policy_free(q);
}

struct value_case {
	const char *key, *value;
	int want;
	const char *why;
};

static const struct value_case value_cases[] = {
	{ "DB_PASSWORD", "abcdefgh", 0, "" },
	{ "DB_PASSWORD", "abcdefgh12345678", 0, "" },
	{ "DB_PASSWORD", "abcdefgh123456789", -1,
	  "secret 'db' key 'DB_PASSWORD': value is longer than max_length 16" },
	{ "DB_PASSWORD", "abc", -1,
	  "secret 'db' key 'DB_PASSWORD': value does not match the pattern of rule 'DB_PASSWORD'" },
	/* The pattern must match the whole value, not a part of it. */
	{ "DB_PASSWORD", "abcdefgh!", -1,
	  "secret 'db' key 'DB_PASSWORD': value does not match the pattern of rule 'DB_PASSWORD'" },
	{ "DB_PASSWORD", "!abcdefgh", -1,
	  "secret 'db' key 'DB_PASSWORD': value does not match the pattern of rule 'DB_PASSWORD'" },
	{ "DB_PASSWORD", "abcd\nefgh", -1,
	  "secret 'db' key 'DB_PASSWORD': value has a line break and multiline is false" },
	{ "DB_HOST", "a\rb", -1,
	  "secret 'db' key 'DB_HOST': value has a line break and multiline is false" },
	{ "DB_HOST", "", 0, "" },
	{ "DB_HOST", "x=y;$(z) \t", 0, "" },
};

static void
values(void **state)
{
	struct policy *p = load(secrets_yaml);
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(value_cases) / sizeof(*value_cases); i++) {
		const struct value_case *c = &value_cases[i];
		assert_int_equal(key(p, "db", c->key, c->value, NULL, why), c->want);
		assert_string_equal(why, c->why);
	}
	policy_free(p);
}

static void
alternation_is_anchored(void **state)
{
	struct policy *p = load("version: 1\nsecrets:\n  s:\n    keys:\n"
				"      A: {pattern: 'red|blue'}\n"
				"      B: {pattern: '.*', multiline: true}\n");
	char why[256];

	(void)state;
	assert_int_equal(key(p, "s", "A", "red", NULL, why), 0);
	assert_int_equal(key(p, "s", "A", "blue", NULL, why), 0);
	assert_int_equal(key(p, "s", "A", "redblue", NULL, why), -1);
	assert_int_equal(key(p, "s", "A", "xred", NULL, why), -1);
	assert_int_equal(key(p, "s", "A", "blued", NULL, why), -1);
	assert_int_equal(key(p, "s", "B", "line1\nline2\n", NULL, why), 0);
	policy_free(p);
}

/* Values are any bytes but NUL; the length given is the truth, not strlen. */
static void
nul_and_length(void **state)
{
	struct policy *p = load(secrets_yaml);
	struct policy *d;
	struct policy_key_rule r;
	const unsigned char v[] = { 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', '\0', 'x' };
	char why[256];

	(void)state;
	assert_int_equal(policy_check_key(p, "db", "DB_PASSWORD", v, 8, &r, why, sizeof(why)), 0);
	assert_int_equal(policy_check_key(p, "db", "DB_PASSWORD", v, 10, &r, why, sizeof(why)), -1);
	assert_string_equal(why, "secret 'db' key 'DB_PASSWORD': value contains a NUL byte");
	assert_int_equal(policy_default(&d), 0);
	assert_int_equal(policy_check_key(d, "db", "A", v, 10, &r, why, sizeof(why)), -1);
	assert_int_equal(policy_check_key(d, "db", "A", v, 0, &r, why, sizeof(why)), 0);
	policy_free(d);
	policy_free(p);
}

static void
required(void **state)
{
	struct policy *p = load(secrets_yaml);
	const char *all[] = { "DB_HOST", "DB_PASSWORD" };
	const char *some[] = { "DB_HOST", "DB_PASSWORDS" };
	char why[256];

	(void)state;
	assert_int_equal(policy_check_required(p, "db", all, 2, why, sizeof(why)), 0);
	assert_int_equal(policy_check_required(p, "db", some, 2, why, sizeof(why)), -1);
	assert_string_equal(why, "secret 'db': required key 'DB_PASSWORD' is missing");
	assert_int_equal(policy_check_required(p, "db", NULL, 0, why, sizeof(why)), -1);
	assert_int_equal(policy_check_required(p, "stripe-a", NULL, 0, why, sizeof(why)), 0);
	assert_int_equal(policy_check_required(p, "other", all, 2, why, sizeof(why)), -1);
	assert_string_equal(why, "secret 'other' is not in the policy's secrets");
	policy_free(p);
}

static void
deny_and_lift(void **state)
{
	struct policy *p = load("version: 1\nallow_denied: [PATH, LD_LIBRARY_PATH]\n"
				"deny: [\"AWS_*\", HOME]\n");
	char why[256];

	(void)state;
	assert_int_equal(key(p, "s", "PATH", "/bin", NULL, why), 0);
	assert_int_equal(key(p, "s", "LD_LIBRARY_PATH", "/opt/lib", NULL, why), 0);
	/* Lifting one name leaves the rest of its glob denied. */
	assert_int_equal(key(p, "s", "LD_PRELOAD", "x", NULL, why), -1);
	assert_string_equal(why, "secret 's' key 'LD_PRELOAD': denied by 'LD_*'");
	assert_int_equal(key(p, "s", "AWS_SECRET_ACCESS_KEY", "x", NULL, why), -1);
	assert_string_equal(why, "secret 's' key 'AWS_SECRET_ACCESS_KEY': denied by 'AWS_*'");
	assert_int_equal(key(p, "s", "HOME", "x", NULL, why), -1);
	assert_int_equal(key(p, "s", "PYTHONPATH", "x", NULL, why), -1);
	policy_free(p);
}

/* A file-delivered key K sets K_FILE, which must not be a denied name. */
static void
file_delivery_name(void **state)
{
	struct policy *p = load("version: 1\nsecrets:\n  s:\n    keys:\n"
				"      \"L*\": {delivery: file}\n      X: {delivery: file}\n");
	struct policy_key_rule r;
	char why[256];

	(void)state;
	assert_int_equal(key(p, "s", "LD", "x", &r, why), -1);
	assert_string_equal(why,
			    "secret 's' key 'LD': delivery file would set LD_FILE, denied by 'LD_*'");
	assert_int_equal(key(p, "s", "LOG", "x", &r, why), 0);
	assert_int_equal(r.delivery, POLICY_DELIVER_FILE);
	assert_int_equal(key(p, "s", "X", "x", &r, why), 0);
	assert_int_equal(r.delivery, POLICY_DELIVER_FILE);
	policy_free(p);
}

static void
pass_through(void **state)
{
	struct policy *p = load("version: 1\npass_through: [HOME, \"LC_*\", PATH, \"MODAL_*\"]\n");

	(void)state;
	assert_true(policy_pass_through(p, "HOME"));
	assert_true(policy_pass_through(p, "LC_ALL"));
	assert_true(policy_pass_through(p, "PATH"));
	assert_true(policy_pass_through(p, "MODAL_SERVER_URL"));
	assert_false(policy_pass_through(p, "MODAL_TOKEN_SECRET"));
	assert_false(policy_pass_through(p, "HOMEDIR"));
	assert_false(policy_pass_through(p, "LANG"));
	policy_free(p);
}

static void
conflict_modes(void **state)
{
	static const struct {
		const char *yaml;
		enum policy_conflict want;
	} cases[] = {
		{ "version: 1\n", POLICY_CONFLICT_UNSET },
		{ "version: 1\non_conflict: error\n", POLICY_CONFLICT_ERROR },
		{ "version: 1\non_conflict: first-wins\n", POLICY_CONFLICT_FIRST_WINS },
		{ "version: 1\non_conflict: last-wins\n", POLICY_CONFLICT_LAST_WINS },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct policy *p = load(cases[i].yaml);
		assert_int_equal(policy_conflict_mode(p), cases[i].want);
		policy_free(p);
	}
}

/* No refusal may carry the value, and a short buffer only cuts the reason. */
static void
why_never_holds_the_value(void **state)
{
	struct policy *p = load(secrets_yaml);
	const char *v = "hunter2\nhunter2hunter2hunter2";
	struct policy_key_rule r;
	char why[256], small[8];
	const char *k[] = { "DB_PASSWORD", "DB_HOST", "LD_PRELOAD", "UNKNOWN" };
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		assert_int_equal(key(p, "db", k[i], v, &r, why), -1);
		assert_null(strstr(why, "hunter2"));
	}
	memset(small, 'Z', sizeof(small));
	assert_int_equal(policy_check_key(p, "db", "LD_PRELOAD", (const unsigned char *)"x", 1,
					  &r, small, sizeof(small)), -1);
	assert_string_equal(small, "secret ");
	assert_int_equal(policy_check_key(p, "db", "LD_PRELOAD", (const unsigned char *)"x", 1,
					  &r, NULL, 0), -1);
	policy_free(p);
}

/* Hostile names are printed escaped, so they cannot forge a log line. */
static void
names_escaped(void **state)
{
	struct policy *p = load("version: 1\nenvironments: [prod]\n");
	char why[256];

	(void)state;
	assert_int_equal(policy_check_environment(p, "x\nmodal-run: ok", why, sizeof(why)), -1);
	assert_null(strchr(why, '\n'));
	assert_string_equal(why, "environment 'x\\x0amodal-run: ok' is not in the policy's environments");
	policy_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_denylist),
		cmocka_unit_test(default_allows),
		cmocka_unit_test(environments),
		cmocka_unit_test(secrets_and_globs),
		cmocka_unit_test(unknown_keys),
		cmocka_unit_test(values),
		cmocka_unit_test(alternation_is_anchored),
		cmocka_unit_test(nul_and_length),
		cmocka_unit_test(required),
		cmocka_unit_test(deny_and_lift),
		cmocka_unit_test(file_delivery_name),
		cmocka_unit_test(pass_through),
		cmocka_unit_test(conflict_modes),
		cmocka_unit_test(why_never_holds_the_value),
		cmocka_unit_test(names_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
