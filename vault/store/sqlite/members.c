/* members.c — the members of the embedded store's workspace and their roles.
 * A workspace always keeps at least one owner: whoever could add members
 * must never be able to lock everyone out of administering it. */
#include "store/access_rules.h"
#include "local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MEMBER_COLUMNS "id, name, role, created_at"

static void
member_from_row(sqlite3_stmt *st, struct vault_member *m)
{
	char role[16];

	memset(m, 0, sizeof(*m));
	db_text(st, 0, m->member_id, sizeof(m->member_id));
	db_text(st, 1, m->name, sizeof(m->name));
	db_text(st, 2, role, sizeof(role));
	/* The schema's CHECK admits only the three names. */
	if (vault_role_parse(role, &m->role) != 0)
		m->role = VAULT_ROLE_USER;
	m->created_at = sqlite3_column_int64(st, 3);
}

/* Inside the caller's transaction when it has one. */
int
member_insert(struct sqlite_vault *v, const char *name, const char *role,
	      struct vault_member *out, struct mr_err *e)
{
	sqlite3_stmt *st;
	char id[32];
	int rc;

	random_id("us-", 22, id);
	if (db_prepare(v->db, "INSERT INTO members VALUES (?, ?, ?, ?, ?)"
		       " RETURNING " MEMBER_COLUMNS, &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, time(NULL));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (out != NULL)
			member_from_row(st, out);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(v->db, e, "adding a member");
	} else if ((sqlite3_extended_errcode(v->db) & 0xff) == SQLITE_CONSTRAINT) {
		rc = mr_fail(e, MR_E_EXISTS, "member '%s' already exists", name);
	} else {
		rc = db_fail(v->db, e, "adding a member");
	}
	sqlite3_finalize(st);
	return rc;
}

int
sqlite_owner(struct vault *base, struct vault_member *out, struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;
	sqlite3_stmt *st;
	int rc;

	/* The first owner made: the one vault_init (or the migration) created,
	 * unless it was removed after another owner was added. */
	if (db_prepare(v->db, "SELECT " MEMBER_COLUMNS " FROM members"
		       " WHERE workspace_id = ? AND role = 'owner'"
		       " ORDER BY created_at, rowid LIMIT 1", &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, v->ws.workspace_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		member_from_row(st, out), rc = 0;
	else if (rc == SQLITE_DONE)
		rc = mr_fail(e, MR_E_CONFIG, "workspace '%s' has no owner", v->ws.name);
	else
		rc = db_fail(v->db, e, "reading the owner");
	sqlite3_finalize(st);
	return rc;
}

int
sqlite_member_list(struct vault *base, struct vault_member **out, size_t *n,
		   struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;
	struct vault_member *list = NULL, *grown;
	sqlite3_stmt *st;
	size_t count = 0;
	int rc;

	if (db_prepare(v->db, "SELECT " MEMBER_COLUMNS " FROM members WHERE workspace_id = ?"
		       " ORDER BY created_at, rowid", &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, v->ws.workspace_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((grown = realloc(list, (count + 1) * sizeof(*list))) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		list = grown;
		member_from_row(st, &list[count++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(list);
		return rc == SQLITE_NOMEM ? mr_fail(e, MR_E_INTERNAL, "out of memory")
					  : db_fail(v->db, e, "listing members");
	}
	*out = list;
	*n = count;
	return 0;
}

int
sqlite_member_add(struct vault *base, const char *name, enum vault_role role,
		  struct vault_member *out, struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;

	/* One INSERT: atomic on its own. */
	return member_insert(v, name, vault_role_name(role), out, e);
}

/* Inside the write transaction: MR_E_NOTFOUND unless the member exists, and
 * whether it is the workspace's only owner. */
/* Runs sql with ?1 the workspace, ?2 the member id, ?3 a text and ?4 now
 * (binding a parameter a statement does not use is harmless). */
static int
member_exec(struct sqlite_vault *v, const char *sql, const char *member_id, const char *text,
	    struct mr_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(v->db, sql, &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, member_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, time(NULL));
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(v->db, e, "changing a member");
	sqlite3_finalize(st);
	return rc;
}

int
sqlite_member_read(struct store *s, const char *member_id, struct vault_member *m,
		   int64_t *owners, struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)s;
	sqlite3_stmt *st;
	char shown[128];
	int rc;

	/* Inside BEGIN IMMEDIATE: no other writer until the commit. */
	if (db_prepare(v->db, "SELECT " MEMBER_COLUMNS ", (SELECT count(*) FROM members"
		       " WHERE workspace_id = ?1 AND role = 'owner')"
		       " FROM members WHERE workspace_id = ?1 AND id = ?2", &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, member_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		member_from_row(st, m);
		*owners = sqlite3_column_int64(st, 4);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = mr_fail(e, MR_E_NOTFOUND, "member '%s' not found",
			     name_for_msg(member_id, shown, sizeof(shown)));
	} else {
		rc = db_fail(v->db, e, "reading a member");
	}
	sqlite3_finalize(st);
	return rc;
}

int
sqlite_member_role_write(struct store *s, const char *member_id, enum vault_role role,
			 struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)s;

	return member_exec(v, "UPDATE members SET role = ?3 WHERE workspace_id = ?1 AND id = ?2",
			   member_id, vault_role_name(role), e);
}

int
sqlite_member_delete(struct store *s, const char *member_id, struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)s;

	/* The API tokens' rows stay, revoked, so listings and the audit log
	 * still resolve. */
	if (member_exec(v, "UPDATE tokens SET revoked_at = ?4 WHERE workspace_id = ?1"
			" AND member_id = ?2 AND kind = 'api' AND revoked_at = 0",
			member_id, NULL, e) != 0)
		return -1;
	return member_exec(v, "DELETE FROM members WHERE workspace_id = ?1 AND id = ?2",
			   member_id, NULL, e);
}

int
member_get(struct sqlite_vault *v, const char *member_id, struct vault_member *out,
	   struct mr_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_hot(v, HOT_MEMBER_GET, "SELECT " MEMBER_COLUMNS " FROM members"
		   " WHERE workspace_id = ? AND id = ?", &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, member_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		member_from_row(st, out), rc = 0;
	else
		rc = rc == SQLITE_DONE ? 1 : db_fail(v->db, e, "reading a member");
	db_hot_done(st);
	return rc;
}
