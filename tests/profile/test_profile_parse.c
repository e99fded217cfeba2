/* test_profile_parse.c — the profile parser and profile choice: a table of
 * files and the profile each must give, every escape, and errors built in
 * code (the bad/ corpus has the rest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "secmem.h"

#define ID_A "ak-AAAAAAAAAAAAAAAAAAAAAA"
#define SECRET_A "as-aaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "ak-BBBBBBBBBBBBBBBBBBBBBB"
#define SECRET_B "as-bbbbbbbbbbbbbbbbbbbbbb"
#define KEY_HEX "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF"

/* What `modal token set` and `modal profile activate` leave behind. */
static const char modal_layout[] =
	"[default]\n"
	"token_id = \"" ID_A "\"\n"
	"token_secret = \"" SECRET_A "\"\n"
	"\n"
	"[prod]\n"
	"token_id = \"" ID_B "\"\n"
	"token_secret = \"" SECRET_B "\"\n"
	"environment = \"prod\"\n"
	"server_url = \"https://vault.example.com\"\n"
	"active = true\n"
	"\n"
	"[\"my profile\"]\n"
	"token_id = 'ak-C'\n"
	"token_secret = 'as-c'\n"
	"active = false\n";

struct good_case {
	const char *in;
	const char *want;              /* the --profile value, or NULL */
	const char *name, *token_id, *token_secret, *environment, *server_url;
};

static const struct good_case good[] = {
	/* Modal's layout: the active profile, or the one asked for. */
	{ modal_layout, NULL, "prod", ID_B, SECRET_B, "prod", "https://vault.example.com" },
	{ modal_layout, "default", "default", ID_A, SECRET_A, NULL, NULL },
	{ modal_layout, "my profile", "my profile", "ak-C", "as-c", NULL, NULL },
	{ modal_layout, "", "prod", ID_B, SECRET_B, "prod", "https://vault.example.com" },
	/* No active profile: [default]. */
	{ "[x]\ntoken_id = \"ak-x\"\n[default]\ntoken_id = \"ak-d\"\n", NULL, "default",
	  "ak-d", NULL, NULL, NULL },
	/* No profile at all: nothing configured (neither active nor default is
	 * an error: test_none_applies). */
	{ "", NULL, "", NULL, NULL, NULL, NULL },
	/* The active mark may come after the profile it overrides. */
	{ "[default]\nenvironment = \"main\"\n[b]\nactive = true\nenvironment = \"b\"\n",
	  NULL, "b", NULL, NULL, "b", NULL },
	/* Comments, blank lines, spacing, CRLF, tabs, no final newline. */
	{ "# top\n\n  [ default ]  # c\r\n\tenvironment\t=\t\"dev\"  # c \"x\"\r\n"
	  "server_url='unix:/run/v.sock'#c", NULL, "default", NULL, NULL, "dev",
	  "unix:/run/v.sock" },
	/* '#' inside strings is text; quoted table names with escapes. */
	{ "[\"a\\u0062c\"]\nserver_url = \"http://h/#x\"\nactive = true\n", NULL, "abc",
	  NULL, NULL, NULL, "http://h/#x" },
	{ "['lit\\eral']\nactive=true\n", NULL, "lit\\eral", NULL, NULL, NULL, NULL },
	{ "[\"\xc3\xa9t\xc3\xa9\"]\n", "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9", NULL, NULL,
	  NULL, NULL },
};

static void
check_field(size_t i, const char *what, const char *got, const char *want)
{
	if (want == NULL && got != NULL)
		fail_msg("case %zu: %s is set", i, what);
	if (want != NULL && (got == NULL || strcmp(got, want) != 0))
		fail_msg("case %zu: %s is \"%s\", not \"%s\"", i, what, got ? got : "(null)", want);
}

