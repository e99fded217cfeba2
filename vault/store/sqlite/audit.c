/* audit.c — the audit log of the embedded store: who did what to which
 * resource, when, and with what result. Records hold names and ids only,
 * never a value or a token secret. Listing is oldest first, by id: the id is
 * the cursor (after_id), so a page never skips or repeats a record even when
 * records are appended while someone pages through. */
#include "store/access_rules.h"
#include "local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static int64_t
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Rows per INSERT in a batch: the AUTOINCREMENT counter is read and
 * written once per statement, not once per row. */
#define AUDIT_ROWS 16

/* "INSERT ... VALUES (?, ...), ..." of n rows (1 or AUDIT_ROWS). */
static void
insert_sql(size_t n, char *sql, size_t len)
{
	size_t i, used;

	used = (size_t)snprintf(sql, len, "INSERT INTO audit (at_ms, token_id, action, resource,"
				" status, client) VALUES ");
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(sql + used, len - used, "%s(?, ?, ?, ?, ?, ?)",
					 i ? ", " : "");
}

/* n records (1 or AUDIT_ROWS) in one INSERT of a hot statement, inside
 * whatever transaction is open. */
static int
insert_records(struct sqlite_vault *v, const struct vault_audit_record *r, size_t n,
	       struct mr_err *e)
{
	char sql[128 + AUDIT_ROWS * 24];
	sqlite3_stmt *st;
	size_t i;
	int rc, at;

	insert_sql(n, sql, sizeof(sql));
	if (db_hot(v, n == 1 ? HOT_AUDIT_INSERT : HOT_AUDIT_INSERT_MANY, sql, &st, e) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		at = (int)i * 6;
		sqlite3_bind_int64(st, at + 1, r[i].at_ms != 0 ? r[i].at_ms : now_ms());
		sqlite3_bind_text(st, at + 2, r[i].token_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, at + 3, r[i].action, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, at + 4, r[i].resource, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, at + 5, r[i].status);
		sqlite3_bind_text(st, at + 6, r[i].client, -1, SQLITE_STATIC);
	}
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(v->db, e, "writing the audit log");
	db_hot_done(st);
	return rc;
}

int
sqlite_audit_append(struct vault *base, const struct vault_audit_record *r,
		    struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;

	/* One INSERT: atomic on its own. */
	return insert_records(v, r, 1, e);
}

int
sqlite_audit_append_batch(struct vault *base, const struct vault_audit_record *r, size_t n,
			  struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;
	size_t i;
	int rc = 0;

	if (db_begin(v->db, e) != 0)
		return -1;
	for (i = 0; i < n && rc == 0; i += n - i >= AUDIT_ROWS ? AUDIT_ROWS : 1)
		rc = insert_records(v, &r[i], n - i >= AUDIT_ROWS ? AUDIT_ROWS : 1, e);
	/* One commit, one disk sync (synchronous=FULL) for the whole batch. */
	if (rc == 0)
		rc = db_commit(v->db, e);
	if (rc != 0)
		db_rollback(v->db);
	return rc;
}

static void
record_from_row(sqlite3_stmt *st, struct vault_audit_record *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->at_ms = sqlite3_column_int64(st, 1);
	db_text(st, 2, r->token_id, sizeof(r->token_id));
	db_text(st, 3, r->action, sizeof(r->action));
	db_text(st, 4, r->resource, sizeof(r->resource));
	r->status = sqlite3_column_int(st, 5);
	db_text(st, 6, r->client, sizeof(r->client));
}

static void
filter_bind(sqlite3_stmt *st, const struct vault_audit_filter *f, const char *prefix)
{
	sqlite3_bind_int64(st, 1, f->after_id);
	sqlite3_bind_int64(st, 2, f->since_ms);
	sqlite3_bind_int64(st, 3, f->until_ms);
	sqlite3_bind_text(st, 4, f->token_id, -1, SQLITE_STATIC);
	if (*prefix != '\0')
		sqlite3_bind_text(st, 6, prefix, -1, SQLITE_STATIC);
	else
		sqlite3_bind_text(st, 5, f->action, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (int64_t)f->limit);
}

int
sqlite_audit_list(struct vault *base, const struct vault_audit_filter *f,
		  struct vault_audit_record **out, size_t *n, struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;
	struct vault_audit_record *list;
	char prefix[sizeof(list->action)];
	sqlite3_stmt *st;
	size_t count = 0;
	int rc = SQLITE_DONE;

	if (access_audit_filter_check(f, prefix, sizeof(prefix), e) != 0)
		return -1;
	/* since is inclusive, until exclusive: adjacent ranges never overlap. A
	 * prefix is compared with substr, not LIKE, where '_' is a wildcard. */
	if (db_prepare(v->db, "SELECT id, at_ms, token_id, action, resource, status, client"
		       " FROM audit WHERE id > ?1 AND (?2 = 0 OR at_ms >= ?2)"
		       " AND (?3 = 0 OR at_ms < ?3) AND (?4 IS NULL OR token_id = ?4)"
		       " AND (?5 IS NULL OR action = ?5)"
		       " AND (?6 IS NULL OR substr(action, 1, length(?6)) = ?6)"
		       " ORDER BY id LIMIT ?7", &st, e) != 0)
		return -1;
	filter_bind(st, f, prefix);
	if ((list = calloc(f->limit, sizeof(*list))) == NULL) {
		sqlite3_finalize(st);
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	}
	while (count < f->limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
		record_from_row(st, &list[count++]);
	if (rc == SQLITE_ROW)
		rc = SQLITE_DONE;   /* the page is full */
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(list);
		return db_fail(v->db, e, "reading the audit log");
	}
	*out = list;
	*n = count;
	return 0;
}
