/* dotenv.c — .env files read as python-dotenv's dotenv_values() reads them
 * (Modal's CLI calls it for --from-dotenv), checked strictly:
 *   # comment
 *   export KEY=value            unquoted: trimmed, whitespace + '#' starts a comment
 *   'KEY'=value                 a key may be single-quoted
 *   KEY='literal: only \\ and \' are escapes, may span lines'
 *   KEY="escapes \\ \' \" \a \b \f \n \r \t \v; any other \x kept as is"
 *   KEY=${VAR} ${VAR:-default}  expanded by dotenv_expand, in every kind of value
 * Lines end in LF, CRLF or CR, and a quoted value's newlines are LF, as
 * Python's text mode reads the file. Where python-dotenv would skip a line
 * with a logged warning (or keep a key without a value) we stop with an
 * error naming the file and the line: the differences are listed in
 * docs/configuration.md. Untrusted input: every byte is bounds-checked. */
#include "input.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct cursor {
	const unsigned char *p, *end;
	unsigned char *out;
	size_t line;
	const char *fname;
	struct mr_err *e;
};

/* ---- characters as Python's re \s and str.rstrip() see them ---- */

/* Bytes of the newline at p (LF, CRLF or CR), 0 if none. */
static size_t
newline_len(const unsigned char *p, const unsigned char *end)
{
	if (p >= end)
		return 0;
	if (*p == '\n')
		return 1;
	if (*p == '\r')
		return p + 1 < end && p[1] == '\n' ? 2 : 1;
	return 0;
}

/* Bytes of the Unicode whitespace character at p (str.isspace()), 0 if
 * none: ASCII's \t-\r, \x1c-\x1f and space, and the UTF-8 encodings of
 * U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F,
 * U+3000. */
static size_t
space_len(const unsigned char *p, const unsigned char *end)
{
	size_t n = (size_t)(end - p);

	if (n == 0)
		return 0;
	if ((*p >= '\t' && *p <= '\r') || (*p >= 0x1c && *p <= 0x20))
		return 1;
	if (n >= 2 && p[0] == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0))
		return 2;
	if (n < 3)
		return 0;
	if ((p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80) ||
	    (p[0] == 0xe2 && p[1] == 0x80 && (p[2] <= 0x8a || p[2] == 0xa8 || p[2] == 0xa9 ||
					      p[2] == 0xaf) && p[2] >= 0x80) ||
	    (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f) ||
	    (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80))
		return 3;
	return 0;
}

/* Whitespace other than a newline: the regex [^\S\r\n]. */
static size_t
blank_len(const unsigned char *p, const unsigned char *end)
{
	return p < end && (*p == '\n' || *p == '\r') ? 0 : space_len(p, end);
}

/* Bytes of the whitespace character ending just before q, 0 if none. */
static size_t
space_before(const unsigned char *start, const unsigned char *q)
{
	size_t n;

	for (n = 1; n <= 3 && (size_t)(q - start) >= n; n++)
		if (space_len(q - n, q) == n)
			return n;
	return 0;
}

static void
skip_blanks(struct cursor *c)
{
	size_t n;

	while ((n = blank_len(c->p, c->end)) > 0)
		c->p += n;
}

static int
at_eol(const struct cursor *c)
{
	return c->p >= c->end || *c->p == '\n' || *c->p == '\r';
}

static void
skip_eol(struct cursor *c)
{
	size_t n = newline_len(c->p, c->end);

	c->p += n;
	c->line += n > 0;
}

/* Blank lines and whitespace before a binding, as python-dotenv's \s*. */
static void
skip_space(struct cursor *c)
{
	size_t n;

	while (c->p < c->end) {
		if ((n = newline_len(c->p, c->end)) > 0) {
			c->p += n;
			c->line++;
		} else if ((n = space_len(c->p, c->end)) > 0) {
			c->p += n;
		} else {
			break;
		}
	}
}

static int
fail(struct cursor *c, const char *what)
{
	return mr_fail(c->e, MR_E_INVALID, "%s:%zu: %s", c->fname, c->line, what);
}

/* After a value: blanks, an optional comment, then the end of the line. */
static int
finish_line(struct cursor *c)
{
	skip_blanks(c);
	if (c->p < c->end && *c->p == '#')
		while (!at_eol(c))
			c->p++;
	if (!at_eol(c))
		return fail(c, "unexpected text after the value (python-dotenv would skip the line)");
	skip_eol(c);
	return 0;
}

/* ---- keys ---- */

static bool
key_char(unsigned char ch, bool first)
{
	return ch == '_' || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       (!first && ch >= '0' && ch <= '9');
}

static bool
key_is_name(const unsigned char *k, size_t n)
{
	size_t i;

	if (n == 0 || n > KEY_MAX_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!key_char(k[i], i == 0))
			return false;
	return true;
}

/* "export " then the key python-dotenv reads there: 'quoted' or a run
 * without '=', '#' or whitespace. Ours must also be an environment name. */
