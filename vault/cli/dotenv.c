/* dotenv.c — a strict parser for .env files, as dotenv and docker read them:
 *   # comment
 *   export KEY=value            unquoted: trimmed, " #" starts a comment
 *   KEY='literal, may span lines'
 *   KEY="escapes \n \r \t \" \\ \$, may span lines"
 * No interpolation: values are stored exactly as written. Untrusted input:
 * every malformed line is an error naming the file and line. */
#include "input.h"

#include <string.h>

struct cursor {
	const unsigned char *p, *end;
	unsigned char *out;
	size_t line;
	const char *fname;
	struct mr_err *e;
};

static int
blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static void
skip_blanks(struct cursor *c)
{
	while (c->p < c->end && blank(*c->p))
		c->p++;
}

static int
at_eol(const struct cursor *c)
{
	return c->p >= c->end || *c->p == '\n' ||
	       (*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n');
}

static void
skip_eol(struct cursor *c)
{
	if (c->p < c->end && *c->p == '\r')
		c->p++;
	if (c->p < c->end && *c->p == '\n') {
		c->p++;
		c->line++;
	}
}

static int
fail(struct cursor *c, const char *what)
{
	return mr_fail(c->e, MR_E_INVALID, "%s:%zu: %s", c->fname, c->line, what);
}

/* After a value: blanks, then an optional comment, then the end of the line. */
static int
finish_line(struct cursor *c)
{
	skip_blanks(c);
	if (c->p < c->end && *c->p == '#')
		while (!at_eol(c))
			c->p++;
	if (!at_eol(c))
		return fail(c, "unexpected text after the value");
	skip_eol(c);
	return 0;
}

static int
read_key(struct cursor *c, const char **key)
{
	const unsigned char *start;

	if (c->end - c->p > 7 && memcmp(c->p, "export", 6) == 0 && blank(c->p[6])) {
		c->p += 7;
		skip_blanks(c);
	}
	start = c->p;
	while (c->p < c->end && (*c->p == '_' || (*c->p >= '0' && *c->p <= '9') ||
				 (*c->p >= 'A' && *c->p <= 'Z') || (*c->p >= 'a' && *c->p <= 'z')))
		c->p++;
	if (c->p == start || (*start >= '0' && *start <= '9') ||
	    (size_t)(c->p - start) > KEY_MAX_LEN)
		return fail(c, "expected KEY=VALUE with KEY of [A-Za-z_][A-Za-z0-9_]*");
	*key = (const char *)c->out;
	memcpy(c->out, start, (size_t)(c->p - start));
	c->out += c->p - start;
	*c->out++ = '\0';
	skip_blanks(c);
	if (c->p >= c->end || *c->p != '=')
		return fail(c, "expected '=' after the key");
	c->p++;
	skip_blanks(c);
	return 0;
}

static int
read_quoted(struct cursor *c, unsigned char quote)
{
	size_t opened = c->line;
	unsigned char ch;

	for (c->p++; c->p < c->end && *c->p != quote; c->p++) {
		ch = *c->p;
		if (ch == '\n')
			c->line++;
		if (quote == '"' && ch == '\\' && c->p + 1 < c->end) {
			switch (*++c->p) {
			case 'n': ch = '\n'; break;
			case 'r': ch = '\r'; break;
			case 't': ch = '\t'; break;
			case '"': case '\\': case '$': ch = *c->p; break;
			default: *c->out++ = '\\'; ch = *c->p;
				 if (ch == '\n')
					 c->line++;
			}
		}
		*c->out++ = ch;
	}
	if (c->p >= c->end) {
		c->line = opened;
		return fail(c, "quoted value is never closed");
	}
	c->p++;
	return 0;
}

static void
read_unquoted(struct cursor *c)
{
	unsigned char *start = c->out;

	while (!at_eol(c)) {
		if (*c->p == '#' && c->out > start && blank(c->out[-1]))
			break;
		*c->out++ = *c->p++;
	}
	while (c->out > start && blank(c->out[-1]))
		c->out--;
}

static int
read_entry(struct cursor *c, struct vault_item *item)
{
	if (read_key(c, &item->key) != 0)
		return -1;
	item->value = c->out;
	if (c->p < c->end && (*c->p == '\'' || *c->p == '"')) {
		if (read_quoted(c, *c->p) != 0)
			return -1;
	} else {
		read_unquoted(c);
	}
	item->value_len = (size_t)(c->out - item->value);
	*c->out++ = '\0';
	return finish_line(c);
}

int
dotenv_parse(const char *fname, const unsigned char *in, size_t len,
	     unsigned char *out, struct vault_item *items, size_t maxitems,
	     size_t *nitems, struct mr_err *e)
{
	struct cursor c = { in, in + len, out, 1, fname, e };
	size_t n = 0;

	if (memchr(in, '\0', len) != NULL)
		return mr_fail(e, MR_E_INVALID, "%s: contains a NUL byte", fname);
	while (c.p < c.end) {
		skip_blanks(&c);
		if (at_eol(&c) || *c.p == '#') {
			while (!at_eol(&c))
				c.p++;
			skip_eol(&c);
			continue;
		}
		if (n == maxitems)
			return fail(&c, "too many keys");
		if (read_entry(&c, &items[n]) != 0)
			return -1;
		n++;
	}
	*nitems = n;
	return 0;
}
