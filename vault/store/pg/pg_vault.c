/* pg_vault.c — the PostgreSQL store as a kind of vault: its URLs, opening
 * one, and its table of operations (vault_ops.h). */
#include "pg_vault.h"
#include "pg_int.h"

static int
pg_vault_open(const char *url, const struct vault_options *o, struct vault **out,
	      struct mr_err *e)
{
	struct pg *p;

	if (pg_open(url, o->readonly, &p, e) != 0)
		return -1;
	*out = &p->store.vault;
	return 0;
}

static int
pg_rows_begin(struct store *s, struct mr_err *e)
{
	return pg_begin((struct pg *)s, e);
}

static int
pg_rows_commit(struct store *s, struct mr_err *e)
{
	return pg_commit((struct pg *)s, e);
}

static void
pg_rows_rollback(struct store *s)
{
	pg_rollback((struct pg *)s);
}

const struct store_rows pg_rows = {
	.begin = pg_rows_begin,
	.commit = pg_rows_commit,
	.rollback = pg_rows_rollback,
	.member_read = pg_member_read,
	.member_role_write = pg_member_role_write,
	.member_delete = pg_member_delete,
	.token_owner = pg_token_owner,
	.token_insert = pg_token_insert,
};

/* The last-owner rule and token creation are store.h's, above the rows. */
const struct vault_ops pg_vault_ops = {
	.what = "a PostgreSQL vault",
	.close = pg_close,
	.fetch = pg_fetch,
	.secret_put = pg_secret_put,
	.secret_update = pg_secret_update,
	.secret_versions = pg_secret_versions,
	.secret_get = pg_secret_get,
	.secret_list = pg_secret_list,
	.secret_delete = pg_secret_delete,
	.env_create = pg_env_create,
	.env_list = pg_env_list,
	.env_delete = pg_env_delete,
	.env_update = pg_env_update,
	.workspace_current = pg_workspace_current,
	.owner = pg_owner,
	.member_list = pg_member_list,
	.member_add = pg_member_add,
	.member_set_role = store_member_set_role,
	.member_remove = store_member_remove,
	.token_create = store_token_create,
	.token_list = pg_token_list,
	.token_get = pg_token_get,
	.token_revoke = pg_token_revoke,
	.token_allow_env = pg_token_allow_env,
	.token_verify = pg_token_verify,
	.audit_append = pg_audit_append,
	.audit_append_batch = pg_audit_append_batch,
	.audit_list = pg_audit_list,
	.box_keypair = pg_box_keypair,
};

static const char *const schemes[] = { "postgres://", "postgresql://", NULL };

const struct vault_kind pg_vault_kind = {
	.name = "postgres",
	.schemes = schemes,
	.open = pg_vault_open,
	.init = pg_init,
	.migrate = pg_migrate,
	.rekey = pg_rekey,
};
