/* access.c — the vault's long-term crypto_box key pair. It is derived from the
 * master key rather than stored, so it needs no file of its own, survives a
 * database restore, and is the same for every server sharing the key. */
#include "local.h"
#include "secmem.h"

#include <sodium.h>

_Static_assert(crypto_box_PUBLICKEYBYTES == 32, "access.h promises 32-byte public keys");
_Static_assert(crypto_box_SEEDBYTES == 32, "the seed is one derived key");

int
vault_box_keypair(struct vault *v, unsigned char pk[32], unsigned char *sk,
		  struct mr_err *e)
{
	if (v->remote != NULL)
		return remote_box_keypair(v->remote, pk, sk, e);
	unsigned char *seed = v->keys.k->scratch, *own_sk = NULL;
	int rc;

	if (sk == NULL)
		sk = own_sk = xsecure_alloc(crypto_box_SECRETKEYBYTES);
	keyring_derive(&v->keys, 1, "mv-boxkp", seed);
	rc = crypto_box_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, crypto_box_SEEDBYTES);
	secure_free(own_sk, crypto_box_SECRETKEYBYTES);
	if (rc != 0)
		return mr_fail(e, MR_E_INTERNAL, "deriving the vault's key pair failed");
	return 0;
}
