/* pg_tokens.c — API and proxy tokens in the PostgreSQL store, with the same
 * keyed hashes as the embedded store (tokens.c). Expiry is decided by the
 * database's clock, and nothing is cached: a token revoked through one
 * server is refused by every other on its next request. */
#include "store/access_rules.h"
#include "pg_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ten columns; a proxy token's environments come joined by commas, which a
 * name cannot hold. */
#define TOKEN_COLUMNS "t.id, t.kind, t.name, t.workspace_id, t.member_id, t.created_at," \
	" t.expires_at, t.last_used_at, t.revoked_at, coalesce((SELECT string_agg(environment," \
	" ',' ORDER BY environment) FROM proxy_token_envs WHERE token_id = t.id), '')"

static int
envs_split(const char *joined, struct vault_token *t)
{
	const char *c;
	size_t i;

	if (*joined == '\0')
		return 0;
	for (t->nenvs = 1, c = joined; *c; c++)
		t->nenvs += *c == ',';
	if ((t->envs = calloc(t->nenvs, sizeof(*t->envs))) == NULL) {
		t->nenvs = 0;
		return -1;
	}
	for (i = 0, c = joined; i < t->nenvs; i++, c += strcspn(c, ",") + 1)
		snprintf(t->envs[i], sizeof(*t->envs), "%.*s", (int)strcspn(c, ","), c);
	return 0;
}

static int
token_from_row(const struct pg *p, const PGresult *r, int row, struct vault_token *t)
{
	memset(t, 0, sizeof(*t));
	pg_text(p, r, row, 0, t->token_id, sizeof(t->token_id));
	t->kind = strcmp(p->pq->getvalue(r, row, 1), "proxy") == 0 ? VAULT_TOKEN_PROXY
								  : VAULT_TOKEN_API;
	pg_text(p, r, row, 2, t->name, sizeof(t->name));
	pg_text(p, r, row, 3, t->workspace_id, sizeof(t->workspace_id));
	pg_text(p, r, row, 4, t->member_id, sizeof(t->member_id));
	t->created_at = pg_int(p, r, row, 5);
	t->expires_at = pg_int(p, r, row, 6);
	t->last_used_at = pg_int(p, r, row, 7);
	t->revoked_at = pg_int(p, r, row, 8);
	return t->kind == VAULT_TOKEN_PROXY ? envs_split(p->pq->getvalue(r, row, 9), t) : 0;
}

/* Every token of a query, in order. */
static int
tokens_collect(struct pg *p, PGresult *r, struct vault_token **out, size_t *n,
	       struct mr_err *e)
{
	int i, rows = p->pq->ntuples(r);
	struct vault_token *list = calloc(rows ? (size_t)rows : 1, sizeof(*list));

