/* secmem.c — sodium_malloc'ed secret buffers, and what happens when the
 * kernel will not lock them. */
#include "secmem.h"
#include "exitcodes.h"
#include "err.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct {
	const char *prog;      /* names the program in the one line said */
	int required;          /* a failed lock is fatal */
	int failed;            /* said once already */
} lock_policy;

int
secmem_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void
secmem_lock_policy(const char *prog, int required)
{
	lock_policy.prog = prog;
	lock_policy.required = required;
}

/* "64 KiB", "unlimited": the limit an operator has to raise. */
static void
memlock_limit(char *buf, size_t len)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0)
		snprintf(buf, len, "unknown");
	else if (rl.rlim_cur == RLIM_INFINITY)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%llu KiB", (unsigned long long)rl.rlim_cur / 1024);
}

/* libsodium's own mlock failure is silent ("not a hard error"): swap may then
 * hold a value. Said once, a warning unless the operator asked for locked
 * memory, when nothing secret has been written to this buffer yet. */
static void
lock_failed(void *p, int err)
{
	char limit[32];
	const char *prog = lock_policy.prog ? lock_policy.prog : program_invocation_short_name;

	if (lock_policy.failed && !lock_policy.required)
		return;
	lock_policy.failed = 1;
	memlock_limit(limit, sizeof(limit));
	if (!lock_policy.required) {
		mr_log(MR_LOG_WARNING, "%s: warning: secret memory cannot be locked (mlock: %s; RLIMIT_MEMLOCK %s): values may be swapped to disk (--require-mlock makes this fatal)",
			prog, strerror(err), limit);
		return;
	}
	mr_log(MR_LOG_ERR, "%s: secret memory cannot be locked (mlock: %s; RLIMIT_MEMLOCK %s) and locked memory is required (--require-mlock or MODAL_REQUIRE_MLOCK=1): raise the limit (ulimit -l, LimitMEMLOCK=) or grant CAP_IPC_LOCK",
		prog, strerror(err), limit);
	sodium_free(p);
	exit(EXIT_OSERR);
}

/* sodium_malloc puts the buffer's end against a guard page, so its start is
 * only as aligned as its size: round sizes up so structures placed at the
 * start of a buffer are aligned. */
static size_t
aligned_len(size_t len)
{
	return len == 0 ? 16 : (len + 15) & ~(size_t)15;
}

/* A short-lived program's buffers (secmem_short_lived): one locked region,
 * carved front to back. Each sodium_malloc is a guard page either side, a
 * canary, an mlock and, on release, four more system calls: some ten a
 * buffer, a fifth of a remote launch's own time. Inside the region a
 * buffer has no guard pages of its own; the sanitizer builds poison what
 * is not handed out, with a gap after each buffer, so an overrun is still
 * caught where the tests run. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define ARENA_GAP 16
#else
#define ASAN_POISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ARENA_GAP 0
#endif

static struct {
	size_t want;               /* the region's size, until it is made */
	unsigned char *base;
	size_t cap, top;           /* top: the first byte not handed out */
} arena;

void
secmem_short_lived(size_t len)
{
	arena.want = (len + 4095) & ~(size_t)4095;
}

/* The same pages again: libsodium ignores its mlock's result, and a second
 * mlock of locked pages costs one cheap system call. The system call
 * itself: the sanitizers replace mlock(3) by a no-op returning 0. */
static void *
locked_alloc(size_t n)
{
	void *p = sodium_malloc(n);

	if (p == NULL) {
		mr_log(MR_LOG_ERR, "out of secure memory");
		abort();
	}
	if (syscall(SYS_mlock, p, n) != 0)
		lock_failed(p, errno);
	return p;
}

/* n bytes of the region, or NULL when it has no room (or there is none). */
static void *
arena_take(size_t n)
{
	void *p;

	if (arena.base == NULL && arena.want != 0) {
		arena.base = locked_alloc(arena.want);
		arena.cap = arena.want;
		ASAN_POISON_MEMORY_REGION(arena.base, arena.cap);
	}
	if (arena.base == NULL || n + ARENA_GAP > arena.cap - arena.top)
		return NULL;
	p = arena.base + arena.top;
	arena.top += n + ARENA_GAP;
	ASAN_UNPOISON_MEMORY_REGION(p, n);
	return p;
}

static int
in_arena(const void *p)
{
	const unsigned char *b = p;

	return arena.base != NULL && b >= arena.base && b < arena.base + arena.cap;
}

void *
xsecure_alloc(size_t len)
{
	size_t n = aligned_len(len);
	void *p = arena_take(n);

	return p != NULL ? p : locked_alloc(n);
}

void
secure_free(void *p, size_t len)
{
	size_t n = aligned_len(len);

	if (p == NULL)
		return;
	sodium_memzero(p, n);
	if (!in_arena(p)) {
		sodium_free(p);
		return;
	}
	ASAN_POISON_MEMORY_REGION(p, n);
	/* The last buffer handed out gives its room back. */
	if ((unsigned char *)p + n + ARENA_GAP == arena.base + arena.top)
		arena.top = (size_t)((unsigned char *)p - arena.base);
}
