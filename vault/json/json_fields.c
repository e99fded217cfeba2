/* json_fields.c — one writer and one reader for every table of fields
 * (json_fields.h). The reader takes untrusted JSON: a wrong type, a string
 * that does not fit whole (or holds a NUL), an integer out of range or an
 * unparsable time refuses the object. */
#include "json_fields.h"
#include "vault_json.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define AT(obj, f, type) ((type *)(void *)((unsigned char *)(obj) + (f)->offset))
#define AT_CONST(obj, f, type) \
	((const type *)(const void *)((const unsigned char *)(obj) + (f)->offset))
#define COUNT(obj, f) ((size_t *)(void *)((unsigned char *)(obj) + (f)->count))
#define COUNT_CONST(obj, f) \
	(*(const size_t *)(const void *)((const unsigned char *)(obj) + (f)->count))

/* The list pointer of a FIELD_KEYS or FIELD_NAMES field, whatever its type. */
static void *
list_at(const void *obj, const struct json_field *f)
{
	void *p;

	memcpy(&p, (const unsigned char *)obj + f->offset, sizeof(p));
	return p;
}

/* ---- writing ---- */

static json_t *
time_value(int64_t t, int with_ms)
{
	char buf[32];

	if (with_ms)
		rfc3339_format_ms(t, buf);
	else
		rfc3339_format(t, buf);
	return json_string(buf);
}

/* n strings: base[i] of an array of pointers (indirect), else each at
 * base + i * stride. */
