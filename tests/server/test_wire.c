/* test_wire.c — the fetch on the wire: a sealed answer opens only for the
 * launch that asked for it, exactly as asked, from the vault it trusts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/codec.h"
#include "secmem.h"
#include "wire_helpers.h"

struct sealed_case {
	struct fixture_keys k;
	struct vault_fetch f;
	struct vault_bundle b[2];
	struct wire_request req;
	struct wire_sealed s;
};

static int
setup(void **state)
{
	struct sealed_case *c = calloc(1, sizeof(*c));
	struct mr_err e = { 0 };

	if (c == NULL || secmem_init() != 0)
		return -1;
	fixture_keys_make(&c->k);
	fixture_fetch(&c->f, c->b);
	fixture_request(&c->req, &c->k);
	if (wire_fetch_seal(&c->f, &c->req, c->k.vault_pk, c->k.vault_sk, 1700000000, &c->s, &e) != 0)
		return -1;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct sealed_case *c = *state;

	wire_sealed_free(&c->s);
	free(c);
	return 0;
}

static struct wire_answer
answer_of(const struct wire_sealed *s)
{
	return (struct wire_answer){ s->vault_public_key, s->box_nonce, s->box, s->box_len };
}

static void
test_round_trip(void **state)
{
	struct sealed_case *c = *state;
	struct wire_answer a = answer_of(&c->s);
	struct vault_fetch out;
	struct mr_err e = { 0 };
	int64_t at = 0;
	size_t i, j;

	assert_int_equal(wire_fetch_open(&a, &c->req, c->k.launch_sk, c->k.vault_pk, &out, &at, &e), 0);
	assert_int_equal(at, 1700000000);
	assert_string_equal(out.environment, "prod");
	assert_memory_equal(out.fingerprint_key, c->f.fingerprint_key, 32);
	assert_int_equal(out.nbundles, 2);
	for (i = 0; i < 2; i++) {
		assert_string_equal(out.bundles[i].name, c->b[i].name);
		assert_int_equal(out.bundles[i].version, c->b[i].version);
		assert_int_equal(out.bundles[i].nitems, c->b[i].nitems);
		for (j = 0; j < c->b[i].nitems; j++) {
			assert_string_equal(out.bundles[i].items[j].key, c->b[i].items[j].key);
			assert_int_equal(out.bundles[i].items[j].value_len, c->b[i].items[j].value_len);
			assert_memory_equal(out.bundles[i].items[j].value, c->b[i].items[j].value,
					    c->b[i].items[j].value_len);
		}
	}
	/* Every pointer lies in the one arena vault_fetch_free wipes. */
	assert_true((unsigned char *)out.bundles[1].items[0].key > (unsigned char *)out.arena);
	assert_true((unsigned char *)out.bundles[1].items[0].key <
		    (unsigned char *)out.arena + out.arena_len);
	vault_fetch_free(&out);
	assert_null(out.arena);
	/* Unpinned: any vault key is taken (the binding still holds). */
	assert_int_equal(wire_fetch_open(&a, &c->req, c->k.launch_sk, NULL, &out, NULL, &e), 0);
	vault_fetch_free(&out);
}

static void
expect_refused(const struct wire_answer *a, const struct wire_request *req,
	       const unsigned char *sk, const unsigned char *pinned, enum mr_kind kind,
	       const char *msg)
{
	struct vault_fetch out;
	struct mr_err e = { 0 };

	assert_int_equal(wire_fetch_open(a, req, sk, pinned, &out, NULL, &e), -1);
	assert_int_equal(e.kind, kind);
	if (strstr(e.msg, msg) == NULL)
		fail_msg("message '%s' lacks '%s'", e.msg, msg);
	assert_null(out.arena);
	assert_int_equal(out.nbundles, 0);
}

