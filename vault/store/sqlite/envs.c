/* envs.c — environments and the workspace of the embedded store. */
#include "checks.h"
#include "local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


int
env_must_exist(struct sqlite_vault *v, const char *env, struct mr_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_hot(v, HOT_ENV_EXISTS, "SELECT 1 FROM environments WHERE workspace_id = ? AND name = ?",
		   &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, env, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	db_hot_done(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return mr_fail(e, MR_E_NOTFOUND, "environment '%s' not found", env);
	return db_fail(v->db, e, "looking up the environment");
}

static int
env_from_row(struct sqlite_vault *v, sqlite3_stmt *st, struct vault_env *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", sqlite3_column_text(st, 0));
	snprintf(out->webhook_suffix, sizeof(out->webhook_suffix), "%s",
		 sqlite3_column_text(st, 1));
	snprintf(out->workspace_id, sizeof(out->workspace_id), "%s", v->ws.workspace_id);
	out->created_at = sqlite3_column_int64(st, 2);
	out->is_default = strcmp(out->name, v->ws.default_env) == 0;
	return 0;
}

int
sqlite_env_create(struct vault *base, const char *name, const char *webhook_suffix,
		  struct vault_env *out, struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(v->db, "INSERT INTO environments VALUES (?, ?, ?, ?)"
		       " RETURNING name, webhook_suffix, created_at", &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, webhook_suffix, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, time(NULL));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (out != NULL)
			env_from_row(v, st, out);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(v->db, e, "creating an environment");
	} else if ((sqlite3_extended_errcode(v->db) & 0xff) == SQLITE_CONSTRAINT) {
		/* SQLite names one constraint of those broken: the name's, when it
		 * is taken too, is the one to report. */
		rc = strstr(sqlite3_errmsg(v->db), "environments_suffix") != NULL &&
		     env_must_exist(v, name, &(struct mr_err){ 0 }) != 0
			? mr_fail(e, MR_E_EXISTS,
				  "webhook suffix '%s' is already another environment's (a Host names one environment)",
				  webhook_suffix)
			: mr_fail(e, MR_E_EXISTS, "environment '%s' already exists", name);
	} else {
		rc = db_fail(v->db, e, "creating an environment");
	}
	sqlite3_finalize(st);
	return rc;
}

int
sqlite_env_list(struct vault *base, struct vault_env **out, size_t *n, struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;
	struct vault_env *list = NULL, *grown;
	sqlite3_stmt *st;
	size_t count = 0;
	int rc;

	if (db_prepare(v->db, "SELECT name, webhook_suffix, created_at FROM environments"
		       " WHERE workspace_id = ? ORDER BY created_at, name", &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, v->ws.workspace_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((grown = realloc(list, (count + 1) * sizeof(*list))) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		list = grown;
		env_from_row(v, st, &list[count++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(list);
		return db_fail(v->db, e, "listing environments");
	}
	*out = list;
	*n = count;
	return 0;
}

int
sqlite_env_delete(struct vault *base, const char *name, struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;
	sqlite3_stmt *st;
	int rc, held;

	if (strcmp(name, v->ws.default_env) == 0)
		return mr_fail(e, MR_E_CONFLICT,
			       "environment '%s' is the workspace's default and cannot be deleted", name);
	if (db_exec(v->db, "BEGIN IMMEDIATE", e) != 0)
		return -1;
	if (db_prepare(v->db, "SELECT (SELECT count(*) FROM secrets WHERE workspace_id = ?1"
		       " AND environment = ?2), (SELECT count(*) FROM environments"
		       " WHERE workspace_id = ?1 AND name = ?2)", &st, e) != 0)
		goto fail;
	sqlite3_bind_text(st, 1, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	held = sqlite3_column_int(st, 0);
	if (rc == SQLITE_ROW && sqlite3_column_int(st, 1) == 0)
		rc = mr_fail(e, MR_E_NOTFOUND, "environment '%s' not found", name);
	else if (rc == SQLITE_ROW && held > 0)
		rc = mr_fail(e, MR_E_CONFLICT,
			     "environment '%s' still holds %d secret%s: delete them first",
			     name, held, held == 1 ? "" : "s");
	else
		rc = rc == SQLITE_ROW ? 0 : db_fail(v->db, e, "deleting an environment");
	sqlite3_finalize(st);
	if (rc != 0)
		goto fail;
	if (db_prepare(v->db, "DELETE FROM environments WHERE workspace_id = ? AND name = ?",
		       &st, e) != 0)
		goto fail;
	sqlite3_bind_text(st, 1, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(v->db, e, "deleting an environment");
		goto fail;
	}
	return db_exec(v->db, "COMMIT", e);
fail:
	sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}


/* One statement of an update, keyed ?1 workspace, ?2 name, ?3 new name,
 * ?4 suffix; SQLITE_DONE or the step's failure. */
static int
env_update_step(struct sqlite_vault *v, const char *sql, const char *name, const char *new_name,
		const char *suffix, struct mr_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(v->db, sql, &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, new_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, suffix, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc;
}

/* The environment's suffix and how many secrets it holds; NOTFOUND if none. */
static int
env_state(struct sqlite_vault *v, const char *name, char suffix[NAME_MAX_LEN + 1], int *held,
	  struct mr_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(v->db, "SELECT webhook_suffix, (SELECT count(*) FROM secrets"
		       " WHERE workspace_id = ?1 AND environment = ?2) FROM environments"
		       " WHERE workspace_id = ?1 AND name = ?2", &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(suffix, NAME_MAX_LEN + 1, "%s", sqlite3_column_text(st, 0));
		*held = sqlite3_column_int(st, 1);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? mr_fail(e, MR_E_NOTFOUND, "environment '%s' not found", name)
				       : db_fail(v->db, e, "updating an environment");
	}
	sqlite3_finalize(st);
	return rc;
}

/* A rename is a new row under the new name (its suffix set last, once the
 * old row no longer holds it), the proxy tokens' grants moved to it, the old
 * row deleted: the keys reference names and SQLite cannot defer them. */
static int
env_rename(struct sqlite_vault *v, const char *name, const char *new_name, struct mr_err *e)
{
	int rc = env_update_step(v, "INSERT INTO environments SELECT workspace_id, ?3, '',"
				 " created_at FROM environments WHERE workspace_id = ?1 AND name = ?2",
				 name, new_name, NULL, e);

	if (rc != SQLITE_DONE)
		return (sqlite3_extended_errcode(v->db) & 0xff) == SQLITE_CONSTRAINT
			? mr_fail(e, MR_E_EXISTS, "environment '%s' already exists", new_name)
			: db_fail(v->db, e, "renaming an environment");
	if (env_update_step(v, "UPDATE proxy_token_envs SET environment = ?3"
			    " WHERE workspace_id = ?1 AND environment = ?2", name, new_name, NULL,
			    e) != SQLITE_DONE ||
	    env_update_step(v, "DELETE FROM environments WHERE workspace_id = ?1 AND name = ?2",
			    name, NULL, NULL, e) != SQLITE_DONE)
		return db_fail(v->db, e, "renaming an environment");
	return 0;
}

static int
env_set_suffix(struct sqlite_vault *v, const char *name, const char *suffix, struct mr_err *e)
{
	if (env_update_step(v, "UPDATE environments SET webhook_suffix = ?4"
			    " WHERE workspace_id = ?1 AND name = ?2", name, NULL, suffix,
			    e) == SQLITE_DONE)
		return 0;
	return (sqlite3_extended_errcode(v->db) & 0xff) == SQLITE_CONSTRAINT
		? mr_fail(e, MR_E_EXISTS,
			  "webhook suffix '%s' is already another environment's (a Host names one environment)",
			  suffix)
		: db_fail(v->db, e, "updating an environment");
}

static int
env_read(struct sqlite_vault *v, const char *name, struct vault_env *out, struct mr_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(v->db, "SELECT name, webhook_suffix, created_at FROM environments"
		       " WHERE workspace_id = ? AND name = ?", &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_ROW ? env_from_row(v, st, out)
					    : db_fail(v->db, e, "updating an environment");
	sqlite3_finalize(st);
	return rc;
}

int
sqlite_env_update(struct vault *base, const char *name, const char *new_name,
		  const char *new_suffix, struct vault_env *out, struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;
	char suffix[NAME_MAX_LEN + 1];
	const char *target = new_name != NULL ? new_name : name;
	int held = 0, renaming = new_name != NULL && strcmp(new_name, name) != 0;

	if (env_default_rename_check(name, new_name, v->ws.default_env, e) != 0 ||
	    db_exec(v->db, "BEGIN IMMEDIATE", e) != 0)
		return -1;
	if (env_state(v, name, suffix, &held, e) != 0)
		goto fail;
	if (renaming && held > 0) {
		mr_fail(e, MR_E_CONFLICT,
			"environment '%s' holds %d secret%s, whose encryption is bound to its name: move or delete them first",
			name, held, held == 1 ? "" : "s");
		goto fail;
	}
	if ((renaming && env_rename(v, name, new_name, e) != 0) ||
	    env_set_suffix(v, target, new_suffix != NULL ? new_suffix : suffix, e) != 0 ||
	    (out != NULL && env_read(v, target, out, e) != 0))
		goto fail;
	return db_exec(v->db, "COMMIT", e);
fail:
	sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
sqlite_workspace_current(struct vault *base, struct vault_workspace *out, struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;

	(void)e;
	*out = v->ws;
	return 0;
}
