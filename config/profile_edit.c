/* profile_edit.c — the profile file rewritten line by line (profile_edit.h).
 * The file has been checked whole by profile_tables first, so every line is
 * blank, a comment, a [header] (whose line numbers profile_tables gives) or
 * a bare key = value: quoted keys and multi-line strings are refused by the
 * reader. Only the lines of the keys being set and the active marks change;
 * the result is read back before anything is written. */
#include "profile_edit.h"
#include "fdio.h"
#include "filetrust.h"
#include "secmem.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define ACTIVE_BIT (1u << PROFILE_EDIT_KEYS_MAX)

struct edit {
	const struct profile_file *f;
	long target;                  /* its table, -1: a new one at the end */
	const struct profile_key_value *kv;
	size_t nkv;
	int activate;
	unsigned done;                /* keys (and ACTIVE_BIT) already written */
	unsigned insert_after;        /* line after which the missing keys go */
	char *out;                    /* sodium memory */
	size_t n, cap;
	int overflow;
};

static int
is_bare(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static void
put(struct edit *d, const char *s, size_t n)
{
	if (d->n + n > d->cap) {
		d->overflow = 1;
		return;
	}
	memcpy(d->out + d->n, s, n);
	d->n += n;
}

static void
put_str(struct edit *d, const char *s)
{
	put(d, s, strlen(s));
}

/* A TOML basic string; values reaching here have no control characters. */
static void
put_quoted(struct edit *d, const char *v, size_t len)
{
	size_t i;

	put(d, "\"", 1);
	for (i = 0; i < len; i++) {
		if (v[i] == '"' || v[i] == '\\')
			put(d, "\\", 1);
		put(d, v + i, 1);
	}
	put(d, "\"", 1);
}

/* The table line lineno belongs to, -1 before the first header. */
static long
table_of(const struct profile_file *f, unsigned lineno)
{
	long t = -1;
	size_t i;

	for (i = 0; i < f->ntables && f->tables[i].line <= lineno; i++)
		t = (long)i;
	return t;
}

static int
is_header(const struct profile_file *f, unsigned lineno)
{
	size_t i;

	for (i = 0; i < f->ntables; i++)
		if (f->tables[i].line == lineno)
			return 1;
	return 0;
}

/* The bare key of a key = value line, or NULL (blank, comment, header). */
static const char *
line_key(const char *p, const char *end, size_t *klen)
{
	const char *k, *q;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (k = q = p; q < end && is_bare((unsigned char)*q); q++)
		;
	*klen = (size_t)(q - k);
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	return *klen > 0 && q < end && *q == '=' ? k : NULL;
}

/* What follows the value on its line (spaces and a comment), kept when the
 * value is replaced. */
static const char *
value_tail(const char *p, const char *end)
{
	p = memchr(p, '=', (size_t)(end - p)) + 1;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && (*p == '"' || *p == '\'')) {
		char q = *p++;

		while (p < end && *p != q)
			p += q == '"' && *p == '\\' && p + 1 < end ? 2 : 1;
		return p < end ? p + 1 : end;
	}
	while (p < end && *p != ' ' && *p != '\t' && *p != '#')
		p++;
	return p;
}

static long
key_index(const struct edit *d, const char *k, size_t klen)
{
	size_t i;

	for (i = 0; i < d->nkv; i++)
		if (strlen(d->kv[i].key) == klen && memcmp(d->kv[i].key, k, klen) == 0)
			return (long)i;
	return -1;
}

static void
put_key_line(struct edit *d, size_t i, const char *tail, size_t tail_len)
{
	put_str(d, d->kv[i].key);
	put(d, " = ", 3);
	put_quoted(d, d->kv[i].value, d->kv[i].value_len);
	put(d, tail, tail_len);
	d->done |= 1u << i;
}

