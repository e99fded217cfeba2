/* pg_open.c — opening the PostgreSQL store: the master key file every
 * server of a cluster shares, the check that it is the key the database was
 * made with, the workspace of a new store, and the vault's box key pair. */
#include "store/access_rules.h"
#include "pg_int.h"
#include "pg_vault.h"
#include "secmem.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the database keeps to recognise the master key: a hash of a key
 * derived for this purpose alone, which tells nothing about the master key
 * or the keys used for data. A server given another key file would write
 * rows no other server can open; it is refused at start instead. */
static void
key_check(struct pg *p, char hex[65])
{
	unsigned char *derived = p->keys.k->scratch, hash[32];

	keyring_derive(&p->keys, 1, "mv-kchck", derived);
	crypto_generichash(hash, sizeof(hash), derived, 32, NULL, 0);
	sodium_memzero(derived, 32);
	sodium_bin2hex(hex, 65, hash, sizeof(hash));
}

int
pg_workspace_load(struct pg *p, struct mr_err *e)
{
	PGresult *r = pg_run(p, "SELECT id, slug, name, plan, default_env,"
			     " (SELECT v FROM meta WHERE k = 'kek_version'),"
			     " coalesce((SELECT v FROM meta WHERE k = 'key_check'), '')"
			     " FROM workspaces ORDER BY created_at, id LIMIT 1", NULL,
			     "reading the workspace", e);
	char want[65], have[65];
	int rc = 0;

	if (r == NULL)
		return -1;
	if (p->pq->ntuples(r) != 1) {
		p->pq->clear(r);
		return mr_fail(e, MR_E_CONFIG,
			       "the PostgreSQL store holds no workspace (run 'modal-vault init' with its URL)");
	}
	pg_text(p, r, 0, 0, p->ws.workspace_id, sizeof(p->ws.workspace_id));
	pg_text(p, r, 0, 1, p->ws.slug, sizeof(p->ws.slug));
	pg_text(p, r, 0, 2, p->ws.name, sizeof(p->ws.name));
	pg_text(p, r, 0, 3, p->ws.plan, sizeof(p->ws.plan));
	pg_text(p, r, 0, 4, p->ws.default_env, sizeof(p->ws.default_env));
	p->kek_version = (uint32_t)pg_int(p, r, 0, 5);
	pg_text(p, r, 0, 6, have, sizeof(have));
	p->pq->clear(r);
	key_check(p, want);
	if (strcmp(want, have) != 0)
		rc = mr_fail(e, MR_E_CONFIG,
			     "the master key does not match the PostgreSQL store's: every server of a cluster needs the same key file (%s)",
			     PG_KEY_ENV);
	return rc;
}

/* The master key's file: PG_KEY_ENV, else the systemd credential. */
static int
key_path(char *buf, size_t len, struct mr_err *e)
{
	const char *file = secure_getenv(PG_KEY_ENV), *creds = secure_getenv("CREDENTIALS_DIRECTORY");
	int n = -1;

	if (file != NULL && *file != '\0')
		n = snprintf(buf, len, "%s", file);
	else if (creds != NULL && creds[0] == '/')
		n = snprintf(buf, len, "%s/%s", creds, KEY_CREDENTIAL);
	else
		return mr_fail(e, MR_E_CONFIG,
			       "a PostgreSQL store needs its master key file: set %s (or the systemd credential %s)",
			       PG_KEY_ENV, KEY_CREDENTIAL);
	if (n < 0 || (size_t)n >= len)
		return mr_fail(e, MR_E_CONFIG, "master key path too long");
	return 0;
}

static int
key_load(struct pg *p, const char *path, struct mr_err *e)
{
	if (keyring_load_file(path, &p->keys, e) == 0)
		return 0;
	if (e->kind == MR_E_NOTFOUND)
		mr_fail(e, MR_E_CONFIG, "no master key at %s (set %s to the cluster's key file)",
			path, PG_KEY_ENV);
	return -1;
}

