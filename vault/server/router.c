/* router.c — the API's method and path table (docs/protocol.md, openapi.yml)
 * and what every request goes through: query check, authentication, the
 * role check, the handler, the audit record. */
#include "internal.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static const char *const q_none[] = { NULL };
static const char *const q_env[] = { "environment", NULL };
static const char *const q_audit[] = { "since", "until", "actor", "action", "limit", "cursor",
				       NULL };

#define U VAULT_ROLE_USER
#define M VAULT_ROLE_MANAGER
#define O VAULT_ROLE_OWNER

/* Order matters only for readability: a path and method match one row. */
const struct route routes[] = {
	{ "GET", "/v1/secrets", AUTH_API, U, BODY_NONE, q_env, "secret.list", h_secret_list },
	{ "POST", "/v1/secrets", AUTH_API, M, BODY_SECRET, q_none, "secret.create", h_secret_create },
	{ "GET", "/v1/secrets/{}", AUTH_API, U, BODY_NONE, q_env, "secret.get", h_secret_get },
	{ "PUT", "/v1/secrets/{}", AUTH_API, M, BODY_SECRET, q_none, "secret.update", h_secret_update },
	{ "DELETE", "/v1/secrets/{}", AUTH_API, M, BODY_NONE, q_env, "secret.delete", h_secret_delete },
	{ "GET", "/v1/secrets/{}/versions", AUTH_API, U, BODY_NONE, q_env, "secret.versions",
	  h_secret_versions },
	{ "GET", "/v1/environments", AUTH_API, U, BODY_NONE, q_none, "environment.list", h_env_list },
	{ "POST", "/v1/environments", AUTH_API, M, BODY_JSON, q_none, "environment.create",
	  h_env_create },
	{ "DELETE", "/v1/environments/{}", AUTH_API, M, BODY_NONE, q_none, "environment.delete",
	  h_env_delete },
	{ "PATCH", "/v1/environments/{}", AUTH_API, M, BODY_JSON, q_none, "environment.update",
	  h_env_update },
	{ "GET", "/v1/workspaces/current", AUTH_API, U, BODY_NONE, q_none, "workspace.get",
	  h_workspace_current },
	{ "GET", "/v1/workspaces/current/members", AUTH_API, U, BODY_NONE, q_none, "member.list",
	  h_member_list },
	{ "POST", "/v1/workspaces/current/members", AUTH_API, O, BODY_JSON, q_none, "member.add",
	  h_member_add },
	{ "PATCH", "/v1/workspaces/current/members/{}", AUTH_API, O, BODY_JSON, q_none,
	  "member.update", h_member_update },
	{ "DELETE", "/v1/workspaces/current/members/{}", AUTH_API, O, BODY_NONE, q_none,
	  "member.remove", h_member_remove },
	{ "GET", "/v1/tokens", AUTH_API, U, BODY_NONE, q_none, "token.list", h_token_list },
	{ "POST", "/v1/tokens", AUTH_API, U, BODY_JSON, q_none, "token.create", h_token_create },
	{ "DELETE", "/v1/tokens/{}", AUTH_API, U, BODY_NONE, q_none, "token.revoke", h_token_revoke },
	{ "GET", "/v1/proxy-tokens", AUTH_API, M, BODY_NONE, q_env, "proxy_token.list",
	  h_proxy_token_list },
	{ "POST", "/v1/proxy-tokens", AUTH_API, M, BODY_JSON, q_none, "proxy_token.create",
	  h_proxy_token_create },
	{ "DELETE", "/v1/proxy-tokens/{}", AUTH_API, M, BODY_NONE, q_none, "proxy_token.delete",
	  h_proxy_token_delete },
	{ "PUT", "/v1/proxy-tokens/{}/environments/{}", AUTH_API, M, BODY_NONE, q_none,
	  "proxy_token.allow", h_proxy_token_allow },
	{ "DELETE", "/v1/proxy-tokens/{}/environments/{}", AUTH_API, M, BODY_NONE, q_none,
	  "proxy_token.revoke", h_proxy_token_disallow },
	{ "GET", "/v1/audit", AUTH_API, M, BODY_NONE, q_audit, "audit.list", h_audit_list },
	{ "POST", "/v1/fetch", AUTH_API, U, BODY_JSON, q_none, "secret.fetch", h_fetch },
	{ "GET", "/v1/proxy-auth", AUTH_PROXY, U, BODY_NONE, q_none, "proxy_auth.check",
	  h_proxy_auth },
	{ "GET", "/v1/vault-key", AUTH_NONE, U, BODY_NONE, q_none, NULL, h_vault_key },
	{ "GET", "/v1/openapi.yml", AUTH_NONE, U, BODY_NONE, q_none, NULL, h_openapi },
	{ "GET", "/healthz", AUTH_NONE, U, BODY_NONE, q_none, NULL, h_healthz },
	{ "GET", "/metrics", AUTH_NONE, U, BODY_NONE, q_none, NULL, h_metrics },
};
const size_t nroutes = sizeof(routes) / sizeof(routes[0]);

/* Matches path against pattern; "{}" takes one non-empty segment into the
 * next parameter. */
