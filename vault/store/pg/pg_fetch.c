/* pg_fetch.c — the launcher's fetch from the PostgreSQL store: every bundle
 * in one statement (one snapshot), opened into one locked arena exactly as
 * the embedded store does. */
#include "store/codec.h"
#include "pg_int.h"
#include "secmem.h"
#include "store/store_rows.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A text[] literal of the names, each quoted: an unquoted element spelled
 * NULL would be a null. Valid names hold no quote or backslash. */
static char *
names_array(const char *const *names, size_t n)
{
	size_t i, len = 3;
	char *s, *q;

	for (i = 0; i < n; i++)
		len += strlen(names[i]) + 3;
	if ((s = q = malloc(len)) == NULL)
		return NULL;
	*q++ = '{';
	for (i = 0; i < n; i++)
		q += sprintf(q, "%s\"%s\"", i ? "," : "", names[i]);
	strcpy(q, "}");
	return s;
}

static int
row_from_result(const struct pg *p, const PGresult *r, int row, struct sealed_row *out)
{
	size_t len = pg_bytes_len(p, r, row, 4), wlen;

	pg_text(p, r, row, 1, out->secret_id, sizeof(out->secret_id));
	out->version = (uint64_t)pg_int(p, r, row, 2);
	out->kek_version = (uint32_t)pg_int(p, r, row, 3);
	if (len < SEAL_OVERHEAD + 8 || len > BUNDLE_MAX_BYTES + SEAL_OVERHEAD ||
	    (out->sealed = malloc(len)) == NULL)
		return -1;
	if (pg_bytes(p, r, row, 4, out->sealed, len, &out->sealed_len) != 0 ||
	    pg_bytes(p, r, row, 5, out->wrapped, WRAPPED_KEY_LEN, &wlen) != 0 ||
	    wlen != WRAPPED_KEY_LEN)
		return -1;
	return 0;
}

/* Puts each row where its name was asked for; MR_E_NOTFOUND names the first
 * secret (or the environment) that is not there. */
static int
rows_in_order(struct pg *p, const PGresult *r, const char *env, const char *const *names,
	      size_t n, struct sealed_row *rows, struct mr_err *e)
{
	int row, nrows = p->pq->ntuples(r);
	size_t i;

	for (i = 0; i < n; i++) {
		for (row = 0; row < nrows && strcmp(p->pq->getvalue(r, row, 0), names[i]) != 0; row++)
			;
		if (row == nrows)
			return pg_env_must_exist(p, env, e) != 0 ? -1
				: mr_fail(e, MR_E_NOTFOUND, "secret '%s' not found in environment '%s'",
					  names[i], env);
		if (row_from_result(p, r, row, &rows[i]) != 0)
			return mr_fail(e, MR_E_CRYPTO, "secret '%s': stored record is damaged", names[i]);
	}
	return 0;
}

static int
fetch_rows(struct pg *p, const char *env, const char *const *names, size_t n,
	   struct sealed_row *rows, struct mr_err *e)
{
	struct pg_params pp = { 0 };
	char *array;
	PGresult *r;
	int rc;

	if ((array = names_array(names, n)) == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	pp_text(&pp, p->ws.workspace_id);
	pp_text(&pp, env);
	pp_text(&pp, array);
	r = pg_run(p, "SELECT s.name, s.id, s.version, sv.kek_version, sv.sealed, sv.wrapped_key"
		   " FROM secrets s JOIN secret_versions sv"
		   " ON sv.secret_id = s.id AND sv.version = s.version"
		   " WHERE s.workspace_id = $1 AND s.environment = $2 AND s.name = ANY ($3::text[])",
		   &pp, "reading secrets", e);
	free(array);
	if (r == NULL)
		return -1;
	rc = rows_in_order(p, r, env, names, n, rows, e);
	p->pq->clear(r);
	return rc;
}

/* One locked arena of the fetch's own, laid out as sealed_rows_open does. */
static int
open_into_arena(struct pg *p, const char *env, const char *const *names, size_t n,
		struct sealed_row *rows, struct vault_fetch *out, struct mr_err *e)
{
	out->arena_len = sealed_rows_size(rows, n);
	out->arena = xsecure_alloc(out->arena_len);
	return sealed_rows_open(&p->keys, p->ws.workspace_id, env, names, rows, n, out, e);
}

int
pg_fetch(struct vault *base, const char *env, const char *const *names, size_t nnames,
	 struct vault_fetch *out, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;
	struct sealed_row *rows;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	env = env != NULL ? env : p->ws.default_env;
	rows = calloc(nnames ? nnames : 1, sizeof(*rows));
	if (rows == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	if (fetch_rows(p, env, names, nnames, rows, e) != 0)
		goto out;
	out->nbundles = nnames;
	snprintf(out->environment, sizeof(out->environment), "%s", env);
	keyring_derive(&p->keys, 1, "mv-fprnt", out->fingerprint_key);
	rc = open_into_arena(p, env, names, nnames, rows, out, e);
out:
	for (i = 0; i < nnames; i++)
		free(rows[i].sealed);
	free(rows);
	if (rc != 0)
		vault_fetch_free(out);
	return rc;
}
