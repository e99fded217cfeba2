/* pg_secrets.c — secret bundles in the PostgreSQL store: sealed writes and
 * metadata reads. A write is one statement whenever it can be: the insert or
 * the compare-and-set update of the secret's row and the insert of its new
 * version together, so the database decides every race by itself (a unique
 * key for creates, `WHERE version = expected` for updates). */
#include "store/codec.h"
#include "pg_int.h"
#include "secmem.h"
#include "store/store_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
env_or_default(const struct pg *p, const char *env)
{
	return env != NULL ? env : p->ws.default_env;
}

/* Statements keyed by workspace, environment and name, as $1 $2 $3. */
static struct pg_params
secret_key(const struct pg *p, const char *env, const char *name)
{
	struct pg_params pp = { 0 };

	pp_text(&pp, p->ws.workspace_id);
	pp_text(&pp, env);
	if (name != NULL)
		pp_text(&pp, name);
	return pp;
}

static int
not_found(struct pg *p, const char *env, const char *name, struct mr_err *e)
{
	/* Say which is missing: the environment, or the secret in it. */
	if (pg_env_must_exist(p, env, e) != 0)
		return -1;
	return mr_fail(e, MR_E_NOTFOUND, "secret '%s' not found in environment '%s'", name, env);
}

#define META_COLUMNS "s.id, s.name, s.environment, s.created_at, s.updated_at, s.version, sv.keys"
#define META_FROM " FROM secrets s JOIN secret_versions sv ON sv.secret_id = s.id AND sv.version = s.version"

static int
meta_from_row(const struct pg *p, const PGresult *r, int row, struct vault_secret_meta *m)
{
	memset(m, 0, sizeof(*m));
	pg_text(p, r, row, 0, m->secret_id, sizeof(m->secret_id));
	pg_text(p, r, row, 1, m->name, sizeof(m->name));
	pg_text(p, r, row, 2, m->environment, sizeof(m->environment));
	m->created_at = pg_int(p, r, row, 3);
	m->updated_at = pg_int(p, r, row, 4);
	m->version = (uint64_t)pg_int(p, r, row, 5);
	return keys_split(p->pq->getvalue(r, row, 6), m);
}

/* Every row of a metadata query; none is MR_E_NOTFOUND when name is given. */
static int
meta_collect(struct pg *p, PGresult *r, const char *env, const char *name,
	     struct vault_secret_meta **out, size_t *n, struct mr_err *e)
{
	int i, rows = p->pq->ntuples(r);
	struct vault_secret_meta *list = calloc(rows ? (size_t)rows : 1, sizeof(*list));

