/* handlers_proxy.c — GET /v1/proxy-auth, what nginx auth_request asks before
 * letting a request through to a service: 204 when the proxy token is valid
 * and allowed in the environment, otherwise exactly Modal's 401 answers
 * (SPEC 5). API tokens are never accepted here. */
#include "internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char missing_msg[] = "modal-http: missing credentials for proxy authorization";
static const char invalid_msg[] = "modal-http: invalid credentials for proxy authorization";
static const char text_type[] = "text/plain; charset=utf-8";
static const char down_msg[] = "modal-http: the vault store is unavailable";

static void
refuse(struct request *r, const char *key, const char *msg, size_t len)
{
	ratelimit_failure(r->srv, key);
	reply_static(r, 401, text_type, msg, len);
}

/* "app-SUFFIX" or "app-SUFFIX--label": the suffix ends the host's first label
 * (before any "--"). The longest matching suffix wins. */
static int
env_from_host(struct request *r, const char *host, char *env)
{
	struct vault_env *list = NULL;
	char label[256];
	size_t n = 0, i, len, slen, best = 0;
	const char *dash;
	struct mr_err e;

	snprintf(label, sizeof(label), "%.*s", (int)strcspn(host, ".:"), host);
	if ((dash = strstr(label, "--")) != NULL)
		label[dash - label] = '\0';
	len = strlen(label);
	if (vault_env_list(r->ctx->v, &list, &n, &e) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		slen = strlen(list[i].webhook_suffix);
		if (slen == 0 || slen + 1 > len || slen <= best ||
		    strcasecmp(label + len - slen, list[i].webhook_suffix) != 0 ||
		    label[len - slen - 1] != '-')
			continue;
		snprintf(env, NAME_MAX_LEN + 1, "%s", list[i].name);
		best = slen;
	}
	free(list);
	return 0;
}

/* The environment is the one whose webhook suffix the Host names (suffixes
 * are unique in a workspace), else the default. X-Modal-Environment counts
 * only from a --trust-proxy peer: nginx passes the client's headers on to
 * the auth subrequest, and a client naming an environment its token is
 * allowed in must not get through to another environment's service. */
static int
proxy_environment(struct request *r, char *env)
{
	const char *named = r->peer_trusted
		? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Modal-Environment")
		: NULL;
	const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_HOST);

	env[0] = '\0';
	if (named != NULL && *named != '\0') {
		snprintf(env, NAME_MAX_LEN + 1, "%s", named);
		/* A name too long to hold is no environment: it must not match by
		 * its first 64 characters. */
		return strlen(named) > NAME_MAX_LEN ? (env[0] = '\0', 0) : 0;
	}
	if (host != NULL && env_from_host(r, host, env) != 0)
		return -1;
	if (env[0] == '\0')
		snprintf(env, NAME_MAX_LEN + 1, "%s", request_env(r, NULL));
	return 0;
}

static int
token_allowed_in(const struct vault_token *t, const char *env)
{
	size_t i;

	for (i = 0; i < t->nenvs; i++)
		if (strcmp(t->envs[i], env) == 0)
			return 1;
	return 0;
}

void
h_proxy_auth(struct request *r)
{
	char id[TOKEN_ID_LEN + 1], env[NAME_MAX_LEN + 1], keybuf[CLIENT_ADDR_LEN];
	const char *key = ratelimit_key(r, keybuf, sizeof(keybuf));
	size_t slen = 0;
	struct vault_identity who;
	struct mr_err e;
	int rc;

	if (ratelimit_check(r, key) != 0)
		return;
	rc = auth_proxy_credentials(r, id, &slen);
	snprintf(r->token_id, sizeof(r->token_id), "%s", id);
	if (rc <= 0) {
		sodium_memzero(r->ctx->scratch, SCRATCH_LEN);
		refuse(r, key, rc == 0 ? missing_msg : invalid_msg,
		       rc == 0 ? sizeof(missing_msg) - 1 : sizeof(invalid_msg) - 1);
		return;
	}
	if (proxy_environment(r, env) != 0) {
		sodium_memzero(r->ctx->scratch, SCRATCH_LEN);
		reply_static(r, 503, text_type, down_msg, sizeof(down_msg) - 1);
		return;
	}
	request_resource(r, "environment:%s", env);
	audit_yield_begin(r->srv->audit);
	rc = vault_token_verify(r->ctx->v, VAULT_TOKEN_PROXY, id, r->ctx->scratch, slen, &who, &e);
	audit_yield_end(r->srv->audit);
	sodium_memzero(r->ctx->scratch, SCRATCH_LEN);
	if (rc != 0 && e.kind != MR_E_AUTH) {
		reply_static(r, 503, text_type, down_msg, sizeof(down_msg) - 1);
		return;
	}
	if (rc == 0 && token_allowed_in(&who.token, env))
		reply_empty(r, 204);
	else
		refuse(r, key, invalid_msg, sizeof(invalid_msg) - 1);
	if (rc == 0)
		vault_token_clear(&who.token);
}