int
pg_open(const char *url, int readonly, struct pg **out, struct mr_err *e)
{
	struct pg *p = NULL;
	char path[4096];

	if (secmem_init() != 0)
		return mr_fail(e, MR_E_INTERNAL, "libsodium failed to initialise");
	if (key_path(path, sizeof(path), e) != 0 || pg_connect(url, readonly, &p, e) != 0)
		return -1;
	if (key_load(p, path, e) != 0 ||
	    (readonly ? pg_schema_check(p, e) : pg_schema_migrate(p, NULL, e)) != 0 ||
	    pg_workspace_load(p, e) != 0) {
		pg_close(&p->store.vault);
		return -1;
	}
	*out = p;
	return 0;
}

int
pg_migrate(const char *url, int *from, int *to, struct mr_err *e)
{
	struct pg *p;
	int rc;

	if (pg_connect(url, 0, &p, e) != 0)
		return -1;
	rc = pg_schema_migrate(p, from, e);
	*to = PG_SCHEMA_VERSION;
	pg_close(&p->store.vault);
	return rc;
}

/* Under the migration lock, so two inits cannot both find the store empty. */
static int
create_workspace(struct pg *p, const char *name, struct mr_err *e)
{
	struct pg_params ws = { 0 }, env = { 0 }, meta = { 0 };
	char id[32], check[65];
	PGresult *r;
	int empty;

	if (pg_begin(p, e) != 0)
		return -1;
	if (pg_exec(p, pg_init_lock, "waiting for the init lock", e) != 0 ||
	    (r = pg_run(p, "SELECT count(*) FROM workspaces", NULL, "reading workspaces", e)) == NULL)
		goto fail;
	empty = pg_int(p, r, 0, 0) == 0;
	p->pq->clear(r);
	if (!empty) {
		mr_fail(e, MR_E_EXISTS, "the PostgreSQL store already holds a workspace: refusing to make another");
		goto fail;
	}
	random_id("ac-", 22, id);
	key_check(p, check);
	pp_text(&ws, id);
	pp_text(&ws, name);
	pp_text(&env, id);
	pp_text(&meta, check);
	if (pg_run_cmd(p, "INSERT INTO workspaces VALUES ($1, $2, $2, 'starter', 'main', " PG_NOW ")",
		       &ws, NULL, "creating the workspace", e) != 0 ||
	    pg_run_cmd(p, "INSERT INTO environments VALUES ($1, 'main', '', " PG_NOW ")",
		       &env, NULL, "creating environment main", e) != 0 ||
	    pg_run_cmd(p, "INSERT INTO meta VALUES ('key_check', $1)", &meta, NULL,
		       "recording the key check", e) != 0)
		goto fail;
	/* Whoever holds the master key owns the vault: the first member. */
	snprintf(p->ws.workspace_id, sizeof(p->ws.workspace_id), "%s", id);
	if (pg_member_insert(p, "owner", "owner", NULL, e) != 0 || pg_commit(p, e) != 0)
		goto fail;
	return pg_workspace_load(p, e);
fail:
	pg_rollback(p);
	return -1;
}

int
pg_init(const char *url, const char *workspace_name, struct vault_workspace *ws,
	struct mr_err *e)
{
	struct pg *p = NULL;
	char path[4096];
	int made_key = 0, rc = -1;

	if (key_path(path, sizeof(path), e) != 0 || pg_connect(url, 0, &p, e) != 0)
		return -1;
	if (access(path, F_OK) != 0) {
		if (keyring_create_file(path, e) != 0)
			goto out;
		made_key = 1;
	}
	if (key_load(p, path, e) == 0 && pg_schema_migrate(p, NULL, e) == 0 &&
	    create_workspace(p, workspace_name, e) == 0) {
		*ws = p->ws;
		rc = 0;
	}
	/* A key made for a store that did not come to be protects nothing. */
	if (rc != 0 && made_key)
		unlink(path);
out:
	pg_close(&p->store.vault);
	return rc;
}

/* Derived from the master key (access_rules.h), so every server of a
 * cluster answers fetches under the same key pair. */
int
pg_box_keypair(struct vault *base, unsigned char pk[32], unsigned char *sk, struct mr_err *e)
{
	struct pg *p = (struct pg *)base;

	return access_box_keypair(&p->keys, pk, sk, e);
}
