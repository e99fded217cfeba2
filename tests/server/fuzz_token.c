/* fuzz_token.c — libFuzzer target for wire_token_open, the vault's decoder
 * of the sealed token in a fetch. Input byte 0 picks what the fuzzer
 * controls: 0, the plaintext (sealed here with the fixture's keys, so the
 * parser behind the box is reached); otherwise the token_box string as a
 * client sent it. Either way the token must be refused, or open into an id
 * that is a string and a secret inside the plaintext buffer. */
#include <stdlib.h>
#include <string.h>

#include "secmem.h"
#include "token_fixture.h"

static struct fixture_keys keys;
static struct wire_request req;
static unsigned char *plain, shared[WIRE_SHARED_LEN];

static void
open_and_check(const char *box, size_t len)
{
	struct wire_token t;
	struct mr_err e;

	if (wire_token_open(box, len, &req, shared, TOKEN_FIXTURE_NOW, plain, &t, &e) == 0) {
		if (strlen(t.id) > WIRE_TOKEN_ID_MAX || t.secret_len == 0 ||
		    t.secret_len > WIRE_TOKEN_SECRET_MAX ||
		    (const unsigned char *)t.secret < plain ||
		    (const unsigned char *)t.secret + t.secret_len > plain + WIRE_TOKEN_PLAIN_MAX)
			abort();
	} else if (t.secret != NULL || e.kind != MR_E_AUTH) {
		abort();
	}
	sodium_memzero(plain, WIRE_TOKEN_PLAIN_MAX);
}

static void
fuzz_plaintext(const unsigned char *data, size_t len)
{
	unsigned char box[WIRE_TOKEN_PLAIN_MAX + crypto_box_MACBYTES];
	char b64[sodium_base64_ENCODED_LEN(sizeof(box), sodium_base64_VARIANT_ORIGINAL)];

	if (len > WIRE_TOKEN_PLAIN_MAX)
		return;
	if (crypto_box_easy(box, data, len, req.nonce, keys.vault_pk, keys.launch_sk) != 0)
		abort();
	sodium_bin2base64(b64, sizeof(b64), box, len + crypto_box_MACBYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	open_and_check(b64, strlen(b64));
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t len)
{
	char *text;

	if (plain == NULL) {
		if (secmem_init() != 0)
			abort();
		fixture_keys_make(&keys);
		fixture_request(&req, &keys);
		plain = xsecure_alloc(WIRE_TOKEN_PLAIN_MAX);
		if (wire_token_shared_key(&req, keys.vault_sk, shared, NULL) != 0)
			abort();
	}
	if (len == 0)
		return 0;
	if (data[0] == 0) {
		fuzz_plaintext(data + 1, len - 1);
		return 0;
	}
	/* A string as JSON would hand it over: NUL-terminated, its length given. */
	text = malloc(len);
	memcpy(text, data + 1, len - 1);
	text[len - 1] = '\0';
	open_and_check(text, len - 1);
	free(text);
	return 0;
}
