/* secmem.h — memory for secret material: guarded, locked, never dumped,
 * wiped on release. Secret buffers are never realloc'ed: allocate new, copy,
 * release the old one. */
#ifndef MODAL_SECMEM_H
#define MODAL_SECMEM_H

#include <stddef.h>

/* sodium_init() once; returns -1 if libsodium cannot start. */
int secmem_init(void);
/* How a failed lock is met (a memory-lock limit too small): one line on
 * stderr naming prog, a warning, or when required the exit 71 before the
 * buffer holds anything. */
void secmem_lock_policy(const char *prog, int required);
/* For a program that runs briefly and then execs or exits (modal-run): the
 * buffers allocated after this share one locked region of len bytes while
 * they fit (larger ones get their own), made on the first allocation, so
 * after secmem_lock_policy. Released buffers are wiped at once. */
void secmem_short_lived(size_t len);
/* sodium_malloc, locked; aborts on failure, as an out-of-memory launcher cannot go on. */
void *xsecure_alloc(size_t len);
/* Wipes len bytes and releases; NULL is fine. */
void secure_free(void *p, size_t len);

#endif
