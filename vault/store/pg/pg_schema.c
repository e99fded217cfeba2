/* pg_schema.c — the PostgreSQL store's schema and its versioned migrations.
 * The tables are the embedded store's (schema.c) in PostgreSQL's types; times
 * are unix seconds from the database's clock. Members and tokens have a seq
 * column where the embedded store orders by SQLite's rowid. */
#include "pg_int.h"
#include "pg_vault.h"

#include <stdio.h>

static const char *const migrations[PG_SCHEMA_VERSION] = {
	/* 1: workspaces, environments, secrets and their sealed versions. */
	"CREATE TABLE meta (k text PRIMARY KEY, v text NOT NULL);"
	"CREATE TABLE workspaces ("
	"  id text PRIMARY KEY, slug text NOT NULL UNIQUE, name text NOT NULL,"
	"  plan text NOT NULL, default_env text NOT NULL, created_at bigint NOT NULL);"
	"CREATE TABLE environments ("
	"  workspace_id text NOT NULL REFERENCES workspaces(id), name text NOT NULL,"
	"  webhook_suffix text NOT NULL, created_at bigint NOT NULL,"
	"  PRIMARY KEY (workspace_id, name));"
	"CREATE TABLE secrets ("
	"  id text PRIMARY KEY, workspace_id text NOT NULL, environment text NOT NULL,"
	"  name text NOT NULL, version bigint NOT NULL,"
	"  created_at bigint NOT NULL, updated_at bigint NOT NULL,"
	"  UNIQUE (workspace_id, environment, name),"
	"  FOREIGN KEY (workspace_id, environment) REFERENCES environments(workspace_id, name));"
	"CREATE TABLE secret_versions ("
	"  secret_id text NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,"
	"  version bigint NOT NULL, keys text NOT NULL, sealed bytea NOT NULL,"
	"  wrapped_key bytea NOT NULL, kek_version integer NOT NULL,"
	"  created_at bigint NOT NULL, PRIMARY KEY (secret_id, version));"
	"INSERT INTO meta VALUES ('kek_version', '1');",
	/* 2: who may use the vault (access.h), as the embedded store's migration
	 * 2: members, API and proxy tokens (a keyed hash, never the secret),
	 * proxy tokens' environments, the audit log; every workspace gets an
	 * owner. */
	"CREATE TABLE members ("
	"  seq bigint GENERATED ALWAYS AS IDENTITY,"
	"  id text PRIMARY KEY, workspace_id text NOT NULL REFERENCES workspaces(id),"
	"  name text NOT NULL, role text NOT NULL CHECK (role IN ('owner', 'manager', 'user')),"
	"  created_at bigint NOT NULL, UNIQUE (workspace_id, name));"
	"CREATE TABLE tokens ("
	"  seq bigint GENERATED ALWAYS AS IDENTITY,"
	"  id text PRIMARY KEY, kind text NOT NULL CHECK (kind IN ('api', 'proxy')),"
	"  workspace_id text NOT NULL REFERENCES workspaces(id), member_id text NOT NULL,"
	"  name text NOT NULL, hash bytea NOT NULL CHECK (length(hash) = 32),"
	"  created_at bigint NOT NULL, expires_at bigint NOT NULL,"
	"  last_used_at bigint NOT NULL DEFAULT 0, revoked_at bigint NOT NULL DEFAULT 0);"
	"CREATE INDEX tokens_member ON tokens (member_id);"
	"CREATE TABLE proxy_token_envs ("
	"  token_id text NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,"
	"  workspace_id text NOT NULL, environment text NOT NULL,"
	"  PRIMARY KEY (token_id, environment),"
	"  FOREIGN KEY (workspace_id, environment)"
	"    REFERENCES environments(workspace_id, name) ON DELETE CASCADE);"
	"CREATE INDEX proxy_token_envs_env ON proxy_token_envs (workspace_id, environment);"
	"CREATE TABLE audit ("
	"  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at_ms bigint NOT NULL,"
	"  token_id text NOT NULL, action text NOT NULL, resource text NOT NULL,"
	"  status integer NOT NULL, client text NOT NULL);"
	"CREATE INDEX audit_at ON audit (at_ms);"
	"INSERT INTO members (id, workspace_id, name, role, created_at)"
	"  SELECT 'us-' || substr(md5(random()::text || id), 1, 22), id,"
	"  'owner', 'owner', created_at FROM workspaces;",
	/* 3: rekey, as the embedded store's migration 3: kek_version is the id
	 * of the master key wrapping a version's data key; kek_ids lists those
	 * in use and the foreign key refuses to retire one a row still needs;
	 * the index finds the rows a rekey has left. */
	"CREATE TABLE kek_ids (id integer PRIMARY KEY);"
	"INSERT INTO kek_ids SELECT kek_version FROM secret_versions"
	"  UNION SELECT v::integer FROM meta WHERE k = 'kek_version';"
	"CREATE INDEX secret_versions_kek ON secret_versions (kek_version);"
	"ALTER TABLE secret_versions ADD FOREIGN KEY (kek_version) REFERENCES kek_ids(id);",
	/* 4: webhook suffixes unique in a workspace, as the embedded store's
	 * migration 4 (the oldest environment keeps a duplicated suffix). */
	"UPDATE environments e SET webhook_suffix = '' WHERE webhook_suffix <> '' AND EXISTS ("
	"  SELECT 1 FROM environments o WHERE o.workspace_id = e.workspace_id"
	"  AND lower(o.webhook_suffix) = lower(e.webhook_suffix)"
	"  AND (o.created_at < e.created_at OR (o.created_at = e.created_at AND o.name < e.name)));"
	"CREATE UNIQUE INDEX environments_suffix ON environments (workspace_id, lower(webhook_suffix))"
	"  WHERE webhook_suffix <> '';",
};

