/* secmem.c — sodium_malloc'ed secret buffers. */
#include "secmem.h"
#include "err.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

int
secmem_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

/* sodium_malloc puts the buffer's end against a guard page, so its start is
 * only as aligned as its size: round sizes up so structures placed at the
 * start of a buffer are aligned. */
static size_t
aligned_len(size_t len)
{
	return len == 0 ? 16 : (len + 15) & ~(size_t)15;
}

void *
xsecure_alloc(size_t len)
{
	void *p = sodium_malloc(aligned_len(len));

	if (p == NULL) {
		mr_log(MR_LOG_ERR, "out of secure memory");
		abort();
	}
	return p;
}

void
secure_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	sodium_memzero(p, aligned_len(len));
	sodium_free(p);
}
