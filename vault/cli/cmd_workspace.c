/* cmd_workspace.c — modal-vault workspace members list|add|update|remove. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --role: NULL when absent (and not required) gives dflt. */
static int
role_option(struct cli *c, int required, enum vault_role dflt, enum vault_role *role)
{
	char shown[128];

	*role = dflt;
	if (c->role == NULL && required)
		return mr_fail(&c->err, MR_E_USAGE, "--role is required: owner, manager or user");
	if (c->role != NULL && vault_role_parse(c->role, role) != 0)
		return mr_fail(&c->err, MR_E_USAGE, "--role '%s': expected owner, manager or user",
			       name_for_msg(c->role, shown, sizeof(shown)));
	return 0;
}

/* modal workspace members list --json: a row keyed by column names, in
 * Modal's style (docs/configuration.md). */
static json_t *
member_row(const struct vault_member *m)
{
	return json_pack("{s:s, s:s, s:s, s:o}", "Member ID", m->member_id, "Name", m->name,
			 "Role", vault_role_name(m->role), "Created at",
			 modal_time_json(m->created_at));
}

int
cmd_members_list(struct cli *c)
{
	static const char *const headers[] = { "ID", "NAME", "ROLE", "CREATED" };
	struct vault_member *list = NULL;
	struct vault *v = NULL;
	char (*created)[32] = NULL;
	const char **cells = NULL;
	json_t *arr;
	size_t n = 0, i;
	int rc = 0;

	if (cli_open(c, &v) != 0 || vault_member_list(v, &list, &n, &c->err) != 0) {
		rc = cli_fail(c);
		goto out;
	}
	if (c->json) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, member_row(&list[i]));
		rc = print_json(arr);
		goto out;
	}
	created = calloc(n + 1, sizeof(*created));
	cells = calloc((n + 1) * 4, sizeof(*cells));
	for (i = 0; created != NULL && cells != NULL && i < n; i++) {
		format_time(list[i].created_at, created[i], sizeof(created[i]));
		cells[i * 4] = list[i].member_id;
		cells[i * 4 + 1] = list[i].name;
		cells[i * 4 + 2] = vault_role_name(list[i].role);
		cells[i * 4 + 3] = created[i];
	}
	if (created != NULL && cells != NULL)
		print_table(4, headers, cells, n);
out:
	free(created);
	free(cells);
	free(list);
	vault_close(v);
	return rc;
}

int
cmd_members_add(struct cli *c)
{
	struct vault_member m;
	enum vault_role role;
	struct vault *v = NULL;
	int rc = 0;

	if (role_option(c, 0, VAULT_ROLE_USER, &role) != 0 || cli_open(c, &v) != 0 ||
	    vault_member_add(v, c->args[0], role, &m, &c->err) != 0) {
		rc = cli_fail(c);
		goto out;
	}
	cli_audit(v, "member.add", "member:%s", m.member_id);
	if (c->json)
		rc = print_json(member_to_json(&m));
	else
		printf("Added member '%s' (%s) as %s\n"
		       "Give them a token: modal-vault token create --member %s --name NAME\n",
		       m.name, m.member_id, vault_role_name(m.role), m.member_id);
out:
	vault_close(v);
	return rc;
}

int
cmd_members_update(struct cli *c)
{
	enum vault_role role;
	struct vault *v = NULL;
	int rc = 0;

	if (role_option(c, 1, VAULT_ROLE_USER, &role) != 0 || cli_open(c, &v) != 0 ||
	    vault_member_set_role(v, c->args[0], role, &c->err) != 0) {
		rc = cli_fail(c);
	} else {
		cli_audit(v, "member.update", "member:%s", c->args[0]);
		printf("Member %s is now %s\n", c->args[0], vault_role_name(role));
	}
	vault_close(v);
	return rc;
}

/* The member's name, to ask about and report by; NOTFOUND if there is none. */
static int
member_find(struct cli *c, struct vault *v, const char *id, struct vault_member *out)
{
	struct vault_member *list = NULL;
	char shown[128];
	size_t n = 0, i;
	int rc = -1;

	if (vault_member_list(v, &list, &n, &c->err) != 0)
		return -1;
	for (i = 0; i < n && rc != 0; i++)
		if (strcmp(list[i].member_id, id) == 0) {
			*out = list[i];
			rc = 0;
		}
	free(list);
	if (rc != 0)
		mr_fail(&c->err, MR_E_NOTFOUND, "member '%s' not found",
			name_for_msg(id, shown, sizeof(shown)));
	return rc;
}

int
cmd_members_remove(struct cli *c)
{
	struct vault_member m;
	struct vault *v = NULL;
	char question[200];
	int rc = 0;

	if (cli_open(c, &v) != 0 || member_find(c, v, c->args[0], &m) != 0)
		goto fail;
	snprintf(question, sizeof(question), "Remove member '%s' (%s) and revoke their tokens?",
		 m.name, m.member_id);
	if (cli_confirm(c, question) != 0 || vault_member_remove(v, m.member_id, &c->err) != 0)
		goto fail;
	cli_audit(v, "member.remove", "member:%s", m.member_id);
	printf("Removed member '%s' (%s); their tokens are revoked\n", m.name, m.member_id);
	goto out;
fail:
	rc = cli_fail(c);
out:
	vault_close(v);
	return rc;
}
