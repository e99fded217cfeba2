/* profile.c — the profile rules (profile.h): the keys a profile may hold
 * (ours and Modal's), which profile applies, the warnings, and the file on
 * disk with its trust check. The TOML subset itself is toml.c's. The file
 * is scanned twice: once to check all of it and choose the profile (the
 * active mark may come after the profile it would override), once to keep
 * the chosen profile's values. */
#include "profile.h"
#include "fdio.h"
#include "filetrust.h"
#include "secmem.h"
#include "toml.h"
#include "values.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(PROFILE_LINE_MAX == TOML_LINE_MAX, "profile.h promises the reader's line limit");

/* K_IGNORED: a key Modal's client defines (modal/config.py) that means
 * nothing here; its value is checked for syntax and dropped, so a file
 * `modal config`/`modal token set` wrote is read unchanged. */
enum key_type { K_STRING, K_SECRET, K_BOOL, K_IGNORED };

/* The keys a profile may hold; any other key is a warning. */
static const struct key_spec {
	const char *name;
	enum key_type type;
	bool (*valid)(const char *v, size_t n);
	const char *rule;             /* what a valid value is, for the error */
	size_t field;                 /* offsetof its char * in struct profile */
} keys[] = {
	{ "token_id", K_STRING, value_is_token_id, RULE_TOKEN("ak-"),
	  offsetof(struct profile, token_id) },
	{ "token_secret", K_SECRET, value_is_token_secret, RULE_TOKEN("as-"),
	  offsetof(struct profile, token_secret) },
	{ "environment", K_STRING, value_is_environment, RULE_ENVIRONMENT,
	  offsetof(struct profile, environment) },
	{ "server_url", K_STRING, value_is_url, RULE_URL, offsetof(struct profile, server_url) },
	{ "active", K_BOOL, NULL, NULL, 0 },
	{ "policy", K_STRING, value_is_path, RULE_PATH, offsetof(struct profile, policy) },
	{ "vault_public_key", K_STRING, value_is_hex_key, RULE_HEX_KEY,
	  offsetof(struct profile, vault_public_key) },
	{ "cache_dir", K_STRING, value_is_path, RULE_PATH, offsetof(struct profile, cache_dir) },
#define IGNORED(k) { k, K_IGNORED, NULL, NULL, 0 }
	IGNORED("loglevel"), IGNORED("log_format"), IGNORED("log_pattern"),
	IGNORED("task_id"), IGNORED("serve_timeout"), IGNORED("sync_entrypoint"),
	IGNORED("logs_timeout"), IGNORED("image_id"), IGNORED("heartbeat_interval"),
	IGNORED("function_runtime"), IGNORED("function_runtime_debug"),
	IGNORED("runtime_perf_record"), IGNORED("default_cloud"), IGNORED("worker_id"),
	IGNORED("restore_state_path"), IGNORED("force_build"), IGNORED("ignore_cache"),
	IGNORED("traceback"), IGNORED("image_builder_version"),
	IGNORED("strict_parameters"), IGNORED("snapshot_debug"),
	IGNORED("cuda_checkpoint_path"), IGNORED("build_validation"),
#undef IGNORED
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS <= 64, "struct scan's seen has a bit per key");

/* A key neither Modal nor we define: a warning, and a value parsed as an
 * ignored one. */
static const struct key_spec unknown_key = { "(unknown)", K_IGNORED, NULL, NULL, 0 };
#define WARNED_MAX 8            /* unknown keys named in the warning */

struct table {
	char name[NAME_MAX_LEN + 1];
	unsigned line;                /* of its header */
	unsigned active_line;         /* of its active = true; 0 if none */
};

struct scan {
	struct toml toml;
	const char *file;             /* as messages name it */
	struct table *tables;
	size_t ntables;
	long cur;                     /* current table; -1 before the first */
	unsigned long long seen;      /* keys already set in it, a bit each */
	unsigned unknown;             /* keys neither Modal nor we know, first scan */
	char *warning;                /* where they are said; NULL on the second scan */
	long keep;                    /* second scan: the table to copy out */
	struct profile *out;
	struct mr_err *e;
};

/* "[prod]" or, for a name a bare key cannot spell, "[\"my profile\"]". */
static const char *
table_label(const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);

	snprintf(buf, len, toml_bare_len(name, name + n) == n ? "[%s]" : "[\"%s\"]", name);
	return buf;
}

static const struct key_spec *
key_find(const char *k, size_t n)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == n && memcmp(keys[i].name, k, n) == 0)
			return &keys[i];
	return NULL;
}

/* A key neither Modal nor we define: Modal ignores it, so we only say where
 * it is (a typo of ours would otherwise pass unnoticed), on the first scan. */
