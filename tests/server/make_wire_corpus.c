/* make_wire_corpus.c — writes the fuzz corpus for fuzz_wire: the fixture's
 * plaintext (mode 0) and its sealed answer fields (mode 1), into DIR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secmem.h"
#include "wire_helpers.h"

int
main(int argc, char **argv)
{
	struct fixture_keys k;
	struct vault_fetch f;
	struct vault_bundle b[2];
	struct wire_request req;
	struct wire_sealed s;
	struct mr_err e;
	unsigned char bin[4096], plain[4096], nonce[24];
	char fields[8192];
	size_t len;

	if (argc != 2 || secmem_init() != 0)
		return 64;
	fixture_keys_make(&k);
	fixture_fetch(&f, b);
	fixture_request(&req, &k);
	if (wire_fetch_seal(&f, &req, k.vault_pk, k.vault_sk, 1700000000, &s, &e) != 0)
		return 1;
	snprintf(fields, sizeof(fields), "%s\n%s\n%s", s.vault_public_key, s.box_nonce, s.box);
	corpus_write(argv[1], "fields", 1, fields, strlen(fields));
	if (sodium_base642bin(bin, sizeof(bin), s.box, s.box_len, NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    wire_hex_decode(s.box_nonce, nonce, 24) != 0 ||
	    crypto_box_open_easy(plain, bin, len, nonce, k.vault_pk, k.launch_sk) != 0)
		return 1;
	corpus_write(argv[1], "plain", 0, plain, len - crypto_box_MACBYTES);
	wire_sealed_free(&s);
	return 0;
}