	for (i = 0; list != NULL && i < rows; i++)
		if (meta_from_row(p, r, i, &list[i]) != 0) {
			vault_secret_meta_free(list, (size_t)i);
			list = NULL;
		}
	p->pq->clear(r);
	if (list == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	if (rows == 0 && (name != NULL || pg_env_must_exist(p, env, e) != 0)) {
		free(list);
		return name != NULL ? not_found(p, env, name, e) : -1;
	}
	*out = list;
	*n = (size_t)rows;
	return 0;
}

int
pg_secret_get(struct vault *base, const char *env, const char *name,
	      struct vault_secret_meta *out, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	struct vault_secret_meta *list;
	struct pg_params pp;
	PGresult *r;
	size_t n;

	env = env_or_default(p, env);
	pp = secret_key(p, env, name);
	r = pg_run(p, "SELECT " META_COLUMNS META_FROM
		   " WHERE s.workspace_id = $1 AND s.environment = $2 AND s.name = $3", &pp,
		   "reading a secret", e);
	if (r == NULL || meta_collect(p, r, env, name, &list, &n, e) != 0)
		return -1;
	*out = list[0];
	free(list);
	return 0;
}

int
pg_secret_list(struct vault *base, const char *env, struct vault_secret_meta **out, size_t *n,
	       struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	struct pg_params pp;
	PGresult *r;

	env = env_or_default(p, env);
	pp = secret_key(p, env, NULL);
	r = pg_run(p, "SELECT " META_COLUMNS META_FROM
		   " WHERE s.workspace_id = $1 AND s.environment = $2 ORDER BY s.name", &pp,
		   "listing secrets", e);
	return r == NULL ? -1 : meta_collect(p, r, env, NULL, out, n, e);
}

int
pg_secret_versions(struct vault *base, const char *env, const char *name,
		   struct vault_secret_meta **out, size_t *n, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	struct pg_params pp;
	PGresult *r;

	env = env_or_default(p, env);
	pp = secret_key(p, env, name);
	/* Each version's own time is both its created_at and updated_at. */
	r = pg_run(p, "SELECT s.id, s.name, s.environment, sv.created_at, sv.created_at,"
		   " sv.version, sv.keys FROM secrets s JOIN secret_versions sv"
		   " ON sv.secret_id = s.id"
		   " WHERE s.workspace_id = $1 AND s.environment = $2 AND s.name = $3"
		   " ORDER BY sv.version DESC", &pp, "listing versions", e);
	return r == NULL ? -1 : meta_collect(p, r, env, name, out, n, e);
}

int
pg_secret_delete(struct vault *base, const char *env, const char *name, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	struct pg_params pp;
	long deleted;

	env = env_or_default(p, env);
	pp = secret_key(p, env, name);
	/* Its versions go with it (ON DELETE CASCADE), in the same statement. */
	if (pg_run_cmd(p, "DELETE FROM secrets WHERE workspace_id = $1 AND environment = $2"
		       " AND name = $3", &pp, &deleted, "deleting a secret", e) != 0)
		return -1;
	return deleted == 1 ? 0 : not_found(p, env, name, e);
}

/* One write in progress: the plaintext (sodium memory), what it is sealed
 * into, and the row and version it goes to. */
struct write {
	const char *env, *name;
	struct sealed_write rows;
	char id[48];
	uint64_t version;
	int64_t created_at, updated_at;
};

/* The secret's row and its first version, unless the name is taken. */
#define INSERT_FIRST \
	"WITH s AS (INSERT INTO secrets VALUES ($1, $7, $8, $9, 1, " PG_NOW ", " PG_NOW ")" \
	"  ON CONFLICT DO NOTHING RETURNING id, created_at, updated_at)" \
	" INSERT INTO secret_versions SELECT id, $2::bigint, $3::text, $4::bytea, $5::bytea," \
	"  $6::integer, updated_at FROM s RETURNING (SELECT created_at FROM s), created_at"
/* The next version, only if the row is still at the one before it. */
#define INSERT_NEXT \
	"WITH s AS (UPDATE secrets SET version = $2::bigint, updated_at = " PG_NOW \
	"  WHERE id = $1 AND version = $2::bigint - 1 RETURNING id, created_at, updated_at)" \
	" INSERT INTO secret_versions SELECT id, $2::bigint, $3::text, $4::bytea, $5::bytea," \
	"  $6::integer, updated_at FROM s RETURNING (SELECT created_at FROM s), created_at"

/* Seals the plaintext for w->id at w->version and stores it; *stored is 0
 * when the race was lost (the name taken, or the version moved on). */
static int
seal_and_store(struct pg *p, struct write *w, int *stored, struct mr_err *e)
{
	struct seal_context ctx = { p->ws.workspace_id, w->env, w->name, w->id, w->version };
	struct pg_params pp = { 0 };
	PGresult *r;

	if (pg_current_kek(p, e) != 0)
		return -1;
	if (sealed_write_seal(&p->keys, p->kek_version, &ctx, &w->rows, e) != 0)
		return -1;
	pp_text(&pp, w->id);
	pp_int(&pp, (int64_t)w->version);
	pp_text(&pp, w->rows.keys);
	pp_bytes(&pp, w->rows.sealed, w->rows.sealed_len);
	pp_bytes(&pp, w->rows.wrapped, WRAPPED_KEY_LEN);
	pp_int(&pp, p->kek_version);
	if (w->version == 1) {
		pp_text(&pp, p->ws.workspace_id);
		pp_text(&pp, w->env);
		pp_text(&pp, w->name);
	}
	r = pg_run(p, w->version == 1 ? INSERT_FIRST : INSERT_NEXT, &pp, "storing a secret", e);
	/* A rekey may retire the key id read above before this insert lands:
	 * the foreign key refuses the row, and the write is to be made again. */
	if (r == NULL && pg_state_is(p, "23503") &&
	    strcmp(p->constraint, "secret_versions_kek_version_fkey") == 0)
		return mr_fail(e, MR_E_CONFLICT,
			       "secret '%s' not written: a rekey retired the vault's key meanwhile; write it again",
			       w->name);
	if (r == NULL)
		return pg_state_is(p, "23503")
			? mr_fail(e, MR_E_NOTFOUND, "environment '%s' not found", w->env) : -1;
	*stored = p->pq->ntuples(r) == 1;
	if (*stored) {
		w->created_at = pg_int(p, r, 0, 0);
		w->updated_at = pg_int(p, r, 0, 1);
	}
	p->pq->clear(r);
	return 0;
}

/* The secret's id and current version (0: there is none). */
static int
current_version(struct pg *p, struct write *w, int lock, struct mr_err *e)
{
	struct pg_params pp = secret_key(p, w->env, w->name);
	PGresult *r;

	r = pg_run(p, lock ? "SELECT id, version FROM secrets WHERE workspace_id = $1"
		   " AND environment = $2 AND name = $3 FOR UPDATE"
		   : "SELECT id, version FROM secrets WHERE workspace_id = $1"
		   " AND environment = $2 AND name = $3", &pp, "reading a secret", e);
	if (r == NULL)
		return -1;
	w->version = 0;
	if (p->pq->ntuples(r) == 1) {
		pg_text(p, r, 0, 0, w->id, sizeof(w->id));
		w->version = (uint64_t)pg_int(p, r, 0, 1);
	}
	p->pq->clear(r);
	return 0;
}

static void
new_secret(struct write *w)
{
	random_id("st-", 22, w->id);
	w->version = 1;
}

static int
write_create(struct pg *p, struct write *w, struct mr_err *e)
{
	int stored;

	new_secret(w);
	if (seal_and_store(p, w, &stored, e) != 0)
		return -1;
	return stored ? 0 : mr_fail(e, MR_E_EXISTS, "secret '%s' already exists in environment '%s'",
				    w->name, w->env);
}

/* Compare-and-set: the version read must still be expected when the update
 * lands, or nothing is written (MR_E_CONFLICT). Expecting 0 creates. */
static int
write_expect(struct pg *p, struct write *w, uint64_t expected, struct mr_err *e)
{
	int stored = 0;

	if (expected == 0) {
		new_secret(w);
		if (seal_and_store(p, w, &stored, e) != 0)
			return -1;
	} else {
		if (current_version(p, w, 0, e) != 0)
			return -1;
		if (w->version == 0)
			return not_found(p, w->env, w->name, e);
		if (w->version == expected) {
			w->version++;
			if (seal_and_store(p, w, &stored, e) != 0)
				return -1;
		}
	}
	if (stored)
		return 0;
	/* Lost, or never had a chance: say where the secret is now. */
	if (current_version(p, w, 0, e) != 0)
		return -1;
	if (w->version == 0)
		return not_found(p, w->env, w->name, e);
	return mr_fail(e, MR_E_CONFLICT, "secret '%s' is at version %llu, not %llu", w->name,
		       (unsigned long long)w->version, (unsigned long long)expected);
}

/* Create or replace: the row is locked, so this writer cannot lose to
 * another; a creator racing us for a new name wins once and we replace its
 * version on the next round. */
static int
write_replace(struct pg *p, struct write *w, struct mr_err *e)
{
	int round, stored = 0;

	for (round = 0; round < 3 && !stored; round++) {
		if (pg_begin(p, e) != 0 || current_version(p, w, 1, e) != 0)
			goto fail;
		if (w->version == 0)
			new_secret(w);
		else
			w->version++;
		if (seal_and_store(p, w, &stored, e) != 0 || (stored && pg_commit(p, e) != 0))
			goto fail;
		pg_rollback(p);
	}
	return stored ? 0 : mr_fail(e, MR_E_TIMEOUT, "secret '%s': too many concurrent writers", w->name);
fail:
	pg_rollback(p);
	return -1;
}

/* How a write treats an existing secret (as in the embedded store). */
enum put_mode { PUT_CREATE, PUT_REPLACE, PUT_EXPECT };

static int
meta_of_write(const struct write *w, struct vault_secret_meta *out, struct mr_err *e)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->secret_id, sizeof(out->secret_id), "%s", w->id);
	snprintf(out->name, sizeof(out->name), "%s", w->name);
	snprintf(out->environment, sizeof(out->environment), "%s", w->env);
	out->created_at = w->created_at;
	out->updated_at = w->updated_at;
	out->version = w->version;
	return keys_split(w->rows.keys, out) == 0 ? 0 : mr_fail(e, MR_E_INTERNAL, "out of memory");
}

