/* test_profile_files.c — the profile file on disk (default path, missing
 * files, permissions, symlinks, non-files) and the systemd credential in
 * both forms, with the exact errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile.h"
#include "secmem.h"

#define ID "ak-AAAAAAAAAAAAAAAAAAAAAA"
#define SECRET "as-aaaaaaaaaaaaaaaaaaaaaa"

static const char layout[] =
	"[default]\ntoken_id = \"ak-d\"\ntoken_secret = \"as-d\"\n"
	"[prod]\ntoken_id = \"" ID "\"\ntoken_secret = \"" SECRET "\"\nactive = true\n";

static char dir[64];
static char path[256];

static void
write_file(const char *name, const char *text, size_t len, mode_t mode)
{
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int
remove_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_profile.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	setenv("HOME", dir, 1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void
test_load_layout(void **state)
{
	struct profile p;
	struct mr_err e;

	(void)state;
	write_file("m.toml", layout, sizeof(layout) - 1, 0600);
	assert_int_equal(profile_load(path, NULL, &p, &e), 0);
	assert_string_equal(p.name, "prod");
	assert_string_equal(p.token_id, ID);
	assert_string_equal(p.token_secret, SECRET);
	assert_string_equal(p.path, path);
	assert_string_equal(p.warning, "");
	profile_clear(&p);
	assert_int_equal(profile_load(path, "default", &p, &e), 0);
	assert_string_equal(p.token_id, "ak-d");
	profile_clear(&p);
}

/* $HOME/.modal.toml, named "~/.modal.toml" in messages. */
static void
test_default_path(void **state)
{
	struct profile p;
	struct mr_err e;

	(void)state;
	write_file(".modal.toml", layout, sizeof(layout) - 1, 0600);
	assert_int_equal(profile_load(NULL, NULL, &p, &e), 0);
	assert_string_equal(p.name, "prod");
	assert_string_equal(p.path, "~/.modal.toml");
	profile_clear(&p);
	assert_int_equal(profile_load("", NULL, &p, &e), 0);
	assert_string_equal(p.name, "prod");
	profile_clear(&p);
	write_file(".modal.toml", "[a]\nb = [1]\n", 12, 0600);
	assert_int_equal(profile_load(NULL, "a", &p, &e), -1);
	assert_string_equal(e.msg, "~/.modal.toml:2:5: \"b\" must be a string, a boolean or "
			    "a number, not an array");
	assert_int_equal(e.kind, MR_E_CONFIG);
	/* An unknown key is a warning naming the file and the line, after the
	 * file's own: a readable file and the key, one line each. */
	write_file(".modal.toml", "[a]\nb = 1\n", 10, 0644);
	assert_int_equal(profile_load(NULL, "a", &p, &e), 0);
	assert_string_equal(p.warning, "~/.modal.toml is readable by group/others (chmod 600 it)\n"
			    "~/.modal.toml:2:1: unknown key \"b\" in [a] ignored (neither Modal "
			    "nor modal-run defines it)");
	profile_clear(&p);
	unlink(path);
}

/* No ~/.modal.toml is no profile; a file or profile asked for must exist. */
static void
test_missing(void **state)
{
	char want[512];
	struct profile p;
	struct mr_err e;

	(void)state;
	assert_int_equal(profile_load(NULL, NULL, &p, &e), 0);
	assert_string_equal(p.name, "");
	assert_string_equal(p.path, "");
	assert_null(p.token_id);
	assert_int_equal(profile_load(NULL, "prod", &p, &e), -1);
	assert_string_equal(e.msg, "~/.modal.toml: profile \"prod\" not found");
	snprintf(want, sizeof(want), "%s/none.toml: No such file or directory", dir);
	snprintf(path, sizeof(path), "%s/none.toml", dir);
	assert_int_equal(profile_load(path, NULL, &p, &e), -1);
	assert_string_equal(e.msg, want);
	assert_int_equal(e.kind, MR_E_CONFIG);
	/* No $HOME: no default file either. */
	unsetenv("HOME");
	assert_int_equal(profile_load(NULL, NULL, &p, &e), 0);
	assert_string_equal(p.name, "");
	setenv("HOME", "relative", 1);
	assert_int_equal(profile_load(NULL, NULL, &p, &e), 0);
	setenv("HOME", dir, 1);
}