static int
read_key(struct cursor *c, const char **key)
{
	const unsigned char *start, *stop;
	bool quoted;

	if (c->end - c->p > 6 && memcmp(c->p, "export", 6) == 0 &&
	    blank_len(c->p + 6, c->end) > 0) {
		c->p += 6;
		skip_blanks(c);
	}
	quoted = c->p < c->end && *c->p == '\'';
	if (quoted) {
		start = c->p + 1;
		stop = memchr(start, '\'', (size_t)(c->end - start));
		if (stop == NULL)
			stop = start;    /* refused below, as an empty name */
	} else {
		for (start = stop = c->p; stop < c->end && *stop != '=' && *stop != '#' &&
					  space_len(stop, c->end) == 0; stop++)
			;
	}
	if (!key_is_name(start, (size_t)(stop - start)))
		return fail(c, "expected KEY=VALUE with KEY of [A-Za-z_][A-Za-z0-9_]*");
	*key = (const char *)c->out;
	memcpy(c->out, start, (size_t)(stop - start));
	c->out += stop - start;
	*c->out++ = '\0';
	c->p = stop + quoted;      /* past the closing quote */
	skip_blanks(c);
	if (c->p >= c->end || *c->p != '=')
		return fail(c, "expected '=' after the key (python-dotenv would give it no value)");
	c->p++;
	skip_blanks(c);
	return 0;
}

/* ---- values ---- */

/* The closing quote as python-dotenv's regex "((?:\\"|[^"])*)" finds it:
 * the first quote not right after a backslash. (When there is none the
 * regex falls back to the last escaped one; we call that unclosed.) */
static const unsigned char *
closing_quote(const unsigned char *open, const unsigned char *end)
{
	const unsigned char *p;

	for (p = open + 1; p < end; p++)
		if (*p == *open && p[-1] != '\\')
			return p;
	return NULL;
}

/* The escape at p (a backslash) in a q-quoted value: its character, or -1
 * when python-dotenv keeps the backslash. */
static int
escape_value(const unsigned char *p, const unsigned char *end, unsigned char q)
{
	static const char from[] = "\\'\"abfnrtv", to[] = "\\'\"\a\b\f\n\r\t\v";
	const char *hit;

	if (p + 1 >= end || p[1] == '\0')
		return -1;
	if (q == '\'')
		return p[1] == '\\' || p[1] == '\'' ? p[1] : -1;
	hit = strchr(from, p[1]);
	return hit != NULL ? (unsigned char)to[hit - from] : -1;
}

static int
read_quoted(struct cursor *c)
{
	const unsigned char *close = closing_quote(c->p, c->end), *p;
	unsigned char q = *c->p;
	size_t n;
	int ch;

	if (close == NULL)
		return fail(c, "quoted value is never closed");
	for (p = c->p + 1; p < close;) {
		if ((n = newline_len(p, close)) > 0) {
			*c->out++ = '\n';      /* CRLF and CR are LF, as in text mode */
			p += n;
			c->line++;
		} else if (*p == '\\' && (ch = escape_value(p, close, q)) >= 0) {
			*c->out++ = (unsigned char)ch;
			p += 2;
		} else {
			*c->out++ = *p++;
		}
	}
	c->p = close + 1;
	return 0;
}

/* To the end of the line; from the first '#' after whitespace on is a
 * comment, then trailing whitespace goes (re.sub(r"\s+#.*"), rstrip()). */
static void
read_unquoted(struct cursor *c)
{
	const unsigned char *start = c->p, *stop;
	size_t n;

	while (!at_eol(c))
		c->p++;
	for (stop = start; stop < c->p; stop++)
		if (*stop == '#' && space_before(start, stop) > 0)
			break;
	while ((n = space_before(start, stop)) > 0)
		stop -= n;
	memcpy(c->out, start, (size_t)(stop - start));
	c->out += stop - start;
}

static int
read_entry(struct cursor *c, struct vault_item *item)
{
	if (read_key(c, &item->key) != 0)
		return -1;
	item->value = c->out;
	if (c->p < c->end && (*c->p == '\'' || *c->p == '"')) {
		if (read_quoted(c) != 0)
			return -1;
	} else {
		read_unquoted(c);
	}
	item->value_len = (size_t)(c->out - item->value);
	*c->out++ = '\0';
	return finish_line(c);
}

/* ---- duplicates: python-dotenv keeps the last, silently ---- */

struct key_line {
	const char *key;
	size_t line;
};

static int
by_key_then_line(const void *a, const void *b)
{
	const struct key_line *x = a, *y = b;
	int d = strcmp(x->key, y->key);

	return d != 0 ? d : (x->line > y->line) - (x->line < y->line);
}

/* Sorted, so a file of many keys costs n log n: the error names the second
 * line of the first duplicate pair found. */
static int
check_duplicates(const char *fname, struct key_line *kl, size_t n, struct mr_err *e)
{
	size_t i, worst = 0;

	qsort(kl, n, sizeof(*kl), by_key_then_line);
	for (i = 1; i < n; i++)
		if (strcmp(kl[i].key, kl[i - 1].key) == 0 && (worst == 0 || kl[i].line < kl[worst].line))
			worst = i;
	if (worst == 0)
		return 0;
	return mr_fail(e, MR_E_INVALID, "%s:%zu: duplicate key %s (first at line %zu; "
		       "python-dotenv would keep the last)", fname, kl[worst].line,
		       strlen(kl[worst].key) <= 64 ? kl[worst].key : "(long name)",
		       kl[worst - 1].line);
}

