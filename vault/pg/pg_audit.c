/* pg_audit.c — the audit log in the PostgreSQL store: names and ids only,
 * never a value or a token secret; listed oldest first by id, the cursor.
 * A record the caller did not time gets the database's clock. */
#include "local.h"
#include "pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_LIMIT_MAX 1000

/* Actions are dotted lower-case words ("secret.create"), as audit.c. */
static int
action_is_valid(const char *s, size_t max)
{
	size_t len = s != NULL ? strlen(s) : 0;

	return len > 0 && len < max && s[0] != '.' && s[len - 1] != '.' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz_.") == len;
}

static int
field_check(const char *what, const char *s, size_t size, struct mr_err *e)
{
	if (s == NULL || strlen(s) >= size)
		return mr_fail(e, MR_E_INVALID, "audit record: %s longer than %zu bytes",
			       what, size - 1);
	return 0;
}

int
pg_audit_append(struct pg *p, const struct vault_audit_record *r, struct mr_err *e)
{
	struct pg_params pp = { 0 };
	char shown[128];

	if (!action_is_valid(r->action, sizeof(r->action)))
		return mr_fail(e, MR_E_INVALID, "audit record: invalid action '%s'",
			       name_for_msg(r->action, shown, sizeof(shown)));
	if (field_check("token id", r->token_id, sizeof(r->token_id), e) != 0 ||
	    field_check("resource", r->resource, sizeof(r->resource), e) != 0 ||
	    field_check("client", r->client, sizeof(r->client), e) != 0)
		return -1;
	pp_int(&pp, r->at_ms);
	pp_text(&pp, r->token_id);
	pp_text(&pp, r->action);
	pp_text(&pp, r->resource);
	pp_int(&pp, r->status);
	pp_text(&pp, r->client);
	return pg_run_cmd(p, "INSERT INTO audit (at_ms, token_id, action, resource, status, client)"
			  " VALUES (coalesce(nullif($1::bigint, 0), " PG_NOW_MS "), $2, $3, $4,"
			  " $5, $6)", &pp, NULL, "writing the audit log", e);
}

/* "secret.create" matches itself; "secret.*" every action starting "secret.". */
static int
filter_check(const struct vault_audit_filter *f, char *prefix, size_t len, struct mr_err *e)
{
	char shown[128];
	size_t n;

	prefix[0] = '\0';
	if (f->limit < 1 || f->limit > AUDIT_LIMIT_MAX)
		return mr_fail(e, MR_E_INVALID, "audit limit %zu: expected 1 to %d",
			       f->limit, AUDIT_LIMIT_MAX);
	if (f->action == NULL)
		return 0;
	n = strlen(f->action);
	if (n > 2 && n < len && strcmp(f->action + n - 2, ".*") == 0) {
		memcpy(prefix, f->action, n - 2);
		prefix[n - 2] = '\0';
		if (action_is_valid(prefix, len)) {
			memcpy(prefix + n - 2, ".", 2);
			return 0;
		}
		prefix[0] = '\0';
	} else if (action_is_valid(f->action, len)) {
		return 0;
	}
	return mr_fail(e, MR_E_INVALID,
		       "invalid audit action '%s': expected an action (secret.create) or a prefix (secret.*)",
		       name_for_msg(f->action, shown, sizeof(shown)));
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
pg_audit_list(struct pg *p, const struct vault_audit_filter *f,
	      struct vault_audit_record **out, size_t *n, struct mr_err *e)
{
	struct vault_audit_record *list;
	char prefix[sizeof(list->action)];
	struct pg_params pp = { 0 };
	PGresult *r;
	int i, rows;

	if (filter_check(f, prefix, sizeof(prefix), e) != 0)
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
