/* pg_envs.c — environments and the workspace of the PostgreSQL store. */
#include "checks.h"
#include "pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most statements here are keyed by workspace and environment, as $1 $2. */
static struct pg_params
env_key(const struct pg *p, const char *env)
{
	struct pg_params pp = { 0 };

	pp_text(&pp, p->ws.workspace_id);
	pp_text(&pp, env);
	return pp;
}

int
pg_env_must_exist(struct pg *p, const char *env, struct mr_err *e)
{
	struct pg_params pp = env_key(p, env);
	PGresult *r;
	int found;

	r = pg_run(p, "SELECT 1 FROM environments WHERE workspace_id = $1 AND name = $2", &pp,
		   "looking up the environment", e);
	if (r == NULL)
		return -1;
	found = p->pq->ntuples(r) == 1;
	p->pq->clear(r);
	return found ? 0 : mr_fail(e, MR_E_NOTFOUND, "environment '%s' not found", env);
}

static void
env_from_row(const struct pg *p, const PGresult *r, int row, struct vault_env *out)
{
	memset(out, 0, sizeof(*out));
	pg_text(p, r, row, 0, out->name, sizeof(out->name));
	pg_text(p, r, row, 1, out->webhook_suffix, sizeof(out->webhook_suffix));
	snprintf(out->workspace_id, sizeof(out->workspace_id), "%s", p->ws.workspace_id);
	out->created_at = pg_int(p, r, row, 2);
	out->is_default = strcmp(out->name, p->ws.default_env) == 0;
}

int
pg_env_create(struct vault *base, const char *name, const char *webhook_suffix,
	      struct vault_env *out, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	struct pg_params pp = env_key(p, name);
	PGresult *r;

	pp_text(&pp, webhook_suffix);
	r = pg_run(p, "INSERT INTO environments VALUES ($1, $2, $3, " PG_NOW ")"
		   " RETURNING name, webhook_suffix, created_at", &pp, "creating an environment", e);
	if (r == NULL && pg_state_is(p, "23505") && strcmp(p->constraint, "environments_suffix") == 0 &&
	    pg_env_must_exist(p, name, &(struct mr_err){ 0 }) != 0)
		return mr_fail(e, MR_E_EXISTS,
			       "webhook suffix '%s' is already another environment's (a Host names one environment)",
			       webhook_suffix);
	if (r == NULL)
		return pg_state_is(p, "23505")
			? mr_fail(e, MR_E_EXISTS, "environment '%s' already exists", name) : -1;
	if (out != NULL)
		env_from_row(p, r, 0, out);
	p->pq->clear(r);
	return 0;
}

int
pg_env_list(struct vault *base, struct vault_env **out, size_t *n, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	struct pg_params pp = { 0 };
	struct vault_env *list;
	PGresult *r;
	int i, rows;

	pp_text(&pp, p->ws.workspace_id);
	r = pg_run(p, "SELECT name, webhook_suffix, created_at FROM environments"
		   " WHERE workspace_id = $1 ORDER BY created_at, name", &pp,
		   "listing environments", e);
	if (r == NULL)
		return -1;
	rows = p->pq->ntuples(r);
	if ((list = calloc(rows ? (size_t)rows : 1, sizeof(*list))) == NULL) {
		p->pq->clear(r);
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	}
	for (i = 0; i < rows; i++)
		env_from_row(p, r, i, &list[i]);
	p->pq->clear(r);
	*out = list;
	*n = (size_t)rows;
	return 0;
}

/* Inside the delete's transaction, with the environment's row locked: a
 * secret being written there now holds a key-share lock on it, so the count
 * cannot miss one that commits before the delete. */
static int
env_deletable(struct pg *p, const char *name, struct mr_err *e)
{
	struct pg_params pp = env_key(p, name);
	PGresult *r;
	int64_t held = 0;

	r = pg_run(p, "SELECT (SELECT count(*) FROM secrets WHERE workspace_id = $1"
		   " AND environment = $2) FROM environments"
		   " WHERE workspace_id = $1 AND name = $2 FOR UPDATE", &pp,
		   "deleting an environment", e);
	if (r == NULL)
		return -1;
	held = p->pq->ntuples(r) == 1 ? pg_int(p, r, 0, 0) : -1;
	p->pq->clear(r);
	if (held < 0)
		return mr_fail(e, MR_E_NOTFOUND, "environment '%s' not found", name);
	if (held > 0)
		return mr_fail(e, MR_E_CONFLICT,
			       "environment '%s' still holds %lld secret%s: delete them first",
			       name, (long long)held, held == 1 ? "" : "s");
	return 0;
}

