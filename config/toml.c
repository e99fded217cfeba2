/* toml.c — the TOML subset reader (toml.h). Each line is checked for what
 * TOML forbids anywhere (control characters, bad UTF-8, overlong lines)
 * before it is parsed, so the parser only ever sees bounded, well-formed
 * UTF-8. */
#include "toml.h"
#include "secmem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- small character helpers ---- */

static bool
is_bare(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
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

/* ---- lines, positions and errors ---- */

unsigned
toml_column(const struct toml *t, const char *at)
{
	unsigned col = 1;
	const char *p;

	for (p = t->line; p < at; p++)
		col += ((unsigned char)*p & 0xc0) != 0x80;
	return col;
}

int
toml_fail(const struct toml *t, const char *at, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return mr_fail(t->e, MR_E_CONFIG, "%s:%u:%u: %s", t->file, t->lineno,
		       toml_column(t, at), what);
}

static bool
next_line(struct toml *t)
{
	const char *nl;

	if (t->next >= t->end)
		return false;
	t->line = t->next;
	nl = memchr(t->line, '\n', (size_t)(t->end - t->line));
	t->eol = nl != NULL ? nl : t->end;
	t->next = nl != NULL ? nl + 1 : t->end;
	/* CRLF is a newline in TOML; a CR anywhere else is a control character. */
	if (nl != NULL && t->eol > t->line && t->eol[-1] == '\r')
		t->eol--;
	t->lineno++;
	return true;
}

/* What TOML forbids anywhere in a line, checked first so that the parser
 * only ever sees bounded, well-formed UTF-8 without control characters. */
static int
check_bytes(const struct toml *t)
{
	const unsigned char *p = (const unsigned char *)t->line;
	const unsigned char *end = (const unsigned char *)t->eol;
	size_t n;

	if (end - p > TOML_LINE_MAX)
		return toml_fail(t, t->line + TOML_LINE_MAX, "line longer than %d bytes",
				 TOML_LINE_MAX);
	for (; p < end; p += n) {
		if (*p == '\0')
			return toml_fail(t, (const char *)p, "NUL byte");
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return toml_fail(t, (const char *)p, "control character 0x%02x", *p);
		if ((n = utf8_len(p, end)) == 0)
			return toml_fail(t, (const char *)p, "invalid UTF-8");
	}
	return 0;
}

/* After a header or a value only spaces and a comment may follow. */
static int
expect_end(const struct toml *t, const char *p, const char *after)
{
	p = skip_ws(p, t->eol);
	if (p < t->eol && *p != '#')
		return toml_fail(t, p, "unexpected text after the %s", after);
	return 0;
}

/* \uXXXX or \UXXXXXXXX at *pp: a Unicode scalar value other than NUL. */
static int
parse_unicode(const struct toml *t, const char **pp, size_t *n)
{
	const char *p = *pp;
	int digits = p[1] == 'u' ? 4 : 8, i, d;
	unsigned long cp = 0;

	for (i = 0; i < digits; i++) {
		d = p + 2 + i < t->eol ? hex_value((unsigned char)p[2 + i]) : -1;
		if (d < 0)
			return toml_fail(t, p, "\\%c needs %d hexadecimal digits", p[1], digits);
		cp = cp << 4 | (unsigned long)d;
	}
	if (cp == 0)
		return toml_fail(t, p, "\\%c%.*s: NUL is not allowed", p[1], digits, p + 2);
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return toml_fail(t, p, "\\%c%.*s is not a Unicode scalar value", p[1], digits, p + 2);
	*n += utf8_put(t->buf + *n, cp);
	*pp = p + 2 + digits;
	return 0;
}

/* The escape at *pp, TOML 1.0's set; decoded text can only be shorter. */
static int
parse_escape(const struct toml *t, const char **pp, size_t *n)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	const char *p = *pp, *hit;
	unsigned char c = p + 1 < t->eol ? (unsigned char)p[1] : 0;

	if (c == 'u' || c == 'U')
		return parse_unicode(t, pp, n);
	if (c != 0 && (hit = strchr(from, c)) != NULL) {
		t->buf[(*n)++] = to[hit - from];
		*pp = p + 2;
		return 0;
	}
	if (c > 0x20 && c < 0x7f)
		return toml_fail(t, p, "unknown escape \\%c (TOML has \\b \\t \\n \\f \\r \\\" "
				 "\\\\ \\uXXXX \\UXXXXXXXX)", c);
	return toml_fail(t, p, "'\\' must be followed by an escape character");
}

/* The "basic" or 'literal' string at *pp into t->buf, NUL-terminated;
 * *pp moves past its closing quote. */
