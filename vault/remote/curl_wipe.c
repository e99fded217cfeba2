/* curl_wipe.c — the allocation functions libcurl is given, whichever way it
 * is reached (curl_dl.h): every block it frees is wiped first. libcurl copies
 * the Authorization header and request bodies into its own heap. */
#include "curl_dl.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static void
wiping_free(void *p)
{
	if (p == NULL)
		return;
	sodium_memzero(p, malloc_usable_size(p));
	free(p);
}

/* Never a real realloc: the old block may hold a header with the token. */
static void *
wiping_realloc(void *p, size_t len)
{
	size_t old;
	void *q;

	if (p == NULL)
		return malloc(len);
	old = malloc_usable_size(p);
	if ((q = malloc(len ? len : 1)) == NULL)
		return NULL;
	memcpy(q, p, old < len ? old : len);
	wiping_free(p);
	return q;
}

static char *
wiping_strdup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = malloc(len);

	return p != NULL ? memcpy(p, s, len) : NULL;
}

int
curl_wiping_global_init(curl_global_init_mem_fn init_mem)
{
	return init_mem(CURL_GLOBAL_DEFAULT, malloc, wiping_free, wiping_realloc, wiping_strdup,
			calloc) == CURLE_OK ? 0 : -1;
}
