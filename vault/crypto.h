/* crypto.h — the vault's key hierarchy and encryption at rest (SPEC 7).
 * master key (0600 file) --kdf--> key-encryption key (by version)
 *                        --kdf--> fingerprint key, ...
 * Every secret version: random data key, XChaCha20-Poly1305 over the bundle
 * with workspace/environment/name/version (and secret id) as associated data;
 * the data key is wrapped by the KEK under the same associated data. */
#ifndef MODAL_VAULT_CRYPTO_H
#define MODAL_VAULT_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MASTER_KEY_LEN 32
#define SEAL_OVERHEAD (24 + 16)   /* nonce + tag, stored in front/behind */
#define WRAPPED_KEY_LEN (24 + 32 + 16)

/* One locked block for all key material of an open vault: every sodium_malloc
 * costs about ten system calls, and a launch pays for each one. */
struct keyring_block {
	unsigned char master[MASTER_KEY_LEN];
	unsigned char kek[32];          /* for kek_version, derived once */
	unsigned char scratch[32];      /* data keys, wiped after each use */
	unsigned char scratch_kek[32];  /* another KEK version (rekey, old rows) */
};

struct keyring {
	struct keyring_block *k;        /* sodium_malloc'ed */
	uint32_t kek_version;           /* the version k->kek is for; 0: none yet */
};

/* What a sealed bundle is bound to. */
struct seal_context {
	const char *workspace_id;
	const char *environment;
	const char *name;
	const char *secret_id;
	uint64_t version;
};

int keyring_create_file(const char *path, struct mr_err *e);
/* Reads the master key straight into locked memory; the file must be a
 * regular 0600 file of the effective user, exactly MASTER_KEY_LEN bytes. */
int keyring_load_file(const char *path, struct keyring *kr, struct mr_err *e);
void keyring_clear(struct keyring *kr);
/* A 32-byte key for a purpose, derived from the master key. */
void keyring_derive(const struct keyring *kr, uint64_t id, const char ctx[8],
		    unsigned char out[32]);

/* Encrypts plain under a fresh data key; sealed gets plain_len + SEAL_OVERHEAD
 * bytes and wrapped WRAPPED_KEY_LEN bytes. */
int bundle_seal(struct keyring *kr, uint32_t kek_version,
		const struct seal_context *ctx, const unsigned char *plain,
		size_t plain_len, unsigned char *sealed, unsigned char *wrapped);
/* Decrypts into plain (sealed_len - SEAL_OVERHEAD bytes); -1 if anything was
 * tampered with or belongs to another context. */
int bundle_open(struct keyring *kr, uint32_t kek_version,
		const struct seal_context *ctx, const unsigned char *sealed,
		size_t sealed_len, const unsigned char *wrapped,
		unsigned char *plain) __attribute__((warn_unused_result));
/* Re-wraps a data key from one KEK version to another (rekey). */
int wrapped_key_rewrap(struct keyring *kr, const struct seal_context *ctx,
		       uint32_t from_version, uint32_t to_version,
		       const unsigned char *wrapped, unsigned char *rewrapped)
	__attribute__((warn_unused_result));

/* "PREFIX" + n random base62 characters into out (size >= strlen(prefix)+n+1). */
void random_id(const char *prefix, size_t n, char *out);

#endif