static void
warn_unknown(struct scan *s, const struct toml_item *k, int klen, const char *label)
{
	size_t used, cap = sizeof(((struct profile *)0)->warning);

	if (s->warning == NULL || ++s->unknown > WARNED_MAX)
		return;
	used = strlen(s->warning);
	if (used < cap)
		snprintf(s->warning + used, cap - used, "%s%s:%u:%u: unknown key \"%.*s\" in %s "
			 "ignored (neither Modal nor modal-run defines it)", used ? "\n" : "",
			 s->file, toml_line(&s->toml), toml_column(&s->toml, k->at), klen, k->name,
			 label);
}

/* The key's place in the profile: in a table, once. */
static int
check_key(struct scan *s, const struct toml_item *k, const struct key_spec **spec)
{
	int klen = k->len > 64 ? 64 : (int)k->len;
	char label[NAME_MAX_LEN + 8];

	if (s->cur < 0)
		return toml_fail(&s->toml, k->at, "key \"%.*s\" comes before any [profile] header",
				 klen, k->name);
	table_label(s->tables[s->cur].name, label, sizeof(label));
	if ((*spec = key_find(k->name, k->len)) == NULL) {
		warn_unknown(s, k, klen, label);
		*spec = &unknown_key;
		return 0;
	}
	if (s->seen & 1ull << (*spec - keys))
		return toml_fail(&s->toml, k->at, "duplicate key \"%s\" in %s", (*spec)->name, label);
	s->seen |= 1ull << (*spec - keys);
	return 0;
}

static int
mark_active(struct scan *s, const char *at)
{
	char first[NAME_MAX_LEN + 8], second[NAME_MAX_LEN + 8];
	size_t i;

	for (i = 0; i < s->ntables; i++)
		if (s->tables[i].active_line != 0)
			return toml_fail(&s->toml, at, "two active profiles: %s (line %u) and %s",
					 table_label(s->tables[i].name, first, sizeof(first)),
					 s->tables[i].active_line,
					 table_label(s->tables[s->cur].name, second, sizeof(second)));
	s->tables[s->cur].active_line = toml_line(&s->toml);
	return 0;
}

static int
keep_value(struct scan *s, const struct key_spec *k, const struct toml_value *v)
{
	char **field = (char **)(void *)((char *)s->out + k->field);

	if (k->type == K_SECRET) {
		*field = xsecure_alloc(v->len + 1);
		memcpy(*field, v->str, v->len + 1);
		s->out->token_secret_len = v->len;
		return 0;
	}
	if ((*field = strdup(v->str)) == NULL)
		return mr_fail(s->e, MR_E_INTERNAL, "out of memory");
	return 0;
}

/* key = value: checked in every profile, kept from the chosen one. */
static int
parse_keyval(struct scan *s, const struct toml_item *k)
{
	static const unsigned accept[] = {
		[K_STRING] = TOML_STRING, [K_SECRET] = TOML_STRING, [K_BOOL] = TOML_BOOL,
		[K_IGNORED] = TOML_STRING | TOML_BOOL | TOML_NUMBER,
	};
	const struct key_spec *spec = NULL;
	struct toml_value v;

	if (check_key(s, k, &spec) != 0 || toml_value(&s->toml, accept[spec->type], &v) != 0)
		return -1;
	if (spec->type == K_IGNORED)
		return 0;
	if (spec->type == K_BOOL)
		return v.b ? mark_active(s, v.at) : 0;
	if (!spec->valid(v.str, v.len))
		return toml_fail(&s->toml, v.at, "\"%s\" %s", spec->name, spec->rule);
	return s->cur == s->keep ? keep_value(s, spec, &v) : 0;
}

/* [name]: a profile starts. */
static int
add_table(struct scan *s, const struct toml_item *h)
{
	char label[NAME_MAX_LEN + 8];
	size_t i;
	struct table *t;

	if (h->len == 0)
		return toml_fail(&s->toml, h->at, "empty profile name");
	if (h->len > NAME_MAX_LEN)
		return toml_fail(&s->toml, h->at, "profile name longer than %d bytes", NAME_MAX_LEN);
	if (value_has_control(h->name, h->len))
		return toml_fail(&s->toml, h->at, "control character in the profile name");
	for (i = 0; i < s->ntables; i++)
		if (strcmp(s->tables[i].name, h->name) == 0)
			return toml_fail(&s->toml, h->at, "duplicate table %s (first at line %u)",
					 table_label(h->name, label, sizeof(label)),
					 s->tables[i].line);
	if (s->ntables == PROFILE_TABLES_MAX)
		return toml_fail(&s->toml, h->at, "more than %d profiles", PROFILE_TABLES_MAX);
	t = &s->tables[s->ntables];
	memcpy(t->name, h->name, h->len + 1);
	t->line = toml_line(&s->toml);
	t->active_line = 0;
	s->cur = (long)s->ntables++;
	s->seen = 0;
	return 0;
}

