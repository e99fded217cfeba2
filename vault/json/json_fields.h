/* json_fields.h — private to vault/json: a struct described as a table of
 * fields (name, kind, where it lives), written to and read from a JSON
 * object by one pair of functions (json_fields.c). */
#ifndef MODAL_VAULT_JSON_FIELDS_H
#define MODAL_VAULT_JSON_FIELDS_H

#include <jansson.h>
#include <stddef.h>

enum field_kind {
	FIELD_STRING,    /* char[size] */
	FIELD_TIME,      /* int64_t unix seconds as RFC 3339 */
	FIELD_TIME_MS,   /* int64_t unix milliseconds as RFC 3339 with .mmm */
	FIELD_INT64,     /* int64_t */
	FIELD_INT,       /* int */
	FIELD_COUNT,     /* uint64_t, from 0 to INT64_MAX */
	FIELD_BOOL,      /* int, 0 or 1 */
	FIELD_WHETHER,   /* int64_t written as a boolean (non-zero), read as 0 or 1 */
	FIELD_ROLE,      /* enum vault_role by its name */
	FIELD_KEYS,      /* char **, one block of pointers then strings; size_t at count */
	FIELD_NAMES,     /* char (*)[size], one block; size_t at count */
};

enum field_flag {
	FIELD_REQUIRED = 1,      /* reading: present and not null */
	FIELD_NONEMPTY = 2,      /* reading: a string, not "" (implies required) */
	FIELD_ZERO_NULL = 4,     /* 0 is written null (a time that never comes) */
	FIELD_ZERO_ABSENT = 8,   /* 0 is not written (a time that has not been) */
	FIELD_API_TOKEN = 16,    /* written for API tokens only */
	FIELD_PROXY_TOKEN = 32,  /* written for proxy tokens only */
};

struct json_field {
	const char *name;
	enum field_kind kind;
	unsigned flags;
	size_t offset;
	size_t size;             /* FIELD_STRING, FIELD_NAMES: bytes of one string */
	size_t count;            /* FIELD_KEYS, FIELD_NAMES: offset of the size_t count */
};

#define FIELD(type, member, json, kind, flags) \
	{ json, kind, flags, offsetof(type, member), sizeof(((type *)0)->member), 0 }
#define FIELD_LIST(type, member, n, json, kind, flags) \
	{ json, kind, flags, offsetof(type, member), sizeof(*((type *)0)->member), \
	  offsetof(type, n) }

/* The fields of table (ending with a NULL name), but those whose flags meet
 * skip; NULL when out of memory. */
json_t *fields_to_json(const void *obj, const struct json_field *table, unsigned skip);
/* Zeroes obj (size bytes) and fills it: 0, or -1 with obj zeroed again and
 * its lists freed. Fields not in table are ignored. */
int fields_from_json(const json_t *j, void *obj, size_t size, const struct json_field *table);

#endif