/* The keys (and the active mark) the target's lines did not hold. */
static void
put_missing(struct edit *d)
{
	size_t i;

	for (i = 0; i < d->nkv; i++)
		if (!(d->done & 1u << i))
			put_key_line(d, i, "\n", 1);
	if (d->activate && !(d->done & ACTIVE_BIT)) {
		put_str(d, "active = true\n");
		d->done |= ACTIVE_BIT;
	}
}

/* One line, start to end (its newline excluded), has_nl if it had one. */
static void
edit_line(struct edit *d, unsigned lineno, const char *start, const char *end, int has_nl)
{
	const char *eol = end > start && end[-1] == '\r' ? end - 1 : end, *k, *tail;
	long t = table_of(d->f, lineno), i;
	size_t klen = 0;

	k = is_header(d->f, lineno) ? NULL : line_key(start, eol, &klen);
	tail = k != NULL ? value_tail(k, eol) : NULL;
	if (k != NULL && t == d->target && (i = key_index(d, k, klen)) >= 0) {
		put_key_line(d, (size_t)i, tail, (size_t)(end - tail));
	} else if (k != NULL && d->activate && klen == 6 && memcmp(k, "active", 6) == 0) {
		if (t != d->target)
			return;            /* the others lose theirs, as Modal drops the key */
		put_str(d, "active = true");
		put(d, tail, (size_t)(end - tail));
		d->done |= ACTIVE_BIT;
	} else {
		put(d, start, (size_t)(end - start));
	}
	if (has_nl)
		put(d, "\n", 1);
	if (lineno == d->insert_after) {
		if (!has_nl)
			put(d, "\n", 1);
		put_missing(d);
	}
}

/* The last line of the target table holding a key, else its header. */
static unsigned
last_key_line(const struct profile_file *f, long target)
{
	const char *p = f->text, *end = f->text + f->len, *nl, *eol;
	unsigned lineno = 0, last = f->tables[target].line;
	size_t klen;

	for (; p < end; p = nl != NULL ? nl + 1 : end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		eol = nl != NULL ? nl : end;
		lineno++;
		if (table_of(f, lineno) == target && !is_header(f, lineno) &&
		    line_key(p, eol, &klen) != NULL)
			last = lineno;
	}
	return last;
}

static void
put_new_table(struct edit *d, const char *name)
{
	const char *c;

	if (d->n > 0 && d->out[d->n - 1] != '\n')
		put(d, "\n", 1);
	if (d->n > 0)
		put(d, "\n", 1);
	for (c = name; *c != '\0' && is_bare((unsigned char)*c); c++)
		;
	put(d, "[", 1);
	if (*c == '\0')
		put_str(d, name);
	else
		put_quoted(d, name, strlen(name));
	put(d, "]\n", 2);
	put_missing(d);
}

/* The profile read back must hold each value set, byte for byte. */
static int
value_matches(const struct profile *p, const struct profile_key_value *kv)
{
	static const struct { const char *key; size_t field; } fields[] = {
		{ "token_id", offsetof(struct profile, token_id) },
		{ "token_secret", offsetof(struct profile, token_secret) },
		{ "server_url", offsetof(struct profile, server_url) },
		{ "environment", offsetof(struct profile, environment) },
		{ "vault_public_key", offsetof(struct profile, vault_public_key) },
	};
	const char *got = NULL;
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(fields[i].key, kv->key) == 0)
			got = *(char *const *)(const void *)((const char *)p + fields[i].field);
	return got != NULL && strlen(got) == kv->value_len &&
	       sodium_memcmp(got, kv->value, kv->value_len) == 0;
}