static int
scan_all(struct scan *s)
{
	struct toml_item it;
	int rc;

	toml_rewind(&s->toml);
	s->ntables = 0;
	s->cur = -1;
	s->seen = 0;
	while ((rc = toml_next(&s->toml, &it)) > 0)
		if ((rc == TOML_TABLE ? add_table(s, &it) : parse_keyval(s, &it)) != 0)
			return -1;
	return rc;
}

/* The profile asked for, else the active one, else [default]: Modal's
 * order. A file with profiles of which none applies is an error, as in
 * Modal: falling back to the embedded vault would run the command against
 * another vault than the user configured. A file without any profile is
 * nothing configured. */
static int
choose_table(const struct scan *s, const char *want, long *chosen)
{
	bool named = want != NULL && want[0] != '\0';
	char shown[100];
	size_t i;

	*chosen = -1;
	for (i = 0; i < s->ntables; i++)
		if (named ? strcmp(s->tables[i].name, want) == 0 : s->tables[i].active_line != 0)
			*chosen = (long)i;
	for (i = 0; !named && *chosen < 0 && i < s->ntables; i++)
		if (strcmp(s->tables[i].name, "default") == 0)
			*chosen = (long)i;
	if (named && *chosen < 0)
		return mr_fail(s->e, MR_E_CONFIG, "%s: profile \"%s\" not found", s->file,
			       name_for_msg(want, shown, sizeof(shown)));
	if (*chosen < 0 && s->ntables > 0)
		return mr_fail(s->e, MR_E_CONFIG, "%s: no profile applies: none has active = true, "
			       "none is [default] and neither --profile nor MODAL_PROFILE names one "
			       "(set active = true in one)", s->file);
	return 0;
}

/* "(and N more)" after the WARNED_MAX unknown keys named. */
static void
warn_more(const struct scan *s, char *warning, size_t cap)
{
	size_t used = strlen(warning);

	if (s->unknown > WARNED_MAX && used < cap)
		snprintf(warning + used, cap - used, "\n%s: and %u more unknown keys ignored",
			 s->file, s->unknown - WARNED_MAX);
}

