/* schema.c — the SQLite schema and its versioned migrations. A database newer
 * than this program is refused rather than guessed at. */
#include "local.h"

#include <stdio.h>

static const char *const migrations[SCHEMA_VERSION] = {
	/* 1: workspaces, environments, secrets and their sealed versions. */
	"CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);"
	"CREATE TABLE workspaces ("
	"  id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  plan TEXT NOT NULL, default_env TEXT NOT NULL, created_at INTEGER NOT NULL);"
	"CREATE TABLE environments ("
	"  workspace_id TEXT NOT NULL REFERENCES workspaces(id), name TEXT NOT NULL,"
	"  webhook_suffix TEXT NOT NULL, created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (workspace_id, name));"
	"CREATE TABLE secrets ("
	"  id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, environment TEXT NOT NULL,"
	"  name TEXT NOT NULL, version INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
	"  UNIQUE (workspace_id, environment, name),"
	"  FOREIGN KEY (workspace_id, environment) REFERENCES environments(workspace_id, name));"
	"CREATE TABLE secret_versions ("
	"  secret_id TEXT NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,"
	"  version INTEGER NOT NULL, keys TEXT NOT NULL, sealed BLOB NOT NULL,"
	"  wrapped_key BLOB NOT NULL, kek_version INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL, PRIMARY KEY (secret_id, version));"
	"INSERT INTO meta VALUES ('kek_version', '1');",
	/* 2: who may use the vault (access.h): members, API and proxy tokens
	 * (a keyed hash of the secret, never the secret), proxy tokens'
	 * environments, the audit log. Every existing workspace gets an owner;
	 * "us-" + 22 hex digits is a base62 id like random_id's. Tokens keep
	 * their member's id after the member is removed (they are revoked then),
	 * so member_id is not a foreign key. */
	"CREATE TABLE members ("
	"  id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id),"
	"  name TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('owner', 'manager', 'user')),"
	"  created_at INTEGER NOT NULL, UNIQUE (workspace_id, name));"
	"CREATE TABLE tokens ("
	"  id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('api', 'proxy')),"
	"  workspace_id TEXT NOT NULL REFERENCES workspaces(id), member_id TEXT NOT NULL,"
	"  name TEXT NOT NULL, hash BLOB NOT NULL CHECK (length(hash) = 32),"
	"  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
	"  last_used_at INTEGER NOT NULL DEFAULT 0, revoked_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX tokens_member ON tokens (member_id);"
	"CREATE TABLE proxy_token_envs ("
	"  token_id TEXT NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,"
	"  workspace_id TEXT NOT NULL, environment TEXT NOT NULL,"
	"  PRIMARY KEY (token_id, environment),"
	"  FOREIGN KEY (workspace_id, environment)"
	"    REFERENCES environments(workspace_id, name) ON DELETE CASCADE);"
	"CREATE INDEX proxy_token_envs_env ON proxy_token_envs (workspace_id, environment);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL,"
	"  token_id TEXT NOT NULL, action TEXT NOT NULL, resource TEXT NOT NULL,"
	"  status INTEGER NOT NULL, client TEXT NOT NULL);"
	"CREATE INDEX audit_at ON audit (at_ms);"
	"INSERT INTO members SELECT 'us-' || hex(randomblob(11)), id, 'owner', 'owner', created_at"
	"  FROM workspaces;",
	/* 3: rekey. kek_version is the id of the master key (keyring.c) that
	 * wraps a version's data key; kek_ids lists the ids still in use, and
	 * the foreign key makes retiring one fail while any row still needs it,
	 * whoever wrote that row. The index finds the rows a rekey has left to
	 * do without reading the others. SQLite cannot add a foreign key to a
	 * table: the table is rebuilt, rows copied as they are. */
	"CREATE TABLE kek_ids (id INTEGER PRIMARY KEY);"
	"INSERT INTO kek_ids SELECT kek_version FROM secret_versions"
	"  UNION SELECT CAST(v AS INTEGER) FROM meta WHERE k = 'kek_version';"
	"CREATE TABLE secret_versions_3 ("
	"  secret_id TEXT NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,"
	"  version INTEGER NOT NULL, keys TEXT NOT NULL, sealed BLOB NOT NULL,"
	"  wrapped_key BLOB NOT NULL, kek_version INTEGER NOT NULL REFERENCES kek_ids(id),"
	"  created_at INTEGER NOT NULL, PRIMARY KEY (secret_id, version));"
	"INSERT INTO secret_versions_3 SELECT * FROM secret_versions;"
	"DROP TABLE secret_versions;"
	"ALTER TABLE secret_versions_3 RENAME TO secret_versions;"
	"CREATE INDEX secret_versions_kek ON secret_versions (kek_version);",
	/* 4: a Host names one environment (proxy-auth matches webhook suffixes
	 * without case): suffixes are unique in a workspace, the empty one (no
	 * suffix) aside. Where earlier versions allowed a duplicate, the oldest
	 * environment keeps it and the others lose it: proxy-auth already
	 * picked the oldest, so no Host changes environment. */
	"UPDATE environments SET webhook_suffix = '' WHERE webhook_suffix <> '' AND EXISTS ("
	"  SELECT 1 FROM environments o WHERE o.workspace_id = environments.workspace_id"
	"  AND lower(o.webhook_suffix) = lower(environments.webhook_suffix)"
	"  AND (o.created_at < environments.created_at OR (o.created_at = environments.created_at"
	"  AND o.name < environments.name)));"
	"CREATE UNIQUE INDEX environments_suffix ON environments (workspace_id, lower(webhook_suffix))"
	"  WHERE webhook_suffix <> '';",
};

