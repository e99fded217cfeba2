/* test_settings.c — durations, and which source each vault setting comes
 * from: flag > variable > systemd credential (token) > profile > default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "settings.h"

static const struct { const char *text; int64_t ms; } durations[] = {
	{ "10", 10000 }, { "0", 0 }, { "10s", 10000 }, { "500ms", 500 }, { "2m", 120000 },
	{ "1h30m", 5400000 }, { "1h30m15s", 5415000 }, { "7d", 604800000 }, { "24h", 86400000 },
	{ "1m500ms", 60500 }, { "366d", 366LL * 86400000 },
};
static const char *const bad_durations[] = {
	"", "s", "10x", "-1s", "1.5s", " 10s", "10s ", "10 s", "1h 30m", "10sm", "m10",
	"401d", "99999999999", "10S", "1e3",
};

static void
test_durations(void **state)
{
	int64_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		ms = -1;
		if (settings_parse_duration(durations[i].text, &ms) != 0)
			fail_msg("'%s' refused", durations[i].text);
		if (ms != durations[i].ms)
			fail_msg("'%s' = %lld, want %lld", durations[i].text, (long long)ms,
				 (long long)durations[i].ms);
	}
	for (i = 0; i < sizeof(bad_durations) / sizeof(bad_durations[0]); i++)
		if (settings_parse_duration(bad_durations[i], &ms) == 0)
			fail_msg("'%s' accepted", bad_durations[i]);
}

static char dir[64], config[128], creds[128];
static const char id_file[] = "ak-FileFileFileFileFile1";
static const char secret_file[] = "as-filefilefilefilefilefilefilefilefilefilefil";
static const char id_cred[] = "ak-CredCredCredCredCred1";
static const char secret_cred[] = "as-credcredcredcredcredcredcredcredcredcredcre";
static const char key[] = "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29";

static const char *const variables[] = {
	"MODAL_SERVER_URL", "MODAL_TOKEN_ID", "MODAL_TOKEN_SECRET", "MODAL_ENVIRONMENT",
	"MODAL_PROFILE", "MODAL_CONFIG_PATH", "MODAL_VAULT_PUBLIC_KEY", "MODAL_TIMEOUT",
	"MODAL_CACERT", "MODAL_CACHE_DIR", "MODAL_CACHE_MAX_AGE", "MODAL_POLICY",
	"CREDENTIALS_DIRECTORY",
};

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
}

static int
setup(void **state)
{
	char text[1024], path[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(variables) / sizeof(variables[0]); i++)
		unsetenv(variables[i]);
	snprintf(dir, sizeof(dir), "/tmp/modal-settings-XXXXXX");
	assert_non_null(mkdtemp(dir));
	setenv("HOME", dir, 1);
	snprintf(config, sizeof(config), "%s/modal.toml", dir);
	snprintf(text, sizeof(text),
		 "[default]\ntoken_id = \"%s\"\ntoken_secret = \"%s\"\n"
		 "server_url = \"https://from-profile\"\nenvironment = \"prof-env\"\n"
		 "vault_public_key = \"%s\"\ncache_dir = \"/var/cache/p\"\npolicy = \"/etc/p.yaml\"\n"
		 "[other]\ntoken_id = \"ak-OtherOtherOtherOther1\"\n"
		 "token_secret = \"as-otherotherotherotherotherotherotherother1\"\n",
		 id_file, secret_file, key);
	write_file(config, text);
	snprintf(creds, sizeof(creds), "%s/creds", dir);
	assert_int_equal(mkdir(creds, 0700), 0);
	snprintf(path, sizeof(path), "%s/modal-token", creds);
	snprintf(text, sizeof(text), "%s:%s\n", id_cred, secret_cred);
	write_file(path, text);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
resolve(const struct settings_flags *f, struct vault_settings *s)
{
	struct mr_err e = { 0 };

	if (settings_resolve(f, s, &e) != 0)
		fail_msg("%s", e.msg);
}

static void
test_defaults(void **state)
{
	struct settings_flags f = { 0 };
	struct vault_settings s;
	char want[200];

	(void)state;
	resolve(&f, &s);
	snprintf(want, sizeof(want), "file:%s/.local/share/modal-vault", dir);
	assert_string_equal(s.url, want);
	assert_null(s.env);
	assert_null(s.token_id);
	assert_null(s.token_secret);
	assert_null(s.vault_key);
	assert_null(s.cache_dir);
	assert_int_equal(s.timeout_ms, 10000);
	assert_int_equal(s.cache_max_age, 24 * 3600);
	settings_clear(&s);
}

static void
test_profile(void **state)
{
	struct settings_flags f = { .config = config };
	struct vault_settings s;

	(void)state;
	resolve(&f, &s);
	assert_string_equal(s.url, "https://from-profile");
	assert_string_equal(s.env, "prof-env");
	assert_string_equal(s.token_id, id_file);
	assert_int_equal(s.token_secret_len, strlen(secret_file));
	assert_memory_equal(s.token_secret, secret_file, strlen(secret_file));
	assert_string_equal(s.vault_key, key);
	assert_string_equal(s.cache_dir, "/var/cache/p");
	assert_string_equal(s.policy, "/etc/p.yaml");
	settings_clear(&s);
	f.profile = "other";
	resolve(&f, &s);
	assert_string_equal(s.token_id, "ak-OtherOtherOtherOther1");
	assert_null(s.env);
	settings_clear(&s);
}

/* ~/.modal.toml is read when it exists, and only then (its absence costs a
 * launch nothing); a profile named without a file is an error. */
