/* remote_answers.c — the server's JSON answers read into the vault's structs
 * through the one mapping of vault/json (vault_json.h), which checks every
 * field of these untrusted answers; here only what the remote client adds:
 * a version's name and environment from the request, and the element
 * readers of remote_get_list. tests/remote/fuzz_answers.c feeds these
 * readers arbitrary JSON. */
#include "remote.h"

#include <stdio.h>
#include <string.h>

int
answer_meta(json_t *j, const char *env, const char *name, struct vault_secret_meta *m)
{
	if (secret_meta_from_json(j, m) != 0)
		return -1;
	if (m->name[0] == '\0' && name != NULL)
		snprintf(m->name, sizeof(m->name), "%s", name);
	if (m->environment[0] == '\0' && env != NULL)
		snprintf(m->environment, sizeof(m->environment), "%s", env);
	/* A version was last updated when it was made. */
	if (m->updated_at == 0)
		m->updated_at = m->created_at;
	return 0;
}

int
answer_env(json_t *j, void *elem)
{
	return env_from_json(j, elem);
}

int
answer_member(json_t *j, void *elem)
{
	return member_from_json(j, elem);
}

int
answer_audit(json_t *j, void *elem)
{
	return audit_record_from_json(j, elem);
}

enum vault_token_kind
remote_token_kind(const char *id)
{
	return strncmp(id, "wk-", 3) == 0 ? VAULT_TOKEN_PROXY : VAULT_TOKEN_API;
}
