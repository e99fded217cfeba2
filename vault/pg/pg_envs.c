/* pg_envs.c — environments and the workspace of the PostgreSQL store. */
#include "local.h"
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

	if (name_check("environment", env, e) != 0)
		return -1;
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
pg_env_create(struct pg *p, const char *name, const char *webhook_suffix,
	      struct vault_env *out, struct mr_err *e)
{
	struct pg_params pp = env_key(p, name);
	char shown[128];
	PGresult *r;

	if (name_check("environment", name, e) != 0)
		return -1;
	if (webhook_suffix == NULL)
		webhook_suffix = name;
	if (*webhook_suffix != '\0' && !name_is_valid(webhook_suffix))
		return mr_fail(e, MR_E_INVALID, "invalid webhook suffix '%s'",
			       name_for_msg(webhook_suffix, shown, sizeof(shown)));
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
pg_env_list(struct pg *p, struct vault_env **out, size_t *n, struct mr_err *e)
{
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
	int64_t held;

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
pg_env_delete(struct pg *p, const char *name, struct mr_err *e)
{
	struct pg_params pp = env_key(p, name);

	if (name_check("environment", name, e) != 0)
		return -1;
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

int
pg_workspace_current(struct pg *p, struct vault_workspace *out, struct mr_err *e)
{
	(void)e;
	*out = p->ws;
	return 0;
}
