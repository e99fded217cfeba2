/* cmd_admin.c — modal-vault init, environment create|list|delete, workspace current. */
#include "cli.h"

#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The workspace of a new vault is named after its owner, as a personal one. */
static const char *
default_workspace_name(char *buf, size_t len)
{
	struct passwd *pw = getpwuid(getuid());

	snprintf(buf, len, "%s", pw != NULL && name_is_valid(pw->pw_name) ? pw->pw_name : "default");
	return buf;
}

/* What a new vault's owner needs next: its public key (for launchers and
 * clients to pin) and the owner member every first token belongs to. */
static int
init_identity(struct cli *c, char hex[65], struct vault_member *owner)
{
	unsigned char pk[32];
	struct vault *v = NULL;
	int rc = -1;

	if (cli_open(c, &v) == 0 && vault_box_keypair(v, pk, NULL, &c->err) == 0 &&
	    vault_owner(v, owner, &c->err) == 0) {
		sodium_bin2hex(hex, 65, pk, sizeof(pk));
		rc = 0;
	}
	vault_close(v);
	return rc;
}

int
cmd_init(struct cli *c)
{
	struct vault_workspace ws;
	struct vault_member owner;
	char name[NAME_MAX_LEN + 1], key[65];
	/* A postgres:// URL may hold the database password: never echo it. */
	int embedded = strncmp(c->url, "file:", 5) == 0;

	if (c->name == NULL)
		c->name = default_workspace_name(name, sizeof(name));
	if (vault_init(c->url, c->name, &ws, &c->err) != 0 || init_identity(c, key, &owner) != 0)
		return cli_fail(c);
	if (c->json)
		return print_json(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "url",
					    embedded ? c->url : "postgres",
					    "workspace_id", ws.workspace_id, "name", ws.name,
					    "default_environment", ws.default_env,
					    "owner_member_id", owner.member_id, "public_key", key));
	if (embedded)
		printf("Created an embedded vault at %s\n", c->url + 5);
	else
		printf("Initialised the PostgreSQL vault store\n");
	printf("Workspace '%s' (%s), default environment '%s', owner member %s.\n"
	       "Vault public key: %s\n"
	       "Next:\n"
	       "  modal-vault secret create NAME KEY=VALUE...    (KEY=- reads the value from stdin)\n"
	       "  modal-run --secret NAME -- COMMAND\n"
	       "  modal-vault token create --name admin          (the first API token, for a vault server)\n",
	       ws.name, ws.workspace_id, ws.default_env, owner.member_id, key);
	return 0;
}

int
cmd_env_create(struct cli *c)
{
	struct vault *v = NULL;
	struct vault_env env;
	int rc = 0;

	if (cli_open(c, &v) != 0 || vault_env_create(v, c->args[0], c->suffix, &env, &c->err) != 0) {
		rc = cli_fail(c);
		goto out;
	}
	cli_audit(v, "environment.create", "environment:%s", env.name);
	if (c->json)
		rc = print_json(env_to_json(&env));
	else
		printf("Created environment '%s'\n", env.name);
out:
	vault_close(v);
	return rc;
}

int
cmd_env_list(struct cli *c)
{
	static const char *const headers[] = { "NAME", "WEBHOOK SUFFIX", "CREATED", "DEFAULT" };
	struct vault_env *list = NULL;
	struct vault *v = NULL;
	char (*created)[32] = NULL;
	const char **cells = NULL;
	json_t *arr;
	size_t n = 0, i;
	int rc = 0;

	if (cli_open(c, &v) != 0 || vault_env_list(v, &list, &n, &c->err) != 0) {
		rc = cli_fail(c);
		goto out;
	}
	if (c->json) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, modal_env_row(&list[i], c->env));
		rc = print_json(arr);
		goto out;
	}
	created = calloc(n + 1, sizeof(*created));
	cells = calloc((n + 1) * 4, sizeof(*cells));
	for (i = 0; created != NULL && cells != NULL && i < n; i++) {
		format_time(list[i].created_at, created[i], sizeof(created[i]));
		cells[i * 4] = list[i].name;
		cells[i * 4 + 1] = list[i].webhook_suffix;
		cells[i * 4 + 2] = created[i];
		cells[i * 4 + 3] = list[i].is_default ? "yes" : "";
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
cmd_env_delete(struct cli *c)
{
	struct vault *v = NULL;
	char question[128];
	int rc = 0;

	snprintf(question, sizeof(question), "Delete environment '%.64s'?", c->args[0]);
	if (cli_open(c, &v) != 0 || cli_confirm(c, question) != 0 ||
	    vault_env_delete(v, c->args[0], &c->err) != 0) {
		rc = cli_fail(c);
	} else {
		cli_audit(v, "environment.delete", "environment:%s", c->args[0]);
		printf("Deleted environment '%s'\n", c->args[0]);
	}
	vault_close(v);
	return rc;
}

int
cmd_env_update(struct cli *c)
{
	struct vault *v = NULL;
	struct vault_env env;
	int rc = 0;

	if (c->set_name == NULL && c->set_suffix == NULL) {
		mr_fail(&c->err, MR_E_USAGE,
			"environment update %s: give --set-name N or --set-web-suffix S", c->args[0]);
		rc = cli_fail(c);
		goto out;
	}
	if (cli_open(c, &v) != 0 ||
	    vault_env_update(v, c->args[0], c->set_name, c->set_suffix, &env, &c->err) != 0) {
		rc = cli_fail(c);
		goto out;
	}
	cli_audit(v, "environment.update", "environment:%s", c->args[0]);
	if (c->json)
		rc = print_json(env_to_json(&env));
	else if (strcmp(env.name, c->args[0]) != 0)
		printf("Renamed environment '%s' to '%s' (webhook suffix '%s')\n", c->args[0],
		       env.name, env.webhook_suffix);
	else
		printf("Updated environment '%s' (webhook suffix '%s')\n", env.name,
		       env.webhook_suffix);
out:
	vault_close(v);
	return rc;
}

int
cmd_workspace_current(struct cli *c)
{
	struct vault_workspace ws;
	struct vault *v = NULL;
	int rc = 0;

	if (cli_open(c, &v) != 0 || vault_workspace_current(v, &ws, &c->err) != 0)
		rc = cli_fail(c);
	else if (c->json)
		rc = print_json(workspace_to_json(&ws));
	else
		printf("%s (%s), plan %s, default environment '%s'\n", ws.name,
		       ws.workspace_id, ws.plan, ws.default_env);
	vault_close(v);
	return rc;
}
