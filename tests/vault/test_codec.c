/* test_codec.c — bundle plaintext: round trips, validation, strict decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "store/codec.h"

static void
test_round_trip(void **state)
{
	static unsigned char big[VALUE_MAX_LEN];
	struct vault_item in[] = {
		{ "A", (const unsigned char *)"x=y\n'\"$", 7 },
		{ "EMPTY", (const unsigned char *)"", 0 },
		{ "BIG", big, sizeof(big) },
		{ "_u", (const unsigned char *)"\xc3\xa9\xe2\x82\xac", 5 },
	};
	struct vault_item out[4];
	struct mr_err e = { 0 };
	size_t len = bundle_encoded_len(in, 4), n, i;
	unsigned char *buf = malloc(len);

	(void)state;
	memset(big, 'z', sizeof(big));
	assert_int_equal(bundle_validate(in, 4, &e), 0);
	bundle_encode(in, 4, buf);
	assert_int_equal(bundle_count(buf, len, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(bundle_decode(buf, len, out, n), 0);
	for (i = 0; i < 4; i++) {
		assert_string_equal(out[i].key, in[i].key);
		assert_int_equal(out[i].value_len, in[i].value_len);
		assert_memory_equal(out[i].value, in[i].value, in[i].value_len);
		assert_int_equal(out[i].value[out[i].value_len], 0);
	}
	free(buf);
}

static void
test_validate_rejects(void **state)
{
	static unsigned char huge[VALUE_MAX_LEN + 1];
	static const struct { struct vault_item items[2]; size_t n; enum mr_kind kind; const char *msg; } cases[] = {
		{ { { "1A", (const unsigned char *)"v", 1 } }, 1, MR_E_INVALID, "invalid key '1A'" },
		{ { { "A-B", (const unsigned char *)"v", 1 } }, 1, MR_E_INVALID, "invalid key 'A-B'" },
		{ { { "", (const unsigned char *)"v", 1 } }, 1, MR_E_INVALID, "invalid key ''" },
		{ { { "A", (const unsigned char *)"a\0b", 3 } }, 1, MR_E_INVALID, "value of A contains a NUL byte" },
		{ { { "A", (const unsigned char *)"1", 1 }, { "A", (const unsigned char *)"2", 1 } }, 2,
		  MR_E_INVALID, "key A given twice" },
		{ { { "H", huge, sizeof(huge) } }, 1, MR_E_TOOLARGE, "value of H: 32769 bytes, at most 32768" },
	};
	struct mr_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mr_clear(&e);
		assert_int_equal(bundle_validate(cases[i].items, cases[i].n, &e), -1);
		assert_int_equal(e.kind, cases[i].kind);
		assert_non_null(strstr(e.msg, cases[i].msg));
	}
}

static void
test_decode_rejects_malformed(void **state)
{
	struct vault_item in[] = { { "KEY", (const unsigned char *)"value", 5 } }, out[8];
	unsigned char buf[64], bad[64];
	size_t len = bundle_encoded_len(in, 1), i, n;

	(void)state;
	bundle_encode(in, 1, buf);
	/* Every truncation fails. */
	for (i = 0; i < len; i++)
		assert_true(bundle_count(buf, i, &n) != 0 || bundle_decode(buf, i, out, n) != 0);
	/* Trailing garbage fails. */
	memcpy(bad, buf, len);
	bad[len] = 'x';
	assert_int_equal(bundle_decode(bad, len + 1, out, 1), -1);
	/* A lying count fails. */
	memcpy(bad, buf, len);
	bad[7] = 200;
	assert_true(bundle_count(bad, len, &n) != 0 || bundle_decode(bad, len, out, n) != 0);
	/* A missing NUL terminator fails. */
	memcpy(bad, buf, len);
	bad[8 + 4 + 3] = 'X';
	assert_int_equal(bundle_decode(bad, len, out, 1), -1);
	/* Wrong magic fails. */
	memcpy(bad, buf, len);
	bad[0] = 'N';
	assert_int_equal(bundle_count(bad, len, &n), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_validate_rejects),
		cmocka_unit_test(test_decode_rejects_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
