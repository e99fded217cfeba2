/* handlers_fetch.c — the launcher's fetch (POST /v1/fetch) and the vault's
 * public key. The bundles are decrypted from the store into the worker's
 * locked arena, sealed to the launch's key (vault/wire.h) and wiped; only the
 * box leaves. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct field_spec fetch_fields[] = {
	{ "environment", JSON_STRING, 0 }, { "secrets", JSON_ARRAY, 1 },
	{ "public_key", JSON_STRING, 1 }, { "nonce", JSON_STRING, 1 },
	{ "token_box", JSON_STRING, 0 }, { NULL, 0, 0 },
};

json_t *
fetch_body_json(struct request *r)
{
	if (r->json == NULL)
		r->json = body_object(r, fetch_fields);
	return r->json;
}

/* 1..WIRE_MAX_NAMES valid, distinct names; -1 after answering 400. */
static int
fetch_names(struct request *r, json_t *list, const char **names, size_t *n)
{
	size_t i, j, count = json_array_size(list);
	char shown[80];

	if (count == 0 || count > WIRE_MAX_NAMES) {
		reply_error(r, 400, "invalid", "'secrets' must name 1 to %d secrets", WIRE_MAX_NAMES);
		return -1;
	}
	for (i = 0; i < count; i++) {
		names[i] = json_string_value(json_array_get(list, i));
		if (names[i] == NULL || !name_is_valid(names[i])) {
			reply_error(r, 400, "invalid", "'secrets'[%zu] is not a valid secret name%s%s", i,
				    names[i] != NULL ? ": " : "",
				    names[i] != NULL ? name_for_msg(names[i], shown, sizeof(shown)) : "");
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0) {
				reply_error(r, 400, "invalid", "secret '%s' named twice", names[i]);
				return -1;
			}
	}
	*n = count;
	return 0;
}

/* "fetch:ENV/a,b,c", cut to fit: the audit log names what was read. */
static void
fetch_resource(struct request *r, const char *env, const char *const *names, size_t n)
{
	size_t i, used;

	request_resource(r, "fetch:%s/", request_env(r, env));
	used = strlen(r->resource);
	for (i = 0; i < n && used < sizeof(r->resource) - 1; i++)
		used += (size_t)snprintf(r->resource + used, sizeof(r->resource) - used, "%s%s",
					 i ? "," : "", names[i]);
}

static void
reply_sealed(struct request *r, const struct wire_sealed *s)
{
	size_t cap = s->box_len + 160;
	char *body = malloc(cap);

	if (body == NULL) {
		reply_error(r, 500, "internal", "out of memory");
		return;
	}
	/* Hex and base64 need no JSON escaping. */
	snprintf(body, cap, "{\"vault_public_key\":\"%s\",\"box_nonce\":\"%s\",\"box\":\"%s\"}",
		 s->vault_public_key, s->box_nonce, s->box);
	reply_buffer(r, 200, "application/json", body, strlen(body), free);
}

static void
fetch_and_seal(struct request *r, struct wire_request *req)
{
	struct vault_fetch f;
	struct wire_sealed sealed;
	struct mr_err e;
	int rc;

	if (vault_fetch_reuse(r->ctx->v, req->environment, req->names, req->nnames,
			      &r->ctx->fetched, &f, &e) != 0) {
		reply_fail(r, &e);
		return;
	}
	rc = r->shared_ready
		? wire_fetch_seal_shared(&f, req, r->srv->vault_pk, r->ctx->shared, time(NULL),
					 &r->ctx->seal, &sealed, &e)
		: wire_fetch_seal_scratch(&f, req, r->srv->vault_pk, r->srv->vault_sk, time(NULL),
					  &r->ctx->seal, &sealed, &e);
	vault_fetch_return(&f, &r->ctx->fetched);
	if (rc != 0) {
		reply_fail(r, &e);
		return;
	}
	metrics_fetched(r->srv->metrics, req->nnames);
	reply_sealed(r, &sealed);
	wire_sealed_free(&sealed);
}

int
fetch_request_read(struct request *r, json_t *root, const char **names,
		   struct wire_request *req)
{
	memset(req, 0, sizeof(*req));
	req->environment = json_string_value(json_object_get(root, "environment"));
	request_resource(r, "fetch:%s/", request_env(r, req->environment));
	if (fetch_names(r, json_object_get(root, "secrets"), names, &req->nnames) != 0)
		return -1;
	req->names = names;
	fetch_resource(r, req->environment, names, req->nnames);
	if (wire_hex_decode(json_string_value(json_object_get(root, "public_key")), req->launch_pk,
			    WIRE_KEY_LEN) != 0) {
		reply_error(r, 400, "invalid", "'public_key' must be %d hex digits", WIRE_KEY_HEX_LEN);
		return -1;
	}
	if (wire_hex_decode(json_string_value(json_object_get(root, "nonce")), req->nonce,
			    WIRE_NONCE_LEN) != 0) {
		reply_error(r, 400, "invalid", "'nonce' must be %d hex digits", WIRE_NONCE_HEX_LEN);
		return -1;
	}
	return 0;
}

void
h_fetch(struct request *r)
{
	json_t *root = fetch_body_json(r);
	const char *names[WIRE_MAX_NAMES];
	struct wire_request req;

	if (root != NULL && fetch_request_read(r, root, names, &req) == 0)
		fetch_and_seal(r, &req);
}

void
h_vault_key(struct request *r)
{
	reply_json(r, 200, json_pack("{s:s}", "public_key", r->srv->vault_pk_hex));
}
