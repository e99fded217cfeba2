/* snapshot.c — one read snapshot over several calls of the embedded store
 * (vault_read_begin in vault.h: a server's token check and fetch in one
 * transaction), and the token's last use, written once the snapshot ends. */
#include "local.h"

#include <stdio.h>

int
db_read_begin(struct sqlite_vault *v, struct mr_err *e)
{
	if (!sqlite3_get_autocommit(v->db))
		return 0;
	return db_hot_exec(v, HOT_BEGIN, "BEGIN", e) == 0 ? 1 : -1;
}

void
db_read_end(struct sqlite_vault *v, int began)
{
	/* A read has nothing to lose: a failed COMMIT is rolled back. */
	if (began == 1 && db_hot_exec(v, HOT_COMMIT, "COMMIT", NULL) != 0)
		sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
}

/* last_used_at is bookkeeping, not part of the decision: it is written only
 * when it would move on by TOKEN_TOUCH_INTERVAL seconds or more (so a busy
 * token costs the disk one write a minute, not one a request, and readers
 * see its last use to within a minute), never on a read-only connection, and
 * a failed write does not deny a valid token. */
#define TOKEN_TOUCH_INTERVAL 60


/* The write does not wait out another writer's lock: a request would stall
 * for the whole busy timeout before its answer (the next use tries again). */
#define TOKEN_TOUCH_WAIT_MS 50

static int
token_write_use(struct sqlite_vault *v, const char *token_id, int64_t now)
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
void
token_touch(struct sqlite_vault *v, struct vault_token *t, int64_t now)
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
sqlite_read_begin(struct vault *base, struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;

	return db_read_begin(v, e);
}

void
sqlite_read_end(struct vault *base, int began)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;

	if (began != 1)
		return;
	db_read_end(v, began);
	if (v->touch_token[0] != '\0' && sqlite3_get_autocommit(v->db))
		token_write_use(v, v->touch_token, v->touch_at);
	v->touch_token[0] = '\0';
}
