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
