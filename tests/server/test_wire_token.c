/* test_wire_token.c — the token sealed to the vault (vault/wire_token.h): it
 * opens only with the vault's key, for the request it was sealed with,
 * within the window; every other box is refused and leaves no secret. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secmem.h"
#include "wire_helpers.h"
#include "wire/wire_token.h"

static unsigned char seal_work[WIRE_TOKEN_PLAIN_MAX];

#define NOW 1700000000
#define ID "ak-abcdefghijklmnopqrstu"
#define SECRET "as-0123456789abcdefghijklmnopqrstuvwxyzABCDEF"

static struct fixture_keys keys;

static char *
seal_at(const struct wire_request *req, const unsigned char *vault_pk, int64_t at)
{
	struct mr_err e = { 0 };
	char *box = NULL;

	assert_int_equal(wire_token_seal(req, keys.launch_sk, vault_pk, ID, SECRET, strlen(SECRET),
					 at, seal_work, &box, &e), 0);
	return box;
}

/* 0 when box opens for req at now, else -1 with the message checked. */
static int
open_for(const char *box, const struct wire_request *req, int64_t now, const char *want_msg)
{
	unsigned char *plain = xsecure_alloc(WIRE_TOKEN_PLAIN_MAX), shared[WIRE_SHARED_LEN];
	struct wire_token t;
	struct mr_err e = { 0 };
	int rc;

	assert_int_equal(wire_token_shared_key(req, keys.vault_sk, shared, &e), 0);
	rc = wire_token_open(box, strlen(box), req, shared, now, plain, &t, &e);

	if (rc == 0) {
		assert_string_equal(t.id, ID);
		assert_int_equal(t.secret_len, strlen(SECRET));
		assert_memory_equal(t.secret, SECRET, t.secret_len);
		assert_int_equal(t.issued_at, NOW);
	} else {
		assert_int_equal(e.kind, MR_E_AUTH);
		assert_null(t.secret);
		assert_non_null(strstr(e.msg, want_msg));
		assert_null(strstr(e.msg, SECRET));
	}
	secure_free(plain, WIRE_TOKEN_PLAIN_MAX);
	return rc;
}

static void
test_round_trip_and_window(void **state)
{
	static const struct { int64_t now; int opens; } table[] = {
		{ NOW, 1 }, { NOW + WIRE_TOKEN_WINDOW, 1 }, { NOW - WIRE_TOKEN_WINDOW, 1 },
		{ NOW + WIRE_TOKEN_WINDOW + 1, 0 }, { NOW - WIRE_TOKEN_WINDOW - 1, 0 },
		{ NOW + 86400, 0 }, { 0, 0 },
	};
	struct wire_request req;
	char *box;
	size_t i;

	(void)state;
	fixture_request(&req, &keys);
	box = seal_at(&req, keys.vault_pk, NOW);
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		assert_int_equal(open_for(box, &req, table[i].now, "window"), table[i].opens ? 0 : -1);
	free(box);
}

/* The request as the vault receives it, altered one way at a time. */
static void
test_bound_to_the_request(void **state)
{
	static const char *const swapped[] = { "api.keys", "db" };
	static const char *const fewer[] = { "db" };
	struct wire_request sent, got;
	char *box;
	int i;

	(void)state;
	fixture_request(&sent, &keys);
	box = seal_at(&sent, keys.vault_pk, NOW);
	for (i = 0; i < 5; i++) {
		got = sent;
		switch (i) {
		case 0: got.environment = "dev"; break;
		case 1: got.environment = NULL; break;
		case 2: got.names = swapped; break;
		case 3: got.names = fewer; got.nnames = 1; break;
		case 4: got.nonce[0] ^= 1; break;   /* nonce: the box itself fails */
		}
		assert_int_equal(open_for(box, &got, NOW, i == 4 ? "does not open" : "not for this request"),
				 -1);
	}
	/* Another launch key: the box does not open either. */
	got = sent;
	got.launch_pk[0] ^= 1;
	assert_int_equal(open_for(box, &got, NOW, "does not open"), -1);
	free(box);
}