static void
test_permissions(void **state)
{
	static const mode_t loose[] = { 0644, 0640, 0604, 0444 };
	char want[512];
	struct profile p;
	struct mr_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(loose) / sizeof(loose[0]); i++) {
		write_file("m.toml", layout, sizeof(layout) - 1, loose[i]);
		assert_int_equal(profile_load(path, NULL, &p, &e), 0);
		snprintf(want, sizeof(want), "%s is readable by group/others (chmod 600 it)", path);
		assert_string_equal(p.warning, want);
		assert_string_equal(p.token_secret, SECRET);
		profile_clear(&p);
	}
	write_file("m.toml", layout, sizeof(layout) - 1, 0400);
	assert_int_equal(profile_load(path, NULL, &p, &e), 0);
	assert_string_equal(p.warning, "");
	profile_clear(&p);
	write_file("m.toml", layout, sizeof(layout) - 1, 0620);
	assert_int_equal(profile_load(path, NULL, &p, &e), -1);
	snprintf(want, sizeof(want), "%s: writable by group or others (mode 0620)", path);
	assert_string_equal(e.msg, want);
	write_file("m.toml", layout, sizeof(layout) - 1, 0602);
	assert_int_equal(profile_load(path, NULL, &p, &e), -1);
	snprintf(want, sizeof(want), "%s: writable by group or others (mode 0602)", path);
	assert_string_equal(e.msg, want);
}

/* Only root can give a file away: the owner check needs it. */
static void
test_owner(void **state)
{
	char want[512];
	struct profile p;
	struct mr_err e;

	(void)state;
	if (geteuid() != 0)
		skip();
	write_file("m.toml", layout, sizeof(layout) - 1, 0600);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(profile_load(path, NULL, &p, &e), -1);
	snprintf(want, sizeof(want), "%s: owned by uid 65534, not by you (uid 0) or root", path);
	assert_string_equal(e.msg, want);
}

/* Dotfile managers link ~/.modal.toml: followed, the target checked. */
static void
test_symlink_and_non_files(void **state)
{
	char target[256], want[512];
	struct profile p;
	struct mr_err e;

	(void)state;
	write_file("real.toml", layout, sizeof(layout) - 1, 0600);
	snprintf(target, sizeof(target), "%s", path);
	snprintf(path, sizeof(path), "%s/.modal.toml", dir);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(profile_load(NULL, NULL, &p, &e), 0);
	assert_string_equal(p.name, "prod");
	profile_clear(&p);
	unlink(path);
	/* A directory, a FIFO (must not hang): refused. */
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(profile_load(NULL, NULL, &p, &e), -1);
	assert_string_equal(e.msg, "~/.modal.toml: not a regular file");
	rmdir(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(profile_load(NULL, NULL, &p, &e), -1);
	assert_string_equal(e.msg, "~/.modal.toml: not a regular file");
	snprintf(want, sizeof(want), "%s: not a regular file", path);
	assert_int_equal(profile_load(path, NULL, &p, &e), -1);
	assert_string_equal(e.msg, want);
	unlink(path);
}

/* ---- the systemd credential ---- */

struct cred_case {
	const char *in;
	const char *id, *secret;       /* NULL: must fail with err */
	const char *err;               /* after "DIR/modal-token" */
};

static const struct cred_case creds[] = {
	{ ID ":" SECRET "\n", ID, SECRET, NULL },
	{ ID ":" SECRET, ID, SECRET, NULL },
	{ "  " ID " : " SECRET " \r\n", ID, SECRET, NULL },
	{ "# from LoadCredential=\n\n" ID ":" SECRET "\n\n", ID, SECRET, NULL },
	{ "token_id = " ID "\ntoken_secret = " SECRET "\n", ID, SECRET, NULL },
	{ "token_id=" ID "\ntoken_secret=" SECRET, ID, SECRET, NULL },
	{ "token_secret = \"" SECRET "\"\r\n\ttoken_id = '" ID "'\r\n", ID, SECRET, NULL },
	{ "", NULL, NULL, ": no token (expected ak-...:as-... or token_id = / token_secret = lines)" },
	{ "# nothing\n", NULL, NULL,
	  ": no token (expected ak-...:as-... or token_id = / token_secret = lines)" },
	{ ID "\n", NULL, NULL,
	  ":1: expected ak-...:as-... or token_id = / token_secret = lines" },
	{ "token_id = " ID "\n", NULL, NULL, ": no token_secret line" },
	{ "token_secret = " SECRET "\n", NULL, NULL, ": no token_id line" },
	{ "token_id = " ID "\ntoken_id = " ID "\n", NULL, NULL, ":2: duplicate token_id" },
	{ "token_secret=as-x\ntoken_secret=as-x\n", NULL, NULL, ":2: duplicate token_secret" },
	{ ID ":" SECRET "\n" ID ":" SECRET "\n", NULL, NULL, ":2: more than one token" },
	{ ID ":" SECRET "\ntoken_id = " ID "\n", NULL, NULL, ":2: more than one token" },
	{ "token_id = " ID "\n" ID ":" SECRET "\n", NULL, NULL, ":2: more than one token" },
	{ "token = " ID "\n", NULL, NULL, ":1: unknown key (expected token_id or token_secret)" },
	{ "as-leaked=1\n", NULL, NULL, ":1: unknown key (expected token_id or token_secret)" },
	{ "token_id = ak-\xc3\xa9\n", NULL, NULL, ":1: control character or non-ASCII byte" },
	{ "wk-abc:ws-def\n", NULL, NULL,
	  ": token id must be \"ak-\" followed by 1 to 125 letters and digits" },
	{ ID ":ws-def\n", NULL, NULL,
	  ": token secret must be \"as-\" followed by 1 to 125 letters and digits" },
	{ ID ":\n", NULL, NULL,
	  ": token secret must be \"as-\" followed by 1 to 125 letters and digits" },
	{ "token_id = \"" ID "\ntoken_secret = " SECRET "\n", NULL, NULL,
	  ": token id must be \"ak-\" followed by 1 to 125 letters and digits" },
};

static void
check_cred(size_t i, const char *creds_dir, const struct cred_case *c, size_t len)
{
	char want[512];
	struct profile p;
	struct mr_err e;

	memset(&p, 0, sizeof(p));
	write_file("modal-token", c->in, len, 0400);
	mr_clear(&e);
	if (c->id != NULL) {
		if (profile_load_credential(creds_dir, &p, &e) != 0)
			fail_msg("credential %zu: %s", i, e.msg);
		assert_string_equal(p.token_id, c->id);
		assert_string_equal(p.token_secret, c->secret);
		assert_int_equal(p.token_secret_len, strlen(c->secret));
		profile_clear(&p);
		return;
	}
	assert_int_equal(profile_load_credential(creds_dir, &p, &e), -1);
	snprintf(want, sizeof(want), "%s/modal-token%s", creds_dir, c->err);
	if (strcmp(e.msg, want) != 0)
		fail_msg("credential %zu:\n  want %s\n  got  %s", i, want, e.msg);
	assert_int_equal(e.kind, MR_E_CONFIG);
	assert_null(p.token_id);
	assert_null(p.token_secret);
}

/* A NUL cannot be in a table of C strings: its own case. */
static void
test_credential_nul(void **state)
{
	static const char in[] = ID ":" SECRET "\0\n";
	static const struct cred_case c = { in, NULL, NULL,
					    ":1: control character or non-ASCII byte" };

	(void)state;
	check_cred(0, dir, &c, sizeof(in) - 1);
	unlink(path);
}

static void
test_credential_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(creds) / sizeof(creds[0]); i++)
		check_cred(i, dir, &creds[i], strlen(creds[i].in));
	unlink(path);
}

