/* fuzz_wire.c — libFuzzer target for wire_fetch_open. Input byte 0 picks
 * what the fuzzer controls: 0, the plaintext (sealed here with the fixed
 * vault key, so the parser behind the box is reached); otherwise the three
 * answer fields as sent, split at newlines. Either way the answer must be
 * refused or open into a fetch whose every pointer is in its arena. */
#include <stdlib.h>
#include <string.h>

#include "secmem.h"
#include "wire_helpers.h"

static struct fixture_keys keys;
static struct wire_request req;

static void
check_fetch(const struct vault_fetch *f)
{
	const unsigned char *lo = f->arena, *hi = lo + f->arena_len;
	size_t i, j;

	if (f->nbundles != req.nnames)
		abort();
	for (i = 0; i < f->nbundles; i++) {
		if (strcmp(f->bundles[i].name, req.names[i]) != 0)
			abort();
		for (j = 0; j < f->bundles[i].nitems; j++) {
			const struct vault_item *it = &f->bundles[i].items[j];

			if ((const unsigned char *)it->key < lo || it->value + it->value_len >= hi ||
			    it->value[it->value_len] != '\0')
				abort();
		}
	}
}

static void
open_and_check(const struct wire_answer *a)
{
	struct vault_fetch f;
	struct mr_err e;

	if (wire_fetch_open(a, &req, keys.launch_sk, keys.vault_pk, &f, NULL, &e) == 0) {
		check_fetch(&f);
		vault_fetch_free(&f);
	}
}

static void
fuzz_plaintext(const unsigned char *data, size_t len)
{
	unsigned char nonce[24] = { 0 }, *box = malloc(len + crypto_box_MACBYTES);
	size_t cap = sodium_base64_ENCODED_LEN(len + crypto_box_MACBYTES,
					       sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(cap), key_hex[65], nonce_hex[49];
	struct wire_answer a = { key_hex, nonce_hex, b64, 0 };

	if (crypto_box_easy(box, data, len, nonce, keys.launch_pk, keys.vault_sk) != 0)
		abort();
	sodium_bin2base64(b64, cap, box, len + crypto_box_MACBYTES, sodium_base64_VARIANT_ORIGINAL);
	a.box_len = strlen(b64);
	wire_hex_encode(keys.vault_pk, 32, key_hex);
	wire_hex_encode(nonce, 24, nonce_hex);
	open_and_check(&a);
	free(box);
	free(b64);
}

static void
fuzz_fields(const unsigned char *data, size_t len)
{
	char *s = malloc(len + 1), *nl1, *nl2;
	struct wire_answer a;

	memcpy(s, data, len);
	s[len] = '\0';
	if ((nl1 = strchr(s, '\n')) != NULL && (nl2 = strchr(nl1 + 1, '\n')) != NULL) {
		*nl1 = *nl2 = '\0';
		a = (struct wire_answer){ s, nl1 + 1, nl2 + 1, strlen(nl2 + 1) };
		open_and_check(&a);
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t len)
{
	if (keys.vault_pk[0] == 0 && keys.vault_pk[1] == 0) {
		secmem_init();
		fixture_keys_make(&keys);
		fixture_request(&req, &keys);
	}
	if (len < 1)
		return 0;
	if (data[0] == 0)
		fuzz_plaintext(data + 1, len - 1);
	else
		fuzz_fields(data + 1, len - 1);
	return 0;
}
