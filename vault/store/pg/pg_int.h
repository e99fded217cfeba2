/* pg_int.h — what the files of the PostgreSQL store share: the connection
 * and its statements, parameters, result reading and error mapping. */
#ifndef MODAL_VAULT_PG_INT_H
#define MODAL_VAULT_PG_INT_H

#include <stdint.h>

#include "store/crypto.h"
#include "pg_dl.h"
#include "store/rekey.h"
#include "store/store.h"
#include "vault_ops.h"

/* The database's clock, in unix seconds: every server of a cluster stamps and
 * checks expiry by the same clock, whatever its own says. */
#define PG_NOW "floor(extract(epoch FROM now()))::bigint"
#define PG_NOW_MS "floor(extract(epoch FROM now()) * 1000)::bigint"

/* How long a statement may wait for its answer: the database's own
 * statement_timeout (5 s unless the URL sets another) plus this margin;
 * before the session knows it, the default. */
#define PG_ANSWER_MARGIN_MS 2000
#define PG_ANSWER_DEFAULT_MS 10000

#define PG_MAX_PREPARED 96
#define PG_MAX_PARAMS 12

struct pg {
	struct store store;                         /* first: a struct vault * is this struct */
	const struct pg_dl *pq;
	PGconn *conn;
	struct keyring keys;
	uint32_t kek_version;                      /* the key id new versions get */
	struct vault_workspace ws;
	int readonly;
	int in_tx;                                 /* between pg_begin and commit/rollback */
	int broken;                                /* gave no answer in time: drop it */
	int answer_ms;                             /* how long an answer may take */
	char sqlstate[6];                          /* of the last failure, "" if none */
	char constraint[64];                       /* the constraint it names, if any */
	const char *prepared[PG_MAX_PREPARED];     /* statements prepared on conn */
	size_t nprepared;
};

/* The parameters of one statement: text (NULL: SQL NULL), integers (sent as
 * text) and bytes (sent binary, so ciphertext is never escaped). */
struct pg_params {
	int n;
	const char *val[PG_MAX_PARAMS];
	int len[PG_MAX_PARAMS];
	int fmt[PG_MAX_PARAMS];
	char num[PG_MAX_PARAMS][24];
};

void pp_text(struct pg_params *pp, const char *s);
void pp_int(struct pg_params *pp, int64_t x);
void pp_bytes(struct pg_params *pp, const void *b, size_t len);

/* Runs one statement; sql must be a string constant, since it is prepared
 * once per connection and known by its address. Returns the result, or NULL
 * with e set: MR_E_UNAVAILABLE when the database cannot be reached (the next
 * call reconnects), MR_E_TIMEOUT when a statement or lock wait ran out,
 * MR_E_EXISTS / MR_E_CONFLICT for unique / foreign-key violations (callers
 * test p->sqlstate to say more), MR_E_IO otherwise. */
PGresult *pg_run(struct pg *p, const char *sql, const struct pg_params *pp,
		 const char *what, struct mr_err *e);
/* As pg_run for a statement whose rows are not wanted; *changed (if not
 * NULL) receives the number of rows it changed. */
int pg_run_cmd(struct pg *p, const char *sql, const struct pg_params *pp,
	       long *changed, const char *what, struct mr_err *e);
/* Fixed statements without parameters (BEGIN, COMMIT, DDL). */
int pg_exec(struct pg *p, const char *sql, const char *what, struct mr_err *e);
int pg_begin(struct pg *p, struct mr_err *e);
int pg_commit(struct pg *p, struct mr_err *e);
/* Rolls back an open transaction, if any; failures leave nothing to do. */
void pg_rollback(struct pg *p);
int pg_state_is(const struct pg *p, const char *sqlstate);

/* Result cells (text format). */
void pg_text(const struct pg *p, const PGresult *r, int row, int col, char *buf, size_t len);
int64_t pg_int(const struct pg *p, const PGresult *r, int row, int col);
/* Decodes a bytea cell into out (at most max bytes); -1 if it does not fit
 * or is not hex. */
int pg_bytes(const struct pg *p, const PGresult *r, int row, int col,
	     unsigned char *out, size_t max, size_t *len);
/* The length a bytea cell decodes to. */
size_t pg_bytes_len(const struct pg *p, const PGresult *r, int row, int col);

/* pg.c: a connection without workspace or key (migrations need neither). */
int pg_connect(const char *url, int readonly, struct pg **out, struct mr_err *e);
/* pg_schema.c */
/* Taken by whoever makes the workspace, to the end of its transaction, so
 * that two inits cannot both find the store empty. */
extern const char pg_init_lock[];
int pg_schema_migrate(struct pg *p, int *from, struct mr_err *e);
int pg_schema_check(struct pg *p, struct mr_err *e);
/* pg_open.c */
int pg_workspace_load(struct pg *p, struct mr_err *e);
/* pg_rekey.c */
/* Before sealing a write: the key id new versions get (meta, which a rekey
 * moves on), with the keyring reloaded if it lacks that key. */