static int
path_matches(const char *pattern, const char *path, char params[PATH_PARAMS][PARAM_LEN])
{
	size_t np = 0, len;

	while (*pattern != '\0' && *path != '\0') {
		if (strncmp(pattern, "{}", 2) == 0) {
			len = strcspn(path, "/");
			if (len == 0 || len >= PARAM_LEN || np == PATH_PARAMS)
				return 0;
			memcpy(params[np], path, len);
			params[np++][len] = '\0';
			pattern += 2;
			path += len;
		} else if (*pattern++ != *path++) {
			return 0;
		}
	}
	return *pattern == '\0' && *path == '\0';
}

/* HEAD is GET without the body (RFC 9110 9.3.2): the same route answers it,
 * and libmicrohttpd sends the headers alone. */
static int
method_matches(const char *route_method, const char *method)
{
	return strcmp(route_method, method) == 0 ||
	       (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

int
router_find(struct request *r, char *allow, size_t allow_len)
{
	char params[PATH_PARAMS][PARAM_LEN];
	size_t i, used = 0;
	int found = 404;

	allow[0] = '\0';
	for (i = 0; i < nroutes; i++) {
		if (!path_matches(routes[i].pattern, r->path, params))
			continue;
		if (method_matches(routes[i].method, r->method)) {
			r->route = &routes[i];
			r->route_index = (int)i;
			memcpy(r->params, params, sizeof(params));
			return 0;
		}
		found = 405;
		used += (size_t)snprintf(allow + used, used < allow_len ? allow_len - used : 0,
					 "%s%s%s", used ? ", " : "", routes[i].method,
					 strcmp(routes[i].method, "GET") == 0 ? ", HEAD" : "");
	}
	return found;
}

/* Query parameters a route does not know are refused, as unknown body fields
 * are: a typo must not silently widen or narrow what is read. */
static enum MHD_Result
query_one(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct request *r = cls;
	const char *const *q;
	char shown[80];

	(void)kind;
	(void)value;
	for (q = r->route->query; *q != NULL; q++)
		if (strcmp(*q, key) == 0)
			return MHD_YES;
	reply_error(r, 400, "invalid", "unknown query parameter '%s'",
		    name_for_msg(key, shown, sizeof(shown)));
	return MHD_NO;
}

static void
audit_request(struct request *r)
{
	struct vault_audit_record rec = { 0 };
	struct timeval tv;

	gettimeofday(&tv, NULL);
	rec.at_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	snprintf(rec.token_id, sizeof(rec.token_id), "%s", r->token_id);
	snprintf(rec.action, sizeof(rec.action), "%s", r->route->action);
	snprintf(rec.resource, sizeof(rec.resource), "%s", r->resource);
	rec.status = r->status;
	snprintf(rec.client, sizeof(rec.client), "%s", r->client);
	audit_submit(r->srv->audit, &rec);
}

/* Every method but GET changes the store, except the fetch, which reads. */
static int
route_writes(const struct route *rt)
{
	return strcmp(rt->method, "GET") != 0 && rt->handle != h_fetch;
}

/* Everything a request must pass before its handler: known query
 * parameters, the worker's store connection, the token, the role. 0 to go
 * on; otherwise it has been answered. */
static int
request_admit(struct request *r)
{
	const struct route *rt = r->route;
	struct mr_err e;
	int rc;

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_one, r);
	if (r->responded)
		return -1;
	if (rt->action != NULL && (r->ctx = thread_ctx_get(r->srv, &e)) == NULL) {
		reply_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
		reply_error(r, 503, "unavailable", "the store cannot be opened: %s", e.msg);
		return -1;
	}
	/* A fetch checks its token and reads its bundles in one snapshot: one
	 * read transaction's shared-memory locks, not two. */
	if (rt->handle == h_fetch && rt->auth == AUTH_API &&
	    (r->snapshot = vault_read_begin(r->ctx->v, &e)) < 0) {
		reply_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		reply_error(r, 503, "unavailable", "the store cannot be read: %s", e.msg);
		return -1;
	}
	if (rt->auth != AUTH_API)
		return 0;
	/* Verifying a token may write its last use. */
	audit_yield_begin(r->srv->audit);
	rc = rt->handle == h_fetch ? auth_fetch(r) : auth_api(r);
	audit_yield_end(r->srv->audit);
	if (rc != 0)
		return -1;
	if (r->who.member.role < rt->role) {
		reply_error(r, 403, "forbidden", "%s %s needs the %s role; this token's member is %s",
			    r->method, r->path, vault_role_name(rt->role),
			    vault_role_name(r->who.member.role));
		return -1;
	}
	return 0;
}

void
router_dispatch(struct request *r)
{
	const struct route *rt = r->route;
	int writes = route_writes(rt);

	if (request_admit(r) == 0) {
		if (writes)
			audit_yield_begin(r->srv->audit);
		rt->handle(r);
		if (writes)
			audit_yield_end(r->srv->audit);
	}
	/* A sealed fetch's box key lives from its token's check to its answer. */
	if (r->shared_ready)
		sodium_memzero(r->ctx->shared, WIRE_SHARED_LEN);
	if (r->snapshot == 1) {
		/* Ending it may write the token's last use. */
		audit_yield_begin(r->srv->audit);
		vault_read_end(r->ctx->v, r->snapshot);
		audit_yield_end(r->srv->audit);
	}
	/* Refused requests are audited too: they are attempts. */
	if (rt->action != NULL)
		audit_request(r);
}