static void
test_good(void **state)
{
	struct profile p;
	struct mr_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		mr_clear(&e);
		if (profile_parse(good[i].in, strlen(good[i].in), "t.toml", good[i].want, &p,
				  &e) != 0)
			fail_msg("case %zu: %s", i, e.msg);
		assert_string_equal(p.name, good[i].name);
		assert_string_equal(p.path, "t.toml");
		check_field(i, "token_id", p.token_id, good[i].token_id);
		check_field(i, "token_secret", p.token_secret, good[i].token_secret);
		check_field(i, "environment", p.environment, good[i].environment);
		check_field(i, "server_url", p.server_url, good[i].server_url);
		if (p.token_secret != NULL)
			assert_int_equal(p.token_secret_len, strlen(good[i].token_secret));
		profile_clear(&p);
	}
}

/* Every key we take, with the values we keep. */
static void
test_all_keys(void **state)
{
	static const char in[] =
		"[default]\n"
		"token_id = \"" ID_A "\"\n"
		"token_secret = \"" SECRET_A "\"\n"
		"environment = \"main\"\n"
		"server_url = \"https://a.example,https://b.example\"\n"
		"active = true\n"
		"policy = \"/etc/modal/policy.yaml\"\n"
		"vault_public_key = \"" KEY_HEX "\"\n"
		"cache_dir = '/var/cache/modal-run'\n";
	struct profile p;
	struct mr_err e;

	(void)state;
	assert_int_equal(profile_parse(in, sizeof(in) - 1, "t", NULL, &p, &e), 0);
	assert_string_equal(p.name, "default");
	assert_string_equal(p.token_id, ID_A);
	assert_string_equal(p.token_secret, SECRET_A);
	assert_string_equal(p.environment, "main");
	assert_string_equal(p.server_url, "https://a.example,https://b.example");
	assert_string_equal(p.policy, "/etc/modal/policy.yaml");
	assert_string_equal(p.vault_public_key, KEY_HEX);
	assert_string_equal(p.cache_dir, "/var/cache/modal-run");
	assert_string_equal(p.warning, "");
	profile_clear(&p);
	assert_null(p.token_secret);
	assert_null(p.token_id);
	assert_string_equal(p.name, "");
}

struct escape_case {
	const char *in;                /* the string as written, quotes included */
	const char *out;               /* what it decodes to */
};

/* The escapes that decode to printable text, decoded into the profile's
 * name, where no value rule stands between the decoder and the test. */
static const struct escape_case escapes[] = {
	{ "\"a\\\"b\"", "a\"b" },
	{ "\"a\\\\b\"", "a\\b" },
	{ "\"\\u00e9\"", "\xc3\xa9" },
	{ "\"\\u00E9\"", "\xc3\xa9" },
	{ "\"\\u0041\\u007a\"", "Az" },
	{ "\"\\u20ac\"", "\xe2\x82\xac" },
	{ "\"\\uFFFF\"", "\xef\xbf\xbf" },
	{ "\"\\U0001F600\"", "\xf0\x9f\x98\x80" },
	{ "\"\\U0010FFFF\"", "\xf4\x8f\xbf\xbf" },
	{ "\"\\U0000007e\"", "~" },
	{ "\"\\u00a0\\u0080\"", "\xc2\xa0\xc2\x80" },
	{ "'\\n\\u0041'", "\\n\\u0041" },          /* literal: no escapes */
	{ "'a\"b'", "a\"b" },
	{ "\"a'b\"", "a'b" },
};

static void
test_escapes(void **state)
{
	char in[256];
	struct profile p;
	struct mr_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
		snprintf(in, sizeof(in), "[%s]\nactive = true\n", escapes[i].in);
		if (profile_parse(in, strlen(in), "t", NULL, &p, &e) != 0)
			fail_msg("escape %zu: %s", i, e.msg);
		if (strcmp(p.name, escapes[i].out) != 0)
			fail_msg("escape %zu: %s decoded wrongly", i, escapes[i].in);
		profile_clear(&p);
	}
}

/* \b \t \n \f \r and \u001b decode to control characters, which no value
 * may hold: the parser takes them and the value rule, not the escape
 * reader, refuses them (an unknown escape fails at its backslash). */
