/* local.h — what the files of the embedded store share: one SQLite database
 * and a master key file in a 0700 directory. Private to store/sqlite/. */
#ifndef MODAL_VAULT_LOCAL_H
#define MODAL_VAULT_LOCAL_H

#include <sqlite3.h>

#include "store/crypto.h"
#include "store/store.h"
#include "vault_ops.h"

#define SCHEMA_VERSION 4
/* How long a statement waits for another writer's lock before failing. */
#define LOCAL_BUSY_TIMEOUT_MS 5000

/* The statements every server request runs (a token check, a fetch, the
 * audit writer's insert), prepared once per connection and kept: preparing
 * one is a parse and a plan, several microseconds each time. */
enum db_hot {
	HOT_BEGIN, HOT_COMMIT, HOT_ENV_EXISTS, HOT_FETCH, HOT_TOKEN_READ, HOT_TOKEN_TOUCH,
	HOT_MEMBER_GET, HOT_AUDIT_INSERT, HOT_AUDIT_INSERT_MANY, HOT_COUNT
};

struct sqlite_vault {
	struct store store;        /* first: a struct vault * is this struct */
	char *dir;
	sqlite3 *db;
	struct keyring keys;
	uint32_t kek_version;      /* the key id new versions are wrapped under */
	struct vault_workspace ws;
	int readonly;
	sqlite3_stmt *hot[HOT_COUNT];  /* prepared on first use, finalized by vault_close */
	/* A token's last use, to write once the caller's snapshot ends. */
	char touch_token[TOKEN_ID_LEN + 1];
	int64_t touch_at;
};

/* schema.c */
int schema_migrate(sqlite3 *db, struct mr_err *e);
/* For read-only connections: the schema must be exactly the one we know. */
int schema_check(sqlite3 *db, struct mr_err *e);
int db_fail(sqlite3 *db, struct mr_err *e, const char *what);
int db_exec(sqlite3 *db, const char *sql, struct mr_err *e);
int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, struct mr_err *e);
/* Copies a text column into buf (NULL reads as ""). */
void db_text(sqlite3_stmt *st, int col, char *buf, size_t len);
/* Every write is one BEGIN IMMEDIATE transaction: taking the write lock up
 * front means a read inside it cannot go stale before the write. */
int db_begin(sqlite3 *db, struct mr_err *e);
int db_commit(sqlite3 *db, struct mr_err *e);
void db_rollback(sqlite3 *db);

/* local.c */
/* The hot statement which, prepared from sql on its first use (sql must be
 * the same every time). Give it back with db_hot_done, never finalize it. */
int db_hot(struct sqlite_vault *v, enum db_hot which, const char *sql, sqlite3_stmt **st,
	   struct mr_err *e);
/* Resets a hot statement (ending the read it holds open) and drops its
 * bindings, so no pointer of this call's is left in it. NULL is ignored. */
void db_hot_done(sqlite3_stmt *st);
/* Runs a hot statement that takes no parameters and gives no rows (BEGIN). */
int db_hot_exec(struct sqlite_vault *v, enum db_hot which, const char *sql, struct mr_err *e);
enum local_mode { LOCAL_CREATE, LOCAL_READWRITE, LOCAL_READONLY };
/* The master key file of the embedded vault at dir: the systemd credential
 * KEY_CREDENTIAL when the service was given one (LoadCredential=), else
 * dir/master.key. *credential says which. */
int local_key_path(const char *dir, char *buf, size_t len, int *credential, struct mr_err *e);
int local_open(const char *dir, enum local_mode mode, struct sqlite_vault **out, struct mr_err *e);
int local_create_workspace(struct sqlite_vault *v, const char *name, struct mr_err *e);
/* Inside a write transaction: the key id new versions get (meta, which a
 * rekey moves on), with the keyring reloaded if it lacks that key. */
int local_current_kek(struct sqlite_vault *v, struct mr_err *e);

/* local_files.c */
/* Installs the check of what SQLite opens; once, before any connection. */
void local_files_configure(void);
/* The vault directory, opened and checked (yours or root's, writable by no
 * one else): the descriptor, or -1 naming the path and the fault. */
int local_dir_open(const char *dir, struct mr_err *e);
/* Opens *db on path, which must be dirfd's vault.db: looked at first (a
 * regular file, not a symlink, yours or root's, writable by no one else),
 * then SQLite's own descriptor must be that file and pass the same rules.
 * SQLITE_OPEN_CREATE in flags makes the file first (O_EXCL, 0600). On
 * failure *db may be set: the caller closes it with sqlite3_close. */
int local_db_open(int dirfd, const char *path, int flags, sqlite3 **db, struct mr_err *e);

/* snapshot.c */
/* Several reads as one snapshot and one transaction (each transaction costs
 * the WAL's shared-memory locks, system calls): 1 begun, 0 already inside
 * one, -1 failed. db_read_end ends what db_read_begin began. */
int db_read_begin(struct sqlite_vault *v, struct mr_err *e);
void db_read_end(struct sqlite_vault *v, int began);
/* Records that token t was used at now: at once, or, inside a read
 * snapshot, when it ends; not on a read-only connection, and not when the
 * last use recorded is recent (last_used_at is bookkeeping). */
void token_touch(struct sqlite_vault *v, struct vault_token *t, int64_t now);