static int
secret_write(struct pg *p, const char *env, const char *name, const struct vault_item *items,
	     size_t nitems, enum put_mode mode, uint64_t expected,
	     struct vault_secret_meta *out, struct mr_err *e)
{
	struct write w = { .env = env_or_default(p, env), .name = name };
	int rc = -1;

	if (sealed_write_prepare(items, nitems, &w.rows, e) != 0)
		return -1;
	if (mode == PUT_CREATE)
		rc = write_create(p, &w, e);
	else if (mode == PUT_REPLACE)
		rc = write_replace(p, &w, e);
	else
		rc = write_expect(p, &w, expected, e);
	if (rc == 0 && out != NULL)
		rc = meta_of_write(&w, out, e);
	sealed_write_clear(&w.rows);
	return rc;
}

int
pg_secret_put(struct vault *base, const char *env, const char *name,
	      const struct vault_item *items, size_t nitems, int replace,
	      struct vault_secret_meta *out, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;

	return secret_write(p, env, name, items, nitems, replace ? PUT_REPLACE : PUT_CREATE, 0,
			    out, e);
}

int
pg_secret_update(struct vault *base, const char *env, const char *name,
		 const struct vault_item *items, size_t nitems, uint64_t expected_version,
		 struct vault_secret_meta *out, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;

	return secret_write(p, env, name, items, nitems, PUT_EXPECT, expected_version, out, e);
}