static void
test_control_escapes(void **state)
{
	static const char *const seqs[] = { "\\b", "\\t", "\\n", "\\f", "\\r",
					    "\\u001b", "\\U0000007F" };
	char in[128];
	struct profile p;
	struct mr_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		snprintf(in, sizeof(in), "[p]\nserver_url = \"x%sy\"\n", seqs[i]);
		assert_int_equal(profile_parse(in, strlen(in), "t", NULL, &p, &e), -1);
		assert_string_equal(e.msg, "t:2:14: \"server_url\" must be a non-empty URL "
				    "without spaces or control characters");
		snprintf(in, sizeof(in), "[\"x%sy\"]\n", seqs[i]);
		assert_int_equal(profile_parse(in, strlen(in), "t", NULL, &p, &e), -1);
		assert_string_equal(e.msg, "t:1:2: control character in the profile name");
	}
}

/* Escapes reach values too, and the value rules see the decoded text. */
static void
test_escapes_in_values(void **state)
{
	static const char in[] = "[p]\nactive = true\ntoken_id = \"\\u0061k-\\u0041b\"\n"
				 "token_secret = \"as-\\U00000031\"\npolicy = \"/a\\\\b\"\n";
	static const char bad[] = "[p]\npolicy = \"/a\\nb\"\n";
	struct profile p;
	struct mr_err e;

	(void)state;
	assert_int_equal(profile_parse(in, sizeof(in) - 1, "t", NULL, &p, &e), 0);
	assert_string_equal(p.token_id, "ak-Ab");
	assert_string_equal(p.token_secret, "as-1");
	assert_string_equal(p.policy, "/a\\b");
	profile_clear(&p);
	assert_int_equal(profile_parse(bad, sizeof(bad) - 1, "t", NULL, &p, &e), -1);
	assert_string_equal(e.msg, "t:2:10: \"policy\" must be an absolute path without "
			    "control characters");
}

static void
test_limits(void **state)
{
	size_t big = PROFILE_FILE_MAX + 1, i;
	char *in = malloc(big);
	struct profile p;
	struct mr_err e;

	(void)state;
	memset(in, '\n', big);
	assert_int_equal(profile_parse(in, big, "t", NULL, &p, &e), -1);
	assert_string_equal(e.msg, "t: larger than 1 MiB");
	assert_int_equal(e.kind, MR_E_CONFIG);
	/* Exactly 1 MiB of blank lines is fine. */
	assert_int_equal(profile_parse(in, big - 1, "t", NULL, &p, &e), 0);
	profile_clear(&p);
	/* 256 profiles are fine, the 257th is not. */
	for (i = 0; i < 257; i++)
		snprintf(in + i * 9, 10, "[p%05zu]\n", i);
	assert_int_equal(profile_parse(in, 256 * 9, "t", "p00255", &p, &e), 0);
	assert_string_equal(p.name, "p00255");
	profile_clear(&p);
	assert_int_equal(profile_parse(in, 257 * 9, "t", NULL, &p, &e), -1);
	assert_string_equal(e.msg, "t:257:2: more than 256 profiles");
	free(in);
}

/* A failed parse leaves nothing behind, even when the chosen profile's
 * values had been read. */
/* As Modal's client writes it (toml.dump of its settings): every key its
 * config.py defines is taken, the ones meaning nothing here dropped, with
 * no warning; numbers and booleans are fine for those. */
static void
test_modal_written(void **state)
{
	static const char in[] =
		"[default]\ntoken_id = \"" ID_A "\"\ntoken_secret = \"" SECRET_A "\"\n"
		"loglevel = \"DEBUG\"\nimage_builder_version = \"2024.10\"\n"
		"logs_timeout = 20.0\nheartbeat_interval = 15\nserve_timeout = -1_000e-3\n"
		"traceback = true\nforce_build = false\nlog_format = \"JSON\"\n\n"
		"[prod]\ntoken_id = \"" ID_B "\"\ntoken_secret = \"" SECRET_B "\"\n"
		"server_url = \"https://vault.example.com\"\nenvironment = \"prod\"\n"
		"active = true\nloglevel = 'INFO' # c\n";
	struct profile p;
	struct mr_err e;

	(void)state;
	mr_clear(&e);
	if (profile_parse(in, sizeof(in) - 1, "m.toml", NULL, &p, &e) != 0)
		fail_msg("%s", e.msg);
	assert_string_equal(p.name, "prod");
	assert_string_equal(p.token_id, ID_B);
	assert_string_equal(p.environment, "prod");
	assert_string_equal(p.warning, "");
	profile_clear(&p);
	assert_int_equal(profile_parse(in, sizeof(in) - 1, "m.toml", "default", &p, &e), 0);
	assert_string_equal(p.token_secret, SECRET_A);
	assert_null(p.server_url);
	profile_clear(&p);
}

