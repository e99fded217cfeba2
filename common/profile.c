/* profile.c — the profile file and the systemd credential (profile.h).
 * The TOML reader takes exactly what Modal's ~/.modal.toml holds: [tables]
 * of key = "string" | 'string' | true | false, comments and blank lines.
 * Everything else TOML allows is refused by name, so a file we would read
 * differently from Modal is an error rather than a surprise. The file is
 * scanned twice: once to check all of it and choose the profile (the active
 * mark may come after the profile it would override), once to keep the
 * chosen profile's values. */
#include "profile.h"
#include "fdio.h"
#include "filetrust.h"
#include "secmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TOKEN_MAX 128           /* "ak-"/"as-" and base62: Modal's are 25 */
#define CREDENTIAL_MAX 4096     /* a token is one short line */

/* K_IGNORED: a key Modal's client defines (modal/config.py) that means
 * nothing here; its value is checked for syntax and dropped, so a file
 * `modal config`/`modal token set` wrote is read unchanged. */
enum key_type { K_STRING, K_SECRET, K_BOOL, K_IGNORED };

static bool token_id_ok(const char *v, size_t n);
static bool token_secret_ok(const char *v, size_t n);
static bool environment_ok(const char *v, size_t n);
static bool url_ok(const char *v, size_t n);
static bool path_ok(const char *v, size_t n);
static bool hex_key_ok(const char *v, size_t n);

#define RULE_TOKEN(p) "must be \"" p "\" followed by 1 to 125 letters and digits"
#define RULE_PATH "must be an absolute path without control characters"

