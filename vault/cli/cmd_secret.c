/* cmd_secret.c — modal-vault secret create|list|get|delete. */
#include "cli.h"
#include "input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
gather_items(struct cli *c, struct item_set *items)
{
	int i;

	for (i = 1; i < c->nargs; i++)
		if (items_add_arg(items, c->args[i], &c->err) != 0)
			return -1;
	for (i = 0; i < c->ndotenv; i++)
		if (items_add_dotenv(items, c->dotenv[i], &c->err) != 0)
			return -1;
	for (i = 0; i < c->nfrom_json; i++)
		if (items_add_json(items, c->from_json[i], &c->err) != 0)
			return -1;
	if (items->n == 0)
		return mr_fail(&c->err, MR_E_USAGE,
			       "secret '%s': give at least one KEY=VALUE, --from-dotenv FILE or --from-json FILE",
			       c->args[0]);
	return 0;
}

/* The hint names the environment whenever one was chosen (-e,
 * MODAL_ENVIRONMENT, the profile), so it runs as printed from any shell. */
static void
print_created(const struct vault_secret_meta *m, const char *env)
{
	size_t i;

	printf("%s secret '%s' in environment '%s' (version %llu) with key%s ",
	       m->version == 1 ? "Created" : "Replaced", m->name, m->environment,
	       (unsigned long long)m->version, m->nkeys == 1 ? "" : "s");
	for (i = 0; i < m->nkeys; i++)
		printf("%s%s", i ? ", " : "", m->keys[i]);
	printf("\nUse it with: modal-run --secret %s%s%s -- COMMAND\n", m->name,
	       env != NULL ? " -e " : "", env != NULL ? m->environment : "");
}

int
cmd_secret_create(struct cli *c)
{
	struct item_set items = { 0 };
	struct vault_secret_meta meta;
	struct vault *v = NULL;
	int rc;

	if (gather_items(c, &items) != 0 || cli_open(c, &v) != 0 ||
	    vault_secret_put(v, c->env, c->args[0], items.items, items.n, c->force,
			     &meta, &c->err) != 0) {
		if (c->err.kind == MR_E_EXISTS)
			strncat(c->err.msg, ": nothing changed (use --force to replace it)",
				sizeof(c->err.msg) - strlen(c->err.msg) - 1);
		rc = cli_fail(c);
		goto out;
	}
	cli_audit(v, meta.version == 1 ? "secret.create" : "secret.update", "secret:%s/%s",
		  meta.environment, meta.name);
	if (c->json)
		rc = print_json(secret_meta_to_json(&meta));
	else
		print_created(&meta, c->env), rc = 0;
	vault_secret_meta_clear(&meta);
out:
	items_free(&items);
	vault_close(v);
	return rc;
}

int
cmd_secret_list(struct cli *c)
{
	struct vault_secret_meta *list = NULL;
	struct vault *v = NULL;
	static const char *const headers[] = { "NAME", "VERSION", "KEYS", "CREATED", "UPDATED" };
	char (*text)[4][32];
	const char **cells;
	json_t *arr;
	size_t n = 0, i;
	int rc = 0;

	if (cli_open(c, &v) != 0 || vault_secret_list(v, c->env, &list, &n, &c->err) != 0) {
		rc = cli_fail(c);
		goto out;
	}
	if (c->json) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, modal_secret_row(&list[i]));
		rc = print_json(arr);
		goto out;
	}
	text = calloc(n + 1, sizeof(*text));
	cells = calloc((n + 1) * 5, sizeof(*cells));
	for (i = 0; text != NULL && cells != NULL && i < n; i++) {
		snprintf(text[i][0], 32, "%llu", (unsigned long long)list[i].version);
		snprintf(text[i][1], 32, "%zu", list[i].nkeys);
		format_time(list[i].created_at, text[i][2], 32);
		format_time(list[i].updated_at, text[i][3], 32);
		cells[i * 5] = list[i].name;
		cells[i * 5 + 1] = text[i][0];
		cells[i * 5 + 2] = text[i][1];
		cells[i * 5 + 3] = text[i][2];
		cells[i * 5 + 4] = text[i][3];
	}
	if (text != NULL && cells != NULL)
		print_table(5, headers, cells, n);
	free(text);
	free(cells);
out:
	vault_secret_meta_free(list, n);
	vault_close(v);
	return rc;
}

int
cmd_secret_get(struct cli *c)
{
	struct vault_secret_meta m;
	struct vault *v = NULL;
	char created[32], updated[32];
	size_t i;
	int rc = 0;

	if (cli_open(c, &v) != 0 || vault_secret_get(v, c->env, c->args[0], &m, &c->err) != 0) {
		rc = cli_fail(c);
		goto out;
	}
	if (c->json) {
		rc = print_json(secret_meta_to_json(&m));
	} else {
		format_time(m.created_at, created, sizeof(created));
		format_time(m.updated_at, updated, sizeof(updated));
		printf("Name:        %s\nID:          %s\nEnvironment: %s\nVersion:     %llu\n"
		       "Created:     %s\nUpdated:     %s\nKeys:\n", m.name, m.secret_id,
		       m.environment, (unsigned long long)m.version, created, updated);
		for (i = 0; i < m.nkeys; i++)
			printf("  %s\n", m.keys[i]);
	}
	vault_secret_meta_clear(&m);
out:
	vault_close(v);
	return rc;
}

int
cmd_secret_delete(struct cli *c)
{
	struct vault_secret_meta m;
	struct vault *v = NULL;
	char question[256];
	int rc = 0;

	if (cli_open(c, &v) != 0)
		goto fail;
	/* Look first, so a missing secret is reported before anyone is asked. */
	if (vault_secret_get(v, c->env, c->args[0], &m, &c->err) != 0) {
		if (c->err.kind == MR_E_NOTFOUND && c->allow_missing)
			goto out;
		goto fail;
	}
	snprintf(question, sizeof(question), "Delete secret '%s' from environment '%s'?",
		 m.name, m.environment);
	vault_secret_meta_clear(&m);
	if (cli_confirm(c, question) != 0 ||
	    vault_secret_delete(v, c->env, c->args[0], &c->err) != 0) {
		if (c->err.kind == MR_E_NOTFOUND && c->allow_missing)
			goto out;
		goto fail;
	}
	cli_audit(v, "secret.delete", "secret:%s/%s", m.environment, m.name);
	printf("Deleted secret '%s'\n", c->args[0]);
	goto out;
fail:
	rc = cli_fail(c);
out:
	vault_close(v);
	return rc;
}
