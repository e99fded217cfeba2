/* test_crypto.c — sealing at rest: round trip, every tampered byte fails, a
 * sealed version moved to another context fails, rekey rewraps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "store/crypto.h"
#include "secmem.h"

static struct keyring kr;
static const unsigned char plain[] = "MVB1 pretend plaintext";
#define PLEN (sizeof(plain))

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(secmem_init(), 0);
	memset(&kr, 0, sizeof(kr));
	kr.k = xsecure_alloc(sizeof(*kr.k));
	sodium_memzero(kr.k, sizeof(*kr.k));
	/* Keys 1 and 2, as during a rekey. */
	randombytes_buf(kr.k->master, sizeof(kr.k->master));
	kr.ids[0] = 1;
	kr.ids[1] = 2;
	kr.nkeys = 2;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	keyring_clear(&kr);
	return 0;
}

static const struct seal_context base = { "ac-1", "prod", "db", "st-1", 3 };

static void
test_round_trip_and_tamper(void **state)
{
	unsigned char sealed[PLEN + SEAL_OVERHEAD], wrapped[WRAPPED_KEY_LEN], out[PLEN];
	size_t i;

	(void)state;
	assert_int_equal(bundle_seal(&kr, 1, &base, plain, PLEN, sealed, wrapped), 0);
	assert_null(memmem(sealed, sizeof(sealed), "pretend", 7));
	assert_int_equal(bundle_open(&kr, 1, &base, sealed, sizeof(sealed), wrapped, out), 0);
	assert_memory_equal(out, plain, PLEN);
	for (i = 0; i < sizeof(sealed); i++) {
		sealed[i] ^= 0x01;
		assert_int_equal(bundle_open(&kr, 1, &base, sealed, sizeof(sealed), wrapped, out), -1);
		sealed[i] ^= 0x01;
	}
	for (i = 0; i < sizeof(wrapped); i++) {
		wrapped[i] ^= 0x80;
		assert_int_equal(bundle_open(&kr, 1, &base, sealed, sizeof(sealed), wrapped, out), -1);
		wrapped[i] ^= 0x80;
	}
	assert_int_equal(bundle_open(&kr, 1, &base, sealed, sizeof(sealed) - 1, wrapped, out), -1);
}

static void
test_bound_to_context(void **state)
{
	unsigned char sealed[PLEN + SEAL_OVERHEAD], wrapped[WRAPPED_KEY_LEN], out[PLEN];
	const struct seal_context others[] = {
		{ "ac-2", "prod", "db", "st-1", 3 }, { "ac-1", "main", "db", "st-1", 3 },
		{ "ac-1", "prod", "db2", "st-1", 3 }, { "ac-1", "prod", "db", "st-2", 3 },
		{ "ac-1", "prod", "db", "st-1", 4 }, { "ac-1", "prodd", "b", "st-1", 3 },
	};
	size_t i;

	(void)state;
	assert_int_equal(bundle_seal(&kr, 1, &base, plain, PLEN, sealed, wrapped), 0);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		assert_int_equal(bundle_open(&kr, 1, &others[i], sealed, sizeof(sealed),
					     wrapped, out), -1);
	/* Another key id, a key the ring lacks, or another master key, cannot unwrap. */
	assert_int_equal(bundle_open(&kr, 2, &base, sealed, sizeof(sealed), wrapped, out), -1);
	assert_int_equal(bundle_open(&kr, 3, &base, sealed, sizeof(sealed), wrapped, out), -1);
	kr.k->master[0][0] ^= 1;
	kr.kek_version = 0;   /* forget the cached KEK of the right key */
	assert_int_equal(bundle_open(&kr, 1, &base, sealed, sizeof(sealed), wrapped, out), -1);
	kr.k->master[0][0] ^= 1;
	kr.kek_version = 0;
	assert_int_equal(bundle_open(&kr, 1, &base, sealed, sizeof(sealed), wrapped, out), 0);
}

static void
test_rewrap(void **state)
{
	unsigned char sealed[PLEN + SEAL_OVERHEAD], wrapped[WRAPPED_KEY_LEN];
	unsigned char rewrapped[WRAPPED_KEY_LEN], out[PLEN];

	(void)state;
	assert_int_equal(bundle_seal(&kr, 1, &base, plain, PLEN, sealed, wrapped), 0);
	assert_int_equal(wrapped_key_rewrap(&kr, &base, 1, 2, wrapped, rewrapped), 0);
	assert_int_equal(bundle_open(&kr, 2, &base, sealed, sizeof(sealed), rewrapped, out), 0);
	assert_memory_equal(out, plain, PLEN);
	assert_int_equal(bundle_open(&kr, 1, &base, sealed, sizeof(sealed), rewrapped, out), -1);
	assert_int_equal(wrapped_key_rewrap(&kr, &base, 3, 4, wrapped, rewrapped), -1);
}

static void
test_random_id(void **state)
{
	char a[32], b[32];

	(void)state;
	random_id("st-", 22, a);
	random_id("st-", 22, b);
	assert_int_equal(strlen(a), 25);
	assert_memory_equal(a, "st-", 3);
	assert_string_not_equal(a, b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_and_tamper),
		cmocka_unit_test(test_bound_to_context),
		cmocka_unit_test(test_rewrap),
		cmocka_unit_test(test_random_id),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