int
dotenv_parse(const char *fname, const unsigned char *in, size_t len,
	     unsigned char *out, struct vault_item *items, size_t maxitems,
	     size_t *nitems, struct mr_err *e)
{
	struct cursor c = { in, in + len, out, 1, fname, e };
	struct key_line *kl = calloc(maxitems + 1, sizeof(*kl));
	size_t n = 0;
	int rc = 0;

	if (kl == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	if (memchr(in, '\0', len) != NULL)
		rc = mr_fail(e, MR_E_INVALID, "%s: contains a NUL byte", fname);
	/* A byte order mark: python-dotenv glues it to the first key, which no
	 * one means; it goes. */
	if (len >= 3 && memcmp(in, "\xef\xbb\xbf", 3) == 0)
		c.p += 3;
	while (rc == 0) {
		skip_space(&c);
		if (c.p >= c.end)
			break;
		if (*c.p == '#') {
			while (!at_eol(&c))
				c.p++;
			continue;
		}
		if (n == maxitems) {
			rc = fail(&c, "too many keys");
			break;
		}
		kl[n].line = c.line;
		if ((rc = read_entry(&c, &items[n])) == 0)
			kl[n].key = items[n].key, n++;
	}
	if (rc == 0)
		rc = check_duplicates(fname, kl, n, e);
	free(kl);
	*nitems = rc == 0 ? n : 0;
	return rc;
}

/* ---- ${VAR} and ${VAR:-default}, as python-dotenv's variables.py ---- */

struct var {
	const unsigned char *name, *def;   /* def NULL: no ":-default" */
	size_t name_len, def_len, len;     /* len: of the whole ${...} */
};

/* The regex \$\{([^}:]*)(?::-([^}]*))?\} at p. */
static bool
var_at(const unsigned char *p, const unsigned char *end, struct var *v)
{
	const unsigned char *q;

	if (end - p < 3 || p[0] != '$' || p[1] != '{')
		return false;
	for (q = p + 2; q < end && *q != '}' && *q != ':'; q++)
		;
	v->name = p + 2;
	v->name_len = (size_t)(q - v->name);
	v->def = NULL;
	v->def_len = 0;
	if (q < end && *q == ':') {
		if (q + 1 >= end || q[1] != '-')
			return false;
		v->def = q + 2;
		for (q = v->def; q < end && *q != '}'; q++)
			;
		v->def_len = (size_t)(q - v->def);
	}
	if (q >= end || *q != '}')
		return false;
	v->len = (size_t)(q + 1 - p);
	return true;
}

bool
dotenv_has_variable(const struct vault_item *it)
{
	const unsigned char *p = it->value, *end = it->value + it->value_len;
	struct var v;

	for (; p < end; p++)
		if (var_at(p, end, &v))
			return true;
	return false;
}

/* The file's earlier keys first (already expanded), then the environment;
 * unset: the default, else "". */
static void
lookup(const struct vault_item *done, size_t ndone, const struct var *v,
       const unsigned char **val, size_t *len)
{
	char *name;
	size_t i;

	*val = v->def;
	*len = v->def_len;
	for (i = ndone; i-- > 0;)
		if (strlen(done[i].key) == v->name_len && memcmp(done[i].key, v->name, v->name_len) == 0) {
			*val = done[i].value;
			*len = done[i].value_len;
			return;
		}
	/* getenv("A=B") would match A's value on glibc; Python's would not. */
	if (v->name_len == 0 || memchr(v->name, '=', v->name_len) != NULL ||
	    (name = strndup((const char *)v->name, v->name_len)) == NULL)
		return;
	/* A file is someone's input: it must not copy our own credential into a
	 * secret its author may launch with. */
	if (strncmp(name, "MODAL_TOKEN_", 12) != 0 &&
	    (*val = (const unsigned char *)getenv(name)) != NULL)
		*len = strlen((const char *)*val);
	else
		*val = v->def, *len = v->def_len;
	free(name);
}

size_t
dotenv_expand(const struct vault_item *done, size_t ndone, const struct vault_item *it,
	      unsigned char *out)
{
	const unsigned char *p = it->value, *end = it->value + it->value_len, *val;
	size_t n = 0, vlen;
	struct var v;

	while (p < end) {
		if (!var_at(p, end, &v)) {
			if (out != NULL)
				out[n] = *p;
			n++, p++;
		} else {
			lookup(done, ndone, &v, &val, &vlen);
			if (out != NULL && vlen > 0)
				memcpy(out + n, val, vlen);
			n += vlen;
			p += v.len;
		}
		/* Past the limit is enough to refuse, whatever follows: it bounds
		 * the work, and the answer never exceeds VALUE_MAX_LEN + 1. */
		if (n > VALUE_MAX_LEN)
			return VALUE_MAX_LEN + 1;
	}
	return n;
}
