/* test_profile_edit.c — the profile file rewritten in place (profile_edit.h):
 * a table of files, the change asked for and the exact text expected, so
 * every comment, CRLF, quoted header and other profile is seen kept; and
 * the edits refused because the result would not read back as asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile_edit.h"
#include "secmem.h"

#define ID "ak-NEW1"
#define SECRET "as-new1"

struct edit_case {
	const char *in, *name;
	int activate, nkv;             /* nkv: the first nkv of token_id, token_secret, server_url */
	const char *want;
};

static const struct edit_case cases[] = {
	/* A new file: one profile. */
	{ "", "prod", 1, 2,
	  "[prod]\ntoken_id = \"" ID "\"\ntoken_secret = \"" SECRET "\"\nactive = true\n" },
	/* Replaced in place, the comment after a value kept; the missing key
	 * after the profile's last key, before the blank line and comment. */
	{ "# top\n[prod]\ntoken_id = \"ak-old\"  # mine\nloglevel = \"INFO\"\n\n# next\n[b]\n",
	  "prod", 0, 2,
	  "# top\n[prod]\ntoken_id = \"" ID "\"  # mine\nloglevel = \"INFO\"\ntoken_secret = \""
	  SECRET "\"\n\n# next\n[b]\n" },
	/* Appended after the last profile, a blank line between; a file
	 * without a final newline gets one. */
	{ "[a]\ntoken_id = 'ak-a'", "b", 0, 1,
	  "[a]\ntoken_id = 'ak-a'\n\n[b]\ntoken_id = \"" ID "\"\n" },
	/* Activation moves the mark: the others' active keys go, whatever
	 * their value; the target's own is rewritten in place. */
	{ "[a]\nactive = true\n[b]\nactive = false # off\n[c]\nactive = false\n", "b", 1, 0,
	  "[a]\n[b]\nactive = true # off\n[c]\n" },
	/* A quoted header is found by its name, CRLF lines stay CRLF. */
	{ "[\"my laptop\"]\r\ntoken_id = \"ak-old\"\r\n[x]\r\n", "my laptop", 0, 1,
	  "[\"my laptop\"]\r\ntoken_id = \"" ID "\"\r\n[x]\r\n" },
	/* A name a bare key cannot spell is quoted when made. */
	{ "", "my.laptop", 0, 1, "[\"my.laptop\"]\ntoken_id = \"" ID "\"\n" },
	/* A string value with an escaped quote, then a comment, is skipped whole. */
	{ "[p]\nserver_url = \"http://a\\\"b\" # c\n", "p", 0, 3,
	  "[p]\nserver_url = \"http://x/?a=\\\"q\\\\\" # c\ntoken_id = \"" ID
	  "\"\ntoken_secret = \"" SECRET "\"\n" },
};

static struct profile_key_value kv[] = {
	{ "token_id", ID, sizeof(ID) - 1 },
	{ "token_secret", SECRET, sizeof(SECRET) - 1 },
	{ "server_url", "http://x/?a=\"q\\", 15 },
};

/* struct profile_file over text, as profile_file_read leaves it. */
static void
file_of(const char *text, struct profile_file *f)
{
	struct mr_err e = { 0 };

	memset(f, 0, sizeof(*f));
	snprintf(f->shown, sizeof(f->shown), "test.toml");
	f->len = strlen(text);
	f->cap = f->len + 1;
	f->text = xsecure_alloc(f->cap);
	memcpy(f->text, text, f->cap);
	f->exists = 1;
	f->lock_fd = -1;
	if (profile_tables(f->text, f->len, f->shown, &f->tables, &f->ntables, &e) != 0)
		fail_msg("%s", e.msg);
}

static void
test_edits(void **state)
{
	struct profile_file f;
	struct mr_err e = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		file_of(cases[i].in, &f);
		/* server_url is the third of kv; the rest in order. */
		if (cases[i].nkv == 3) {
			struct profile_key_value three[] = { kv[2], kv[0], kv[1] };

			if (profile_file_edit(&f, cases[i].name, three, 3, cases[i].activate, &e) != 0)
				fail_msg("case %zu: %s", i, e.msg);
		} else if (profile_file_edit(&f, cases[i].name, kv, (size_t)cases[i].nkv,
					     cases[i].activate, &e) != 0) {
			fail_msg("case %zu: %s", i, e.msg);
		}
		if (strcmp(f.text, cases[i].want) != 0)
			fail_msg("case %zu:\n--- got\n%s--- want\n%s", i, f.text, cases[i].want);
		profile_file_free(&f);
	}
}

/* A value the reader would refuse is never written: the text stays. */
static void
test_refused(void **state)
{
	static const struct profile_key_value bad_id = { "token_id", "xx-1", 4 };
	static const struct profile_key_value newline = { "server_url", "http://a\nb", 10 };
	static const char in[] = "[p]\ntoken_id = \"ak-old\"\n";
	struct profile_file f;
	struct mr_err e = { 0 };

	(void)state;
	file_of(in, &f);
	assert_int_equal(profile_file_edit(&f, "p", &bad_id, 1, 0, &e), -1);
	assert_non_null(strstr(e.msg, "would break it; nothing changed"));
	assert_non_null(strstr(e.msg, "\"token_id\" must be"));
	assert_string_equal(f.text, in);
	assert_int_equal(profile_file_edit(&f, "p", &newline, 1, 0, &e), -1);
	assert_string_equal(f.text, in);
	profile_file_free(&f);
}

/* profile_tables: every profile, its header line and active line. */
static void
test_tables(void **state)
{
	static const char in[] = "# c\n[a]\n\n[\"b c\"]\nactive = true\n[d]\n";
	struct profile_table *t = NULL;
	struct mr_err e = { 0 };
	size_t n = 0;

	(void)state;
	assert_int_equal(profile_tables(in, sizeof(in) - 1, "t", &t, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(t[0].name, "a");
	assert_int_equal(t[0].line, 2);
	assert_int_equal(t[0].active_line, 0);
	assert_string_equal(t[1].name, "b c");
	assert_int_equal(t[1].line, 4);
	assert_int_equal(t[1].active_line, 5);
	assert_int_equal(t[2].line, 6);
	free(t);
	assert_int_equal(profile_tables("[a]\nx = [\n", 10, "t", &t, &n, &e), -1);
	assert_null(t);
	assert_non_null(strstr(e.msg, "t:2:5:"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edits),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_tables),
	};

	if (secmem_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
