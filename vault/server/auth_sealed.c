/* auth_sealed.c — the fetch's token, sealed to the vault's key in the body
 * (docs/protocol.md, "The launcher's fetch"; vault/wire_token.h) or, for
 * callers that have no key (curl, Modal's clients), the Bearer header. The
 * box opens into the worker's locked scratch, which is wiped as soon as the
 * store has checked the secret. */
#include "internal.h"
#include "wire/wire_token.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

_Static_assert(WIRE_TOKEN_PLAIN_MAX <= SCRATCH_LEN, "a sealed token opens in the scratch");

/* The store's verdict on the token found in the box (whose secret is in the
 * scratch, wiped either way). */
static int
verify_sealed(struct request *r, const char *key, const struct wire_token *t)
{
	if (!token_id_valid(t->id, strlen(t->id), "ak-")) {
		sodium_memzero(r->ctx->scratch, SCRATCH_LEN);
		return auth_refuse(r, key, "the sealed token holds no API token id (ak-...)");
	}
	memcpy(r->token_id, t->id, strlen(t->id) + 1);   /* at most TOKEN_ID_LEN: checked */
	return auth_verify_api(r, key, t->secret, t->secret_len);
}

static int
auth_sealed(struct request *r, json_t *root, const char *box)
{
	char keybuf[CLIENT_ADDR_LEN], why[sizeof(((struct mr_err *)0)->msg) + 96];
	const char *key = ratelimit_key(r, keybuf, sizeof(keybuf));
	const char *names[WIRE_MAX_NAMES];
	struct wire_request req;
	struct wire_token t;
	struct mr_err e;
	int rc;

	if (ratelimit_check(r, key) != 0 || fetch_request_read(r, root, names, &req) != 0)
		return -1;
	/* The key the answer is sealed under too: one X25519 for the fetch. */
	r->shared_ready = 1;
	if (wire_token_shared_key(&req, r->srv->vault_sk, r->ctx->shared, &e) != 0 ||
	    wire_token_open(box, strlen(box), &req, r->ctx->shared, (int64_t)time(NULL),
			    (unsigned char *)r->ctx->scratch, &t, &e) != 0) {
		sodium_memzero(r->ctx->scratch, SCRATCH_LEN);
		/* A box that opened names a real claim: the audit record keeps it. */
		if (token_id_valid(t.id, strlen(t.id), "ak-"))
			memcpy(r->token_id, t.id, strlen(t.id) + 1);
		snprintf(why, sizeof(why), "%s; this vault's public key is %s", e.msg,
			 r->srv->vault_pk_hex);
		return auth_refuse(r, key, why);
	}
	rc = verify_sealed(r, key, &t);
	sodium_memzero(&t, sizeof(t));
	return rc;
}

/* Whether the body may hold a token_box, judged on its bytes so that a
 * fetch is parsed once: a body without them is authenticated as before (and
 * a body that is not JSON is answered 401 before 400, as on every route); a
 * body with them is parsed and its field decides. */
static int
may_hold_token_box(const struct request *r)
{
	static const char key[] = "\"token_box\"";

	return r->body_len > 0 && memmem(r->body, r->body_len, key, sizeof(key) - 1) != NULL;
}

int
auth_fetch(struct request *r)
{
	const char *auth = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	json_t *root, *box;

	if (!may_hold_token_box(r))
		return auth_api(r);
	if ((root = fetch_body_json(r)) == NULL)
		return -1;
	if ((box = json_object_get(root, "token_box")) == NULL)
		return auth_api(r);
	/* One credential, one way: a request carrying two could be judged by
	 * one and logged or limited by the other. */
	if (auth != NULL) {
		reply_error(r, 400, "invalid",
			    "the token is sent once: in 'token_box' or in the Authorization header, not both");
		return -1;
	}
	return auth_sealed(r, root, json_string_value(box));
}
