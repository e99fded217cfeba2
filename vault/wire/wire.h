/* wire.h — the launcher's fetch on the wire (docs/protocol.md, "The launcher's
 * fetch"). A launch makes a one-time crypto_box key pair and request nonce;
 * the server seals the bundles to that key under the vault's long-term key and
 * binds the answer to what was asked; the launch opens the answer and refuses
 * it unless it answers exactly its own request. No HTTP and no JSON here: the
 * server and the remote client carry these strings in their JSON bodies. */
#ifndef MODAL_VAULT_WIRE_H
#define MODAL_VAULT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "vault_types.h"

#define WIRE_KEY_LEN 32                   /* crypto_box public key */
#define WIRE_NONCE_LEN 24                 /* request nonce and box nonce */
#define WIRE_KEY_HEX_LEN (2 * WIRE_KEY_LEN)
#define WIRE_NONCE_HEX_LEN (2 * WIRE_NONCE_LEN)
#define WIRE_MAX_NAMES 64                 /* secrets in one fetch */
/* Largest plaintext either end handles: 64 bundles of the store's maximum
 * would be 256 MiB, far more than a launch environment can hold anyway. */
#define WIRE_PLAIN_MAX (16u << 20)

/* What one launch asked for. The client keeps it to check the answer; the
 * server fills it from the request body. */
struct wire_request {
	const char *environment;          /* as sent; NULL or "": the default */
	const char *const *names;         /* 1..WIRE_MAX_NAMES valid, distinct */
	size_t nnames;
	unsigned char launch_pk[WIRE_KEY_LEN];
	unsigned char nonce[WIRE_NONCE_LEN];
};

/* Locked bytes after the launch's secret key, where its token is sealed
 * (wire_token.h): one locked allocation per launch, not two. */
#define WIRE_LAUNCH_WORK_LEN 256

/* The launch's one-time key pair and request nonce. sk is sodium memory. */
struct wire_launch_key {
	unsigned char pk[WIRE_KEY_LEN];
	unsigned char nonce[WIRE_NONCE_LEN];
	unsigned char *sk;                /* crypto_box_SECRETKEYBYTES */
	unsigned char *work;              /* WIRE_LAUNCH_WORK_LEN, just after sk */
	char pk_hex[WIRE_KEY_HEX_LEN + 1];       /* the body's "public_key" */
	char nonce_hex[WIRE_NONCE_HEX_LEN + 1];  /* the body's "nonce" */
};

/* The answer's three JSON fields. */
struct wire_answer {
	const char *vault_public_key;     /* 64 hex */
	const char *box_nonce;            /* 48 hex */
	const char *box;                  /* base64 (RFC 4648, padded) */
	size_t box_len;                   /* strlen(box) */
};

/* What wire_fetch_seal makes; the box is ciphertext, in ordinary memory. */
struct wire_sealed {
	char vault_public_key[WIRE_KEY_HEX_LEN + 1];
	char box_nonce[WIRE_NONCE_HEX_LEN + 1];
	char *box;                        /* malloc'ed, NUL-terminated base64 */
	size_t box_len;
};

/* Locked memory a sealer keeps from one fetch to the next (a server worker),
 * so sealing allocates no locked memory of its own: a sodium_malloc is some
 * ten system calls, and their page-table changes stall every thread of a
 * busy server. Grown by replacing, wiped after every use. */
struct wire_scratch {
	unsigned char *p;
	size_t cap;
};
void wire_scratch_free(struct wire_scratch *s);

/* Client: a fresh key pair and nonce for one launch. -1 only if libsodium
 * cannot start. Release with wire_launch_key_clear. */
int wire_launch_key_new(struct wire_launch_key *k, struct mr_err *e);
void wire_launch_key_clear(struct wire_launch_key *k);

/* Server: seals fetched bundles f (in req's order: f->bundles[i] is
 * req->names[i]) to req->launch_pk under the vault's key pair, at time now
 * (unix seconds). MR_E_TOOLARGE past WIRE_PLAIN_MAX. */
int wire_fetch_seal(const struct vault_fetch *f, const struct wire_request *req,
		    const unsigned char vault_pk[WIRE_KEY_LEN], const unsigned char *vault_sk,
		    int64_t now, struct wire_sealed *out, struct mr_err *e);
/* The same, building the plaintext in scratch instead of locked memory of
 * its own. */
int wire_fetch_seal_scratch(const struct vault_fetch *f, const struct wire_request *req,
			    const unsigned char vault_pk[WIRE_KEY_LEN],
			    const unsigned char *vault_sk, int64_t now,
			    struct wire_scratch *scratch, struct wire_sealed *out,
			    struct mr_err *e);
/* The same with the box's key already computed for req (the vault opened
 * the request's sealed token with it: crypto_box_beforenm of launch_pk and
 * the vault's secret key, wire_token.h), so a fetch costs one X25519. */
int wire_fetch_seal_shared(const struct vault_fetch *f, const struct wire_request *req,
			   const unsigned char vault_pk[WIRE_KEY_LEN], const unsigned char *shared,
			   int64_t now, struct wire_scratch *scratch, struct wire_sealed *out,
			   struct mr_err *e);
void wire_sealed_free(struct wire_sealed *s);

/* Client: opens answer a with the launch's secret key, checks the vault's key
 * against pinned_vault_pk (NULL: any key; a different one is MR_E_AUTH), the
 * binding to sent, and the names, order and environment; fills out exactly as
 * vault_fetch does (one sodium arena; release with vault_fetch_free) and, if
 * wanted, *fetched_at. Anything malformed, tampered with or answering another
 * request is MR_E_CRYPTO and leaves *out empty. */
int wire_fetch_open(const struct wire_answer *a, const struct wire_request *sent,
		    const unsigned char *launch_sk, const unsigned char *pinned_vault_pk,
		    struct vault_fetch *out, int64_t *fetched_at, struct mr_err *e)
	__attribute__((warn_unused_result));

/* BLAKE2b-256 of what req asks: its launch key, nonce, environment and names
 * (the answer's binding; the sealed token carries it too, wire_token.h). */
#define WIRE_BINDING_LEN 32
void wire_binding(const struct wire_request *req, unsigned char out[WIRE_BINDING_LEN]);

/* Strict hex: exactly 2 * len lowercase or uppercase hex digits, nothing else.
 * 0 or -1. wire_hex_encode writes 2 * len + 1 bytes (lowercase, NUL). */
int wire_hex_decode(const char *hex, unsigned char *bin, size_t len);
void wire_hex_encode(const unsigned char *bin, size_t len, char *hex);

#endif
