/* checks.c — the argument rules the front checks once (checks.h). */
#include "checks.h"

#include <string.h>

int
name_check(const char *what, const char *name, struct mr_err *e)
{
	char shown[128];

	if (name_is_valid(name))
		return 0;
	return mr_fail(e, MR_E_INVALID,
		       "invalid %s name '%s': at most %d of [A-Za-z0-9._-], starting alphanumeric",
		       what, name_for_msg(name, shown, sizeof(shown)), NAME_MAX_LEN);
}

int
env_arg_check(const char *env, struct mr_err *e)
{
	return env == NULL ? 0 : name_check("environment", env, e);
}

int
webhook_suffix_check(const char *suffix, struct mr_err *e)
{
	char shown[128];

	if (*suffix != '\0' && !name_is_valid(suffix))
		return mr_fail(e, MR_E_INVALID, "invalid webhook suffix '%s'",
			       name_for_msg(suffix, shown, sizeof(shown)));
	return 0;
}

int
env_update_check(const char *name, const char *new_name, const char *new_suffix,
		 struct mr_err *e)
{
	if (name_check("environment", name, e) != 0 ||
	    (new_name != NULL && name_check("environment", new_name, e) != 0))
		return -1;
	if (new_suffix != NULL && webhook_suffix_check(new_suffix, e) != 0)
		return -1;
	if (new_name == NULL && new_suffix == NULL)
		return mr_fail(e, MR_E_USAGE,
			       "environment '%s': nothing to change (give a new name or webhook suffix)",
			       name);
	return 0;
}

int
env_default_rename_check(const char *name, const char *new_name, const char *default_env,
			 struct mr_err *e)
{
	/* Every open vault (each server's workers, each client) keeps the
	 * default's name; and it is what every request without an environment
	 * means. Renaming it would make them disagree. */
	if (new_name != NULL && strcmp(new_name, name) != 0 && strcmp(name, default_env) == 0)
		return mr_fail(e, MR_E_CONFLICT,
			       "environment '%s' is the workspace's default and cannot be renamed", name);
	return 0;
}

int
access_role_check(enum vault_role role, struct mr_err *e)
{
	if (role < VAULT_ROLE_USER || role > VAULT_ROLE_OWNER)
		return mr_fail(e, MR_E_INVALID, "invalid role %d: expected owner, manager or user",
			       (int)role);
	return 0;
}

/* A handle, or an e-mail-like one: nothing that could break a table, a log
 * line or a URL. */
int
access_member_name_check(const char *name, struct mr_err *e)
{
	char shown[128];
	size_t len = name != NULL ? strlen(name) : 0;

	if (len > 0 && len <= NAME_MAX_LEN &&
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@+-") == len &&
	    strchr("._@+-", name[0]) == NULL)
		return 0;
	return mr_fail(e, MR_E_INVALID,
		       "invalid member name '%s': at most %d of [A-Za-z0-9._@+-], starting alphanumeric",
		       name_for_msg(name, shown, sizeof(shown)), NAME_MAX_LEN);
}

/* Actions are dotted lower-case words ("secret.create"). */
int
access_action_is_valid(const char *s, size_t max)
{
	size_t len = s != NULL ? strlen(s) : 0;

	return len > 0 && len < max && s[0] != '.' && s[len - 1] != '.' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz_.") == len;
}

static int
field_check(const char *what, const char *s, size_t size, struct mr_err *e)
{
	if (s == NULL || strlen(s) >= size)
		return mr_fail(e, MR_E_INVALID, "audit record: %s longer than %zu bytes",
			       what, size - 1);
	return 0;
}

int
access_audit_record_check(const struct vault_audit_record *r, struct mr_err *e)
{
	char shown[128];

	if (!access_action_is_valid(r->action, sizeof(r->action)))
		return mr_fail(e, MR_E_INVALID, "audit record: invalid action '%s'",
			       name_for_msg(r->action, shown, sizeof(shown)));
	if (field_check("token id", r->token_id, sizeof(r->token_id), e) != 0 ||
	    field_check("resource", r->resource, sizeof(r->resource), e) != 0 ||
	    field_check("client", r->client, sizeof(r->client), e) != 0)
		return -1;
	return 0;
}