/* Reads out back as the programs will; any difference refuses the edit. */
static int
check_result(const struct edit *d, const char *name, struct profile_table **tables,
	     size_t *ntables, struct mr_err *e)
{
	struct profile p;
	size_t i;
	long t;
	int rc;

	if (profile_tables(d->out, d->n, d->f->shown, tables, ntables, e) != 0 ||
	    profile_parse(d->out, d->n, d->f->shown, name, &p, e) != 0)
		return mr_wrap(e, "rewriting %s would break it; nothing changed", d->f->shown);
	for (rc = 0, i = 0; rc == 0 && i < d->nkv; i++)
		if (!value_matches(&p, &d->kv[i]))
			rc = mr_fail(e, MR_E_INTERNAL, "%s: \"%s\" would not read back as set; "
				     "nothing changed", d->f->shown, d->kv[i].key);
	profile_clear(&p);
	for (t = -1, i = 0; i < *ntables; i++)
		if (strcmp((*tables)[i].name, name) == 0)
			t = (long)i;
	if (rc == 0 && d->activate && (t < 0 || (*tables)[t].active_line == 0))
		rc = mr_fail(e, MR_E_INTERNAL, "%s: the profile would not read back as active; "
			     "nothing changed", d->f->shown);
	return rc;
}

long
profile_file_find(const struct profile_file *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->ntables; i++)
		if (strcmp(f->tables[i].name, name) == 0)
			return (long)i;
	return -1;
}

static void
edit_all_lines(struct edit *d)
{
	const char *p = d->f->text, *end = d->f->text + d->f->len, *nl;
	unsigned lineno = 0;

	for (; p != NULL && p < end; p = nl != NULL ? nl + 1 : end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		edit_line(d, ++lineno, p, nl != NULL ? nl : end, nl != NULL);
	}
}

int
profile_file_edit(struct profile_file *f, const char *name,
		  const struct profile_key_value *kv, size_t nkv, int activate,
		  struct mr_err *e)
{
	struct edit d = { .f = f, .kv = kv, .nkv = nkv, .activate = activate };
	struct profile_table *tables = NULL;
	size_t ntables = 0, i;

	if (nkv > PROFILE_EDIT_KEYS_MAX)
		return mr_fail(e, MR_E_INTERNAL, "too many keys to set");
	/* Room for the file, each value escaped, and a new table. */
	d.cap = f->len + 2 * strlen(name) + 64;
	for (i = 0; i < nkv; i++)
		d.cap += strlen(kv[i].key) + 2 * kv[i].value_len + 8;
	d.out = xsecure_alloc(d.cap + 1);
	d.target = profile_file_find(f, name);
	d.insert_after = d.target >= 0 ? last_key_line(f, d.target) : 0;
	edit_all_lines(&d);
	if (d.target < 0)
		put_new_table(&d, name);
	if (d.overflow) {
		secure_free(d.out, d.cap + 1);
		return mr_fail(e, MR_E_INTERNAL, "%s: rewriting overflowed", f->shown);
	}
	d.out[d.n] = '\0';
	if (check_result(&d, name, &tables, &ntables, e) != 0) {
		free(tables);
		secure_free(d.out, d.cap + 1);
		return -1;
	}
	secure_free(f->text, f->cap);
	free(f->tables);
	f->text = d.out;
	f->len = d.n;
	f->cap = d.cap + 1;
	f->tables = tables;
	f->ntables = ntables;
	return 0;
}

/* --config as given, else $HOME/.modal.toml; symlinks resolved, since the
 * rename must replace the file the link names, not the link. */
static int
file_paths(const char *path, struct profile_file *f, struct mr_err *e)
{
	const char *home = secure_getenv("HOME");
	char given[PATH_MAX];

	if (path != NULL && path[0] != '\0') {
		if (snprintf(given, sizeof(given), "%s", path) >= (int)sizeof(given))
			return mr_fail(e, MR_E_CONFIG, "profile file path is too long");
		snprintf(f->shown, sizeof(f->shown), "%s", path);
	} else {
		if (home == NULL || home[0] != '/')
			return mr_fail(e, MR_E_CONFIG, "$HOME is not an absolute path: name the "
				       "profile file with --config or MODAL_CONFIG_PATH");
		if (snprintf(given, sizeof(given), "%s/.modal.toml", home) >= (int)sizeof(given))
			return mr_fail(e, MR_E_CONFIG, "$HOME is too long");
		snprintf(f->shown, sizeof(f->shown), "~/.modal.toml");
	}
	if (realpath(given, f->real) != NULL)
		return 0;
	if (errno != ENOENT)
		return mr_fail(e, MR_E_IO, "%s: %s", f->shown, strerror(errno));
	memcpy(f->real, given, sizeof(f->real));
	return 0;
}

