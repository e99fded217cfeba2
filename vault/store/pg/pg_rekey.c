/* pg_rekey.c — modal-vault rekey on the PostgreSQL store: the steps of
 * rekey.h with PostgreSQL's locks, and the key id every write is sealed
 * under. Several servers may write meanwhile: each reads the current id
 * before sealing, and kek_ids' foreign key refuses a row under a retired
 * id rather than let one in that the keyring file can no longer open. */
#include "pg_int.h"
#include "store/rekey.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One rekey per store, whichever host runs it; a session lock, released
 * with the connection should the rekey be killed. Arbitrary but fixed. */
#define REKEY_LOCK "SELECT pg_try_advisory_lock(7885634765317665910)"
#define REKEY_UNLOCK "SELECT pg_advisory_unlock(7885634765317665910)"

int
pg_current_kek(struct pg *p, struct mr_err *e)
{
	PGresult *r = pg_run(p, "SELECT v::integer FROM meta WHERE k = 'kek_version'", NULL,
			     "reading the current key id", e);

	if (r == NULL)
		return -1;
	if (p->pq->ntuples(r) == 1)
		p->kek_version = (uint32_t)pg_int(p, r, 0, 0);
	p->pq->clear(r);
	return keyring_ensure(&p->keys, p->kek_version, e);
}

#define ROWS_SQL \
	"SELECT s.workspace_id, s.environment, s.name, sv.secret_id, sv.version," \
	" sv.kek_version, sv.wrapped_key FROM secret_versions sv JOIN secrets s" \
	" ON s.id = sv.secret_id"

static int
row_read(struct pg *p, const PGresult *r, int row, struct rekey_row *out, struct mr_err *e)
{
	size_t len;

	pg_text(p, r, row, 0, out->workspace_id, sizeof(out->workspace_id));
	pg_text(p, r, row, 1, out->environment, sizeof(out->environment));
	pg_text(p, r, row, 2, out->name, sizeof(out->name));
	pg_text(p, r, row, 3, out->secret_id, sizeof(out->secret_id));
	out->version = (uint64_t)pg_int(p, r, row, 4);
	out->kek_version = (uint32_t)pg_int(p, r, row, 5);
	if (pg_bytes(p, r, row, 6, out->wrapped, WRAPPED_KEY_LEN, &len) != 0 ||
	    len != WRAPPED_KEY_LEN)
		return mr_fail(e, MR_E_CRYPTO,
			       "secret '%s' version %llu in '%s' has a damaged wrapped key: nothing was changed",
			       out->name, (unsigned long long)out->version, out->environment);
	return 0;
}

/* Step 1: every row opens, before anything changes. */
static int
check_all(struct pg *p, struct mr_err *e)
{
	PGresult *r = pg_run(p, ROWS_SQL, NULL, "reading secret versions", e);
	struct rekey_row row;
	int i, n, rc = 0;

	if (r == NULL)
		return -1;
	n = p->pq->ntuples(r);
	for (i = 0; rc == 0 && i < n; i++)
		rc = row_read(p, r, i, &row, e) == 0 ? rekey_row_check(&p->keys, &row, e) : -1;
	p->pq->clear(r);
	return rc;
}

/* Step 3: new versions are sealed under to from here on. */
static int
record_key(struct pg *p, uint32_t to, struct mr_err *e)
{
	struct pg_params pp = { 0 };

	pp_int(&pp, to);
	if (pg_begin(p, e) != 0)
		return -1;
	if (pg_run_cmd(p, "INSERT INTO kek_ids VALUES ($1::integer) ON CONFLICT DO NOTHING",
		       &pp, NULL, "recording the new key id", e) != 0 ||
	    pg_run_cmd(p, "UPDATE meta SET v = $1::integer::text WHERE k = 'kek_version'",
		       &pp, NULL, "recording the new key id", e) != 0 ||
	    pg_commit(p, e) != 0) {
		pg_rollback(p);
		return -1;
	}
	p->kek_version = to;
	return 0;
}

static int
row_update(struct pg *p, const struct rekey_row *r, struct mr_err *e)
{
	struct pg_params pp = { 0 };

	pp_bytes(&pp, r->wrapped, WRAPPED_KEY_LEN);
	pp_int(&pp, r->kek_version);
	pp_text(&pp, r->secret_id);
	pp_int(&pp, (int64_t)r->version);
	return pg_run_cmd(p, "UPDATE secret_versions SET wrapped_key = $1::bytea,"
			  " kek_version = $2::integer WHERE secret_id = $3 AND version = $4::bigint",
			  &pp, NULL, "rewrapping a data key", e);
}

