/* crypto.h — the vault's key hierarchy and encryption at rest (SPEC 7).
 * keyring (0600 file): master keys by id
 *   master key N --kdf(id N)--> key-encryption key N (wraps rows of kek_version N)
 *   key 1, or the keys pinned from it --> token hash key, box key pair, ...
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
/* A keyring holds one master key, two while a rekey is under way; room for
 * a few more so a hand-merged file still loads. */
#define KEYRING_MAX_KEYS 4
/* The systemd credential (LoadCredential=) that gives either store its
 * master key file: $CREDENTIALS_DIRECTORY/KEY_CREDENTIAL. */
#define KEY_CREDENTIAL "modal-vault-master-key"
#define KEYRING_FILE_MAX 1024
/* Keys derived for a purpose other than wrapping data keys (token hashes, the
 * vault's box key pair, fingerprints, the PostgreSQL key check). They must
 * outlive a rekey, so a keyring file keeps them once key 1 is retired. */
#define KEYRING_SERVICES 4

/* One locked block for all key material of an open vault: every sodium_malloc
 * costs about ten system calls, and a launch pays for each one. */
struct keyring_block {
	unsigned char master[KEYRING_MAX_KEYS][MASTER_KEY_LEN];  /* by slot */
	unsigned char service[KEYRING_SERVICES][32];  /* when the keyring pins them */
	unsigned char kek[32];          /* for kek_version, derived once */
	unsigned char scratch[32];      /* data keys, wiped after each use */
	unsigned char scratch_kek[32];  /* another key id's KEK (rekey, old rows) */
	char text[KEYRING_FILE_MAX + 1];  /* the file as read or written, wiped */
};

/* The master keys by id: the id of a key is the kek_version of every row it
 * wraps; the newest (highest) id is the one a rekey moves rows to. */
struct keyring {
	struct keyring_block *k;        /* sodium_malloc'ed */
	uint32_t kek_version;           /* the id k->kek is for; 0: none yet */
	uint32_t ids[KEYRING_MAX_KEYS]; /* of k->master[slot], ascending */
	size_t nkeys;
	int pinned;                     /* service keys in k->service, not from key 1 */
	char *path;                     /* the file it came from (malloc'ed) */
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
/* Reads a keyring straight into locked memory. The file must be a regular
 * 0600 file of the effective user: either exactly MASTER_KEY_LEN raw bytes
 * (key 1, as every vault before rekey existed) or the text format of
 * keyring.c. Anything else is refused, naming what is wrong. */
int keyring_load_file(const char *path, struct keyring *kr, struct mr_err *e);
/* The same, for name inside the directory dirfd (already checked by the
 * caller); path is how messages and later reloads name the file. */
int keyring_load_at(int dirfd, const char *name, const char *path, struct keyring *kr,
		    struct mr_err *e);
/* Loads kr->path again (a rekey elsewhere added or retired keys); on
 * failure kr is unchanged. */
int keyring_reload(struct keyring *kr, struct mr_err *e);
/* Before a write under key id: reads the file again if the keyring lacks it
 * (a rekey since it was read) or holds several keys (read mid-rekey: so a
 * key a rekey has since retired leaves this process); then it must hold id. */
int keyring_ensure(struct keyring *kr, uint32_t id, struct mr_err *e);
/* Whether the keyring holds the master key of this id. */
int keyring_has(const struct keyring *kr, uint32_t id);
uint32_t keyring_newest(const struct keyring *kr);
/* Adds a new random master key with the next id; -1 if the ring is full. */
int keyring_add_random(struct keyring *kr, struct mr_err *e);
/* Drops every master key but id (pinning the service keys first). */
void keyring_keep_only(struct keyring *kr, uint32_t id);
/* Writes kr to path in the text format: path.new created O_EXCL 0600,
 * fsync, rename over path, fsync of the directory. A stale path.new (a
 * rekey killed while writing) is removed first. */
int keyring_save_file(struct keyring *kr, const char *path, struct mr_err *e);
void keyring_clear(struct keyring *kr);
/* A 32-byte key for a purpose (id 1, one of the service contexts), derived
 * from key 1 or, once the keyring pins them, copied from the keyring. */
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
/* Re-wraps a data key from one key id to another (rekey); -1 if it does not
 * open under from_version (tampered, or not that key's). */
int wrapped_key_rewrap(struct keyring *kr, const struct seal_context *ctx,
		       uint32_t from_version, uint32_t to_version,
		       const unsigned char *wrapped, unsigned char *rewrapped)
	__attribute__((warn_unused_result));

/* "PREFIX" + n random base62 characters into out (size >= strlen(prefix)+n+1). */
void random_id(const char *prefix, size_t n, char *out);

#endif