/* envs.c */
/* MR_E_NOTFOUND unless environment env (a valid name) exists in the workspace. */
int env_must_exist(struct sqlite_vault *v, const char *env, struct mr_err *e);

/* members.c */
int member_insert(struct sqlite_vault *v, const char *name, const char *role,
		  struct vault_member *out, struct mr_err *e);
/* 0 found, 1 no such member, -1 error. */
int member_get(struct sqlite_vault *v, const char *member_id, struct vault_member *out,
	       struct mr_err *e);

/* sqlite_vault.c: the table of the operations below. */
extern const struct vault_ops sqlite_vault_ops;
/* The operations of vault_ops.h, each file's own (sqlite_vault.c makes the
 * table): the front has checked their arguments. */
void sqlite_close(struct vault *base);
int sqlite_read_begin(struct vault *base, struct mr_err *e);
void sqlite_read_end(struct vault *base, int began);
int sqlite_fetch(struct vault *base, const char *env, const char *const *names,
		 size_t nnames, struct vault_fetch *out, struct mr_err *e);
int sqlite_fetch_reuse(struct vault *base, const char *env, const char *const *names,
		       size_t nnames, struct vault_arena *arena, struct vault_fetch *out,
		       struct mr_err *e);
int sqlite_secret_put(struct vault *base, const char *env, const char *name,
		      const struct vault_item *items, size_t nitems, int replace,
		      struct vault_secret_meta *out, struct mr_err *e);
int sqlite_secret_update(struct vault *base, const char *env, const char *name,
			 const struct vault_item *items, size_t nitems,
			 uint64_t expected_version, struct vault_secret_meta *out,
			 struct mr_err *e);
int sqlite_secret_versions(struct vault *base, const char *env, const char *name,
			   struct vault_secret_meta **out, size_t *n, struct mr_err *e);
int sqlite_secret_get(struct vault *base, const char *env, const char *name,
		      struct vault_secret_meta *out, struct mr_err *e);
int sqlite_secret_list(struct vault *base, const char *env,
		       struct vault_secret_meta **out, size_t *n, struct mr_err *e);
int sqlite_secret_delete(struct vault *base, const char *env, const char *name,
			 struct mr_err *e);
int sqlite_env_create(struct vault *base, const char *name, const char *webhook_suffix,
		      struct vault_env *out, struct mr_err *e);
int sqlite_env_list(struct vault *base, struct vault_env **out, size_t *n, struct mr_err *e);
int sqlite_env_delete(struct vault *base, const char *name, struct mr_err *e);
int sqlite_env_update(struct vault *base, const char *name, const char *new_name,
		      const char *new_suffix, struct vault_env *out, struct mr_err *e);
int sqlite_workspace_current(struct vault *base, struct vault_workspace *out,
			     struct mr_err *e);
int sqlite_owner(struct vault *base, struct vault_member *out, struct mr_err *e);
int sqlite_member_list(struct vault *base, struct vault_member **out, size_t *n,
		       struct mr_err *e);
int sqlite_member_add(struct vault *base, const char *name, enum vault_role role,
		      struct vault_member *out, struct mr_err *e);
int sqlite_token_list(struct vault *base, enum vault_token_kind kind,
		      const char *member_id, const char *env, struct vault_token **out,
		      size_t *n, struct mr_err *e);
int sqlite_token_get(struct vault *base, const char *token_id, struct vault_token *out,
		     struct mr_err *e);
int sqlite_token_revoke(struct vault *base, const char *token_id, struct mr_err *e);
int sqlite_token_allow_env(struct vault *base, const char *token_id, const char *env,
			   int allow, struct mr_err *e);
int sqlite_token_verify(struct vault *base, enum vault_token_kind kind,
			const char *token_id, const char *secret, size_t secret_len,
			struct vault_identity *who, struct mr_err *e);
int sqlite_audit_append(struct vault *base, const struct vault_audit_record *r,
			struct mr_err *e);
int sqlite_audit_append_batch(struct vault *base, const struct vault_audit_record *r,
			      size_t n, struct mr_err *e);
int sqlite_audit_list(struct vault *base, const struct vault_audit_filter *f,
		      struct vault_audit_record **out, size_t *n, struct mr_err *e);
int sqlite_box_keypair(struct vault *base, unsigned char pk[32], unsigned char *sk,
		       struct mr_err *e);
/* sqlite_arena.c: SQLite allocates from an arena it never gives back. */
void sqlite_short_lived(void);
/* The rows of store.h's rules (members.c, tokens.c; sqlite_vault.c makes
 * the table). */
extern const struct store_rows sqlite_rows;
int sqlite_member_read(struct store *s, const char *member_id, struct vault_member *m,
		       int64_t *owners, struct mr_err *e);
int sqlite_member_role_write(struct store *s, const char *member_id, enum vault_role role,
			     struct mr_err *e);
int sqlite_member_delete(struct store *s, const char *member_id, struct mr_err *e);
int sqlite_token_owner(struct store *s, const char *member_id, char out[48],
		       struct mr_err *e);
int sqlite_token_insert(struct store *s, const struct store_token_new *t, struct mr_err *e);
/* sqlite_rekey.c */
int sqlite_rekey(const char *url, const struct rekey_options *o, struct rekey_report *out,
		 struct mr_err *e);
/* sqlite_vault.c: the directory a file: URL names. */
int sqlite_url_dir(const char *url, char *path, size_t len, struct mr_err *e);

#endif