/* The credential outranks the profile file: it replaces the token. */
static void
test_credential_replaces(void **state)
{
	static const char pair[] = ID ":" SECRET "\n";
	struct profile p;
	struct mr_err e;

	(void)state;
	write_file("m.toml", layout, sizeof(layout) - 1, 0600);
	assert_int_equal(profile_load(path, "default", &p, &e), 0);
	assert_string_equal(p.token_id, "ak-d");
	write_file("modal-token", pair, sizeof(pair) - 1, 0400);
	assert_int_equal(profile_load_credential(dir, &p, &e), 0);
	assert_string_equal(p.token_id, ID);
	assert_string_equal(p.token_secret, SECRET);
	assert_string_equal(p.name, "default");
	/* No directory, or no modal-token in it: nothing changes. */
	assert_int_equal(profile_load_credential(NULL, &p, &e), 0);
	assert_int_equal(profile_load_credential("", &p, &e), 0);
	unlink(path);
	assert_int_equal(profile_load_credential(dir, &p, &e), 0);
	assert_string_equal(p.token_id, ID);
	assert_string_equal(p.token_secret, SECRET);
	profile_clear(&p);
}

static void
test_credential_errors(void **state)
{
	char big[5000], want[512];
	struct profile p;
	struct mr_err e;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(profile_load_credential("run/credentials", &p, &e), -1);
	assert_string_equal(e.msg, "$CREDENTIALS_DIRECTORY is not an absolute path");
	memset(big, 'a', sizeof(big));
	write_file("modal-token", big, sizeof(big), 0400);
	assert_int_equal(profile_load_credential(dir, &p, &e), -1);
	snprintf(want, sizeof(want), "%s: larger than 4096 bytes", path);
	assert_string_equal(e.msg, want);
	assert_int_equal(e.kind, MR_E_CONFIG);
	unlink(path);
	assert_null(p.token_secret);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_layout),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_symlink_and_non_files),
		cmocka_unit_test(test_credential_table),
		cmocka_unit_test(test_credential_nul),
		cmocka_unit_test(test_credential_replaces),
		cmocka_unit_test(test_credential_errors),
	};

	if (secmem_init() != 0)
		return 1;
	umask(022);
	return cmocka_run_group_tests(tests, setup, teardown);
}
