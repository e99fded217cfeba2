/* front_secrets.c — vault.h's operations on an open vault: every argument
 * checked once (checks.h, the bundle limits of store/codec.h), then the
 * vault's own kind does the work. */
#include "checks.h"
#include "front.h"
#include "store/codec.h"
#include "vault.h"

static int
secret_args_check(const char *env, const char *name, struct mr_err *e)
{
	if (name_check("secret", name, e) != 0 || env_arg_check(env, e) != 0)
		return -1;
	return 0;
}

static int
fetch_args_check(const char *env, const char *const *names, size_t nnames,
		 struct mr_err *e)
{
	size_t i;

	if (env_arg_check(env, e) != 0)
		return -1;
	for (i = 0; i < nnames; i++)
		if (name_check("secret", names[i], e) != 0)
			return -1;
	return 0;
}

static int
write_args_check(const char *env, const char *name, const struct vault_item *items,
		 size_t nitems, struct mr_err *e)
{
	if (secret_args_check(env, name, e) != 0)
		return -1;
	if (bundle_validate(items, nitems, e) != 0)
		return mr_wrap(e, "secret '%s'", name);
	return 0;
}

int
vault_fetch(struct vault *v, const char *env, const char *const *names,
	    size_t nnames, struct vault_fetch *out, struct mr_err *e)
{
	if (fetch_args_check(env, names, nnames, e) != 0)
		return -1;
	return VAULT_FORWARD(v, fetch, e, env, names, nnames, out, e);
}

int
vault_fetch_reuse(struct vault *v, const char *env, const char *const *names,
		  size_t nnames, struct vault_arena *arena, struct vault_fetch *out,
		  struct mr_err *e)
{
	if (v->ops->fetch_reuse == NULL)
		return vault_fetch(v, env, names, nnames, out, e);
	if (fetch_args_check(env, names, nnames, e) != 0)
		return -1;
	return v->ops->fetch_reuse(v, env, names, nnames, arena, out, e);
}

int
vault_secret_put(struct vault *v, const char *env, const char *name,
		 const struct vault_item *items, size_t nitems, int replace,
		 struct vault_secret_meta *out, struct mr_err *e)
{
	if (write_args_check(env, name, items, nitems, e) != 0)
		return -1;
	return VAULT_FORWARD(v, secret_put, e, env, name, items, nitems, replace, out, e);
}

int
vault_secret_update(struct vault *v, const char *env, const char *name,
		    const struct vault_item *items, size_t nitems,
		    uint64_t expected_version, struct vault_secret_meta *out,
		    struct mr_err *e)
{
	if (write_args_check(env, name, items, nitems, e) != 0)
		return -1;
	return VAULT_FORWARD(v, secret_update, e, env, name, items, nitems, expected_version,
			     out, e);
}

int
vault_secret_versions(struct vault *v, const char *env, const char *name,
		      struct vault_secret_meta **out, size_t *n, struct mr_err *e)
{
	if (secret_args_check(env, name, e) != 0)
		return -1;
	return VAULT_FORWARD(v, secret_versions, e, env, name, out, n, e);
}

int
vault_secret_get(struct vault *v, const char *env, const char *name,
		 struct vault_secret_meta *out, struct mr_err *e)
{
	if (secret_args_check(env, name, e) != 0)
		return -1;
	return VAULT_FORWARD(v, secret_get, e, env, name, out, e);
}

int
vault_secret_list(struct vault *v, const char *env, struct vault_secret_meta **out,
		  size_t *n, struct mr_err *e)
{
	if (env_arg_check(env, e) != 0)
		return -1;
	return VAULT_FORWARD(v, secret_list, e, env, out, n, e);
}

int
vault_secret_delete(struct vault *v, const char *env, const char *name,
		    struct mr_err *e)
{
	if (secret_args_check(env, name, e) != 0)
		return -1;
	return VAULT_FORWARD(v, secret_delete, e, env, name, e);
}

int
vault_env_create(struct vault *v, const char *name, const char *webhook_suffix,
		 struct vault_env *out, struct mr_err *e)
{
	/* No suffix given: the environment's name, as Modal does. */
	if (webhook_suffix == NULL)
		webhook_suffix = name;
	if (name_check("environment", name, e) != 0 || webhook_suffix_check(webhook_suffix, e) != 0)
		return -1;
	return VAULT_FORWARD(v, env_create, e, name, webhook_suffix, out, e);
}

int
vault_env_list(struct vault *v, struct vault_env **out, size_t *n, struct mr_err *e)
{
	return VAULT_FORWARD(v, env_list, e, out, n, e);
}

int
vault_env_delete(struct vault *v, const char *name, struct mr_err *e)
{
	if (name_check("environment", name, e) != 0)
		return -1;
	return VAULT_FORWARD(v, env_delete, e, name, e);
}

int
vault_env_update(struct vault *v, const char *name, const char *new_name,
		 const char *new_suffix, struct vault_env *out, struct mr_err *e)
{
	if (env_update_check(name, new_name, new_suffix, e) != 0)
		return -1;
	return VAULT_FORWARD(v, env_update, e, name, new_name, new_suffix, out, e);
}

int
vault_workspace_current(struct vault *v, struct vault_workspace *out, struct mr_err *e)
{
	return VAULT_FORWARD(v, workspace_current, e, out, e);
}