static json_t *
strings_value(const void *base, size_t stride, int indirect, size_t n)
{
	json_t *a = json_array();
	const char *s;
	size_t i;

	for (i = 0; a != NULL && i < n; i++) {
		s = indirect ? ((const char *const *)base)[i] : (const char *)base + i * stride;
		if (json_array_append_new(a, json_string(s)) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

static json_t *
field_value(const void *obj, const struct json_field *f)
{
	switch (f->kind) {
	case FIELD_STRING:	return json_string(AT_CONST(obj, f, char));
	case FIELD_TIME:	return time_value(*AT_CONST(obj, f, int64_t), 0);
	case FIELD_TIME_MS:	return time_value(*AT_CONST(obj, f, int64_t), 1);
	case FIELD_INT64:	return json_integer(*AT_CONST(obj, f, int64_t));
	case FIELD_INT:		return json_integer(*AT_CONST(obj, f, int));
	case FIELD_COUNT:	return json_integer((json_int_t)*AT_CONST(obj, f, uint64_t));
	case FIELD_BOOL:	return json_boolean(*AT_CONST(obj, f, int));
	case FIELD_WHETHER:	return json_boolean(*AT_CONST(obj, f, int64_t) != 0);
	case FIELD_ROLE:
		return json_string(vault_role_name(*AT_CONST(obj, f, enum vault_role)));
	case FIELD_KEYS:
		return strings_value(list_at(obj, f), sizeof(char *), 1, COUNT_CONST(obj, f));
	case FIELD_NAMES:
		return strings_value(list_at(obj, f), f->size, 0, COUNT_CONST(obj, f));
	}
	return NULL;
}

json_t *
fields_to_json(const void *obj, const struct json_field *table, unsigned skip)
{
	const struct json_field *f;
	json_t *j = json_object(), *v;

	for (f = table; j != NULL && f->name != NULL; f++) {
		if (f->flags & skip)
			continue;
		if ((f->flags & (FIELD_ZERO_NULL | FIELD_ZERO_ABSENT)) &&
		    *AT_CONST(obj, f, int64_t) == 0) {
			if (f->flags & FIELD_ZERO_ABSENT)
				continue;
			v = json_null();
		} else {
			v = field_value(obj, f);
		}
		if (v == NULL || json_object_set_new(j, f->name, v) != 0) {
			json_decref(j);
			j = NULL;
		}
	}
	return j;
}

/* ---- reading ---- */

/* A string with no NUL in it that fits size bytes with its terminator. */
static int
string_fits(const json_t *v, size_t size)
{
	size_t len = json_string_length(v);

	return json_is_string(v) && len < size && strlen(json_string_value(v)) == len;
}

static int
string_read(const json_t *v, char *buf, size_t size)
{
	if (!string_fits(v, size))
		return -1;
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int
time_read(const json_t *v, int with_ms, int64_t *out)
{
	int64_t ms;

	if (!json_is_string(v) || rfc3339_parse_ms(json_string_value(v), &ms) != 0)
		return -1;
	*out = with_ms ? ms : ms / 1000 - (ms % 1000 < 0);
	return 0;
}

static int
integer_read(const json_t *v, int64_t min, int64_t max, int64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* An array of strings into one block, pointers then strings, as
 * vault_secret_meta_clear frees it. */
static int
keys_read(const json_t *v, char ***keys, size_t *count)
{
	size_t i, n = json_array_size(v), len = 0;
	char *p;

	if (!json_is_array(v))
		return -1;
	for (i = 0; i < n; i++) {
		if (!string_fits(json_array_get(v, i), SIZE_MAX))
			return -1;
		len += json_string_length(json_array_get(v, i)) + 1;
	}
	if ((*keys = malloc(n * sizeof(char *) + len + 1)) == NULL)
		return -1;
	p = (char *)(*keys + n);
	for (i = 0; i < n; i++) {
		(*keys)[i] = p;
		p = stpcpy(p, json_string_value(json_array_get(v, i))) + 1;
	}
	*count = n;
	return 0;
}

/* An array of strings into one block of n buffers of size bytes, its
 * pointer stored at slot. */
static int
names_read(const json_t *v, size_t size, void *slot, size_t *count)
{
	size_t i, n = json_array_size(v);
	char *names;

	if (!json_is_array(v))
		return -1;
	for (i = 0; i < n; i++)
		if (!string_fits(json_array_get(v, i), size))
			return -1;
	if ((names = calloc(n ? n : 1, size)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		string_read(json_array_get(v, i), names + i * size, size);
	memcpy(slot, &names, sizeof(names));
	*count = n;
	return 0;
}

static int
field_read(const json_t *v, void *obj, const struct json_field *f)
{
	int64_t i;

	switch (f->kind) {
	case FIELD_STRING:	return string_read(v, AT(obj, f, char), f->size);
	case FIELD_TIME:	return time_read(v, 0, AT(obj, f, int64_t));
	case FIELD_TIME_MS:	return time_read(v, 1, AT(obj, f, int64_t));
	case FIELD_INT64:	return integer_read(v, INT64_MIN, INT64_MAX, AT(obj, f, int64_t));
	case FIELD_INT:
		if (integer_read(v, INT_MIN, INT_MAX, &i) != 0)
			return -1;
		*AT(obj, f, int) = (int)i;
		return 0;
	case FIELD_COUNT:
		if (integer_read(v, 0, INT64_MAX, &i) != 0)
			return -1;
		*AT(obj, f, uint64_t) = (uint64_t)i;
		return 0;
	case FIELD_BOOL:
	case FIELD_WHETHER:
		if (!json_is_boolean(v))
			return -1;
		if (f->kind == FIELD_BOOL)
			*AT(obj, f, int) = json_is_true(v);
		else
			*AT(obj, f, int64_t) = json_is_true(v);
		return 0;
	case FIELD_ROLE:
		return json_is_string(v) ? vault_role_parse(json_string_value(v),
							    AT(obj, f, enum vault_role)) : -1;
	case FIELD_KEYS:	return keys_read(v, AT(obj, f, char **), COUNT(obj, f));
	case FIELD_NAMES:
		return names_read(v, f->size, AT(obj, f, unsigned char), COUNT(obj, f));
	}
	return -1;
}

int
fields_from_json(const json_t *j, void *obj, size_t size, const struct json_field *table)
{
	const struct json_field *f;
	const json_t *v;

	memset(obj, 0, size);
	if (!json_is_object(j))
		return -1;
	for (f = table; f->name != NULL; f++) {
		v = json_object_get(j, f->name);
		if (v == NULL || json_is_null(v)) {
			if (f->flags & (FIELD_REQUIRED | FIELD_NONEMPTY))
				goto fail;
			continue;
		}
		if (field_read(v, obj, f) != 0 ||
		    ((f->flags & FIELD_NONEMPTY) && AT(obj, f, char)[0] == '\0'))
			goto fail;
	}
	return 0;
fail:
	for (f = table; f->name != NULL; f++)
		if (f->kind == FIELD_KEYS || f->kind == FIELD_NAMES)
			free(list_at(obj, f));
	memset(obj, 0, size);
	return -1;
}
