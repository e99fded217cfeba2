/* auth.c — who is calling: Bearer credentials of API tokens, proxy
 * credentials, and the per-address limit on failed authentications (SPEC 5).
 * Token secrets are copied out of libmicrohttpd's buffers into the worker's
 * locked scratch for the check and wiped right after. */
#include "internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- failed-authentication limit ---- */

#define RL_SLOTS 1024
#define RL_PROBE 8

struct rl_slot {
	char key[CLIENT_ADDR_LEN];
	time_t window_start;
	unsigned failures;
};

struct ratelimit {
	pthread_mutex_t mu;
	struct rl_slot slots[RL_SLOTS];
};

struct ratelimit *
ratelimit_new(void)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));

	if (rl != NULL)
		pthread_mutex_init(&rl->mu, NULL);
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl);
}

static size_t
rl_hash(const char *key)
{
	uint32_t h = 2166136261u;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h % RL_SLOTS;
}

/* The slot of key, or (create) the one to take for it: the probe run's
 * oldest window, so empty slots first and a flood of addresses forgets the
 * oldest ones. */
static struct rl_slot *
rl_find(struct ratelimit *rl, const char *key, int create)
{
	size_t h = rl_hash(key), i;
	struct rl_slot *s, *reuse = NULL;

	for (i = 0; i < RL_PROBE; i++) {
		s = &rl->slots[(h + i) % RL_SLOTS];
		if (s->key[0] != '\0' && strcmp(s->key, key) == 0)
			return s;
		if (reuse == NULL || s->window_start < reuse->window_start)
			reuse = s;
	}
	if (!create)
		return NULL;
	snprintf(reuse->key, sizeof(reuse->key), "%s", key);
	reuse->window_start = 0;
	reuse->failures = 0;
	return reuse;
}

/* Seconds until key may try again, 0 if it may now. */
static unsigned
ratelimit_wait(struct server *s, const char *key)
{
	time_t now = time(NULL);
	unsigned window = s->lim.auth_fail_window, wait = 0;
	struct rl_slot *slot;

	pthread_mutex_lock(&s->rl->mu);
	slot = rl_find(s->rl, key, 0);
	if (slot != NULL && slot->window_start + (time_t)window > now &&
	    slot->failures >= s->lim.auth_fail_limit)
		wait = (unsigned)(slot->window_start + (time_t)window - now);
	pthread_mutex_unlock(&s->rl->mu);
	return wait;
}

void
ratelimit_failure(struct server *s, const char *key)
{
	time_t now = time(NULL);
	unsigned window = s->lim.auth_fail_window;
	struct rl_slot *slot;

	metrics_auth_failure(s->metrics);
	pthread_mutex_lock(&s->rl->mu);
	slot = rl_find(s->rl, key, 1);
	if (slot->window_start + (time_t)window <= now) {
		slot->window_start = now;
		slot->failures = 0;
	}
	slot->failures++;
	pthread_mutex_unlock(&s->rl->mu);
}

/* 0, or -1 after answering 429 (JSON, or text for the proxy check). */
int
ratelimit_check(struct request *r, const char *key)
{
	unsigned wait = ratelimit_wait(r->srv, key);
	char retry[16];

	if (wait == 0)
		return 0;
	metrics_rate_limited(r->srv->metrics);
	snprintf(retry, sizeof(retry), "%u", wait);
	reply_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
	if (r->route->auth == AUTH_PROXY) {
		static const char msg[] = "modal-http: too many failed authentications, retry later";

		reply_static(r, 429, "text/plain; charset=utf-8", msg, sizeof(msg) - 1);
	} else {
		reply_error(r, 429, "rate_limited",
			    "too many failed authentications from %s: retry in %u s", key, wait);
	}
	return -1;
}

/* A --trust-proxy peer (the nginx in front) says who its client is in
 * X-Real-IP: failures are counted per end client, so one caller's bad
 * guesses do not lock out everyone behind the same nginx. From any other
 * peer the header is the client's own claim: believing it would let one
 * client rotate it past the limit, or name another client to lock it out. */
const char *
ratelimit_key(struct request *r, char *buf, size_t len)
{
	const char *fwd;
	unsigned char addr[sizeof(struct in6_addr)];

	if (!r->peer_trusted)
		return r->client;
	fwd = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Real-IP");
	if (fwd == NULL || strlen(fwd) >= len ||
	    (inet_pton(AF_INET, fwd, addr) != 1 && inet_pton(AF_INET6, fwd, addr) != 1))
		return r->client;
	snprintf(buf, len, "%s", fwd);
	return buf;
}

/* ---- credentials ---- */