/* The file opened (and with for_update locked). A writer holds the lock
 * from its read to its rename; the rename replaces the inode a waiter
 * locked, so a waiter that gets the lock checks that the path still names
 * its file, else opens the new one. */
static int
open_file(struct profile_file *f, int for_update, struct stat *st, struct mr_err *e)
{
	struct stat now;
	int fd, tries;

	for (tries = 0; tries < 16; tries++) {
		fd = file_open_trusted(AT_FDCWD, f->real, f->shown, TRUST_NOT_OTHERS, 0, st, e);
		if (fd < 0 || !for_update)
			return fd;
		if (flock(fd, LOCK_EX) != 0) {
			mr_fail(e, MR_E_IO, "%s: locking it: %s", f->shown, strerror(errno));
			close(fd);
			return -1;
		}
		if (stat(f->real, &now) == 0 && now.st_dev == st->st_dev && now.st_ino == st->st_ino)
			return fd;
		close(fd);
	}
	return mr_fail(e, MR_E_IO, "%s: replaced again and again while waiting to lock it",
		       f->shown);
}

int
profile_file_read(const char *path, int for_update, struct profile_file *f,
		  struct mr_err *e)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int fd, rc;

	memset(f, 0, sizeof(*f));
	f->lock_fd = -1;
	if (file_paths(path, f, e) != 0)
		return -1;
	fd = open_file(f, for_update, &st, e);
	if (fd < 0 && e->kind == MR_E_NOTFOUND) {
		mr_clear(e);
		return 0;
	}
	if (fd < 0) {
		e->kind = MR_E_CONFIG;    /* as the reader: a file we cannot trust */
		return -1;
	}
	rc = st.st_size > PROFILE_FILE_MAX ? mr_fail(e, MR_E_CONFIG, "%s: larger than 1 MiB",
						     f->shown)
		: read_fd_secret(fd, (size_t)st.st_size + 1, &buf, &len, f->shown, e);
	if (rc == 0 && for_update)
		f->lock_fd = fd;
	else
		close(fd);
	if (rc != 0)
		return -1;
	f->exists = 1;
	f->text = (char *)buf;
	f->len = len;
	f->cap = len + 1;
	if (profile_tables(f->text, f->len, f->shown, &f->tables, &f->ntables, e) != 0) {
		profile_file_free(f);
		return -1;
	}
	return 0;
}

int
profile_file_write(const struct profile_file *f, struct mr_err *e)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 40], hex[17];
	unsigned char rnd[8];
	char *slash;
	int dfd, rc;

	memcpy(dir, f->real, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		strcpy(dir, ".");
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(tmp, sizeof(tmp), "%s/.modal.toml.%s.tmp", dir, hex);
	if (write_file_excl(tmp, f->text != NULL ? f->text : "", f->len, 0600, e) != 0)
		return mr_wrap(e, "writing %s", f->shown);
	if (rename(tmp, f->real) != 0) {
		rc = mr_fail(e, MR_E_IO, "%s: replacing it: %s", f->shown, strerror(errno));
		unlink(tmp);
		return rc;
	}
	/* The rename is durable once the directory is. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return mr_fail(e, MR_E_IO, "%s: %s", dir, strerror(errno));
	rc = fsync(dfd) == 0 ? 0 : mr_fail(e, MR_E_IO, "%s: %s", dir, strerror(errno));
	close(dfd);
	return rc;
}

void
profile_file_free(struct profile_file *f)
{
	secure_free(f->text, f->cap);
	free(f->tables);
	if (f->lock_fd > STDERR_FILENO)
		close(f->lock_fd);
	memset(f, 0, sizeof(*f));
}
