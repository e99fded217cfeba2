/* make_token_corpus.c — writes the fuzz corpus for fuzz_token into DIR: the
 * fixture token's plaintext (mode 0) and its token_box (mode 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secmem.h"
#include "token_fixture.h"

static unsigned char seal_work[WIRE_TOKEN_PLAIN_MAX];

int
main(int argc, char **argv)
{
	struct fixture_keys k;
	struct wire_request req;
	struct mr_err e;
	unsigned char bin[1024], plain[1024];
	char *box = NULL;
	size_t len;

	if (argc != 2 || secmem_init() != 0)
		return 64;
	fixture_keys_make(&k);
	fixture_request(&req, &k);
	if (wire_token_seal(&req, k.launch_sk, k.vault_pk, TOKEN_FIXTURE_ID, TOKEN_FIXTURE_SECRET,
			    strlen(TOKEN_FIXTURE_SECRET), TOKEN_FIXTURE_NOW, seal_work, &box, &e) != 0)
		return 1;
	corpus_write(argv[1], "box", 1, box, strlen(box));
	if (sodium_base642bin(bin, sizeof(bin), box, strlen(box), NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    crypto_box_open_easy(plain, bin, len, req.nonce, k.launch_pk, k.vault_sk) != 0)
		return 1;
	corpus_write(argv[1], "plain", 0, plain, len - crypto_box_MACBYTES);
	free(box);
	return 0;
}
