/* test_secmem.c — the short-lived program's region (secmem_short_lived):
 * buffers are carved from one locked region, the last one released gives its
 * room back, a buffer too large for what is left gets its own, a released
 * buffer is wiped at once, and under the sanitizers an overrun into the gap
 * after a buffer is caught as it is without the region. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "secmem.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

#define REGION 8192

static int
inside(const unsigned char *p, const unsigned char *base)
{
	return p >= base && p < base + REGION;
}

static void
test_region(void **state)
{
	unsigned char *a, *b, *c, *big;
	size_t i;

	(void)state;
	assert_int_equal(secmem_init(), 0);
	secmem_short_lived(REGION);
	a = xsecure_alloc(100);
	b = xsecure_alloc(100);
	/* One region, front to back, 16-byte aligned pieces. */
	assert_true(b > a && inside(b, a));
	assert_int_equal(((uintptr_t)a | (uintptr_t)b) & 15, 0);
	memset(b, 0xa5, 100);
	secure_free(b, 100);
	/* Wiped at once (the sanitizers poison it instead: reading is an error). */
	if (SANITIZED) {
#if defined(__SANITIZE_ADDRESS__)
		assert_true(__asan_region_is_poisoned(b, 100) != NULL);
#endif
	} else {
		for (i = 0; i < 100; i++)
			assert_int_equal(b[i], 0);
	}
	/* b was the last piece: its room is handed out again. */
	c = xsecure_alloc(60);
	assert_ptr_equal(c, b);
	/* Larger than what is left: a buffer of its own, outside the region. */
	big = xsecure_alloc(REGION);
	assert_false(inside(big, a));
	memset(big, 1, REGION);
	secure_free(big, REGION);
	secure_free(c, 60);
	secure_free(a, 100);
}

/* Writing one byte past a piece: the sanitizer build stops it (the child
 * dies); without sanitizers the region has no guard between pieces, which
 * is the trade docs/security.md ("Secret memory") explains, so there is nothing to check. */
static void
test_overrun_caught(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	if (!SANITIZED)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		volatile unsigned char *p = xsecure_alloc(32);

		p[32] = 1;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_region),
		cmocka_unit_test(test_overrun_caught),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