static void
test_other_vault_and_tampering(void **state)
{
	struct wire_request req;
	unsigned char other_pk[32], other_sk[32];
	char *box;
	size_t i;

	(void)state;
	fixture_request(&req, &keys);
	crypto_box_keypair(other_pk, other_sk);
	box = seal_at(&req, other_pk, NOW);
	assert_int_equal(open_for(box, &req, NOW, "does not open"), -1);
	free(box);
	box = seal_at(&req, keys.vault_pk, NOW);
	for (i = 0; box[i] != '\0' && box[i] != '='; i++) {
		char saved = box[i];

		box[i] = saved == 'A' ? 'B' : 'A';
		assert_int_equal(open_for(box, &req, NOW, ""), -1);
		box[i] = saved;
	}
	assert_int_equal(open_for(box, &req, NOW, ""), 0);
	free(box);
}

/* Not base64, too long, empty: refused before any crypto. */
static void
test_malformed(void **state)
{
	static const char *const table[] = { "", "!!!!", "AAAA", "AAAAAAAAAAAAAAAAAAAAAAAA====" };
	struct wire_request req;
	char big[WIRE_TOKEN_BOX_MAX + 8];
	size_t i;

	(void)state;
	fixture_request(&req, &keys);
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		assert_int_equal(open_for(table[i], &req, NOW, "token"), -1);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(open_for(big, &req, NOW, "base64"), -1);
}

/* The fetch answer and the token box share the launch-vault key, so the
 * magic keeps them apart: the token's own layout under the answer's magic
 * ("MVF1") is refused, under its own ("MVT1") it opens. */
static char *
box_with_magic(const struct wire_request *req, const char *magic)
{
	unsigned char plain[WIRE_TOKEN_PLAIN_MAX], sealed[sizeof(plain) + crypto_box_MACBYTES];
	uint32_t id_len = (uint32_t)strlen(ID), secret_len = (uint32_t)strlen(SECRET);
	uint64_t at = NOW;
	size_t len = 0;
	char *b64 = malloc(2 * sizeof(sealed));

	memcpy(plain, magic, 4);
	wire_binding(req, plain + 4);
	memcpy(plain + 36, &at, 8);     /* little-endian hosts only, as the tests run */
	memcpy(plain + 44, &id_len, 4);
	memcpy(plain + 48, ID, id_len);
	len = 48 + id_len;
	memcpy(plain + len, &secret_len, 4);
	memcpy(plain + len + 4, SECRET, secret_len);
	len += 4 + secret_len;
	assert_int_equal(crypto_box_easy(sealed, plain, len, req->nonce, keys.vault_pk, keys.launch_sk), 0);
	sodium_bin2base64(b64, 2 * sizeof(sealed), sealed, len + crypto_box_MACBYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	return b64;
}

static void
test_answer_is_not_a_token(void **state)
{
	struct wire_request req;
	char *box;

	(void)state;
	fixture_request(&req, &keys);
	box = box_with_magic(&req, "MVF1");
	assert_int_equal(open_for(box, &req, NOW, "not for this request"), -1);
	free(box);
	box = box_with_magic(&req, "MVT1");
	assert_int_equal(open_for(box, &req, NOW, ""), 0);
	free(box);
}

static void
test_seal_limits(void **state)
{
	struct wire_request req;
	struct mr_err e = { 0 };
	char long_id[WIRE_TOKEN_ID_MAX + 2], *box = NULL;

	(void)state;
	fixture_request(&req, &keys);
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	assert_int_equal(wire_token_seal(&req, keys.launch_sk, keys.vault_pk, long_id, SECRET,
					 strlen(SECRET), NOW, seal_work, &box, &e), -1);
	assert_int_equal(e.kind, MR_E_CONFIG);
	assert_null(box);
	assert_int_equal(wire_token_seal(&req, keys.launch_sk, keys.vault_pk, ID, SECRET, 0, NOW,
					 seal_work, &box, &e), -1);
	assert_null(box);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_and_window),
		cmocka_unit_test(test_bound_to_the_request),
		cmocka_unit_test(test_other_vault_and_tampering),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_answer_is_not_a_token),
		cmocka_unit_test(test_seal_limits),
	};

	if (secmem_init() != 0)
		return 1;
	fixture_keys_make(&keys);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