int
profile_parse(const char *text, size_t len, const char *display_path,
	      const char *profile_name, struct profile *out, struct mr_err *e)
{
	struct scan s = { .file = display_path != NULL ? display_path : "profile",
			  .keep = -1, .out = out, .e = e, .warning = out->warning };
	long chosen = -1;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > PROFILE_FILE_MAX)
		return mr_fail(e, MR_E_CONFIG, "%s: larger than 1 MiB", s.file);
	if ((s.tables = calloc(PROFILE_TABLES_MAX, sizeof(*s.tables))) == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	toml_open(&s.toml, text, len, s.file, e);
	if (scan_all(&s) == 0 && choose_table(&s, profile_name, &chosen) == 0) {
		warn_more(&s, out->warning, sizeof(out->warning));
		s.keep = chosen;
		s.warning = NULL;
		rc = chosen < 0 ? 0 : scan_all(&s);
	}
	if (rc == 0 && chosen >= 0)
		memcpy(out->name, s.tables[chosen].name, sizeof(out->name));
	if (rc == 0)
		snprintf(out->path, sizeof(out->path), "%s", s.file);
	else
		profile_clear(out);
	toml_close(&s.toml);
	free(s.tables);
	return rc;
}
int
profile_tables(const char *text, size_t len, const char *display_path,
	       struct profile_table **out, size_t *n, struct mr_err *e)
{
	struct profile scratch = { 0 };   /* takes the warnings; no values are kept */
	struct scan s = { .file = display_path != NULL ? display_path : "profile",
			  .keep = -1, .out = &scratch, .e = e, .warning = scratch.warning };
	size_t i;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (len > PROFILE_FILE_MAX)
		return mr_fail(e, MR_E_CONFIG, "%s: larger than 1 MiB", s.file);
	if ((s.tables = calloc(PROFILE_TABLES_MAX, sizeof(*s.tables))) == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	toml_open(&s.toml, text, len, s.file, e);
	if (scan_all(&s) == 0 && (*out = calloc(s.ntables + 1, sizeof(**out))) == NULL)
		mr_fail(e, MR_E_INTERNAL, "out of memory");
	else if (*out != NULL)
		rc = 0;
	for (i = 0; rc == 0 && i < s.ntables; i++) {
		memcpy((*out)[i].name, s.tables[i].name, sizeof((*out)[i].name));
		(*out)[i].line = s.tables[i].line;
		(*out)[i].active_line = s.tables[i].active_line;
	}
	if (rc == 0)
		*n = s.ntables;
	toml_close(&s.toml);
	free(s.tables);
	profile_clear(&scratch);
	return rc;
}

void
profile_clear(struct profile *p)
{
	free(p->server_url);
	free(p->token_id);
	free(p->environment);
	free(p->policy);
	free(p->vault_public_key);
	free(p->cache_dir);
	secure_free(p->token_secret, p->token_secret_len + 1);
	memset(p, 0, sizeof(*p));
}

/* ---- the profile file on disk ---- */

/* --config/MODAL_CONFIG_PATH, else ~/.modal.toml ("" in real when $HOME is
 * unset: there is then no default file, as if it did not exist). */
static int
profile_path(const char *path, char *real, char *shown, struct mr_err *e)
{
	const char *home = secure_getenv("HOME");

	real[0] = '\0';
	if (path != NULL && path[0] != '\0') {
		if (strlen(path) >= PATH_MAX)
			return mr_fail(e, MR_E_CONFIG, "profile file path is too long");
		strcpy(real, path);
		strcpy(shown, path);
		return 0;
	}
	strcpy(shown, "~/.modal.toml");
	if (home != NULL && home[0] == '/' &&
	    snprintf(real, PATH_MAX, "%s/.modal.toml", home) >= PATH_MAX)
		return mr_fail(e, MR_E_CONFIG, "$HOME is too long");
	return 0;
}

bool
profile_file_absent(const char *path, const char *profile_name)
{
	char real[PATH_MAX], shown[PATH_MAX];
	struct mr_err e = { 0 };

	if ((path != NULL && path[0] != '\0') || (profile_name != NULL && profile_name[0] != '\0'))
		return false;
	if (profile_path(NULL, real, shown, &e) != 0 || real[0] == '\0')
		return false;
	return access(real, F_OK) != 0 && errno == ENOENT;
}

/* Whoever can write the file chooses the server and its pinned key, so it
 * must pass the shared file-trust check (filetrust.h), on the opened
 * descriptor; reading it only exposes the token, so that is a warning.
 * Symlinks are followed: dotfile managers link ~/.modal.toml. A missing
 * default file leaves *fd at -1 without an error. */
static int
profile_open(const char *real, const char *shown, bool explicit, int *fd, struct stat *st,
	     struct mr_err *e)
{
	*fd = -1;
	if (real[0] == '\0')
		return 0;
	*fd = file_open_trusted(AT_FDCWD, real, shown, TRUST_NOT_OTHERS, 0, st, e);
	if (*fd < 0 && !explicit && e->kind == MR_E_NOTFOUND) {
		mr_clear(e);
		return 0;
	}
	if (*fd < 0) {
		e->kind = MR_E_CONFIG;   /* a profile we cannot use is bad configuration */
		return -1;
	}
	if (st->st_size > PROFILE_FILE_MAX)
		return mr_fail(e, MR_E_CONFIG, "%s: larger than 1 MiB", shown);
	return 0;
}

/* Before the unknown keys' lines, if any: the file as a whole first. */
static void
append_warning(struct profile *out, const char *shown)
{
	char unknown[sizeof(out->warning)];
	int n;

	memcpy(unknown, out->warning, sizeof(unknown));
	n = snprintf(out->warning, sizeof(out->warning), "%s is readable by group/others "
		     "(chmod 600 it)%s%s", shown, unknown[0] != '\0' ? "\n" : "", unknown);
	if (n >= (int)sizeof(out->warning))   /* cut: the file's own line comes whole */
		out->warning[sizeof(out->warning) - 1] = '\0';
}

int
profile_load(const char *path, const char *profile_name, struct profile *out,
	     struct mr_err *e)
{
	char real[PATH_MAX], shown[PATH_MAX];
	struct stat st;
	unsigned char *buf = NULL;
	bool loose = false;
	size_t len = 0;
	int fd = -1, rc;

	memset(out, 0, sizeof(*out));
	rc = profile_path(path, real, shown, e);
	if (rc == 0)
		rc = profile_open(real, shown, path != NULL && path[0] != '\0', &fd, &st, e);
	/* Read it all, sized by the file, into locked memory (it holds the token). */
	if (rc == 0 && fd >= 0) {
		loose = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
		rc = read_fd_secret(fd, (size_t)st.st_size + 1, &buf, &len, shown, e);
	}
	/* No file parses as an empty one: no profile, or "not found" if named. */
	if (rc == 0)
		rc = profile_parse(buf != NULL ? (const char *)buf : "", len, shown,
				   profile_name, out, e);
	if (rc == 0 && fd < 0)
		out->path[0] = '\0';
	if (rc == 0 && loose)
		append_warning(out, shown);
	if (buf != NULL)
		secure_free(buf, len + 1);
	if (fd >= 0)
		close(fd);
	return rc;
}