/* Every byte of the box, flipped in turn, is refused. */
static void
test_flipped_byte(void **state)
{
	struct sealed_case *c = *state;
	unsigned char *bin = malloc(c->s.box_len);
	char *b64 = malloc(c->s.box_len + 1);
	struct wire_answer a = answer_of(&c->s);
	size_t len, i;

	assert_int_equal(sodium_base642bin(bin, c->s.box_len, c->s.box, c->s.box_len, NULL, &len,
					   NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	for (i = 0; i < len; i++) {
		bin[i] ^= 0x01;
		sodium_bin2base64(b64, c->s.box_len + 1, bin, len, sodium_base64_VARIANT_ORIGINAL);
		a.box = b64;
		expect_refused(&a, &c->req, c->k.launch_sk, NULL, MR_E_CRYPTO, "failed authentication");
		bin[i] ^= 0x01;
	}
	/* And the box nonce too. */
	a = answer_of(&c->s);
	{
		char nonce[WIRE_NONCE_HEX_LEN + 1];

		memcpy(nonce, c->s.box_nonce, sizeof(nonce));
		nonce[0] = nonce[0] == '0' ? '1' : '0';
		a.box_nonce = nonce;
		expect_refused(&a, &c->req, c->k.launch_sk, NULL, MR_E_CRYPTO, "failed authentication");
	}
	free(bin);
	free(b64);
}

/* A recorded answer opened by another launch: its key cannot open the box. */
static void
test_other_launch_key(void **state)
{
	struct sealed_case *c = *state;
	struct wire_answer a = answer_of(&c->s);
	struct wire_launch_key other;
	struct wire_request req = c->req;
	struct mr_err e = { 0 };

	assert_int_equal(wire_launch_key_new(&other, &e), 0);
	memcpy(req.launch_pk, other.pk, 32);
	memcpy(req.nonce, other.nonce, 24);
	expect_refused(&a, &req, other.sk, NULL, MR_E_CRYPTO, "failed authentication");
	wire_launch_key_clear(&other);
	assert_null(other.sk);
}

/* The box opens, but it answers another request. */
static void
test_wrong_binding(void **state)
{
	struct sealed_case *c = *state;
	struct wire_answer a = answer_of(&c->s);
	static const char *const reordered[] = { "api.keys", "db" };
	static const char *const other[] = { "db", "api.key" };
	static const char *const fewer[] = { "db" };
	static const char *const more[] = { "db", "api.keys", "x" };
	static const char *const joined[] = { "dbapi.keys", "" };
	struct wire_request req;
	unsigned char other_pk[32], other_sk[32];

	req = c->req;
	req.nonce[5] ^= 1;
	expect_refused(&a, &req, c->k.launch_sk, NULL, MR_E_CRYPTO, "does not answer");
	req = c->req;
	req.names = reordered;
	expect_refused(&a, &req, c->k.launch_sk, NULL, MR_E_CRYPTO, "does not answer");
	req.names = other;
	expect_refused(&a, &req, c->k.launch_sk, NULL, MR_E_CRYPTO, "does not answer");
	req.names = fewer, req.nnames = 1;
	expect_refused(&a, &req, c->k.launch_sk, NULL, MR_E_CRYPTO, "does not answer");
	req.names = more, req.nnames = 3;
	expect_refused(&a, &req, c->k.launch_sk, NULL, MR_E_CRYPTO, "does not answer");
	req.names = joined, req.nnames = 2;
	expect_refused(&a, &req, c->k.launch_sk, NULL, MR_E_CRYPTO, "does not answer");
	req = c->req;
	req.environment = "staging";
	expect_refused(&a, &req, c->k.launch_sk, NULL, MR_E_CRYPTO, "does not answer");
	req.environment = NULL;   /* asked for the default, answered for "prod" */
	expect_refused(&a, &req, c->k.launch_sk, NULL, MR_E_CRYPTO, "does not answer");
	/* The launch key in the binding is the one sent, not the one opening. */
	req = c->req;
	crypto_box_keypair(other_pk, other_sk);
	memcpy(req.launch_pk, other_pk, 32);
	expect_refused(&a, &req, c->k.launch_sk, NULL, MR_E_CRYPTO, "does not answer");
}

static void
test_pinned_vault_key(void **state)
{
	struct sealed_case *c = *state;
	struct wire_answer a = answer_of(&c->s);
	unsigned char pinned[32];

	memcpy(pinned, c->k.vault_pk, 32);
	pinned[31] ^= 0x80;
	expect_refused(&a, &c->req, c->k.launch_sk, pinned, MR_E_AUTH, "not the pinned one");
}

/* A box sealed by someone holding another vault key, claiming to be it. */
static void
test_impostor_vault(void **state)
{
	struct sealed_case *c = *state;
	struct wire_sealed s;
	struct wire_answer a;
	unsigned char pk[32], sk[32];
	struct mr_err e = { 0 };

	crypto_box_keypair(pk, sk);
	assert_int_equal(wire_fetch_seal(&c->f, &c->req, pk, sk, 1, &s, &e), 0);
	a = answer_of(&s);
	expect_refused(&a, &c->req, c->k.launch_sk, c->k.vault_pk, MR_E_AUTH, "not the pinned one");
	/* Naming the real vault's key while sealing with another fails to open. */
	a.vault_public_key = c->s.vault_public_key;
	expect_refused(&a, &c->req, c->k.launch_sk, c->k.vault_pk, MR_E_CRYPTO, "failed authentication");
	wire_sealed_free(&s);
}

static void
test_malformed_fields(void **state)
{
	struct sealed_case *c = *state;
	static const char *const bad_b64[] = { "", "!!!!", "AAAA", "QUJD\n", "QUJDRA", "QU JD" };
	struct wire_answer a;
	char key[80];
	size_t i;

	a = answer_of(&c->s);
	snprintf(key, sizeof(key), "%.63s", c->s.vault_public_key);
	a.vault_public_key = key;
	expect_refused(&a, &c->req, c->k.launch_sk, NULL, MR_E_CRYPTO, "malformed vault_public_key");
	snprintf(key, sizeof(key), "%sff", c->s.vault_public_key);
	expect_refused(&a, &c->req, c->k.launch_sk, NULL, MR_E_CRYPTO, "malformed vault_public_key");
	snprintf(key, sizeof(key), "%.63sg", c->s.vault_public_key);
	expect_refused(&a, &c->req, c->k.launch_sk, NULL, MR_E_CRYPTO, "malformed vault_public_key");
	a.vault_public_key = NULL;
	expect_refused(&a, &c->req, c->k.launch_sk, NULL, MR_E_CRYPTO, "malformed vault_public_key");
	a = answer_of(&c->s);
	a.box_nonce = "00";
	expect_refused(&a, &c->req, c->k.launch_sk, NULL, MR_E_CRYPTO, "box_nonce");
	a = answer_of(&c->s);
	for (i = 0; i < sizeof(bad_b64) / sizeof(bad_b64[0]); i++) {
		a.box = bad_b64[i];
		a.box_len = strlen(bad_b64[i]);
		expect_refused(&a, &c->req, c->k.launch_sk, NULL, MR_E_CRYPTO, "");
	}
}

/* Plaintexts that authenticate but are not well formed: each is sealed
 * afresh with the vault's key, so only the parser stands in the way. */
static void
reseal_expect_refused(struct sealed_case *c, const unsigned char *plain, size_t len)
{
	unsigned char nonce[24], *box = malloc(len + crypto_box_MACBYTES);
	char *b64 = malloc(sodium_base64_ENCODED_LEN(len + crypto_box_MACBYTES,
						     sodium_base64_VARIANT_ORIGINAL));
	struct wire_answer a = answer_of(&c->s);
	char nonce_hex[49];

	randombytes_buf(nonce, sizeof(nonce));
	assert_int_equal(crypto_box_easy(box, plain, len, nonce, c->k.launch_pk, c->k.vault_sk), 0);
	sodium_bin2base64(b64, sodium_base64_ENCODED_LEN(len + crypto_box_MACBYTES,
							 sodium_base64_VARIANT_ORIGINAL),
			  box, len + crypto_box_MACBYTES, sodium_base64_VARIANT_ORIGINAL);
	wire_hex_encode(nonce, 24, nonce_hex);
	a.box = b64, a.box_len = strlen(b64), a.box_nonce = nonce_hex;
	expect_refused(&a, &c->req, c->k.launch_sk, c->k.vault_pk, MR_E_CRYPTO, "does not answer");
	free(box);
	free(b64);
}

static void
test_malformed_plaintext(void **state)
{
	struct sealed_case *c = *state;
	unsigned char bin[4096], plain[4096], copy[4096 + 1], nonce[24];
	size_t len, plen, i;
	/* Offsets in the fixture: magic 0, binding 4, at 36, fpkey 44, env len 76,
	 * env 80 ("prod"), count 84, first name len 88, name 92 ("db"),
	 * version 94, bundle len 102, bundle 106. */
	static const struct { size_t off; unsigned char xor; } flips[] = {
		{ 0, 1 }, { 4, 1 }, { 35, 0x80 }, { 76, 1 }, { 76, 0xff }, { 79, 0x80 },
		{ 80, 1 }, { 84, 1 }, { 84, 0xff }, { 87, 0x80 }, { 88, 1 }, { 88, 0xff },
		{ 92, 1 }, { 102, 1 }, { 102, 0xff }, { 105, 0x80 }, { 106, 1 }, { 110, 1 },
	};

	assert_int_equal(sodium_base642bin(bin, sizeof(bin), c->s.box, c->s.box_len, NULL, &len,
					   NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(wire_hex_decode(c->s.box_nonce, nonce, 24), 0);
	plen = len - crypto_box_MACBYTES;
	assert_int_equal(crypto_box_open_easy(plain, bin, len, nonce, c->k.vault_pk, c->k.launch_sk), 0);
	assert_memory_equal(plain + 80, "prod", 4);
	assert_memory_equal(plain + 92, "db", 2);
	for (i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		memcpy(copy, plain, plen);
		copy[flips[i].off] ^= flips[i].xor;
		reseal_expect_refused(c, copy, plen);
	}
	/* Trailing garbage, and every truncation. */
	memcpy(copy, plain, plen);
	copy[plen] = 0;
	reseal_expect_refused(c, copy, plen + 1);
	for (i = 1; i < plen; i++)
		reseal_expect_refused(c, plain, i);
}

static void
test_default_environment(void **state)
{
	struct sealed_case *c = *state;
	struct wire_request req = c->req;
	struct wire_sealed s;
	struct wire_answer a;
	struct vault_fetch out;
	struct mr_err e = { 0 };

	req.environment = NULL;
	assert_int_equal(wire_fetch_seal(&c->f, &req, c->k.vault_pk, c->k.vault_sk, 5, &s, &e), 0);
	a = answer_of(&s);
	assert_int_equal(wire_fetch_open(&a, &req, c->k.launch_sk, NULL, &out, NULL, &e), 0);
	assert_string_equal(out.environment, "prod");
	vault_fetch_free(&out);
	req.environment = "";
	assert_int_equal(wire_fetch_open(&a, &req, c->k.launch_sk, NULL, &out, NULL, &e), 0);
	vault_fetch_free(&out);
	wire_sealed_free(&s);
}

static void
test_seal_refuses(void **state)
{
	struct sealed_case *c = *state;
	struct wire_request req = c->req;
	struct wire_sealed s;
	struct mr_err e = { 0 };
	struct vault_fetch big;
	struct vault_bundle bundles[WIRE_MAX_NAMES];
	const char *names[WIRE_MAX_NAMES];
	static unsigned char value[VALUE_MAX_LEN];
	static struct vault_item items[BUNDLE_MAX_ITEMS];
	static char keys[BUNDLE_MAX_ITEMS][8];
	size_t i;

	/* A low-order public key makes no shared secret. */
	memset(req.launch_pk, 0, 32);
	assert_int_equal(wire_fetch_seal(&c->f, &req, c->k.vault_pk, c->k.vault_sk, 1, &s, &e), -1);
	assert_int_equal(e.kind, MR_E_INVALID);
	assert_null(s.box);
	/* More than a fetch carries. */
	for (i = 0; i < BUNDLE_MAX_ITEMS; i++) {
		snprintf(keys[i], sizeof(keys[i]), "K%zu", i);
		items[i] = (struct vault_item){ keys[i], value, sizeof(value) };
	}
	for (i = 0; i < WIRE_MAX_NAMES; i++) {
		bundles[i] = (struct vault_bundle){ "s", 1, 1, items };
		names[i] = "s";
	}
	bundles[0].nitems = BUNDLE_MAX_ITEMS;
	big = c->f;
	big.bundles = bundles;
	big.nbundles = WIRE_MAX_NAMES;
	req = c->req;
	req.names = names;
	req.nnames = WIRE_MAX_NAMES;
	assert_int_equal(wire_fetch_seal(&big, &req, c->k.vault_pk, c->k.vault_sk, 1, &s, &e), -1);
	assert_int_equal(e.kind, MR_E_TOOLARGE);
	/* Bundles and names must match one for one. */
	req.nnames = 1;
	assert_int_equal(wire_fetch_seal(&c->f, &req, c->k.vault_pk, c->k.vault_sk, 1, &s, &e), -1);
}

/* A sealer's scratch: used, grown when needed, wiped after each seal. */
static void
test_scratch(void **state)
{
	struct sealed_case *c = *state;
	struct wire_scratch scratch = { 0 };
	struct wire_sealed s;
	struct wire_answer a;
	struct vault_fetch out;
	struct mr_err e = { 0 };
	size_t i;
	int round;

	for (round = 0; round < 3; round++) {
		assert_int_equal(wire_fetch_seal_scratch(&c->f, &c->req, c->k.vault_pk, c->k.vault_sk, 7,
						 &scratch, &s, &e), 0);
		assert_non_null(scratch.p);
		for (i = 0; i < scratch.cap; i++)
			if (scratch.p[i] != 0)
				fail_msg("scratch byte %zu not wiped after round %d", i, round);
		a = answer_of(&s);
		assert_int_equal(wire_fetch_open(&a, &c->req, c->k.launch_sk, NULL, &out, NULL, &e), 0);
		assert_int_equal(out.bundles[0].items[1].value_len, 15);
		vault_fetch_free(&out);
		wire_sealed_free(&s);
	}
	wire_scratch_free(&scratch);
	assert_null(scratch.p);
}

/* The box's base64 (wire.c's own encoder) is what libsodium makes of the
 * same bytes, for each length mod 3 (no, one and two padding characters),
 * and opens. */
static void
test_box_base64(void **state)
{
	struct sealed_case *c = *state;
	struct vault_item item = { "V", (const unsigned char *)"abc", 0 };
	struct vault_bundle b[2] = { { "db", 1, 1, &item }, c->b[1] };
	struct vault_fetch f = c->f, out;
	struct wire_sealed s;
	struct wire_answer a;
	struct mr_err e = { 0 };
	unsigned char bin[256];
	char want[512];
	size_t len, residues = 0;

	f.bundles = b;
	for (item.value_len = 0; item.value_len < 3; item.value_len++) {
		assert_int_equal(wire_fetch_seal(&f, &c->req, c->k.vault_pk, c->k.vault_sk, 1, &s, &e),
				 0);
		assert_int_equal(strlen(s.box), s.box_len);
		assert_int_equal(sodium_base642bin(bin, sizeof(bin), s.box, s.box_len, NULL, &len,
						   NULL, sodium_base64_VARIANT_ORIGINAL), 0);
		sodium_bin2base64(want, sizeof(want), bin, len, sodium_base64_VARIANT_ORIGINAL);
		assert_string_equal(s.box, want);
		residues |= 1u << (len % 3);
		a = answer_of(&s);
		assert_int_equal(wire_fetch_open(&a, &c->req, c->k.launch_sk, NULL, &out, NULL, &e), 0);
		assert_int_equal(out.bundles[0].items[0].value_len, item.value_len);
		vault_fetch_free(&out);
		wire_sealed_free(&s);
	}
	assert_int_equal(residues, 7);
}

static void
test_hex(void **state)
{
	static const struct { const char *hex; int ok; } cases[] = {
		{ "00ff", 0 }, { "00FF", 0 }, { "a0b1", 0 }, { "00f", -1 }, { "00fff", -1 },
		{ "00fg", -1 }, { "00 f", -1 }, { "", -1 }, { "0x0f", -1 }, { "00:f", -1 },
	};
	unsigned char bin[2];
	char back[5];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (wire_hex_decode(cases[i].hex, bin, 2) != cases[i].ok)
			fail_msg("'%s': want %d", cases[i].hex, cases[i].ok);
	assert_int_equal(wire_hex_decode("A0b1", bin, 2), 0);
	wire_hex_encode(bin, 2, back);
	assert_string_equal(back, "a0b1");
	assert_int_equal(wire_hex_decode(NULL, bin, 2), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flipped_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_launch_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_binding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinned_vault_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_impostor_vault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_plaintext, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_environment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scratch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_box_base64, setup, teardown),
		cmocka_unit_test(test_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
