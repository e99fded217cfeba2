/* test_toml.c — the TOML subset reader alone (config/toml.h), as a caller
 * other than the profile would use it: a table of texts and the items and
 * values each gives, written out as one line ("[t] k=s:v k=b:1 k=n"), and a
 * table of texts and the one error each gives, by kinds the key accepts.
 * The profile's own rules and messages are tests/profile's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "secmem.h"
#include "toml.h"

#define ANY (TOML_STRING | TOML_BOOL | TOML_NUMBER)

/* Every item of text, each key's value read as one of accept. */
static int
walk(const char *text, unsigned accept, char *out, size_t cap, struct mr_err *e)
{
	struct toml t;
	struct toml_item it;
	struct toml_value v;
	size_t used = 0;
	int rc;

	out[0] = '\0';
	toml_open(&t, text, strlen(text), "f.toml", e);
	while ((rc = toml_next(&t, &it)) > 0) {
		if (rc == TOML_TABLE) {
			used += (size_t)snprintf(out + used, cap - used, "[%s] ", it.name);
			continue;
		}
		if ((rc = toml_value(&t, accept, &v)) != 0)
			break;
		if (v.kind == TOML_STRING)
			used += (size_t)snprintf(out + used, cap - used, "%.*s=s:%s ", (int)it.len,
						 it.name, v.str);
		else if (v.kind == TOML_BOOL)
			used += (size_t)snprintf(out + used, cap - used, "%.*s=b:%d ", (int)it.len,
						 it.name, v.b);
		else
			used += (size_t)snprintf(out + used, cap - used, "%.*s=n ", (int)it.len, it.name);
	}
	toml_close(&t);
	return rc;
}

static const struct { const char *in, *want; } good[] = {
	{ "", "" },
	{ "# only a comment\n\n   \t\n", "" },
	{ "[a]\nk = \"v\"\n", "[a] k=s:v " },
	{ "[a]\r\nk = 'lit\\eral' # c\r\n", "[a] k=s:lit\\eral " },
	{ "[\"my profile\"]\nb = true\nc = false\n", "[my profile] b=b:1 c=b:0 " },
	{ "[ x ]\nn = 20.0\nm = -3\np = +1e5\n", "[x] n=n m=n p=n " },
	{ "[a]\nk = \"\\u00e9\\t\\\"\"\n[b]\n", "[a] k=s:\xc3\xa9\t\" [b] " },
	{ "k = \"before any table\"\n", "k=s:before any table " },
	{ "[a]\nk=\"\"\n", "[a] k=s: " },
};

static const struct { const char *in; unsigned accept; const char *want; } bad[] = {
	{ "[a]\nk = 1\n", TOML_STRING, "f.toml:2:5: \"k\" must be a quoted string, not a number" },
	{ "[a]\nk = \"x\"\n", TOML_BOOL, "f.toml:2:5: \"k\" must be true or false, not a string" },
	{ "[a]\nk = [1]\n", ANY,
	  "f.toml:2:5: \"k\" must be a string, a boolean or a number, not an array" },
	{ "[a]\nk = yes\n", ANY, "f.toml:2:5: \"k\" must be a string, a boolean or a number" },
	{ "[a]\nk = \"x\" y\n", ANY, "f.toml:2:9: unexpected text after the value" },
	{ "[a]\nk = \"x\n", ANY, "f.toml:2:5: string is never closed" },
	{ "[a]\nk = \"\"\"x\"\"\"\n", ANY, "f.toml:2:5: multi-line strings are not supported" },
	{ "[a.b]\n", ANY, "f.toml:1:3: dotted table names are not supported" },
	{ "[[a]]\n", ANY, "f.toml:1:1: arrays of tables ([[...]]) are not supported" },
	{ "[a]\na.b = 1\n", ANY, "f.toml:2:2: dotted keys are not supported" },
	{ "[a]\n\"k\" = 1\n", ANY, "f.toml:2:1: quoted keys are not supported" },
	{ "[a]\nk 1\n", ANY, "f.toml:2:3: expected '=' after the key" },
	{ "[a]\nk = \"\\x\"\n", ANY,
	  "f.toml:2:6: unknown escape \\x (TOML has \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)" },
	{ "[a]\nk = \"\\u0000\"\n", ANY, "f.toml:2:6: \\u0000: NUL is not allowed" },
	{ "[a]\nk = \"\\ud800\"\n", ANY, "f.toml:2:6: \\ud800 is not a Unicode scalar value" },
	{ "[a]\nk = \"\x01\"\n", ANY, "f.toml:2:6: control character 0x01" },
	{ "[a]\nk = \"\xc3\"\n", ANY, "f.toml:2:6: invalid UTF-8" },
	{ "\xef\xbb\xbf[a]\n", ANY,
	  "f.toml:1:1: byte order mark (save the file as UTF-8 without one)" },
	{ "[\xc3\xa9]\n", ANY, "f.toml:1:2: expected a profile name after '[' (quote a name that "
	  "is not [A-Za-z0-9_-]+)" },
};

static void
test_good(void **state)
{
	struct mr_err e = { 0 };
	char out[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (walk(good[i].in, ANY, out, sizeof(out), &e) != TOML_END)
			fail_msg("case %zu refused: %s", i, e.msg);
		if (strcmp(out, good[i].want) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, out, good[i].want);
	}
}

static void
test_bad(void **state)
{
	struct mr_err e;
	char out[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		if (walk(bad[i].in, bad[i].accept, out, sizeof(out), &e) != -1)
			fail_msg("case %zu accepted: '%s'", i, out);
		if (e.kind != MR_E_CONFIG || strcmp(e.msg, bad[i].want) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, e.msg, bad[i].want);
	}
}

/* A second pass reads the same items: the profile scans its file twice. */
static void
test_rewind(void **state)
{
	static const char text[] = "[a]\nk = 'v'\n";
	struct mr_err e = { 0 };
	struct toml t;
	struct toml_item it;
	int pass;

	(void)state;
	toml_open(&t, text, strlen(text), "f.toml", &e);
	for (pass = 0; pass < 2; pass++) {
		assert_int_equal(toml_next(&t, &it), TOML_TABLE);
		assert_string_equal(it.name, "a");
		assert_int_equal(toml_line(&t), 1);
		assert_int_equal(toml_next(&t, &it), TOML_KEY);
		assert_int_equal(toml_line(&t), 2);
		assert_int_equal(toml_next(&t, &it), TOML_END);
		toml_rewind(&t);
	}
	toml_close(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_rewind),
	};

	if (secmem_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
