/* tokens.c — API and proxy tokens of the embedded store (SPEC 5). A token's
 * secret exists in plaintext once, in the caller's buffer at creation; the
 * store keeps a keyed hash and compares in constant time. Every failure to
 * verify reads the same, so a caller learns nothing about which ids exist. */
#include "access_rules.h"
#include "local.h"
#include "pg/pg.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOKEN_COLUMNS "id, kind, name, workspace_id, member_id, created_at, expires_at," \
		      " last_used_at, revoked_at"

static void
token_from_row(sqlite3_stmt *st, struct vault_token *t)
{
	char kind[8];

	memset(t, 0, sizeof(*t));
	db_text(st, 0, t->token_id, sizeof(t->token_id));
	db_text(st, 1, kind, sizeof(kind));
	t->kind = strcmp(kind, "proxy") == 0 ? VAULT_TOKEN_PROXY : VAULT_TOKEN_API;
	db_text(st, 2, t->name, sizeof(t->name));
	db_text(st, 3, t->workspace_id, sizeof(t->workspace_id));
	db_text(st, 4, t->member_id, sizeof(t->member_id));
	t->created_at = sqlite3_column_int64(st, 5);
	t->expires_at = sqlite3_column_int64(st, 6);
	t->last_used_at = sqlite3_column_int64(st, 7);
	t->revoked_at = sqlite3_column_int64(st, 8);
}