/* Step 4, one batch in one transaction; *n rows done (0: none was left). */
static int
rewrap_batch(struct pg *p, uint32_t to, size_t batch, size_t *n, struct mr_err *e)
{
	struct pg_params pp = { 0 };
	struct rekey_row row;
	PGresult *r = NULL;
	int i, rows;

	*n = 0;
	pp_int(&pp, to);
	pp_int(&pp, (int64_t)batch);
	if (pg_begin(p, e) != 0)
		return -1;
	r = pg_run(p, ROWS_SQL " WHERE sv.kek_version <> $1::integer LIMIT $2::bigint"
		   " FOR UPDATE OF sv", &pp, "reading secret versions", e);
	if (r == NULL)
		goto fail;
	rows = p->pq->ntuples(r);
	for (i = 0; i < rows; i++)
		if (row_read(p, r, i, &row, e) != 0 ||
		    rekey_row_rewrap(&p->keys, &row, to, e) != 0 || row_update(p, &row, e) != 0)
			goto fail;
	p->pq->clear(r);
	r = NULL;
	if (pg_commit(p, e) != 0)
		goto fail;
	*n = (size_t)rows;
	return 0;
fail:
	if (r != NULL)
		p->pq->clear(r);
	pg_rollback(p);
	return -1;
}

static int
rewrap_all(struct pg *p, uint32_t to, const struct rekey_options *o,
	   struct rekey_report *out, struct mr_err *e)
{
	size_t batch = o != NULL && o->batch > 0 ? o->batch : REKEY_BATCH_DEFAULT, n;

	do {
		if (rewrap_batch(p, to, batch, &n, e) != 0)
			return -1;
		out->rewrapped += n;
		if (n > 0 && o != NULL && o->progress != NULL)
			o->progress(o->arg, out->rewrapped);
	} while (n > 0);
	return 0;
}

/* Step 5 in the store: 1 when a row still needs an older key, so step 4
 * runs again. The share lock waits for writes in flight and holds off new
 * ones until the older ids are gone. */
static int
forget_old_ids(struct pg *p, uint32_t to, struct mr_err *e)
{
	struct pg_params pp = { 0 };
	PGresult *r;
	int64_t left;

	pp_int(&pp, to);
	if (pg_begin(p, e) != 0)
		return -1;
	if (pg_exec(p, "LOCK TABLE secret_versions IN SHARE MODE", "locking secret versions", e) != 0 ||
	    (r = pg_run(p, "SELECT count(*) FROM secret_versions WHERE kek_version <> $1::integer",
			&pp, "counting secret versions", e)) == NULL)
		goto fail;
	left = pg_int(p, r, 0, 0);
	p->pq->clear(r);
	if (left > 0) {
		pg_rollback(p);
		return 1;
	}
	if (pg_run_cmd(p, "DELETE FROM kek_ids WHERE id <> $1::integer", &pp, NULL,
		       "retiring key ids", e) != 0 || pg_commit(p, e) != 0)
		goto fail;
	return 0;
fail:
	pg_rollback(p);
	return -1;
}

static int
take_lock(struct pg *p, struct mr_err *e)
{
	PGresult *r = pg_run(p, REKEY_LOCK, NULL, "taking the rekey lock", e);
	char got[8];

	if (r == NULL)
		return -1;
	pg_text(p, r, 0, 0, got, sizeof(got));
	p->pq->clear(r);
	return strcmp(got, "t") == 0 ? 0
		: mr_fail(e, MR_E_CONFLICT, "another rekey of this PostgreSQL store is running");
}

int
pg_rekey(const char *url, const struct rekey_options *o, struct rekey_report *out,
	 struct mr_err *e)
{
	struct pg *p = NULL;
	struct mr_err ignored;
	int lock = -1, rc = -1, left, locked = 0;

	if (pg_open(url, 0, &p, e) != 0 || rekey_lock(p->keys.path, &lock, e) != 0 ||
	    take_lock(p, e) != 0)
		goto out;
	locked = 1;
	if (keyring_reload(&p->keys, e) != 0 || check_all(p, e) != 0 ||
	    rekey_add_key(&p->keys, out, e) != 0 || record_key(p, out->to, e) != 0)
		goto out;
	do {
		if (rewrap_all(p, out->to, o, out, e) != 0 ||
		    (left = forget_old_ids(p, out->to, e)) < 0)
			goto out;
	} while (left > 0);
	rc = rekey_retire_keys(&p->keys, out->to, out, e);
out:
	if (locked)
		pg_exec(p, REKEY_UNLOCK, "releasing the rekey lock", &ignored);
	if (lock >= 0)
		close(lock);
	pg_close(&p->store.vault);
	return rc;
}
