/* test_dotenv.c — the .env parser: a table of inputs and the exact items or
 * the exact error each must give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

struct good_case {
	const char *in;
	size_t n;
	const char *keys[4];
	const char *values[4];
};

static const struct good_case good[] = {
	{ "A=1\n", 1, { "A" }, { "1" } },
	{ "A=1", 1, { "A" }, { "1" } },
	{ "A=1\r\nB=2\r\n", 2, { "A", "B" }, { "1", "2" } },
	{ "# comment\n\n  \nA=1 # trailing\n", 1, { "A" }, { "1" } },
	{ "export A=x\n", 1, { "A" }, { "x" } },
	{ "A = spaced value  \n", 1, { "A" }, { "spaced value" } },
	{ "A=a#b\n", 1, { "A" }, { "a#b" } },
	{ "A='single $HOME \\n'\n", 1, { "A" }, { "single $HOME \\n" } },
	/* python-dotenv's escapes; any other backslash stays, \$ too. */
	{ "A=\"dq \\n \\t \\\" \\\\ \\$ \\q \\' \\a\\v\"\n", 1, { "A" },
	  { "dq \n \t \" \\ \\$ \\q ' \a\v" } },
	{ "A='s \\' \\\\ \\n'\n", 1, { "A" }, { "s ' \\ \\n" } },
	/* A byte order mark goes; CRLF and CR in quoted values are LF. */
	{ "\xef\xbb\xbf" "A=1\n", 1, { "A" }, { "1" } },
	{ "A=\"x\r\ny\"\r\nB='p\rq'\rC=3", 3, { "A", "B", "C" }, { "x\ny", "p\nq", "3" } },
	/* A quoted key; unquoted comments need whitespace before '#'. */
	{ "'K'=v\nL=a\t#c\n", 2, { "K", "L" }, { "v", "a" } },
	{ "A=\"multi\nline\"\nB=2\n", 2, { "A", "B" }, { "multi\nline", "2" } },
	{ "A='x=y=z'\n", 1, { "A" }, { "x=y=z" } },
	{ "A=\nB=''\n", 2, { "A", "B" }, { "", "" } },
	{ "_under_9=\xc3\xa9\n", 1, { "_under_9" }, { "\xc3\xa9" } },
	{ "A=\"x\" # c\n", 1, { "A" }, { "x" } },
	{ "", 0, { 0 }, { 0 } },
};

struct bad_case {
	const char *in;
	const char *err;
};

static const struct bad_case bad[] = {
	{ "A\n", "f.env:1: expected '=' after the key (python-dotenv would give it no value)" },
	{ "=1\n", "f.env:1: expected KEY=VALUE with KEY of [A-Za-z_][A-Za-z0-9_]*" },
	{ "1A=x\n", "f.env:1: expected KEY=VALUE with KEY of [A-Za-z_][A-Za-z0-9_]*" },
	{ "A-B=x\n", "f.env:1: expected KEY=VALUE with KEY of [A-Za-z_][A-Za-z0-9_]*" },
	{ "A=1\nB=2\n\nA=3\n", "f.env:4: duplicate key A (first at line 1; python-dotenv would "
	  "keep the last)" },
	{ "A=1\nB='open\n", "f.env:2: quoted value is never closed" },
	{ "A=\"x\" y\n", "f.env:1: unexpected text after the value (python-dotenv would skip the line)" },
	{ "A=1\n\nexport\n", "f.env:3: expected '=' after the key (python-dotenv would give it no value)" },
	{ "A='x'y\n", "f.env:1: unexpected text after the value (python-dotenv would skip the line)" },
	{ "A=\"a\nb\nc\" z\n", "f.env:3: unexpected text after the value (python-dotenv would skip the line)" },
};

static int
parse(const char *in, struct vault_item *items, size_t *n, unsigned char **out,
      struct mr_err *e)
{
	size_t len = strlen(in);

	*out = malloc(len + 2);
	return dotenv_parse("f.env", (const unsigned char *)in, len, *out, items, 8, n, e);
}

static void
test_good(void **state)
{
	struct vault_item items[8];
	struct mr_err e;
	unsigned char *out;
	size_t i, j, n;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		mr_clear(&e);
		if (parse(good[i].in, items, &n, &out, &e) != 0)
			fail_msg("case %zu: %s", i, e.msg);
		assert_int_equal(n, good[i].n);
		for (j = 0; j < n; j++) {
			assert_string_equal(items[j].key, good[i].keys[j]);
			assert_int_equal(items[j].value_len, strlen(good[i].values[j]));
			assert_memory_equal(items[j].value, good[i].values[j], items[j].value_len);
		}
		free(out);
	}
}

static void
test_bad(void **state)
{
	struct vault_item items[8];
	struct mr_err e;
	unsigned char *out;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mr_clear(&e);
		if (parse(bad[i].in, items, &n, &out, &e) == 0)
			fail_msg("case %zu parsed", i);
		assert_string_equal(e.msg, bad[i].err);
		free(out);
	}
}

static void
test_nul_and_limit(void **state)
{
	struct vault_item items[1];
	struct mr_err e = { 0 };
	unsigned char out[16];
	size_t n;

	(void)state;
	assert_int_equal(dotenv_parse("f", (const unsigned char *)"A=1\0", 4, out, items, 1, &n, &e), -1);
	assert_string_equal(e.msg, "f: contains a NUL byte");
	assert_int_equal(dotenv_parse("f", (const unsigned char *)"A=1\nB=2\n", 8, out, items, 1, &n, &e), -1);
	assert_string_equal(e.msg, "f:2: too many keys");
}

/* An expansion that reaches the limit exactly, then more text: the measure
 * stays at VALUE_MAX_LEN + 1 ("too long"), so a caller never sizes a
 * buffer from a longer answer (found by fuzz_dotenv). */
static void
test_expansion_bound(void **state)
{
	static unsigned char big[VALUE_MAX_LEN + 1];
	static const unsigned char tails[][12] = { "${A}z", "${A}zzz", "z${A}", "${A}${A}" };
	struct vault_item done = { "A", big, sizeof(big) }, it;
	size_t i;

	(void)state;
	memset(big, 'x', sizeof(big));
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		it = (struct vault_item){ "B", tails[i], strlen((const char *)tails[i]) };
		assert_int_equal(dotenv_expand(&done, 1, &it, NULL), VALUE_MAX_LEN + 1);
	}
	/* Exactly at the limit is still a value. */
	done.value_len = VALUE_MAX_LEN - 1;
	it = (struct vault_item){ "B", (const unsigned char *)"${A}z", 5 };
	assert_int_equal(dotenv_expand(&done, 1, &it, NULL), VALUE_MAX_LEN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_nul_and_limit),
		cmocka_unit_test(test_expansion_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