/* A proxy token's environments, into t->envs. */
static int
token_load_envs(struct vault *v, struct vault_token *t, struct mr_err *e)
{
	char (*grown)[NAME_MAX_LEN + 1];
	sqlite3_stmt *st;
	int rc;

	if (t->kind != VAULT_TOKEN_PROXY)
		return 0;
	if (db_prepare(v->db, "SELECT environment FROM proxy_token_envs"
		       " WHERE token_id = ? ORDER BY environment", &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, t->token_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((grown = realloc(t->envs, (t->nenvs + 1) * sizeof(*grown))) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		t->envs = grown;
		db_text(st, 0, t->envs[t->nenvs++], sizeof(*grown));
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	vault_token_clear(t);
	return rc == SQLITE_NOMEM ? mr_fail(e, MR_E_INTERNAL, "out of memory")
				  : db_fail(v->db, e, "reading a proxy token");
}

/* One token by id (of kind, unless kind < 0) and its stored hash (if hash is
 * not NULL). 0 found, 1 not found, -1 error. */
static int
token_read(struct vault *v, const char *id, int kind, struct vault_token *t,
	   unsigned char *hash, struct mr_err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(t, 0, sizeof(*t));
	if (db_hot(v, HOT_TOKEN_READ, "SELECT " TOKEN_COLUMNS ", hash FROM tokens"
		   " WHERE workspace_id = ?1 AND id = ?2 AND (?3 IS NULL OR kind = ?3)",
		   &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if (kind >= 0)
		sqlite3_bind_text(st, 3, access_kind_text((enum vault_token_kind)kind), -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		token_from_row(st, t);
		/* The schema keeps every hash 32 bytes; a NULL blob still must not crash. */
		if (hash != NULL && sqlite3_column_bytes(st, 9) == TOKEN_HASH_LEN &&
		    sqlite3_column_blob(st, 9) != NULL)
			memcpy(hash, sqlite3_column_blob(st, 9), TOKEN_HASH_LEN);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? 1 : db_fail(v->db, e, "reading a token");
	}
	db_hot_done(st);
	return rc;
}

/* Runs sql with ?1 the token id, ?2 the workspace, ?3 a text and ?4 a number
 * (binding a parameter a statement does not use is harmless). */
static int
token_exec(struct vault *v, const char *sql, const char *id, const char *text,
	   int64_t number, struct mr_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(v->db, sql, &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, number);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(v->db, e, "writing a token");
	sqlite3_finalize(st);
	return rc;
}

/* The member an API token belongs to (NULL: the owner). Proxy tokens belong
 * to the workspace, not to a member. */
static int
token_owner(struct vault *v, enum vault_token_kind kind, const char *member_id,
	    char out[48], struct mr_err *e)
{
	struct vault_member m;
	char shown[128];
	int rc;

	out[0] = '\0';
	if (kind == VAULT_TOKEN_PROXY)
		return 0;
	if (member_id == NULL)
		rc = vault_owner(v, &m, e);
	else if ((rc = member_get(v, member_id, &m, e)) == 1)
		rc = mr_fail(e, MR_E_NOTFOUND, "member '%s' not found",
			     name_for_msg(member_id, shown, sizeof(shown)));
	if (rc == 0)
		snprintf(out, 48, "%s", m.member_id);
	return rc;
}

static int
token_insert(struct vault *v, const struct vault_token *t, const unsigned char *hash,
	     struct mr_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(v->db, "INSERT INTO tokens (id, kind, workspace_id, member_id, name, hash,"
		       " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, t->token_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, access_kind_text(t->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, t->member_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, hash, TOKEN_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, t->created_at);
	sqlite3_bind_int64(st, 8, t->expires_at);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(v->db, e, "creating a token");
	sqlite3_finalize(st);
	return rc;
}

#define ALLOW_ENV_SQL "INSERT OR IGNORE INTO proxy_token_envs VALUES (?1, ?2, ?3)"

int
vault_token_create(struct vault *v, enum vault_token_kind kind, const char *member_id,
		   const char *name, int64_t ttl_seconds, struct vault_token *out,
		   char *secret, struct mr_err *e)
{
	if (v->remote != NULL)
		return remote_token_create(v->remote, kind, member_id, name, ttl_seconds,
					   out, secret, e);
	if (v->pg != NULL)
		return pg_token_create(v->pg, kind, member_id, name, ttl_seconds,
				       out, secret, e);
	struct vault_token t = { .kind = kind, .created_at = time(NULL) };
	unsigned char hash[TOKEN_HASH_LEN];

	if (access_token_expiry(kind, ttl_seconds, t.created_at, &t.expires_at, e) != 0 ||
	    (name != NULL && *name != '\0' && name_check("token", name, e) != 0))
		return -1;
	random_id(kind == VAULT_TOKEN_PROXY ? "wk-" : "ak-", TOKEN_ID_RANDOM, t.token_id);
	/* An unnamed token is named by its id, which is unique. */
	snprintf(t.name, sizeof(t.name), "%s", name != NULL && *name != '\0' ? name : t.token_id);
	if (db_begin(v->db, e) != 0)
		return -1;
	if (token_owner(v, kind, member_id, t.member_id, e) != 0)
		goto fail;
	random_id(kind == VAULT_TOKEN_PROXY ? "ws-" : "as-", TOKEN_SECRET_RANDOM, secret);
	access_token_hash(&v->keys, t.token_id, secret, TOKEN_SECRET_LEN, hash);
	/* A new proxy token works in the default environment; allow/revoke
	 * change that (docs/permissions.md). */
	if (token_insert(v, &t, hash, e) != 0 ||
	    (kind == VAULT_TOKEN_PROXY &&
	     token_exec(v, ALLOW_ENV_SQL, t.token_id, v->ws.default_env, 0, e) != 0) ||
	    (out != NULL && vault_token_get(v, t.token_id, out, e) != 0))
		goto fail;
	if (db_commit(v->db, e) != 0) {
		if (out != NULL)
			vault_token_clear(out);
		goto fail;
	}
	return 0;
fail:
	/* No token, no secret: the caller must not hold one that works nowhere. */
	sodium_memzero(secret, TOKEN_SECRET_LEN + 1);
	db_rollback(v->db);
	return -1;
}

int
vault_token_get(struct vault *v, const char *token_id, struct vault_token *out,
		struct mr_err *e)
{
	if (v->remote != NULL)
		return remote_token_get(v->remote, token_id, out, e);
	if (v->pg != NULL)
		return pg_token_get(v->pg, token_id, out, e);
	char shown[128];
	int rc = token_read(v, token_id, -1, out, NULL, e);

	if (rc == 1)
		return mr_fail(e, MR_E_NOTFOUND, "token '%s' not found",
			       name_for_msg(token_id, shown, sizeof(shown)));
	return rc == 0 ? token_load_envs(v, out, e) : -1;
}

int
vault_token_list(struct vault *v, enum vault_token_kind kind, const char *member_id,
		 const char *env, struct vault_token **out, size_t *n, struct mr_err *e)
{
	if (v->remote != NULL)
		return remote_token_list(v->remote, kind, member_id, env, out, n, e);
	if (v->pg != NULL)
		return pg_token_list(v->pg, kind, member_id, env, out, n, e);
	struct vault_token *list = NULL, *grown;
	sqlite3_stmt *st;
	size_t count = 0;
	int rc;

	if (kind == VAULT_TOKEN_PROXY && env != NULL && env_must_exist(v, env, e) != 0)
		return -1;
	if (db_prepare(v->db, "SELECT " TOKEN_COLUMNS " FROM tokens"
		       " WHERE workspace_id = ?1 AND kind = ?2 AND (?3 IS NULL OR member_id = ?3)"
		       " AND (?4 IS NULL OR id IN (SELECT token_id FROM proxy_token_envs"
		       "   WHERE workspace_id = ?1 AND environment = ?4))"
		       " ORDER BY created_at, rowid", &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, access_kind_text(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, member_id, -1, SQLITE_STATIC);
	if (kind == VAULT_TOKEN_PROXY)
		sqlite3_bind_text(st, 4, env, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((grown = realloc(list, (count + 1) * sizeof(*list))) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		list = grown;
		token_from_row(st, &list[count]);
		if (token_load_envs(v, &list[count], e) != 0) {
			rc = SQLITE_ABORT;
			break;
		}
		count++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		vault_token_free(list, count);
		if (rc == SQLITE_NOMEM)
			return mr_fail(e, MR_E_INTERNAL, "out of memory");
		return rc == SQLITE_ABORT ? -1 : db_fail(v->db, e, "listing tokens");
	}
	*out = list;
	*n = count;
	return 0;
}

int
vault_token_revoke(struct vault *v, const char *token_id, struct mr_err *e)
{
	if (v->remote != NULL)
		return remote_token_revoke(v->remote, token_id, e);
	if (v->pg != NULL)
		return pg_token_revoke(v->pg, token_id, e);
	struct vault_token t;
	char shown[128];
	int rc;

	name_for_msg(token_id, shown, sizeof(shown));
	if (db_begin(v->db, e) != 0)
		return -1;
	if ((rc = token_read(v, token_id, -1, &t, NULL, e)) != 0) {
		if (rc == 1)
			mr_fail(e, MR_E_NOTFOUND, "token '%s' not found", shown);
		goto fail;
	}
	if (t.revoked_at != 0) {
		mr_fail(e, MR_E_CONFLICT, "token '%s' is already revoked", shown);
		goto fail;
	}
	/* Proxy tokens have no revoked state (as Modal's): they are deleted,
	 * with their environments. */
	if (token_exec(v, t.kind == VAULT_TOKEN_PROXY
		       ? "DELETE FROM tokens WHERE id = ?1 AND workspace_id = ?2"
		       : "UPDATE tokens SET revoked_at = ?4 WHERE id = ?1 AND workspace_id = ?2",
		       token_id, NULL, time(NULL), e) != 0 ||
	    db_commit(v->db, e) != 0)
		goto fail;
	return 0;
fail:
	db_rollback(v->db);
	return -1;
}

int
vault_token_allow_env(struct vault *v, const char *token_id, const char *env, int allow,
		      struct mr_err *e)
{
	if (v->remote != NULL)
		return remote_token_allow_env(v->remote, token_id, env, allow, e);
	if (v->pg != NULL)
		return pg_token_allow_env(v->pg, token_id, env, allow, e);
	struct vault_token t;
	char shown[128];
	int rc;

	name_for_msg(token_id, shown, sizeof(shown));
	if (db_begin(v->db, e) != 0)
		return -1;
	if ((rc = token_read(v, token_id, VAULT_TOKEN_PROXY, &t, NULL, e)) != 0) {
		if (rc == 1)
			mr_fail(e, MR_E_NOTFOUND, "proxy token '%s' not found", shown);
		goto fail;
	}
	if (env_must_exist(v, env, e) != 0)
		goto fail;
	/* Allowing twice is allowing (PUT); revoking what was never allowed is
	 * most likely a typo, so it is reported. */
	if (token_exec(v, allow ? ALLOW_ENV_SQL
		       : "DELETE FROM proxy_token_envs WHERE token_id = ?1 AND workspace_id = ?2"
			 " AND environment = ?3", token_id, env, 0, e) != 0)
		goto fail;
	if (!allow && sqlite3_changes(v->db) == 0) {
		mr_fail(e, MR_E_NOTFOUND, "proxy token '%s' is not allowed in environment '%s'",
			shown, env);
		goto fail;
	}
	if (db_commit(v->db, e) != 0)
		goto fail;
	return 0;
fail:
	db_rollback(v->db);
	return -1;
}

/* last_used_at is bookkeeping, not part of the decision: it is written only
 * when it would move on by TOKEN_TOUCH_INTERVAL seconds or more (so a busy
 * token costs the disk one write a minute, not one a request, and readers
 * see its last use to within a minute), never on a read-only connection, and
 * a failed write does not deny a valid token. */
#define TOKEN_TOUCH_INTERVAL 60
/* Nor does it wait out another writer's lock: a request would stall for
 * the whole busy timeout before its answer (the next use tries again). */
#define TOKEN_TOUCH_WAIT_MS 50

static int
token_write_use(struct vault *v, const char *token_id, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if (db_hot(v, HOT_TOKEN_TOUCH, "UPDATE tokens SET last_used_at = ?3 WHERE id = ?1"
		   " AND workspace_id = ?2 AND last_used_at < ?3", &st, NULL) != 0)
		return -1;
	sqlite3_bind_text(st, 1, token_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_busy_timeout(v->db, TOKEN_TOUCH_WAIT_MS);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_busy_timeout(v->db, LOCAL_BUSY_TIMEOUT_MS);
	db_hot_done(st);
	return rc;
}

/* Inside a caller's read snapshot (vault_read_begin) the write waits for
 * vault_read_end: a write there would have to wait for the writer's lock
 * while holding the snapshot, or fail on a stale one. */
static void
token_touch(struct vault *v, struct vault_token *t, int64_t now)
{
	if (v->readonly || now - t->last_used_at < TOKEN_TOUCH_INTERVAL)
		return;
	if (!sqlite3_get_autocommit(v->db)) {
		snprintf(v->touch_token, sizeof(v->touch_token), "%s", t->token_id);
		v->touch_at = now;
		return;
	}
	if (token_write_use(v, t->token_id, now) == 0)
		t->last_used_at = now;
}

int
vault_read_begin(struct vault *v, struct mr_err *e)
{
	if (v->remote != NULL || v->pg != NULL)
		return 0;
	return db_read_begin(v, e);
}

void
vault_read_end(struct vault *v, int began)
{
	if (began != 1)
		return;
	db_read_end(v, began);
	if (v->touch_token[0] != '\0' && sqlite3_get_autocommit(v->db))
		token_write_use(v, v->touch_token, v->touch_at);
	v->touch_token[0] = '\0';
}

/* After the hash matched: the token's state and, for API tokens, its member.
 * 1 when the token may not be used, -1 on a store error. */
static int
token_usable(struct vault *v, struct vault_identity *who, int64_t now, struct mr_err *e)
{
	struct vault_token *t = &who->token;
	int rc;

	if (t->revoked_at != 0 ||
	    (t->expires_at == 0 ? t->kind != VAULT_TOKEN_PROXY : t->expires_at <= now))
		return 1;
	if (t->kind == VAULT_TOKEN_PROXY)
		return token_load_envs(v, t, e);
	/* A removed member's tokens were revoked with it; a missing member still
	 * fails closed. */
	rc = member_get(v, t->member_id, &who->member, e);
	return rc;
}

/* id and secret against the stored hash, then the token's state: 0 usable,
 * 1 not, -1 a store error. */
static int
token_check(struct vault *v, enum vault_token_kind kind, const char *token_id,
	    const char *secret, size_t secret_len, struct vault_identity *who, int64_t now,
	    struct mr_err *e)
{
	unsigned char want[TOKEN_HASH_LEN], got[TOKEN_HASH_LEN];
	int found, match, rc;

	/* Unknown ids are compared too, against a value no hash equals in
	 * practice, so the time taken does not tell which ids exist. */
	memset(want, 0, sizeof(want));
	if ((found = token_read(v, token_id, kind, &who->token, want, e)) < 0)
		return -1;
	access_token_hash(&v->keys, token_id, secret, secret_len, got);
	match = sodium_memcmp(got, want, TOKEN_HASH_LEN) == 0;
	sodium_memzero(got, sizeof(got));
	rc = found == 0 && match && secret_len == TOKEN_SECRET_LEN ? 0 : 1;
	if (rc == 0)
		rc = token_usable(v, who, now, e);
	return rc;
}

int
vault_token_verify(struct vault *v, enum vault_token_kind kind, const char *token_id,
		   const char *secret, size_t secret_len, struct vault_identity *who,
		   struct mr_err *e)
{
	if (v->remote != NULL)
		return remote_token_verify(v->remote, kind, token_id, secret, secret_len,
					   who, e);
	if (v->pg != NULL)
		return pg_token_verify(v->pg, kind, token_id, secret, secret_len,
				       who, e);
	int64_t now = time(NULL);
	int rc, began;

	memset(who, 0, sizeof(*who));
	if (token_id == NULL || secret == NULL)
		token_id = "", secret = "", secret_len = 0;
	/* The token and its member from one snapshot, in one transaction. */
	if ((began = db_read_begin(v, e)) < 0)
		return -1;
	rc = token_check(v, kind, token_id, secret, secret_len, who, now, e);
	db_read_end(v, began);
	if (rc == 0) {
		token_touch(v, &who->token, now);
		return 0;
	}
	vault_token_clear(&who->token);
	memset(who, 0, sizeof(*who));
	return rc < 0 ? -1 : mr_fail(e, MR_E_AUTH, "%s", TOKEN_AUTH_FAILED);
}

void
vault_token_clear(struct vault_token *t)
{
	free(t->envs);
	t->envs = NULL;
	t->nenvs = 0;
}

void
vault_token_free(struct vault_token *t, size_t n)
{
	size_t i;

	for (i = 0; t != NULL && i < n; i++)
		vault_token_clear(&t[i]);
	free(t);
}