int
db_fail(sqlite3 *db, struct mr_err *e, const char *what)
{
	int code = sqlite3_extended_errcode(db);
	enum mr_kind kind = MR_E_IO;

	if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
		kind = MR_E_TIMEOUT;
	else if ((code & 0xff) == SQLITE_CONSTRAINT)
		kind = MR_E_CONFLICT;
	return mr_fail(e, kind, "vault database: %s: %s", what, sqlite3_errmsg(db));
}

int
db_exec(sqlite3 *db, const char *sql, struct mr_err *e)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, e, "exec");
	return 0;
}

int
db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, struct mr_err *e)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return db_fail(db, e, "prepare");
	return 0;
}

static int
schema_version(sqlite3 *db, int *version, struct mr_err *e)
{
	sqlite3_stmt *st;

	if (db_prepare(db, "PRAGMA user_version", &st, e) != 0)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(db, e, "reading the schema version");
	}
	*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int
schema_check(sqlite3 *db, struct mr_err *e)
{
	int version = 0;

	if (schema_version(db, &version, e) != 0)
		return -1;
	if (version > SCHEMA_VERSION)
		return mr_fail(e, MR_E_CONFIG,
			       "vault database schema %d is newer than this program knows (%d): upgrade modal-run",
			       version, SCHEMA_VERSION);
	if (version < SCHEMA_VERSION)
		return mr_fail(e, MR_E_CONFIG,
			       "vault database schema %d is older than this program's (%d): run any modal-vault command to migrate it",
			       version, SCHEMA_VERSION);
	return 0;
}

int
schema_migrate(sqlite3 *db, struct mr_err *e)
{
	char sql[64];
	int version = 0, v;

	if (schema_version(db, &version, e) != 0)
		return -1;
	if (version == SCHEMA_VERSION)
		return 0;
	if (version > SCHEMA_VERSION)
		return mr_fail(e, MR_E_CONFIG,
			       "vault database schema %d is newer than this program knows (%d): upgrade modal-vault",
			       version, SCHEMA_VERSION);
	/* Re-read under the write lock: another process may have migrated. */
	if (db_exec(db, "BEGIN IMMEDIATE", e) != 0 || schema_version(db, &version, e) != 0)
		goto fail;
	for (v = version; v < SCHEMA_VERSION; v++)
		if (db_exec(db, migrations[v], e) != 0)
			goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SCHEMA_VERSION);
	if (db_exec(db, sql, e) != 0 || db_exec(db, "COMMIT", e) != 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return mr_wrap(e, "migrating to schema %d", SCHEMA_VERSION);
}

void
db_text(sqlite3_stmt *st, int col, char *buf, size_t len)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(buf, len, "%s", s != NULL ? (const char *)s : "");
}

int
db_begin(sqlite3 *db, struct mr_err *e)
{
	return db_exec(db, "BEGIN IMMEDIATE", e);
}

int
db_commit(sqlite3 *db, struct mr_err *e)
{
	return db_exec(db, "COMMIT", e);
}

void
db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}