static int
parse_string(const struct toml *t, const char **pp)
{
	const char *p = *pp;
	char q = *p;
	size_t n = 0;

	if (t->eol - p >= 3 && p[1] == q && p[2] == q)
		return toml_fail(t, p, "multi-line strings are not supported");
	for (p++; p < t->eol && *p != q;) {
		if (q == '"' && *p == '\\') {
			if (parse_escape(t, &p, &n) != 0)
				return -1;
		} else {
			t->buf[n++] = *p++;
		}
	}
	if (p == t->eol)
		return toml_fail(t, *pp, "string is never closed");
	t->buf[n] = '\0';
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
/* A value the caller does not take: say what was wanted and, if it can be
 * told, what was found. */
static int
wrong_kind(const struct toml *t, const char *p, unsigned accept, const char *kind)
{
	const char *want = accept == TOML_STRING ? "a quoted string"
			 : accept == TOML_BOOL ? "true or false"
			 : "a string, a boolean or a number";
	int klen = t->key_len > 64 ? 64 : (int)t->key_len;

	if (kind != NULL)
		return toml_fail(t, p, "\"%.*s\" must be %s, not %s", klen, t->key, want, kind);
	return toml_fail(t, p, "\"%.*s\" must be %s", klen, t->key, want);
}

int
toml_value(struct toml *t, unsigned accept, struct toml_value *v)
{
	const char *p = t->pos, *kind = value_kind(p, t->eol);

	memset(v, 0, sizeof(*v));
	v->at = p;
	if ((accept & TOML_STRING) && p < t->eol && (*p == '"' || *p == '\'')) {
		if (parse_string(t, &p) != 0)
			return -1;
		v->kind = TOML_STRING;
		v->str = t->buf;
		v->len = strlen(t->buf);
	} else if ((accept & TOML_BOOL) &&
		   (word_at(p, t->eol, "true") || word_at(p, t->eol, "false"))) {
		v->kind = TOML_BOOL;
		v->b = *p == 't';
		p += v->b ? 4 : 5;
	} else if ((accept & TOML_NUMBER) && kind != NULL && strcmp(kind, "a number") == 0) {
		/* Only dropped values are numbers: their syntax is TOML's
		 * business, enough to know where the value ends. */
		while (p < t->eol && (is_bare((unsigned char)*p) || *p == '.' || *p == '+'))
			p++;
		v->kind = TOML_NUMBER;
	} else {
		return wrong_kind(t, p, accept, kind);
	}
	return expect_end(t, p, "value");
}

/* [name] with the name bare or quoted. */
static int
read_header(struct toml *t, const char *open, struct toml_item *it)
{
	const char *name = skip_ws(open + 1, t->eol), *p = name;

	if (open + 1 < t->eol && open[1] == '[')
		return toml_fail(t, open, "arrays of tables ([[...]]) are not supported");
	if (p < t->eol && (*p == '"' || *p == '\'')) {
		if (parse_string(t, &p) != 0)
			return -1;
	} else {
		p = skip_bare(name, t->eol);
		if (p == name)
			return toml_fail(t, name, "expected a profile name after '[' (quote a name "
					 "that is not [A-Za-z0-9_-]+)");
		memcpy(t->buf, name, (size_t)(p - name));
		t->buf[p - name] = '\0';
	}
	p = skip_ws(p, t->eol);
	if (p < t->eol && *p == '.')
		return toml_fail(t, p, "dotted table names are not supported");
	if (p == t->eol || *p != ']')
		return toml_fail(t, p, "expected ']' after the profile name");
	if (expect_end(t, p + 1, "table header") != 0)
		return -1;
	*it = (struct toml_item){ TOML_TABLE, name, t->buf, strlen(t->buf) };
	return TOML_TABLE;
}

/* key = with a bare key; the value is left for toml_value. */
static int
read_key(struct toml *t, const char *k, struct toml_item *it)
{
	const char *kend = skip_bare(k, t->eol), *p = skip_ws(kend, t->eol);

	if (kend == k)
		return toml_fail(t, k, "%s", *k == '"' || *k == '\'' ? "quoted keys are not supported"
				 : "expected a key, a [profile] header or a comment");
	if (p < t->eol && *p == '.')
		return toml_fail(t, p, "dotted keys are not supported");
	if (p == t->eol || *p != '=')
		return toml_fail(t, p, "expected '=' after the key");
	t->key = k;
	t->key_len = (size_t)(kend - k);
	t->pos = skip_ws(p + 1, t->eol);
	*it = (struct toml_item){ TOML_KEY, k, k, t->key_len };
	return TOML_KEY;
}

int
toml_next(struct toml *t, struct toml_item *it)
{
	const char *p;

	while (next_line(t)) {
		if (check_bytes(t) != 0)
			return -1;
		p = skip_ws(t->line, t->eol);
		if (p == t->eol || *p == '#')
			continue;
		if (t->lineno == 1 && t->eol - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
			return toml_fail(t, p, "byte order mark (save the file as UTF-8 without one)");
		return *p == '[' ? read_header(t, p, it) : read_key(t, p, it);
	}
	it->kind = TOML_END;
	return TOML_END;
}

unsigned
toml_line(const struct toml *t)
{
	return t->lineno;
}

size_t
toml_bare_len(const char *p, const char *end)
{
	return (size_t)(skip_bare(p, end) - p);
}

void
toml_open(struct toml *t, const char *text, size_t len, const char *file, struct mr_err *e)
{
	memset(t, 0, sizeof(*t));
	t->file = file;
	t->text = text;
	t->end = text + len;
	t->e = e;
	t->buf = xsecure_alloc(TOML_LINE_MAX + 1);
	toml_rewind(t);
}

void
toml_rewind(struct toml *t)
{
	t->next = t->text;
	t->line = t->eol = t->pos = t->key = t->text;
	t->key_len = 0;
	t->lineno = 0;
}

void
toml_close(struct toml *t)
{
	secure_free(t->buf, TOML_LINE_MAX + 1);
	t->buf = NULL;
}