/* Every server of a cluster may start at once: one takes this lock and
 * migrates, the others wait and find the work done. A session lock, taken
 * before the migration's transaction begins: a transaction that began before
 * another committed new tables would not see them in its catalog caches.
 * The number is arbitrary but fixed. */
#define MIGRATE_LOCK "SELECT pg_advisory_lock(7885634765317665908)"
#define MIGRATE_UNLOCK "SELECT pg_advisory_unlock(7885634765317665908)"
const char pg_init_lock[] = "SELECT pg_advisory_xact_lock(7885634765317665909)";

/* The version the database is at; 0 for an empty one. */
static int
schema_version(struct pg *p, int *version, struct mr_err *e)
{
	PGresult *r = pg_run(p, "SELECT CASE WHEN to_regclass('schema_version') IS NULL THEN -1"
			     " ELSE 0 END", NULL, "reading the schema version", e);
	int exists;

	if (r == NULL)
		return -1;
	exists = pg_int(p, r, 0, 0) == 0;
	p->pq->clear(r);
	*version = 0;
	if (!exists)
		return 0;
	r = pg_run(p, "SELECT coalesce(max(version), 0) FROM schema_version", NULL,
		   "reading the schema version", e);
	if (r == NULL)
		return -1;
	*version = (int)pg_int(p, r, 0, 0);
	p->pq->clear(r);
	return 0;
}

static int
refuse_newer(int version, struct mr_err *e)
{
	return mr_fail(e, MR_E_CONFIG,
		       "PostgreSQL store schema %d is newer than this program knows (%d): upgrade modal-vault",
		       version, PG_SCHEMA_VERSION);
}

int
pg_schema_check(struct pg *p, struct mr_err *e)
{
	int version;

	if (schema_version(p, &version, e) != 0)
		return -1;
	if (version > PG_SCHEMA_VERSION)
		return refuse_newer(version, e);
	if (version < PG_SCHEMA_VERSION)
		return mr_fail(e, MR_E_CONFIG,
			       "PostgreSQL store schema %d is older than this program's (%d): run 'modal-vault migrate'",
			       version, PG_SCHEMA_VERSION);
	return 0;
}

static int
apply(struct pg *p, int from, struct mr_err *e)
{
	struct pg_params pp;
	int v;

	if (from == 0 && pg_exec(p, "CREATE TABLE schema_version (version integer PRIMARY KEY,"
				 " applied_at bigint NOT NULL)", "creating schema_version", e) != 0)
		return -1;
	for (v = from; v < PG_SCHEMA_VERSION; v++) {
		pp = (struct pg_params){ 0 };
		pp_int(&pp, v + 1);
		if (pg_exec(p, migrations[v], "migrating", e) != 0 ||
		    pg_run_cmd(p, "INSERT INTO schema_version VALUES ($1::integer, " PG_NOW ")",
			       &pp, NULL, "recording the schema version", e) != 0)
			return mr_wrap(e, "schema %d", v + 1);
	}
	return 0;
}

/* Under the migration lock: the version again (another server may have
 * migrated meanwhile), then every step in one transaction, since DDL is
 * transactional in PostgreSQL: all of it happens, or none. */
static int
migrate_locked(struct pg *p, int *from, struct mr_err *e)
{
	int version;

	if (pg_begin(p, e) != 0)
		return -1;
	if (schema_version(p, &version, e) != 0)
		goto fail;
	if (from != NULL)
		*from = version;
	if (version > PG_SCHEMA_VERSION) {
		refuse_newer(version, e);
		goto fail;
	}
	if (apply(p, version, e) != 0 || pg_commit(p, e) != 0)
		goto fail;
	return 0;
fail:
	pg_rollback(p);
	return -1;
}

int
pg_schema_migrate(struct pg *p, int *from, struct mr_err *e)
{
	struct mr_err ignored;
	int version, rc;

	if (schema_version(p, &version, e) != 0)
		return -1;
	if (from != NULL)
		*from = version;
	if (version == PG_SCHEMA_VERSION)
		return 0;
	if (version > PG_SCHEMA_VERSION)
		return refuse_newer(version, e);
	if (pg_exec(p, MIGRATE_LOCK, "waiting for the migration lock", e) != 0)
		return -1;
	rc = migrate_locked(p, from, e);
	/* Released with the session too, should the connection be lost. */
	pg_exec(p, MIGRATE_UNLOCK, "releasing the migration lock", &ignored);
	return rc;
}