int pg_current_kek(struct pg *p, struct mr_err *e);
/* pg_envs.c */
int pg_env_must_exist(struct pg *p, const char *env, struct mr_err *e);
/* pg_members.c */
/* Inside the caller's transaction when it has one. */
int pg_member_insert(struct pg *p, const char *name, const char *role,
		     struct vault_member *out, struct mr_err *e);
/* Columns id, name, role, created_at from col on. */
void pg_member_from_row(const struct pg *p, const PGresult *r, int row, int col,
			struct vault_member *m);

/* Connects, applies pending migrations (not when readonly) and loads the
 * workspace; refuses a master key other than the one the database was made
 * with. Every call after this reconnects by itself after a lost connection. */
int pg_open(const char *url, int readonly, struct pg **out, struct mr_err *e);
/* Makes the workspace of a new store: the database must hold none. Creates
 * the master key file if it does not exist yet. */
int pg_init(const char *url, const char *workspace_name, struct vault_workspace *ws,
	    struct mr_err *e);
/* Applies pending migrations (needs no master key). from: the version found. */
int pg_migrate(const char *url, int *from, int *to, struct mr_err *e);
/* pg_rekey.c */
int pg_rekey(const char *url, const struct rekey_options *o, struct rekey_report *out,
	     struct mr_err *e);
/* pg_vault.c: the table of the operations below. */
extern const struct vault_ops pg_vault_ops;
/* pg_vault.c: the rows of store.h's rules (pg_members.c, pg_tokens.c). */
extern const struct store_rows pg_rows;
int pg_member_read(struct store *s, const char *member_id, struct vault_member *m,
		   int64_t *owners, struct mr_err *e);
int pg_member_role_write(struct store *s, const char *member_id, enum vault_role role,
			 struct mr_err *e);
int pg_member_delete(struct store *s, const char *member_id, struct mr_err *e);
int pg_token_owner(struct store *s, const char *member_id, char out[48], struct mr_err *e);
int pg_token_insert(struct store *s, const struct store_token_new *t, struct mr_err *e);

/* The operations of vault_ops.h, each file's own: the front has checked
 * their arguments. */
void pg_close(struct vault *base);
int pg_fetch(struct vault *base, const char *env, const char *const *names, size_t nnames,
	     struct vault_fetch *out, struct mr_err *e);
int pg_secret_put(struct vault *base, const char *env, const char *name,
		  const struct vault_item *items, size_t nitems, int replace,
		  struct vault_secret_meta *out, struct mr_err *e);
int pg_secret_update(struct vault *base, const char *env, const char *name,
		     const struct vault_item *items, size_t nitems,
		     uint64_t expected_version, struct vault_secret_meta *out,
		     struct mr_err *e);
int pg_secret_versions(struct vault *base, const char *env, const char *name,
		       struct vault_secret_meta **out, size_t *n, struct mr_err *e);
int pg_secret_get(struct vault *base, const char *env, const char *name,
		  struct vault_secret_meta *out, struct mr_err *e);
int pg_secret_list(struct vault *base, const char *env, struct vault_secret_meta **out,
		   size_t *n, struct mr_err *e);
int pg_secret_delete(struct vault *base, const char *env, const char *name, struct mr_err *e);
int pg_env_create(struct vault *base, const char *name, const char *webhook_suffix,
		  struct vault_env *out, struct mr_err *e);
int pg_env_list(struct vault *base, struct vault_env **out, size_t *n, struct mr_err *e);
int pg_env_delete(struct vault *base, const char *name, struct mr_err *e);
int pg_env_update(struct vault *base, const char *name, const char *new_name,
		  const char *new_suffix, struct vault_env *out, struct mr_err *e);
int pg_workspace_current(struct vault *base, struct vault_workspace *out, struct mr_err *e);

int pg_owner(struct vault *base, struct vault_member *out, struct mr_err *e);
int pg_member_list(struct vault *base, struct vault_member **out, size_t *n, struct mr_err *e);
int pg_member_add(struct vault *base, const char *name, enum vault_role role,
		  struct vault_member *out, struct mr_err *e);
int pg_token_list(struct vault *base, enum vault_token_kind kind, const char *member_id,
		  const char *env, struct vault_token **out, size_t *n, struct mr_err *e);
int pg_token_get(struct vault *base, const char *token_id, struct vault_token *out,
		 struct mr_err *e);
int pg_token_revoke(struct vault *base, const char *token_id, struct mr_err *e);
int pg_token_allow_env(struct vault *base, const char *token_id, const char *env, int allow,
		       struct mr_err *e);
int pg_token_verify(struct vault *base, enum vault_token_kind kind, const char *token_id,
		    const char *secret, size_t secret_len, struct vault_identity *who,
		    struct mr_err *e);
int pg_audit_append(struct vault *base, const struct vault_audit_record *r, struct mr_err *e);
/* n records in one transaction: all or none. */
int pg_audit_append_batch(struct vault *base, const struct vault_audit_record *r, size_t n,
			  struct mr_err *e);
int pg_audit_list(struct vault *base, const struct vault_audit_filter *f,
		  struct vault_audit_record **out, size_t *n, struct mr_err *e);
int pg_box_keypair(struct vault *base, unsigned char pk[32], unsigned char *sk, struct mr_err *e);

#endif