/* The keys a profile may hold; any other key is an error. */
static const struct key_spec {
	const char *name;
	enum key_type type;
	bool (*valid)(const char *v, size_t n);
	const char *rule;             /* what a valid value is, for the error */
	size_t field;                 /* offsetof its char * in struct profile */
} keys[] = {
	{ "token_id", K_STRING, token_id_ok, RULE_TOKEN("ak-"),
	  offsetof(struct profile, token_id) },
	{ "token_secret", K_SECRET, token_secret_ok, RULE_TOKEN("as-"),
	  offsetof(struct profile, token_secret) },
	{ "environment", K_STRING, environment_ok,
	  "must be 1 to 64 characters of [A-Za-z0-9._-], starting with a letter or digit",
	  offsetof(struct profile, environment) },
	{ "server_url", K_STRING, url_ok,
	  "must be a non-empty URL without spaces or control characters",
	  offsetof(struct profile, server_url) },
	{ "active", K_BOOL, NULL, NULL, 0 },
	{ "policy", K_STRING, path_ok, RULE_PATH, offsetof(struct profile, policy) },
	{ "vault_public_key", K_STRING, hex_key_ok,
	  "must be 64 hexadecimal characters (a 32-byte key)",
	  offsetof(struct profile, vault_public_key) },
	{ "cache_dir", K_STRING, path_ok, RULE_PATH, offsetof(struct profile, cache_dir) },
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
 * ignored one. Its own entry so that parse_value has a name to report. */
static const struct key_spec unknown_key = { "(unknown)", K_IGNORED, NULL, NULL, 0 };
#define WARNED_MAX 8            /* unknown keys named in the warning */

struct table {
	char name[NAME_MAX_LEN + 1];
	unsigned line;                /* of its header */
	unsigned active_line;         /* of its active = true; 0 if none */
};

struct scan {
	const char *file;             /* as messages name it */
	const char *text, *end, *next;
	const char *line, *eol;       /* the current line, without its newline */
	unsigned lineno;
	struct table *tables;
	size_t ntables;
	long cur;                     /* current table; -1 before the first */
	unsigned long long seen;      /* keys already set in it, a bit each */
	unsigned unknown;             /* keys neither Modal nor we know, first scan */
	char *warning;                /* where they are said; NULL on the second scan */
	long keep;                    /* second scan: the table to copy out */
	struct profile *out;
	char *buf;                    /* sodium memory: the string being decoded */
	struct mr_err *e;
};

/* ---- small character helpers ---- */

static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
is_bare(unsigned char c)
{
	return is_alnum(c) || c == '_' || c == '-';
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
has_control(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return true;
	return false;
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *
skip_bare(const char *p, const char *end)
{
	while (p < end && is_bare((unsigned char)*p))
		p++;
	return p;
}

/* Length of the UTF-8 sequence at p, 0 if it is not well-formed (overlong,
 * surrogate, above U+10FFFF or cut short). */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static size_t
utf8_put(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* ---- value rules (SPEC 4, 5); they never print the value ---- */

static bool
token_ok(const char *v, size_t n, const char *prefix)
{
	size_t i;

	if (n < 4 || n > TOKEN_MAX || memcmp(v, prefix, 3) != 0)
		return false;
	for (i = 3; i < n; i++)
		if (!is_alnum((unsigned char)v[i]))
			return false;
	return true;
}

static bool
token_id_ok(const char *v, size_t n)
{
	return token_ok(v, n, "ak-");
}

static bool
token_secret_ok(const char *v, size_t n)
{
	return token_ok(v, n, "as-");
}

static bool
environment_ok(const char *v, size_t n)
{
	(void)n;
	return name_is_valid(v);
}

static bool
url_ok(const char *v, size_t n)
{
	return n > 0 && !has_control(v, n) && memchr(v, ' ', n) == NULL;
}

static bool
path_ok(const char *v, size_t n)
{
	return n > 0 && v[0] == '/' && !has_control(v, n);
}

static bool
hex_key_ok(const char *v, size_t n)
{
	size_t i;

	if (n != 64)
		return false;
	for (i = 0; i < n; i++)
		if (hex_value((unsigned char)v[i]) < 0)
			return false;
	return true;
}

/* ---- the TOML subset ---- */

static int fail_at(const struct scan *s, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The column of at in the current line, in characters from 1. */
static unsigned
column_of(const struct scan *s, const char *at)
{
	unsigned col = 1;
	const char *p;

	for (p = s->line; p < at; p++)
		col += ((unsigned char)*p & 0xc0) != 0x80;
	return col;
}

/* "FILE:LINE:COLUMN: what". */
static int
fail_at(const struct scan *s, const char *at, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return mr_fail(s->e, MR_E_CONFIG, "%s:%u:%u: %s", s->file, s->lineno,
		       column_of(s, at), what);
}

/* "[prod]" or, for a name a bare key cannot spell, "[\"my profile\"]". */
static const char *
table_label(const char *name, char *buf, size_t len)
{
	const char *end = name + strlen(name);

	snprintf(buf, len, skip_bare(name, end) == end ? "[%s]" : "[\"%s\"]", name);
	return buf;
}

static bool
next_line(struct scan *s)
{
	const char *nl;

	if (s->next >= s->end)
		return false;
	s->line = s->next;
	nl = memchr(s->line, '\n', (size_t)(s->end - s->line));
	s->eol = nl != NULL ? nl : s->end;
	s->next = nl != NULL ? nl + 1 : s->end;
	/* CRLF is a newline in TOML; a CR anywhere else is a control character. */
	if (nl != NULL && s->eol > s->line && s->eol[-1] == '\r')
		s->eol--;
	s->lineno++;
	return true;
}

/* What TOML forbids anywhere in a line, checked first so that the parser
 * only ever sees bounded, well-formed UTF-8 without control characters. */
static int
check_bytes(const struct scan *s)
{
	const unsigned char *p = (const unsigned char *)s->line;
	const unsigned char *end = (const unsigned char *)s->eol;
	size_t n;

	if (end - p > PROFILE_LINE_MAX)
		return fail_at(s, s->line + PROFILE_LINE_MAX, "line longer than %d bytes",
			       PROFILE_LINE_MAX);
	for (; p < end; p += n) {
		if (*p == '\0')
			return fail_at(s, (const char *)p, "NUL byte");
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return fail_at(s, (const char *)p, "control character 0x%02x", *p);
		if ((n = utf8_len(p, end)) == 0)
			return fail_at(s, (const char *)p, "invalid UTF-8");
	}
	return 0;
}

/* After a header or a value only spaces and a comment may follow. */
static int
expect_end(const struct scan *s, const char *p, const char *after)
{
	p = skip_ws(p, s->eol);
	if (p < s->eol && *p != '#')
		return fail_at(s, p, "unexpected text after the %s", after);
	return 0;
}

/* \uXXXX or \UXXXXXXXX at *pp: a Unicode scalar value other than NUL. */
static int
parse_unicode(const struct scan *s, const char **pp, size_t *n)
{
	const char *p = *pp;
	int digits = p[1] == 'u' ? 4 : 8, i, d;
	unsigned long cp = 0;

	for (i = 0; i < digits; i++) {
		d = p + 2 + i < s->eol ? hex_value((unsigned char)p[2 + i]) : -1;
		if (d < 0)
			return fail_at(s, p, "\\%c needs %d hexadecimal digits", p[1], digits);
		cp = cp << 4 | (unsigned long)d;
	}
	if (cp == 0)
		return fail_at(s, p, "\\%c%.*s: NUL is not allowed", p[1], digits, p + 2);
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return fail_at(s, p, "\\%c%.*s is not a Unicode scalar value", p[1], digits, p + 2);
	*n += utf8_put(s->buf + *n, cp);
	*pp = p + 2 + digits;
	return 0;
}

/* The escape at *pp, TOML 1.0's set; decoded text can only be shorter. */
static int
parse_escape(const struct scan *s, const char **pp, size_t *n)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	const char *p = *pp, *hit;
	unsigned char c = p + 1 < s->eol ? (unsigned char)p[1] : 0;

	if (c == 'u' || c == 'U')
		return parse_unicode(s, pp, n);
	if (c != 0 && (hit = strchr(from, c)) != NULL) {
		s->buf[(*n)++] = to[hit - from];
		*pp = p + 2;
		return 0;
	}
	if (c > 0x20 && c < 0x7f)
		return fail_at(s, p, "unknown escape \\%c (TOML has \\b \\t \\n \\f \\r \\\" "
			       "\\\\ \\uXXXX \\UXXXXXXXX)", c);
	return fail_at(s, p, "'\\' must be followed by an escape character");
}

/* The "basic" or 'literal' string at *pp into s->buf, NUL-terminated;
 * *pp moves past its closing quote. */
static int
parse_string(const struct scan *s, const char **pp)
{
	const char *p = *pp;
	char q = *p;
	size_t n = 0;

	if (s->eol - p >= 3 && p[1] == q && p[2] == q)
		return fail_at(s, p, "multi-line strings are not supported");
	for (p++; p < s->eol && *p != q;) {
		if (q == '"' && *p == '\\') {
			if (parse_escape(s, &p, &n) != 0)
				return -1;
		} else {
			s->buf[n++] = *p++;
		}
	}
	if (p == s->eol)
		return fail_at(s, *pp, "string is never closed");
	s->buf[n] = '\0';
	*pp = p + 1;
	return 0;
}

static bool
word_at(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);

	return (size_t)(end - p) >= n && memcmp(p, w, n) == 0 &&
	       (p + n == end || p[n] == ' ' || p[n] == '\t' || p[n] == '#');
}

static size_t
digits(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q >= '0' && *q <= '9')
		q++;
	return (size_t)(q - p);
}

/* What a value we do not take looks like, to say so in the error. */
static const char *
value_kind(const char *p, const char *end)
{
	if (p < end && (*p == '"' || *p == '\''))
		return "a string";
	if (word_at(p, end, "true") || word_at(p, end, "false"))
		return "a boolean";
	if (p < end && *p == '[')
		return "an array";
	if (p < end && *p == '{')
		return "an inline table";
	if (digits(p, end) == 4 && end - p > 4 && p[4] == '-')
		return "a date";
	if (digits(p, end) == 2 && end - p > 2 && p[2] == ':')
		return "a time";
	if (p < end && (*p == '+' || *p == '-'))
		p++;
	if (p < end && ((*p >= '0' && *p <= '9') || word_at(p, end, "inf") ||
			word_at(p, end, "nan")))
		return "a number";
	return NULL;
}

/* The value of a key we drop: any string, boolean or number, checked as
 * TOML so that a malformed line is still an error, never a guess. */
static int
parse_ignored(const struct scan *s, const char *name, int nlen, const char **pp)
{
	const char *p = *pp, *kind = value_kind(p, s->eol);

	if (p < s->eol && (*p == '"' || *p == '\''))
		return parse_string(s, pp);
	if (word_at(p, s->eol, "true") || word_at(p, s->eol, "false")) {
		*pp = p + (*p == 't' ? 4 : 5);
		return 0;
	}
	if (kind != NULL && strcmp(kind, "a number") == 0) {
		while (p < s->eol && (is_bare((unsigned char)*p) || *p == '.' || *p == '+'))
			p++;
		*pp = p;
		return 0;
	}
	if (kind != NULL)
		return fail_at(s, p, "\"%.*s\" must be a string, a boolean or a number, not %s",
			       nlen, name, kind);
	return fail_at(s, p, "\"%.*s\" must be a string, a boolean or a number", nlen, name);
}

/* The value at *pp for key k: a string left in s->buf, or a boolean. */
static int
parse_value(const struct scan *s, const struct key_spec *k, const char **pp, bool *b)
{
	const char *p = *pp, *kind = value_kind(p, s->eol);
	const char *want = k->type == K_BOOL ? "true or false" : "a quoted string";

	if (k->type == K_IGNORED)
		return parse_ignored(s, k->name, (int)strlen(k->name), pp);
	if (k->type != K_BOOL && p < s->eol && (*p == '"' || *p == '\''))
		return parse_string(s, pp);
	if (k->type == K_BOOL && (word_at(p, s->eol, "true") || word_at(p, s->eol, "false"))) {
		*b = *p == 't';
		*pp = p + (*b ? 4 : 5);
		return 0;
	}
	if (kind != NULL)
		return fail_at(s, p, "\"%s\" must be %s, not %s", k->name, want, kind);
	return fail_at(s, p, "\"%s\" must be %s", k->name, want);
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
warn_unknown(struct scan *s, const char *k, int klen, const char *label)
{
	size_t used, cap = sizeof(((struct profile *)0)->warning);

	if (s->warning == NULL || ++s->unknown > WARNED_MAX)
		return;
	used = strlen(s->warning);
	if (used < cap)
		snprintf(s->warning + used, cap - used, "%s%s:%u:%u: unknown key \"%.*s\" in %s "
			 "ignored (neither Modal nor modal-run defines it)", used ? "\n" : "",
			 s->file, s->lineno, column_of(s, k), klen, k, label);
}

/* The key at k and its '='; *pp is left after the '='. */
static int
parse_key(struct scan *s, const char *k, const struct key_spec **spec, const char **pp)
{
	const char *kend = skip_bare(k, s->eol), *p = skip_ws(kend, s->eol);
	int klen = kend - k > 64 ? 64 : (int)(kend - k);
	char label[NAME_MAX_LEN + 8];

	if (kend == k)
		return fail_at(s, k, "%s", *k == '"' || *k == '\'' ? "quoted keys are not supported"
			       : "expected a key, a [profile] header or a comment");
	if (p < s->eol && *p == '.')
		return fail_at(s, p, "dotted keys are not supported");
	if (p == s->eol || *p != '=')
		return fail_at(s, p, "expected '=' after the key");
	if (s->cur < 0)
		return fail_at(s, k, "key \"%.*s\" comes before any [profile] header", klen, k);
	table_label(s->tables[s->cur].name, label, sizeof(label));
	*pp = skip_ws(p + 1, s->eol);
	if ((*spec = key_find(k, (size_t)(kend - k))) == NULL) {
		warn_unknown(s, k, klen, label);
		*spec = &unknown_key;
		return 0;
	}
	if (s->seen & 1ull << (*spec - keys))
		return fail_at(s, k, "duplicate key \"%s\" in %s", (*spec)->name, label);
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
			return fail_at(s, at, "two active profiles: %s (line %u) and %s",
				       table_label(s->tables[i].name, first, sizeof(first)),
				       s->tables[i].active_line,
				       table_label(s->tables[s->cur].name, second, sizeof(second)));
	s->tables[s->cur].active_line = s->lineno;
	return 0;
}

static int
keep_value(struct scan *s, const struct key_spec *k, size_t n)
{
	char **field = (char **)(void *)((char *)s->out + k->field);

	if (k->type == K_SECRET) {
		*field = xsecure_alloc(n + 1);
		memcpy(*field, s->buf, n + 1);
		s->out->token_secret_len = n;
		return 0;
	}
	if ((*field = strdup(s->buf)) == NULL)
		return mr_fail(s->e, MR_E_INTERNAL, "out of memory");
	return 0;
}

/* key = value: checked in every profile, kept from the chosen one. */
static int
parse_keyval(struct scan *s, const char *k)
{
	const struct key_spec *spec = NULL;
	const char *v = NULL, *p;
	bool b = false;
	size_t n;

	if (parse_key(s, k, &spec, &v) != 0)
		return -1;
	p = v;
	if (spec == &unknown_key) {
		if (parse_ignored(s, k, (int)(skip_bare(k, s->eol) - k), &p) != 0)
			return -1;
		return expect_end(s, p, "value");
	}
	if (parse_value(s, spec, &p, &b) != 0 || expect_end(s, p, "value") != 0)
		return -1;
	if (spec->type == K_IGNORED)
		return 0;
	if (spec->type == K_BOOL)
		return b ? mark_active(s, v) : 0;
	n = strlen(s->buf);
	if (!spec->valid(s->buf, n))
		return fail_at(s, v, "\"%s\" %s", spec->name, spec->rule);
	return s->cur == s->keep ? keep_value(s, spec, n) : 0;
}

static int
add_table(struct scan *s, const char *at)
{
	char label[NAME_MAX_LEN + 8];
	size_t n = strlen(s->buf), i;
	struct table *t;

	if (n == 0)
		return fail_at(s, at, "empty profile name");
	if (n > NAME_MAX_LEN)
		return fail_at(s, at, "profile name longer than %d bytes", NAME_MAX_LEN);
	if (has_control(s->buf, n))
		return fail_at(s, at, "control character in the profile name");
	for (i = 0; i < s->ntables; i++)
		if (strcmp(s->tables[i].name, s->buf) == 0)
			return fail_at(s, at, "duplicate table %s (first at line %u)",
				       table_label(s->buf, label, sizeof(label)), s->tables[i].line);
	if (s->ntables == PROFILE_TABLES_MAX)
		return fail_at(s, at, "more than %d profiles", PROFILE_TABLES_MAX);
	t = &s->tables[s->ntables];
	memcpy(t->name, s->buf, n + 1);
	t->line = s->lineno;
	t->active_line = 0;
	s->cur = (long)s->ntables++;
	s->seen = 0;
	return 0;
}

/* [name] with the name bare or quoted: a profile starts. */
static int
parse_header(struct scan *s, const char *open)
{
	const char *name = skip_ws(open + 1, s->eol), *p = name;

	if (open + 1 < s->eol && open[1] == '[')
		return fail_at(s, open, "arrays of tables ([[...]]) are not supported");
	if (p < s->eol && (*p == '"' || *p == '\'')) {
		if (parse_string(s, &p) != 0)
			return -1;
	} else {
		p = skip_bare(name, s->eol);
		if (p == name)
			return fail_at(s, name, "expected a profile name after '[' (quote a name "
				       "that is not [A-Za-z0-9_-]+)");
		memcpy(s->buf, name, (size_t)(p - name));
		s->buf[p - name] = '\0';
	}
	p = skip_ws(p, s->eol);
	if (p < s->eol && *p == '.')
		return fail_at(s, p, "dotted table names are not supported");
	if (p == s->eol || *p != ']')
		return fail_at(s, p, "expected ']' after the profile name");
	if (expect_end(s, p + 1, "table header") != 0)
		return -1;
	return add_table(s, name);
}

static int
parse_line(struct scan *s)
{
	const char *p = skip_ws(s->line, s->eol);

	if (p == s->eol || *p == '#')
		return 0;
	if (s->lineno == 1 && s->eol - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		return fail_at(s, p, "byte order mark (save the file as UTF-8 without one)");
	if (*p == '[')
		return parse_header(s, p);
	return parse_keyval(s, p);
}

static int
scan_all(struct scan *s)
{
	int rc = 0;

	s->next = s->text;
	s->lineno = 0;
	s->ntables = 0;
	s->cur = -1;
	s->seen = 0;
	while (rc == 0 && next_line(s))
		rc = check_bytes(s) != 0 ? -1 : parse_line(s);
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
			  .text = text, .end = text + len, .keep = -1, .out = out, .e = e,
			  .warning = out->warning };
	long chosen = -1;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > PROFILE_FILE_MAX)
		return mr_fail(e, MR_E_CONFIG, "%s: larger than 1 MiB", s.file);
	if ((s.tables = calloc(PROFILE_TABLES_MAX, sizeof(*s.tables))) == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	s.buf = xsecure_alloc(PROFILE_LINE_MAX + 1);
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
	secure_free(s.buf, PROFILE_LINE_MAX + 1);
	free(s.tables);
	return rc;
}

int
profile_tables(const char *text, size_t len, const char *display_path,
	       struct profile_table **out, size_t *n, struct mr_err *e)
{
	struct profile scratch = { 0 };   /* takes the warnings; no values are kept */
	struct scan s = { .file = display_path != NULL ? display_path : "profile",
			  .text = text, .end = text + len, .keep = -1, .out = &scratch, .e = e,
			  .warning = scratch.warning };
	size_t i;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (len > PROFILE_FILE_MAX)
		return mr_fail(e, MR_E_CONFIG, "%s: larger than 1 MiB", s.file);
	if ((s.tables = calloc(PROFILE_TABLES_MAX, sizeof(*s.tables))) == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	s.buf = xsecure_alloc(PROFILE_LINE_MAX + 1);
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
	secure_free(s.buf, PROFILE_LINE_MAX + 1);
	free(s.tables);
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

/* ---- the systemd credential ---- */

/* Where the token is in the credential: pointers into its buffer. */
struct cred {
	const char *id, *secret;
	size_t id_len, secret_len;
	bool pair;                    /* given as one ak-...:as-... line */
};

static const char *
trim_end(const char *p, const char *end)
{
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	return end;
}

/* "ak-...:as-..." on one line. */
static int
cred_pair(const char *path, unsigned line, const char *p, const char *colon,
	  const char *end, struct cred *c, struct mr_err *e)
{
	const char *s = skip_ws(colon + 1, end);

	if (c->id != NULL || c->secret != NULL)
		return mr_fail(e, MR_E_CONFIG, "%s:%u: more than one token", path, line);
	c->pair = true;
	c->id = p;
	c->id_len = (size_t)(trim_end(p, colon) - p);
	c->secret = s;
	c->secret_len = (size_t)(end - s);
	return 0;
}

/* token_id = ak-... or token_secret = as-..., the value bare or quoted. */
static int
cred_keyval(const char *path, unsigned line, const char *p, const char *eq,
	    const char *end, struct cred *c, struct mr_err *e)
{
	const char *k_end = trim_end(p, eq), *v = skip_ws(eq + 1, end);
	bool is_id = k_end - p == 8 && memcmp(p, "token_id", 8) == 0;
	bool is_secret = k_end - p == 12 && memcmp(p, "token_secret", 12) == 0;

	if (!is_id && !is_secret)   /* not named: a mangled line may hold the secret */
		return mr_fail(e, MR_E_CONFIG, "%s:%u: unknown key (expected token_id or "
			       "token_secret)", path, line);
	if (c->pair)
		return mr_fail(e, MR_E_CONFIG, "%s:%u: more than one token", path, line);
	if (is_id ? c->id != NULL : c->secret != NULL)
		return mr_fail(e, MR_E_CONFIG, "%s:%u: duplicate %s", path, line,
			       is_id ? "token_id" : "token_secret");
	if (end - v >= 2 && (*v == '"' || *v == '\'') && end[-1] == *v) {
		v++;
		end--;
	}
	*(is_id ? &c->id : &c->secret) = v;
	*(is_id ? &c->id_len : &c->secret_len) = (size_t)(end - v);
	return 0;
}

static int
cred_line(const char *path, unsigned line, const char *p, const char *end,
	  struct cred *c, struct mr_err *e)
{
	const char *q, *sep;

	p = skip_ws(p, end);
	end = trim_end(p, end);
	if (p == end || *p == '#')
		return 0;
	for (q = p; q < end; q++)
		if (((unsigned char)*q < 0x20 && *q != '\t') || (unsigned char)*q >= 0x7f)
			return mr_fail(e, MR_E_CONFIG, "%s:%u: control character or non-ASCII "
				       "byte", path, line);
	if ((sep = memchr(p, '=', (size_t)(end - p))) != NULL)
		return cred_keyval(path, line, p, sep, end, c, e);
	if ((sep = memchr(p, ':', (size_t)(end - p))) != NULL)
		return cred_pair(path, line, p, sep, end, c, e);
	return mr_fail(e, MR_E_CONFIG, "%s:%u: expected ak-...:as-... or token_id = / "
		       "token_secret = lines", path, line);
}

static int
cred_parse(const char *path, const char *text, size_t len, struct cred *c,
	   struct mr_err *e)
{
	const char *p = text, *end = text + len, *nl;
	unsigned line = 0;
	int rc = 0;

	while (rc == 0 && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		rc = cred_line(path, ++line, p, nl != NULL ? nl : end, c, e);
		p = nl != NULL ? nl + 1 : end;
	}
	if (rc == 0 && c->id == NULL && c->secret == NULL)
		rc = mr_fail(e, MR_E_CONFIG, "%s: no token (expected ak-...:as-... or "
			     "token_id = / token_secret = lines)", path);
	else if (rc == 0 && (c->id == NULL || c->secret == NULL))
		rc = mr_fail(e, MR_E_CONFIG, "%s: no %s line", path,
			     c->id == NULL ? "token_id" : "token_secret");
	else if (rc == 0 && !token_id_ok(c->id, c->id_len))
		rc = mr_fail(e, MR_E_CONFIG, "%s: token id %s", path, RULE_TOKEN("ak-"));
	else if (rc == 0 && !token_secret_ok(c->secret, c->secret_len))
		rc = mr_fail(e, MR_E_CONFIG, "%s: token secret %s", path, RULE_TOKEN("as-"));
	return rc;
}

static int
cred_install(const struct cred *c, struct profile *out, struct mr_err *e)
{
	char *id = strndup(c->id, c->id_len);

	if (id == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	free(out->token_id);
	out->token_id = id;
	secure_free(out->token_secret, out->token_secret_len + 1);
	out->token_secret = xsecure_alloc(c->secret_len + 1);
	memcpy(out->token_secret, c->secret, c->secret_len);
	out->token_secret[c->secret_len] = '\0';
	out->token_secret_len = c->secret_len;
	return 0;
}

int
profile_parse_credential(const char *text, size_t len, const char *display_path,
			 struct profile *out, struct mr_err *e)
{
	struct cred c = { 0 };

	if (cred_parse(display_path, text, len, &c, e) != 0)
		return -1;
	return cred_install(&c, out, e);
}

int
profile_load_credential(const char *creds_dir, struct profile *out, struct mr_err *e)
{
	char path[PATH_MAX];
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	if (creds_dir == NULL || creds_dir[0] == '\0')
		return 0;
	if (creds_dir[0] != '/')   /* as systemd: a relative one was not set by it */
		return mr_fail(e, MR_E_CONFIG, "$CREDENTIALS_DIRECTORY is not an absolute path");
	if (snprintf(path, sizeof(path), "%s/modal-token", creds_dir) >= (int)sizeof(path))
		return mr_fail(e, MR_E_CONFIG, "$CREDENTIALS_DIRECTORY is too long");
	rc = read_file_secret(path, CREDENTIAL_MAX, 0, &buf, &len, e);
	if (rc == 0) {
		rc = profile_parse_credential((const char *)buf, len, path, out, e);
	} else if (e->kind == MR_E_NOTFOUND) {
		mr_clear(e);           /* no LoadCredential=modal-token: not ours to judge */
		rc = 0;
	} else if (e->kind == MR_E_TOOLARGE) {
		e->kind = MR_E_CONFIG;
	}
	secure_free(buf, len + 1);
	return rc;
}
