/* local.h — the embedded store: one SQLite database and a master key file in a
 * 0700 directory. Private to the vault library. */
#ifndef MODAL_VAULT_LOCAL_H
#define MODAL_VAULT_LOCAL_H

#include <sqlite3.h>

#include "crypto.h"
#include "vault.h"

#define SCHEMA_VERSION 1

struct vault {
	char *dir;
	sqlite3 *db;
	struct keyring keys;
	uint32_t kek_version;
	struct vault_workspace ws;
	int readonly;
};

/* schema.c */
int schema_migrate(sqlite3 *db, struct mr_err *e);
/* For read-only connections: the schema must be exactly the one we know. */
int schema_check(sqlite3 *db, struct mr_err *e);
int db_fail(sqlite3 *db, struct mr_err *e, const char *what);
int db_exec(sqlite3 *db, const char *sql, struct mr_err *e);
int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, struct mr_err *e);

/* local.c */
enum local_mode { LOCAL_CREATE, LOCAL_READWRITE, LOCAL_READONLY };
int local_open(const char *dir, enum local_mode mode, struct vault **out, struct mr_err *e);
int local_create_workspace(struct vault *v, const char *name, struct mr_err *e);

#endif
