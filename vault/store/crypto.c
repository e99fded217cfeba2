/* crypto.c — data keys and authenticated encryption at rest (the keyring
 * itself is keyring.c). */
#include "crypto.h"
#include "secmem.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define AEAD_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define AEAD_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES

_Static_assert(SEAL_OVERHEAD == AEAD_NONCE + AEAD_TAG, "seal layout");
_Static_assert(WRAPPED_KEY_LEN == AEAD_NONCE + 32 + AEAD_TAG, "wrap layout");

/* Associated data: a label and every field, NUL-separated. Names cannot hold
 * NUL, so two different contexts never give the same bytes. */
static size_t
context_ad(const char *label, const struct seal_context *ctx, uint32_t kek_version,
	   unsigned char *ad, size_t adlen)
{
	int n = snprintf((char *)ad, adlen, "%s%c%s%c%s%c%s%c%s%c%llu%c%u", label, 0,
			 ctx->workspace_id, 0, ctx->environment, 0, ctx->name, 0,
			 ctx->secret_id, 0, (unsigned long long)ctx->version, 0,
			 (unsigned)kek_version);

	return n < 0 || (size_t)n >= adlen ? 0 : (size_t)n;
}

/* The KEK of a key id: the current one is derived once and kept. NULL when
 * the keyring lacks that master key. */
static const unsigned char *
kek_for(struct keyring *kr, uint32_t version)
{
	unsigned char *out;
	size_t slot;

	if (kr->kek_version == version && version != 0)
		return kr->k->kek;
	for (slot = 0; slot < kr->nkeys && kr->ids[slot] != version; slot++)
		;
	if (slot == kr->nkeys)
		return NULL;
	out = kr->kek_version == 0 ? kr->k->kek : kr->k->scratch_kek;
	crypto_kdf_derive_from_key(out, 32, version, "mv-kek01", kr->k->master[slot]);
	if (out == kr->k->kek)
		kr->kek_version = version;
	return out;
}

static int
key_wrap(struct keyring *kr, uint32_t kek_version, const struct seal_context *ctx,
	 const unsigned char *dek, unsigned char *wrapped)
{
	unsigned char ad[512];
	size_t adlen = context_ad("modal-vault/dek/v1", ctx, kek_version, ad, sizeof(ad));
	const unsigned char *kek;

	if (adlen == 0 || (kek = kek_for(kr, kek_version)) == NULL)
		return -1;
	randombytes_buf(wrapped, AEAD_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(wrapped + AEAD_NONCE, NULL, dek, 32,
						   ad, adlen, NULL, wrapped, kek);
	sodium_memzero(kr->k->scratch_kek, 32);
	return 0;
}

static int
key_unwrap(struct keyring *kr, uint32_t kek_version, const struct seal_context *ctx,
	   const unsigned char *wrapped, unsigned char *dek)
{
	unsigned char ad[512];
	size_t adlen = context_ad("modal-vault/dek/v1", ctx, kek_version, ad, sizeof(ad));
	const unsigned char *kek;
	int rc;

	if (adlen == 0 || (kek = kek_for(kr, kek_version)) == NULL)
		return -1;
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(dek, NULL, NULL,
		wrapped + AEAD_NONCE, WRAPPED_KEY_LEN - AEAD_NONCE, ad, adlen, wrapped, kek);
	sodium_memzero(kr->k->scratch_kek, 32);
	return rc == 0 ? 0 : -1;
}

int
bundle_seal(struct keyring *kr, uint32_t kek_version,
	    const struct seal_context *ctx, const unsigned char *plain,
	    size_t plain_len, unsigned char *sealed, unsigned char *wrapped)
{
	unsigned char ad[512];
	unsigned char *dek = kr->k->scratch;
	size_t adlen = context_ad("modal-vault/bundle/v1", ctx, 0, ad, sizeof(ad));
	int rc = -1;

	if (adlen == 0)
		goto out;
	crypto_aead_xchacha20poly1305_ietf_keygen(dek);
	randombytes_buf(sealed, AEAD_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(sealed + AEAD_NONCE, NULL, plain,
						   plain_len, ad, adlen, NULL, sealed, dek);
	rc = key_wrap(kr, kek_version, ctx, dek, wrapped);
out:
	sodium_memzero(dek, 32);
	return rc;
}

int
bundle_open(struct keyring *kr, uint32_t kek_version,
	    const struct seal_context *ctx, const unsigned char *sealed,
	    size_t sealed_len, const unsigned char *wrapped, unsigned char *plain)
{
	unsigned char ad[512];
	unsigned char *dek = kr->k->scratch;
	size_t adlen = context_ad("modal-vault/bundle/v1", ctx, 0, ad, sizeof(ad));
	int rc = -1;

	if (adlen == 0 || sealed_len < SEAL_OVERHEAD)
		goto out;
	if (key_unwrap(kr, kek_version, ctx, wrapped, dek) != 0)
		goto out;
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL,
		sealed + AEAD_NONCE, sealed_len - AEAD_NONCE, ad, adlen, sealed, dek);
out:
	sodium_memzero(dek, 32);
	return rc == 0 ? 0 : -1;
}

int
wrapped_key_rewrap(struct keyring *kr, const struct seal_context *ctx,
		   uint32_t from_version, uint32_t to_version,
		   const unsigned char *wrapped, unsigned char *rewrapped)
{
	unsigned char *dek = kr->k->scratch;
	int rc = -1;

	if (key_unwrap(kr, from_version, ctx, wrapped, dek) == 0)
		rc = key_wrap(kr, to_version, ctx, dek, rewrapped);
	sodium_memzero(dek, 32);
	return rc;
}

void
random_id(const char *prefix, size_t n, char *out)
{
	static const char b62[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t plen = strlen(prefix), i;

	memcpy(out, prefix, plen);
	for (i = 0; i < n; i++)
		out[plen + i] = b62[randombytes_uniform(62)];
	out[plen + n] = '\0';
}