static void
test_default_file(void **state)
{
	struct settings_flags f = { 0 };
	struct vault_settings s;
	struct mr_err e = { 0 };
	char home_file[200], cmd[512];

	(void)state;
	f.profile = "other";
	assert_int_equal(settings_resolve(&f, &s, &e), -1);
	settings_clear(&s);
	assert_int_equal(e.kind, MR_E_CONFIG);
	f.profile = NULL;
	snprintf(home_file, sizeof(home_file), "%s/.modal.toml", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", config, home_file);
	assert_int_equal(system(cmd), 0);
	resolve(&f, &s);
	assert_string_equal(s.url, "https://from-profile");
	assert_string_equal(s.token_id, id_file);
	settings_clear(&s);
}

/* The credential replaces the profile's token and nothing else. */
static void
test_credential(void **state)
{
	struct settings_flags f = { .config = config };
	struct vault_settings s;

	(void)state;
	setenv("CREDENTIALS_DIRECTORY", creds, 1);
	resolve(&f, &s);
	assert_string_equal(s.token_id, id_cred);
	assert_memory_equal(s.token_secret, secret_cred, strlen(secret_cred));
	assert_string_equal(s.url, "https://from-profile");
	settings_clear(&s);
	unsetenv("CREDENTIALS_DIRECTORY");
}

static void
test_variables(void **state)
{
	struct settings_flags f = { .config = config };
	struct vault_settings s;
	char *v;

	(void)state;
	setenv("CREDENTIALS_DIRECTORY", creds, 1);
	setenv("MODAL_SERVER_URL", "http://from-env", 1);
	setenv("MODAL_TOKEN_ID", "ak-EnvEnvEnvEnvEnvEnvEnv1", 1);
	setenv("MODAL_TOKEN_SECRET", "as-envenvenvenvenvenvenvenvenvenvenvenvenvenv", 1);
	setenv("MODAL_ENVIRONMENT", "env-env", 1);
	setenv("MODAL_TIMEOUT", "1500ms", 1);
	setenv("MODAL_CACHE_DIR", "/tmp/c", 1);
	setenv("MODAL_CACHE_MAX_AGE", "90m", 1);
	setenv("MODAL_CACERT", "/etc/ca.pem", 1);
	resolve(&f, &s);
	assert_string_equal(s.url, "http://from-env");
	assert_string_equal(s.token_id, "ak-EnvEnvEnvEnvEnvEnvEnv1");
	assert_memory_equal(s.token_secret, "as-envenvenv", 12);
	assert_string_equal(s.env, "env-env");
	assert_int_equal(s.timeout_ms, 1500);
	assert_string_equal(s.cache_dir, "/tmp/c");
	assert_int_equal(s.cache_max_age, 5400);
	assert_string_equal(s.cacert, "/etc/ca.pem");
	/* The variable stays until the token is wiped, then goes with it. */
	v = getenv("MODAL_TOKEN_SECRET");
	assert_int_equal(v[0], 'a');
	settings_wipe_token(&s);
	assert_null(s.token_secret);
	assert_int_equal(v[0], '\0');
	settings_clear(&s);
	/* An empty variable is unset. */
	setenv("MODAL_SERVER_URL", "", 1);
	resolve(&f, &s);
	assert_string_equal(s.url, "https://from-profile");
	settings_clear(&s);
	for (size_t i = 0; i < sizeof(variables) / sizeof(variables[0]); i++)
		unsetenv(variables[i]);
}

static void
test_flags(void **state)
{
	struct settings_flags f = { .config = config, .server = "unix:/run/v.sock",
				    .token_id = "ak-FlagFlagFlagFlagFlag1", .env = "flag-env",
				    .vault_key = key, .timeout = "3s", .cache_dir = "/c",
				    .cache_max_age = "1h", .policy = "/f.yaml" };
	struct vault_settings s;

	(void)state;
	setenv("MODAL_SERVER_URL", "http://from-env", 1);
	setenv("MODAL_TIMEOUT", "9s", 1);
	setenv("MODAL_ENVIRONMENT", "env-env", 1);
	resolve(&f, &s);
	assert_string_equal(s.url, "unix:/run/v.sock");
	assert_string_equal(s.token_id, "ak-FlagFlagFlagFlagFlag1");
	/* No flag for the secret: the profile's. */
	assert_memory_equal(s.token_secret, secret_file, strlen(secret_file));
	assert_string_equal(s.env, "flag-env");
	assert_int_equal(s.timeout_ms, 3000);
	assert_int_equal(s.cache_max_age, 3600);
	assert_string_equal(s.policy, "/f.yaml");
	settings_clear(&s);
}

static void
test_bad_values(void **state)
{
	static const struct { struct settings_flags f; const char *var, *value, *msg; } cases[] = {
		{ { .timeout = "soon" }, NULL, NULL, "--timeout: expected a duration" },
		{ { .timeout = "0" }, NULL, NULL, "--timeout" },
		{ { .timeout = "2h" }, NULL, NULL, "--timeout" },
		{ { 0 }, "MODAL_TIMEOUT", "x", "MODAL_TIMEOUT: expected a duration" },
		{ { .cache_max_age = "400d" }, NULL, NULL, "--cache-max-age" },
		{ { .vault_key = "abc" }, NULL, NULL, "--vault-key: expected the vault's public key" },
		{ { 0 }, "MODAL_VAULT_PUBLIC_KEY", "zz", "MODAL_VAULT_PUBLIC_KEY" },
		{ { .env = "bad env" }, NULL, NULL, "--env: expected an environment name" },
		{ { 0 }, "MODAL_ENVIRONMENT", "bad env", "MODAL_ENVIRONMENT" },
	};
	struct vault_settings s;
	struct mr_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mr_clear(&e);
		if (cases[i].var != NULL)
			setenv(cases[i].var, cases[i].value, 1);
		assert_int_equal(settings_resolve(&cases[i].f, &s, &e), -1);
		settings_clear(&s);
		if (cases[i].var != NULL)
			unsetenv(cases[i].var);
		assert_int_equal(e.kind, MR_E_USAGE);
		if (strstr(e.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, cases[i].msg);
	}
}

/* A bad profile file is configuration (78), named by file and line. */
static void
test_bad_profile(void **state)
{
	struct settings_flags f = { .config = config };
	struct vault_settings s;
	struct mr_err e = { 0 };

	(void)state;
	write_file(config, "[default]\nloglevel = [\"debug\"]\n");
	assert_int_equal(settings_resolve(&f, &s, &e), -1);
	settings_clear(&s);
	assert_int_equal(e.kind, MR_E_CONFIG);
	assert_non_null(strstr(e.msg, ":2:"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credential, setup, teardown),
		cmocka_unit_test_setup_teardown(test_variables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_profile, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