/* "PREFIX" then base62 up to the token id length. */
int
token_id_valid(const char *s, size_t len, const char *prefix)
{
	size_t i;

	if (len < 4 || len > TOKEN_ID_LEN || strncmp(s, prefix, 3) != 0)
		return 0;
	for (i = 3; i < len; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
token_secret_valid(const char *s, size_t len, const char *prefix)
{
	size_t i;

	if (len < 4 || len >= SCRATCH_LEN || strncmp(s, prefix, 3) != 0)
		return 0;
	for (i = 3; i < len; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Splits "ID<sep>SECRET" into id (copied) and the secret (into scratch). */
static int
split_credentials(const char *cred, char sep, const char *id_prefix, const char *secret_prefix,
		  char *id, char *scratch, size_t *secret_len)
{
	const char *mid = strchr(cred, sep);
	size_t id_len, slen;

	if (mid == NULL)
		return -1;
	id_len = (size_t)(mid - cred);
	slen = strlen(mid + 1);
	if (!token_id_valid(cred, id_len, id_prefix))
		return -1;
	memcpy(id, cred, id_len);
	id[id_len] = '\0';
	if (!token_secret_valid(mid + 1, slen, secret_prefix))
		return -1;
	memcpy(scratch, mid + 1, slen + 1);
	*secret_len = slen;
	return 0;
}

static const char *
bearer(struct request *r)
{
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);

	if (h == NULL)
		return NULL;
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return "";
	for (h += 7; *h == ' '; h++)
		;
	return h;
}

int
auth_refuse(struct request *r, const char *key, const char *why)
{
	ratelimit_failure(r->srv, key);
	reply_add_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"modal-vault\"");
	reply_error(r, 401, "unauthorized", "%s", why);
	return -1;
}

int
auth_api(struct request *r)
{
	const char *cred = bearer(r);
	char keybuf[CLIENT_ADDR_LEN];
	const char *key = ratelimit_key(r, keybuf, sizeof(keybuf));
	size_t slen = 0;

	if (ratelimit_check(r, key) != 0)
		return -1;
	if (cred == NULL)
		return auth_refuse(r, key, "missing credentials: send Authorization: Bearer ak-...:as-...");
	if (strncmp(cred, "wk-", 3) == 0)
		return auth_refuse(r, key, "a proxy token (wk-) cannot be used on the API: use an API token (ak-)");
	if (split_credentials(cred, ':', "ak-", "as-", r->token_id, r->ctx->scratch, &slen) != 0) {
		/* Keep a well-formed claimed id for the audit log, nothing else. */
		if (!token_id_valid(r->token_id, strlen(r->token_id), "ak-"))
			r->token_id[0] = '\0';
		sodium_memzero(r->ctx->scratch, SCRATCH_LEN);
		return auth_refuse(r, key, "malformed credentials: expected Authorization: Bearer ak-...:as-...");
	}
	return auth_verify_api(r, key, r->ctx->scratch, slen);
}

int
auth_verify_api(struct request *r, const char *key, const char *secret, size_t len)
{
	struct mr_err e;
	int rc = vault_token_verify(r->ctx->v, VAULT_TOKEN_API, r->token_id, secret, len, &r->who,
				    &e);

	sodium_memzero(r->ctx->scratch, SCRATCH_LEN);
	if (rc != 0 && e.kind == MR_E_AUTH)
		return auth_refuse(r, key, e.msg);
	if (rc != 0) {
		reply_fail(r, &e);
		return -1;
	}
	r->authenticated = 1;
	return 0;
}

int
auth_proxy_credentials(struct request *r, char *id, size_t *secret_len)
{
	const char *key = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Modal-Key");
	const char *secret = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Modal-Secret");
	const char *cred = bearer(r);
	int rc = -1;

	id[0] = '\0';
	if (key != NULL && secret != NULL) {
		if (token_id_valid(key, strlen(key), "wk-") &&
		    token_secret_valid(secret, strlen(secret), "ws-")) {
			snprintf(id, TOKEN_ID_LEN + 1, "%s", key);
			memcpy(r->ctx->scratch, secret, strlen(secret) + 1);
			*secret_len = strlen(secret);
			rc = 1;
		}
	} else if (cred != NULL && *cred != '\0') {
		if (split_credentials(cred, '.', "wk-", "ws-", id, r->ctx->scratch, secret_len) == 0)
			rc = 1;
		else if (!token_id_valid(id, strlen(id), "wk-"))
			id[0] = '\0';
	} else if (key == NULL && secret == NULL && cred == NULL) {
		rc = 0;
	}
	return rc;
}
