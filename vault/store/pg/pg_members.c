/* pg_members.c — the members of the PostgreSQL store's workspace and their
 * roles. A workspace always keeps at least one owner; since several servers
 * may change roles at once, every change takes the workspace's row lock
 * first, so two owners demoting each other cannot both see the other stay. */
#include "store/access_rules.h"
#include "pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEMBER_COLUMNS "id, name, role, created_at"

void
pg_member_from_row(const struct pg *p, const PGresult *r, int row, int col,
		   struct vault_member *m)
{
	memset(m, 0, sizeof(*m));
	pg_text(p, r, row, col, m->member_id, sizeof(m->member_id));
	pg_text(p, r, row, col + 1, m->name, sizeof(m->name));
	/* The schema's CHECK admits only the three names. */
	if (vault_role_parse(p->pq->getvalue(r, row, col + 2), &m->role) != 0)
		m->role = VAULT_ROLE_USER;
	m->created_at = pg_int(p, r, row, col + 3);
}

int
pg_member_insert(struct pg *p, const char *name, const char *role,
		 struct vault_member *out, struct mr_err *e)
{
	struct pg_params pp = { 0 };
	char id[32];
	PGresult *r;

	random_id("us-", 22, id);
	pp_text(&pp, id);
	pp_text(&pp, p->ws.workspace_id);
	pp_text(&pp, name);
	pp_text(&pp, role);
	r = pg_run(p, "INSERT INTO members (id, workspace_id, name, role, created_at)"
		   " VALUES ($1, $2, $3, $4, " PG_NOW ") RETURNING " MEMBER_COLUMNS, &pp,
		   "adding a member", e);
	if (r == NULL)
		return pg_state_is(p, "23505")
			? mr_fail(e, MR_E_EXISTS, "member '%s' already exists", name) : -1;
	if (out != NULL)
		pg_member_from_row(p, r, 0, 0, out);
	p->pq->clear(r);
	return 0;
}

int
pg_owner(struct vault *base, struct vault_member *out, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	struct pg_params pp = { 0 };
	PGresult *r;
	int found;

	pp_text(&pp, p->ws.workspace_id);
	/* The first owner made, unless it was removed after another was added. */
	r = pg_run(p, "SELECT " MEMBER_COLUMNS " FROM members WHERE workspace_id = $1"
		   " AND role = 'owner' ORDER BY created_at, seq LIMIT 1", &pp,
		   "reading the owner", e);
	if (r == NULL)
		return -1;
	if ((found = p->pq->ntuples(r) == 1))
		pg_member_from_row(p, r, 0, 0, out);
	p->pq->clear(r);
	return found ? 0 : mr_fail(e, MR_E_CONFIG, "workspace '%s' has no owner", p->ws.name);
}

int
pg_member_list(struct vault *base, struct vault_member **out, size_t *n, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	struct pg_params pp = { 0 };
	struct vault_member *list;
	PGresult *r;
	int i, rows;

	pp_text(&pp, p->ws.workspace_id);
	r = pg_run(p, "SELECT " MEMBER_COLUMNS " FROM members WHERE workspace_id = $1"
		   " ORDER BY created_at, seq", &pp, "listing members", e);
	if (r == NULL)
		return -1;
	rows = p->pq->ntuples(r);
	if ((list = calloc(rows ? (size_t)rows : 1, sizeof(*list))) == NULL) {
		p->pq->clear(r);
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	}
	for (i = 0; i < rows; i++)
		pg_member_from_row(p, r, i, 0, &list[i]);
	p->pq->clear(r);
	*out = list;
	*n = (size_t)rows;
	return 0;
}

int
pg_member_add(struct vault *base, const char *name, enum vault_role role,
	      struct vault_member *out, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;

	/* One INSERT: atomic on its own. */
	return pg_member_insert(p, name, vault_role_name(role), out, e);
}

/* Runs sql with $1 the workspace, $2 the member id and $3 a text. */
static int
member_exec(struct pg *p, const char *sql, const char *member_id, const char *text,
	    struct mr_err *e)
{
	struct pg_params pp = { 0 };

	pp_text(&pp, p->ws.workspace_id);
	pp_text(&pp, member_id);
	if (text != NULL)
		pp_text(&pp, text);
	return pg_run_cmd(p, sql, &pp, NULL, "changing a member", e);
}

/* Locks the workspace (members change one at a time), then reads the
 * member and counts the owners. */
int
pg_member_read(struct store *s, const char *member_id, struct vault_member *m,
	       int64_t *owners, struct mr_err *e)
{
	struct pg *p = (struct pg *)s;
	struct pg_params ws = { 0 }, pp = { 0 };
	char shown[128];
	PGresult *r;
	int found;

	pp_text(&ws, p->ws.workspace_id);
	pp_text(&pp, p->ws.workspace_id);
	pp_text(&pp, member_id);
	if (pg_run_cmd(p, "SELECT 1 FROM workspaces WHERE id = $1 FOR NO KEY UPDATE", &ws,
		       NULL, "locking the workspace", e) != 0)
		return -1;
	r = pg_run(p, "SELECT " MEMBER_COLUMNS ", (SELECT count(*) FROM members"
		   " WHERE workspace_id = $1 AND role = 'owner')"
		   " FROM members WHERE workspace_id = $1 AND id = $2", &pp, "reading a member", e);
	if (r == NULL)
		return -1;
	if ((found = p->pq->ntuples(r) == 1)) {
		pg_member_from_row(p, r, 0, 0, m);
		*owners = pg_int(p, r, 0, 4);
	}
	p->pq->clear(r);
	return found ? 0 : mr_fail(e, MR_E_NOTFOUND, "member '%s' not found",
				   name_for_msg(member_id, shown, sizeof(shown)));
}

int
pg_member_role_write(struct store *s, const char *member_id, enum vault_role role,
		     struct mr_err *e)
{
	return member_exec((struct pg *)s,
			   "UPDATE members SET role = $3 WHERE workspace_id = $1 AND id = $2",
			   member_id, vault_role_name(role), e);
}

int
pg_member_delete(struct store *s, const char *member_id, struct mr_err *e)
{
	struct pg *p = (struct pg *)s;

	/* The API tokens' rows stay, revoked, so listings and the audit log
	 * still resolve. */
	if (member_exec(p, "UPDATE tokens SET revoked_at = " PG_NOW " WHERE workspace_id = $1"
			" AND member_id = $2 AND kind = 'api' AND revoked_at = 0",
			member_id, NULL, e) != 0)
		return -1;
	return member_exec(p, "DELETE FROM members WHERE workspace_id = $1 AND id = $2",
			   member_id, NULL, e);
}