/* Unknown keys: a warning a key with file, line and column, at most
 * WARNED_MAX of them and a count of the rest. */
static void
test_unknown_keys_warn(void **state)
{
	char in[1024] = "[a]\nactive = true\n", *w;
	struct profile p;
	struct mr_err e;
	int i, lines = 0;

	(void)state;
	for (i = 0; i < 10; i++)
		snprintf(in + strlen(in), sizeof(in) - strlen(in), "k%d = \"v\"\n", i);
	assert_int_equal(profile_parse(in, strlen(in), "u.toml", NULL, &p, &e), 0);
	for (w = p.warning; (w = strchr(w, '\n')) != NULL; w++)
		lines++;
	assert_int_equal(lines, 8);
	assert_non_null(strstr(p.warning, "u.toml:3:1: unknown key \"k0\" in [a] ignored"));
	assert_non_null(strstr(p.warning, "\nu.toml: and 2 more unknown keys ignored"));
	profile_clear(&p);
}

/* Profiles of which none is active nor [default], nothing named: Modal
 * fails, and so do we, rather than falling back to the embedded vault. */
static void
test_none_applies(void **state)
{
	static const char in[] = "[x]\ntoken_id = \"ak-x\"\n[y]\n";
	struct profile p;
	struct mr_err e;

	(void)state;
	assert_int_equal(profile_parse(in, sizeof(in) - 1, "n.toml", NULL, &p, &e), -1);
	assert_int_equal(e.kind, MR_E_CONFIG);
	assert_string_equal(e.msg, "n.toml: no profile applies: none has active = true, none is "
			    "[default] and neither --profile nor MODAL_PROFILE names one "
			    "(set active = true in one)");
	assert_int_equal(profile_parse(in, sizeof(in) - 1, "n.toml", "y", &p, &e), 0);
	assert_string_equal(p.name, "y");
	profile_clear(&p);
}

static void
test_error_leaves_empty(void **state)
{
	static const char in[] = "[a]\nactive = true\ntoken_secret = \"as-x\"\n"
				 "[b]\nactive = true\n";
	struct profile p;
	struct mr_err e;

	(void)state;
	assert_int_equal(profile_parse(in, sizeof(in) - 1, NULL, NULL, &p, &e), -1);
	assert_string_equal(e.msg, "profile:5:10: two active profiles: [a] (line 2) and [b]");
	assert_null(p.token_secret);
	assert_string_equal(p.name, "");
	assert_string_equal(p.path, "");
}

/* A name the caller gives is quoted safely in the error. */
static void
test_named_not_found(void **state)
{
	struct profile p;
	struct mr_err e;

	(void)state;
	assert_int_equal(profile_parse(modal_layout, sizeof(modal_layout) - 1, "~/.modal.toml",
				       "staging\n", &p, &e), -1);
	assert_string_equal(e.msg, "~/.modal.toml: profile \"staging\\x0a\" not found");
	assert_int_equal(profile_parse("", 0, "~/.modal.toml", "prod", &p, &e), -1);
	assert_string_equal(e.msg, "~/.modal.toml: profile \"prod\" not found");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_control_escapes),
		cmocka_unit_test(test_escapes_in_values),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_error_leaves_empty),
		cmocka_unit_test(test_modal_written),
		cmocka_unit_test(test_unknown_keys_warn),
		cmocka_unit_test(test_none_applies),
		cmocka_unit_test(test_named_not_found),
	};

	if (secmem_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