	for (i = 0; list != NULL && i < rows; i++)
		if (token_from_row(p, r, i, &list[i]) != 0) {
			vault_token_free(list, (size_t)i);
			list = NULL;
		}
	p->pq->clear(r);
	if (list == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	*out = list;
	*n = (size_t)rows;
	return 0;
}

int
pg_token_get(struct vault *base, const char *token_id, struct vault_token *out, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	struct pg_params pp = { 0 };
	struct vault_token *list;
	char shown[128];
	PGresult *r;
	size_t n;

	pp_text(&pp, p->ws.workspace_id);
	pp_text(&pp, token_id);
	r = pg_run(p, "SELECT " TOKEN_COLUMNS " FROM tokens t WHERE t.workspace_id = $1"
		   " AND t.id = $2", &pp, "reading a token", e);
	if (r == NULL || tokens_collect(p, r, &list, &n, e) != 0)
		return -1;
	if (n == 1)
		*out = list[0];
	free(list);
	return n == 1 ? 0 : mr_fail(e, MR_E_NOTFOUND, "token '%s' not found",
				    name_for_msg(token_id, shown, sizeof(shown)));
}

int
pg_token_list(struct vault *base, enum vault_token_kind kind, const char *member_id,
	      const char *env, struct vault_token **out, size_t *n, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	struct pg_params pp = { 0 };
	PGresult *r;

	if (kind != VAULT_TOKEN_PROXY)
		env = NULL;
	if (env != NULL && pg_env_must_exist(p, env, e) != 0)
		return -1;
	pp_text(&pp, p->ws.workspace_id);
	pp_text(&pp, access_kind_text(kind));
	pp_text(&pp, member_id);
	pp_text(&pp, env);
	r = pg_run(p, "SELECT " TOKEN_COLUMNS " FROM tokens t WHERE t.workspace_id = $1"
		   " AND t.kind = $2 AND ($3::text IS NULL OR t.member_id = $3)"
		   " AND ($4::text IS NULL OR t.id IN (SELECT token_id FROM proxy_token_envs"
		   "   WHERE workspace_id = $1 AND environment = $4))"
		   " ORDER BY t.created_at, t.seq", &pp, "listing tokens", e);
	return r == NULL ? -1 : tokens_collect(p, r, out, n, e);
}

/* The member an API token belongs to (NULL: the owner). Proxy tokens belong
 * to the workspace. */
int
pg_token_owner(struct store *s, const char *member_id, char out[48], struct mr_err *e)
{
	struct pg *p = (struct pg *)s;
	struct pg_params pp = { 0 };
	char shown[128];
	PGresult *r;
	int found;

	if (member_id == NULL) {
		struct vault_member m;

		if (pg_owner(&p->store.vault, &m, e) != 0)
			return -1;
		snprintf(out, 48, "%s", m.member_id);
		return 0;
	}
	pp_text(&pp, p->ws.workspace_id);
	pp_text(&pp, member_id);
	/* Locked, so the member cannot be removed before the token exists. */
	r = pg_run(p, "SELECT id FROM members WHERE workspace_id = $1 AND id = $2 FOR SHARE",
		   &pp, "reading a member", e);
	if (r == NULL)
		return -1;
	if ((found = p->pq->ntuples(r) == 1))
		pg_text(p, r, 0, 0, out, 48);
	p->pq->clear(r);
	return found ? 0 : mr_fail(e, MR_E_NOTFOUND, "member '%s' not found",
				   name_for_msg(member_id, shown, sizeof(shown)));
}

int
pg_token_insert(struct store *s, const struct store_token_new *t, struct mr_err *e)
{
	struct pg *p = (struct pg *)s;
	struct pg_params pp = { 0 }, envs = { 0 };

	pp_text(&pp, t->token_id);
	pp_text(&pp, access_kind_text(t->kind));
	pp_text(&pp, p->ws.workspace_id);
	pp_text(&pp, t->member_id);
	pp_text(&pp, t->name);
	pp_bytes(&pp, t->hash, TOKEN_HASH_LEN);
	pp_int(&pp, t->ttl);
	if (pg_run_cmd(p, "INSERT INTO tokens (id, kind, workspace_id, member_id, name, hash,"
		       " created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, " PG_NOW ","
		       " CASE WHEN $7::bigint = 0 THEN 0 ELSE " PG_NOW " + $7::bigint END)",
		       &pp, NULL, "creating a token", e) != 0)
		return -1;
	if (t->kind != VAULT_TOKEN_PROXY)
		return 0;
	/* A new proxy token works in the default environment (as tokens.c). */
	pp_text(&envs, t->token_id);
	pp_text(&envs, p->ws.workspace_id);
	pp_text(&envs, p->ws.default_env);
	return pg_run_cmd(p, "INSERT INTO proxy_token_envs VALUES ($1, $2, $3)"
			  " ON CONFLICT DO NOTHING", &envs, NULL, "allowing an environment", e);
}

int
pg_token_revoke(struct vault *base, const char *token_id, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	struct pg_params pp = { 0 };
	struct vault_token t;
	char shown[128];
	PGresult *r;
	int64_t done;

	pp_text(&pp, p->ws.workspace_id);
	pp_text(&pp, token_id);
	/* API tokens are marked revoked; proxy tokens have no revoked state (as
	 * Modal's) and are deleted with their environments. One statement. */
	r = pg_run(p, "WITH a AS (UPDATE tokens SET revoked_at = " PG_NOW
		   "  WHERE workspace_id = $1 AND id = $2 AND kind = 'api' AND revoked_at = 0"
		   "  RETURNING 1),"
		   " x AS (DELETE FROM tokens WHERE workspace_id = $1 AND id = $2"
		   "  AND kind = 'proxy' RETURNING 1)"
		   " SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM x)", &pp,
		   "revoking a token", e);
	if (r == NULL)
		return -1;
	done = pg_int(p, r, 0, 0);
	p->pq->clear(r);
	if (done == 1)
		return 0;
	name_for_msg(token_id, shown, sizeof(shown));
	if (pg_token_get(&p->store.vault, token_id, &t, e) != 0)
		return -1;
	vault_token_clear(&t);
	return mr_fail(e, MR_E_CONFLICT, "token '%s' is already revoked", shown);
}

int
pg_token_allow_env(struct vault *base, const char *token_id, const char *env, int allow,
		   struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	struct pg_params pp = { 0 };
	char shown[128];
	PGresult *r;
	int64_t token, found;
	long changed;

	name_for_msg(token_id, shown, sizeof(shown));
	pp_text(&pp, token_id);
	pp_text(&pp, p->ws.workspace_id);
	pp_text(&pp, env);
	r = pg_run(p, "SELECT (SELECT count(*) FROM tokens WHERE id = $1 AND workspace_id = $2"
		   " AND kind = 'proxy'), (SELECT count(*) FROM environments"
		   " WHERE workspace_id = $2 AND name = $3)", &pp, "reading a proxy token", e);
	if (r == NULL)
		return -1;
	token = pg_int(p, r, 0, 0);
	found = pg_int(p, r, 0, 1);
	p->pq->clear(r);
	if (token == 0)
		return mr_fail(e, MR_E_NOTFOUND, "proxy token '%s' not found", shown);
	if (found == 0)
		return mr_fail(e, MR_E_NOTFOUND, "environment '%s' not found", env);
	/* Allowing twice is allowing (PUT); revoking what was never allowed is
	 * most likely a typo, so it is reported. A token or environment deleted
	 * meanwhile fails the foreign key. */
	if (pg_run_cmd(p, allow ? "INSERT INTO proxy_token_envs VALUES ($1, $2, $3)"
		       " ON CONFLICT DO NOTHING"
		       : "DELETE FROM proxy_token_envs WHERE token_id = $1 AND workspace_id = $2"
			 " AND environment = $3", &pp, &changed, "changing a proxy token", e) != 0)
		return pg_state_is(p, "23503")
			? mr_fail(e, MR_E_NOTFOUND, "proxy token '%s' or environment '%s' is gone",
				  shown, env) : -1;
	if (!allow && changed == 0)
		return mr_fail(e, MR_E_NOTFOUND, "proxy token '%s' is not allowed in environment '%s'",
			       shown, env);
	return 0;
}

/* Bookkeeping, not part of the decision: written at most once a second per
 * token, never on a read-only connection, and a failure denies nothing. */
static void
token_touch(struct pg *p, struct vault_token *t, int64_t now)
{
	struct pg_params pp = { 0 };
	struct mr_err ignored;

	if (p->readonly || now <= t->last_used_at)
		return;
	pp_text(&pp, t->token_id);
	pp_text(&pp, p->ws.workspace_id);
	if (pg_run_cmd(p, "UPDATE tokens SET last_used_at = " PG_NOW " WHERE id = $1"
		       " AND workspace_id = $2 AND last_used_at < " PG_NOW, &pp, NULL,
		       "touching a token", &ignored) == 0)
		t->last_used_at = now;
}

/* The token, its hash, the database's now and the owning member, at once. */
#define VERIFY_SQL "SELECT " TOKEN_COLUMNS ", t.hash, " PG_NOW ", m.id, m.name, m.role," \
	" m.created_at FROM tokens t LEFT JOIN members m ON m.workspace_id = t.workspace_id" \
	" AND m.id = t.member_id WHERE t.workspace_id = $1 AND t.id = $2 AND t.kind = $3"

/* After the hash matched: whether the token may be used now. */
static int
token_usable(const struct pg *p, const PGresult *r, const struct vault_token *t, int64_t now)
{
	if (t->revoked_at != 0 ||
	    (t->expires_at == 0 ? t->kind != VAULT_TOKEN_PROXY : t->expires_at <= now))
		return 0;
	/* A removed member's tokens were revoked with it; a missing member
	 * still fails closed. */
	return t->kind == VAULT_TOKEN_PROXY || !p->pq->getisnull(r, 0, 12);
}

int
pg_token_verify(struct vault *base, enum vault_token_kind kind, const char *token_id,
		const char *secret, size_t secret_len, struct vault_identity *who,
		struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	unsigned char want[TOKEN_HASH_LEN], got[TOKEN_HASH_LEN];
	struct pg_params pp = { 0 };
	size_t len;
	int64_t now = 0;
	int ok = 0;
	PGresult *r;

	memset(who, 0, sizeof(*who));
	if (token_id == NULL || secret == NULL)
		token_id = "", secret = "", secret_len = 0;
	pp_text(&pp, p->ws.workspace_id);
	pp_text(&pp, token_id);
	pp_text(&pp, access_kind_text(kind));
	if ((r = pg_run(p, VERIFY_SQL, &pp, "reading a token", e)) == NULL)
		return -1;
	/* Unknown ids are compared too, against a value no hash equals in
	 * practice, so the time taken does not tell which ids exist. */
	memset(want, 0, sizeof(want));
	if (p->pq->ntuples(r) == 1 &&
	    pg_bytes(p, r, 0, 10, want, sizeof(want), &len) == 0 && len == TOKEN_HASH_LEN) {
		ok = token_from_row(p, r, 0, &who->token) == 0;
		now = pg_int(p, r, 0, 11);
	}
	access_token_hash(&p->keys, token_id, secret, secret_len, got);
	ok = sodium_memcmp(got, want, TOKEN_HASH_LEN) == 0 && ok &&
	     secret_len == TOKEN_SECRET_LEN && token_usable(p, r, &who->token, now);
	sodium_memzero(got, sizeof(got));
	if (ok && kind == VAULT_TOKEN_API)
		pg_member_from_row(p, r, 0, 12, &who->member);
	p->pq->clear(r);
	if (ok) {
		token_touch(p, &who->token, now);
		return 0;
	}
	vault_token_clear(&who->token);
	memset(who, 0, sizeof(*who));
	return mr_fail(e, MR_E_AUTH, "%s", TOKEN_AUTH_FAILED);
}
