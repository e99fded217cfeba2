/* json_wipe.c — a wiping allocator for jansson (json_wipe.h). */
#include "json_wipe.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>

/* A size header in front of each block says how much to wipe. */
static void *
wiping_malloc(size_t len)
{
	size_t *p = malloc(len + 2 * sizeof(size_t));

	if (p == NULL)
		return NULL;
	p[0] = len;
	return p + 2;
}

static void
wiping_free(void *ptr)
{
	size_t *p = ptr;

	if (p == NULL)
		return;
	p -= 2;
	sodium_memzero(p, p[0] + 2 * sizeof(size_t));
	free(p);
}

void
json_wipe_init(void)
{
	json_malloc_t m;
	json_free_t f;

	json_get_alloc_funcs(&m, &f);
	if (m == malloc)
		json_set_alloc_funcs(wiping_malloc, wiping_free);
}

/* jansson's own error text quotes the bytes near the fault ("invalid escape
 * near '"TOPSECRET...'"), which in a secret's body or import file is the
 * value itself: only the kind of fault is ever shown. */
const char *
json_fault_kind(const json_error_t *err)
{
	switch (json_error_code(err)) {
	case json_error_out_of_memory:		return "out of memory";
	case json_error_stack_overflow:		return "nested too deeply";
	case json_error_invalid_utf8:		return "invalid UTF-8";
	case json_error_premature_end_of_input:	return "unexpected end of input";
	case json_error_end_of_input_expected:	return "text after the end of the JSON value";
	case json_error_invalid_syntax:		return "invalid syntax";
	case json_error_null_character:		return "a NUL byte (\\u0000) in a string";
	case json_error_null_byte_in_key:	return "a NUL byte in a key";
	case json_error_duplicate_key:		return "a duplicate key";
	case json_error_numeric_overflow:	return "a number too large";
	default:				return "not valid JSON";
	}
}
