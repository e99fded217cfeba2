/* secmem.c — sodium_malloc'ed secret buffers. */
#include "secmem.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

int
secmem_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void *
xsecure_alloc(size_t len)
{
	void *p = sodium_malloc(len == 0 ? 1 : len);

	if (p == NULL) {
		fputs("out of secure memory\n", stderr);
		abort();
	}
	return p;
}

void
secure_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	sodium_memzero(p, len);
	sodium_free(p);
}
