/* remote_vault.c — vault servers as a kind of vault: their URLs, opening a
 * client, and its table of operations (vault_ops.h). A server's vault is
 * made, migrated and rekeyed where it runs: those entries are NULL. */
#include "remote.h"
#include "remote_vault.h"

static int
remote_vault_open(const char *url, const struct vault_options *o, struct vault **out,
		  struct mr_err *e)
{
	struct remote_options ro = { o->token_id, o->token_secret, o->token_secret_len,
				     o->vault_key, o->cacert, o->timeout_ms, o->notice };
	struct remote *r;

	if (remote_open(url, &ro, &r, e) != 0)
		return -1;
	/* struct vault is the first member of struct remote (remote_http.c). */
	*out = (struct vault *)r;
	return 0;
}

static void
remote_vault_close(struct vault *v)
{
	remote_close((struct remote *)v);
}

const struct vault_ops remote_vault_ops = {
	.what = "a vault server",
	.close = remote_vault_close,
	.fetch = remote_fetch,
	.secret_put = remote_secret_put,
	.secret_update = remote_secret_update,
	.secret_versions = remote_secret_versions,
	.secret_get = remote_secret_get,
	.secret_list = remote_secret_list,
	.secret_delete = remote_secret_delete,
	.env_create = remote_env_create,
	.env_list = remote_env_list,
	.env_delete = remote_env_delete,
	.env_update = remote_env_update,
	.workspace_current = remote_workspace_current,
	.owner = remote_owner,
	.member_list = remote_member_list,
	.member_add = remote_member_add,
	.member_set_role = remote_member_set_role,
	.member_remove = remote_member_remove,
	.token_create = remote_token_create,
	.token_list = remote_token_list,
	.token_get = remote_token_get,
	.token_revoke = remote_token_revoke,
	.token_allow_env = remote_token_allow_env,
	.token_verify = remote_token_verify,
	.audit_append = remote_audit_append,
	.audit_list = remote_audit_list,
	.box_keypair = remote_box_keypair,
	.check_server_key = remote_check_server_key,
};

static const char *const schemes[] = { "http://", "https://", "unix:", NULL };

const struct vault_kind remote_vault_kind = {
	.name = "server",
	.schemes = schemes,
	.server = 1,
	.open = remote_vault_open,
};
