/* wire_token.h — the API token sealed to the vault inside the launcher's
 * fetch (docs/protocol.md, "The launcher's fetch"), so that whatever answers
 * at the vault's address learns nothing of the token unless it holds the
 * vault's secret key. The launch seals it with crypto_box from its one-time
 * key to the vault's public key, under the request nonce, bound to the
 * request and dated; the vault opens it and refuses one outside a short
 * window of its clock. */
#ifndef MODAL_VAULT_WIRE_TOKEN_H
#define MODAL_VAULT_WIRE_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Seconds a sealed token may be older (or younger) than the vault's clock. */
#define WIRE_TOKEN_WINDOW 120
#define WIRE_TOKEN_ID_MAX 32
#define WIRE_TOKEN_SECRET_MAX 160
/* "MVT1", binding, issued_at, id length, id, secret length, secret. */
#define WIRE_TOKEN_PLAIN_MAX (4 + 32 + 8 + 4 + WIRE_TOKEN_ID_MAX + 4 + WIRE_TOKEN_SECRET_MAX)
/* The longest token_box a vault reads (base64 of the box, padded). */
#define WIRE_TOKEN_BOX_MAX ((WIRE_TOKEN_PLAIN_MAX + 16 + 2) / 3 * 4)

/* Client: the body's "token_box" for req (whose launch_pk is the key pair
 * launch_sk belongs to), sealed to vault_pk at now (unix seconds). The
 * plaintext is built in plain (WIRE_TOKEN_PLAIN_MAX bytes of the caller's
 * locked memory) and wiped there; *box is malloc'ed base64 (ciphertext).
 * MR_E_CONFIG for an id or secret the form cannot carry. */
int wire_token_seal(const struct wire_request *req, const unsigned char *launch_sk,
		    const unsigned char vault_pk[WIRE_KEY_LEN], const char *token_id,
		    const char *secret, size_t secret_len, int64_t now, unsigned char *plain,
		    char **box, struct mr_err *e);

/* What a vault found in a sealed token: id copied, secret pointing into the
 * caller's plaintext buffer. */
struct wire_token {
	char id[WIRE_TOKEN_ID_MAX + 1];
	const char *secret;
	size_t secret_len;
	int64_t issued_at;
};

/* Server: the key both boxes of req are made under (crypto_box_beforenm of
 * req's launch key and the vault's secret key) into shared, 32 bytes of
 * locked memory: computed once, it opens the token and seals the answer
 * (wire_fetch_seal_shared). -1 (MR_E_AUTH) for a launch key that makes an
 * all-zero secret. */
#define WIRE_SHARED_LEN 32
int wire_token_shared_key(const struct wire_request *req, const unsigned char *vault_sk,
			  unsigned char *shared, struct mr_err *e);

/* Server: opens box (box_len bytes of base64) for req with the shared key
 * into plain (WIRE_TOKEN_PLAIN_MAX bytes of locked memory; the
 * caller wipes it once the secret is checked) and checks its binding to req
 * and its date against now. MR_E_AUTH for anything but a token sealed to
 * this vault for this very request within the window, the message saying
 * which (never a byte of the box); refused for its date alone, out->id
 * still names the token (for the audit record), the secret wiped. */
int wire_token_open(const char *box, size_t box_len, const struct wire_request *req,
		    const unsigned char *shared, int64_t now, unsigned char *plain,
		    struct wire_token *out, struct mr_err *e) __attribute__((warn_unused_result));

#endif
