/* sqlite_arena.c — SQLite's memory for a program that opens the vault once and
 * then execs or exits (modal-run, see vault_short_lived in vault.h, which calls sqlite_short_lived).
 *
 * A launch makes some two thousand SQLite allocations (parsing the schema,
 * preparing a few statements) and frees them all when the vault is closed,
 * just before execve discards the whole address space anyway. musl's
 * allocator hands freed pages straight back to the kernel: some forty
 * mmap/munmap calls and their page faults a launch. A bump arena makes every
 * allocation a pointer increment and every free nothing. SQLite holds no
 * plaintext (rows are sealed; keys are opened into sodium memory), so memory
 * it leaves behind needs no wiping. Past the arena, allocations fall back to
 * malloc, so a bigger query is slower, never refused. Not thread-safe: SQLite
 * calls these without a lock when memory statistics are off (local.c). */
#include "local.h"

#include <sqlite3.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A launch on a 10-key secret uses ~190 KiB; pages never touched cost nothing. */
#define ARENA_SIZE (512 * 1024)
#define HEADER 16 /* each block's size, keeping blocks 16-byte aligned */

static alignas(16) unsigned char arena[ARENA_SIZE];
static size_t arena_used;

static int
in_arena(const unsigned char *block)
{
	return block >= arena && block < arena + ARENA_SIZE;
}

static int
arena_roundup(int n)
{
	return (n + HEADER - 1) & ~(HEADER - 1);
}

static void *
arena_malloc(int n)
{
	size_t size;
	unsigned char *block;

	if (n <= 0 || n > INT32_MAX - HEADER)
		return NULL;
	size = (size_t)arena_roundup(n);
	if (size + HEADER <= ARENA_SIZE - arena_used) {
		block = arena + arena_used;
		arena_used += size + HEADER;
	} else if ((block = malloc(size + HEADER)) == NULL) {
		return NULL;
	}
	memcpy(block, &size, sizeof(size));
	return block + HEADER;
}

static int
arena_size(void *p)
{
	size_t size;

	if (p == NULL)
		return 0;
	memcpy(&size, (unsigned char *)p - HEADER, sizeof(size));
	return (int)size;
}

static void
arena_free(void *p)
{
	unsigned char *block = (unsigned char *)p - HEADER;

	if (p != NULL && !in_arena(block))
		free(block);
}

static void *
arena_realloc(void *p, int n)
{
	int old = arena_size(p);
	void *q;

	if (n <= old)
		return p;
	if ((q = arena_malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, (size_t)old);
	arena_free(p);
	return q;
}

static int
arena_init(void *unused)
{
	(void)unused;
	return SQLITE_OK;
}

static void
arena_shutdown(void *unused)
{
	(void)unused;
}

void
sqlite_short_lived(void)
{
	static const sqlite3_mem_methods methods = {
		arena_malloc, arena_free, arena_realloc, arena_size, arena_roundup,
		arena_init, arena_shutdown, NULL
	};

	/* Refused, harmlessly, once SQLite has initialised. */
	sqlite3_config(SQLITE_CONFIG_MALLOC, &methods);
}
