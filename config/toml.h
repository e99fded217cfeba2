/* toml.h — the TOML subset of Modal's ~/.modal.toml, read line by line:
 * [tables] of key = value, a value being a "basic" or 'literal' string, true,
 * false or a number, with comments and blank lines. Everything else TOML
 * allows (arrays, inline tables, dates, multi-line strings, dotted and quoted
 * keys) is refused by name, so that a file we would read differently from
 * Modal is an error rather than a surprise. The reader knows no key: what a
 * table or key means is its caller's (profile.c). It is a pull reader: the
 * caller asks for the next item, then for the value of a key it was given. */
#ifndef MODAL_CONFIG_TOML_H
#define MODAL_CONFIG_TOML_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define TOML_LINE_MAX 4096   /* bytes in one line, newline excluded */

/* What toml_next found. */
enum toml_item_kind { TOML_END, TOML_TABLE, TOML_KEY };

/* Value kinds, as bits: which of them a key takes (toml_value). */
#define TOML_STRING 0x1
#define TOML_BOOL 0x2
#define TOML_NUMBER 0x4

struct toml_item {
	enum toml_item_kind kind;
	const char *at;      /* where the name starts in the text, for messages */
	/* TOML_TABLE: the decoded name, NUL-terminated, valid until the next call.
	 * TOML_KEY: the bare key at `at`, len bytes, not NUL-terminated. */
	const char *name;
	size_t len;
};

struct toml_value {
	unsigned kind;       /* one of TOML_STRING, TOML_BOOL, TOML_NUMBER */
	const char *at;      /* where it starts in the text */
	/* TOML_STRING: decoded, NUL-terminated, in locked memory (a value may be
	 * the token secret), valid until the next call; len bytes. */
	const char *str;
	size_t len;
	bool b;              /* TOML_BOOL */
};

/* The reader's state; its fields are private to toml.c. */
struct toml {
	const char *file;             /* as messages name it */
	const char *text, *end, *next;
	const char *line, *eol;       /* the current line, without its newline */
	const char *pos;              /* after a key's '=' */
	const char *key;              /* the key just read and its length, for errors */
	size_t key_len;
	unsigned lineno;
	char *buf;                    /* sodium memory: the string being decoded */
	struct mr_err *e;
};

/* Errors are MR_E_CONFIG in one line "FILE:LINE:COLUMN: what" that never
 * holds a value. */

/* Starts reading text (len bytes, no NUL needed; must outlive t). Needs
 * secmem_init() first. Never fails but for memory, which exits. */
void toml_open(struct toml *t, const char *text, size_t len, const char *file,
	       struct mr_err *e);
/* Back to the first line, for a second pass. */
void toml_rewind(struct toml *t);
/* The next table header or key (its '=' read): TOML_TABLE or TOML_KEY, or
 * TOML_END after the last line; -1 with e set on a malformed line. */
int toml_next(struct toml *t, struct toml_item *it);
/* After TOML_KEY: its value, of one of the kinds in accept, followed by
 * nothing but spaces and a comment. -1 with e set otherwise. */
int toml_value(struct toml *t, unsigned accept, struct toml_value *v);
/* "FILE:LINE:COLUMN: what" at `at` in the current line, for the caller's own
 * rules; returns -1. */
int toml_fail(const struct toml *t, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The current line's number, and the column of at in it (characters from 1). */
unsigned toml_line(const struct toml *t);
unsigned toml_column(const struct toml *t, const char *at);
/* The length of the bare key ([A-Za-z0-9_-]*) at p, before end. */
size_t toml_bare_len(const char *p, const char *end);
/* Wipes and frees the buffer. */
void toml_close(struct toml *t);

#endif