int
pg_env_delete(struct vault *base, const char *name, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	struct pg_params pp = env_key(p, name);

	if (strcmp(name, p->ws.default_env) == 0)
		return mr_fail(e, MR_E_CONFLICT,
			       "environment '%s' is the workspace's default and cannot be deleted", name);
	if (pg_begin(p, e) != 0)
		return -1;
	if (env_deletable(p, name, e) != 0 ||
	    pg_run_cmd(p, "DELETE FROM environments WHERE workspace_id = $1 AND name = $2",
		       &pp, NULL, "deleting an environment", e) != 0 ||
	    pg_commit(p, e) != 0) {
		pg_rollback(p);
		return -1;
	}
	return 0;
}

/* The environment's suffix, its row locked for the update, and how many
 * secrets it holds (a secret being written there holds a key-share lock on
 * the row, as for the delete). */
static int
env_state(struct pg *p, const char *name, char suffix[NAME_MAX_LEN + 1], int64_t *held,
	  struct mr_err *e)
{
	struct pg_params pp = env_key(p, name);
	PGresult *r;
	int found;

	r = pg_run(p, "SELECT webhook_suffix, (SELECT count(*) FROM secrets WHERE workspace_id = $1"
		   " AND environment = $2) FROM environments"
		   " WHERE workspace_id = $1 AND name = $2 FOR UPDATE", &pp,
		   "updating an environment", e);
	if (r == NULL)
		return -1;
	if ((found = p->pq->ntuples(r) == 1)) {
		pg_text(p, r, 0, 0, suffix, NAME_MAX_LEN + 1);
		*held = pg_int(p, r, 0, 1);
	}
	p->pq->clear(r);
	return found ? 0 : mr_fail(e, MR_E_NOTFOUND, "environment '%s' not found", name);
}

/* As the embedded store's: a new row under the new name (its suffix set
 * last, once the old row no longer holds it), the proxy tokens' grants moved
 * to it, the old row deleted. */
static int
env_rename(struct pg *p, const char *name, const char *new_name, struct mr_err *e)
{
	struct pg_params pp = env_key(p, name);

	pp_text(&pp, new_name);
	if (pg_run_cmd(p, "INSERT INTO environments SELECT workspace_id, $3, '', created_at"
		       " FROM environments WHERE workspace_id = $1 AND name = $2", &pp, NULL,
		       "renaming an environment", e) != 0)
		return pg_state_is(p, "23505")
			? mr_fail(e, MR_E_EXISTS, "environment '%s' already exists", new_name) : -1;
	if (pg_run_cmd(p, "UPDATE proxy_token_envs SET environment = $3"
		       " WHERE workspace_id = $1 AND environment = $2", &pp, NULL,
		       "renaming an environment", e) != 0)
		return -1;
	pp = env_key(p, name);
	return pg_run_cmd(p, "DELETE FROM environments WHERE workspace_id = $1 AND name = $2",
			  &pp, NULL, "renaming an environment", e);
}

static int
env_set_suffix(struct pg *p, const char *name, const char *suffix, struct vault_env *out,
	       struct mr_err *e)
{
	struct pg_params pp = env_key(p, name);
	PGresult *r;

	pp_text(&pp, suffix);
	r = pg_run(p, "UPDATE environments SET webhook_suffix = $3"
		   " WHERE workspace_id = $1 AND name = $2"
		   " RETURNING name, webhook_suffix, created_at", &pp, "updating an environment", e);
	if (r == NULL)
		return pg_state_is(p, "23505")
			? mr_fail(e, MR_E_EXISTS,
				  "webhook suffix '%s' is already another environment's (a Host names one environment)",
				  suffix) : -1;
	if (out != NULL)
		env_from_row(p, r, 0, out);
	p->pq->clear(r);
	return 0;
}

int
pg_env_update(struct vault *base, const char *name, const char *new_name, const char *new_suffix,
	      struct vault_env *out, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	char suffix[NAME_MAX_LEN + 1];
	int renaming = new_name != NULL && strcmp(new_name, name) != 0;
	int64_t held = 0;

	if (env_default_rename_check(name, new_name, p->ws.default_env, e) != 0 ||
	    pg_begin(p, e) != 0)
		return -1;
	if (env_state(p, name, suffix, &held, e) != 0)
		goto fail;
	if (renaming && held > 0) {
		mr_fail(e, MR_E_CONFLICT,
			"environment '%s' holds %lld secret%s, whose encryption is bound to its name: move or delete them first",
			name, (long long)held, held == 1 ? "" : "s");
		goto fail;
	}
	if ((renaming && env_rename(p, name, new_name, e) != 0) ||
	    env_set_suffix(p, renaming ? new_name : name, new_suffix != NULL ? new_suffix : suffix,
			   out, e) != 0 ||
	    pg_commit(p, e) != 0)
		goto fail;
	return 0;
fail:
	pg_rollback(p);
	return -1;
}

int
pg_workspace_current(struct vault *base, struct vault_workspace *out, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;

	(void)e;
	*out = p->ws;
	return 0;
}
