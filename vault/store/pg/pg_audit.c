/* pg_audit.c — the audit log in the PostgreSQL store: names and ids only,
 * never a value or a token secret; listed oldest first by id, the cursor.
 * A record the caller did not time gets the database's clock. */
#include "store/access_rules.h"
#include "pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
pg_audit_append(struct vault *base, const struct vault_audit_record *r, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	struct pg_params pp = { 0 };

	pp_int(&pp, r->at_ms);
	pp_text(&pp, r->token_id);
	pp_text(&pp, r->action);
	pp_text(&pp, r->resource);
	pp_int(&pp, r->status);
	pp_text(&pp, r->client);
	/* One statement, its own transaction, which
	 * - takes a lock held to its commit before its id is drawn, so ids
	 *   commit in order across every server: a reader paging by id (the
	 *   cursor) never passes a record that commits later with a smaller id;
	 * - commits without waiting for the WAL flush (set_config(..., true)
	 *   lasts to the end of the transaction): the server appends from one
	 *   writer thread, after answering, and a flush per record would cap
	 *   its request rate. A database crash can lose the last moments of the
	 *   log, never a secret or token write. */
	return pg_run_cmd(p, "INSERT INTO audit (at_ms, token_id, action, resource, status, client)"
			  " SELECT coalesce(nullif($1::bigint, 0), " PG_NOW_MS "), $2, $3, $4, $5, $6"
			  " FROM (SELECT set_config('synchronous_commit', 'off', true),"
			  "  pg_advisory_xact_lock(7885634765317665910)) AS ordered",
			  &pp, NULL, "writing the audit log", e);
}

int
pg_audit_append_batch(struct vault *base, const struct vault_audit_record *r, size_t n,
		      struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	size_t i;
	int rc;

	/* Each append's ordering lock and unflushed commit now last to the
	 * batch's one commit. */
	if (pg_begin(p, e) != 0)
		return -1;
	for (i = 0, rc = 0; i < n && rc == 0; i++)
		rc = pg_audit_append(&p->store.vault, &r[i], e);
	if (rc == 0)
		rc = pg_commit(p, e);
	if (rc != 0)
		pg_rollback(p);
	return rc;
}

static void
record_from_row(const struct pg *p, const PGresult *res, int row, struct vault_audit_record *r)
{
	memset(r, 0, sizeof(*r));
	r->id = pg_int(p, res, row, 0);
	r->at_ms = pg_int(p, res, row, 1);
	pg_text(p, res, row, 2, r->token_id, sizeof(r->token_id));
	pg_text(p, res, row, 3, r->action, sizeof(r->action));
	pg_text(p, res, row, 4, r->resource, sizeof(r->resource));
	r->status = (int)pg_int(p, res, row, 5);
	pg_text(p, res, row, 6, r->client, sizeof(r->client));
}

int
pg_audit_list(struct vault *base, const struct vault_audit_filter *f,
	      struct vault_audit_record **out, size_t *n, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	struct vault_audit_record *list;
	char prefix[sizeof(list->action)];
	struct pg_params pp = { 0 };
	PGresult *r;
	int i, rows;

	if (access_audit_filter_check(f, prefix, sizeof(prefix), e) != 0)
		return -1;
	pp_int(&pp, f->after_id);
	pp_int(&pp, f->since_ms);
	pp_int(&pp, f->until_ms);
	pp_text(&pp, f->token_id);
	pp_text(&pp, *prefix != '\0' ? NULL : f->action);
	pp_text(&pp, *prefix != '\0' ? prefix : NULL);
	pp_int(&pp, (int64_t)f->limit);
	/* since is inclusive, until exclusive; a prefix is compared with left(),
	 * not LIKE, where '_' is a wildcard. */
	r = pg_run(p, "SELECT id, at_ms, token_id, action, resource, status, client FROM audit"
		   " WHERE id > $1::bigint AND ($2::bigint = 0 OR at_ms >= $2::bigint)"
		   " AND ($3::bigint = 0 OR at_ms < $3::bigint)"
		   " AND ($4::text IS NULL OR token_id = $4)"
		   " AND ($5::text IS NULL OR action = $5)"
		   " AND ($6::text IS NULL OR left(action, length($6)) = $6)"
		   " ORDER BY id LIMIT $7::bigint", &pp, "reading the audit log", e);
	if (r == NULL)
		return -1;
	rows = p->pq->ntuples(r);
	if ((list = calloc(f->limit, sizeof(*list))) == NULL) {
		p->pq->clear(r);
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	}
	for (i = 0; i < rows; i++)
		record_from_row(p, r, i, &list[i]);
	p->pq->clear(r);
	*out = list;
	*n = (size_t)rows;
	return 0;
}
