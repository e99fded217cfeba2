/* cmd_token.c — modal-vault token create|list|revoke and workspace
 * proxy-tokens create|list|delete|allow|revoke. A new token's secret is
 * printed once, from locked memory straight to stdout's descriptor, then
 * wiped; no listing can show it again, as the vault never stored it. */
#include "cli.h"
#include "exitcodes.h"
#include "secmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JSON_FLAGS (JSON_INDENT(2) | JSON_ENSURE_ASCII)

static const char *const kind_label[] = {
	[VAULT_TOKEN_API] = "token", [VAULT_TOKEN_PROXY] = "proxy token",
};
static const char *const kind_resource[] = {
	[VAULT_TOKEN_API] = "token", [VAULT_TOKEN_PROXY] = "proxy_token",
};

/* --expires: a lifetime the vault accepts, or 0 for the default. */
static int
expires_seconds(struct cli *c, int64_t *ttl)
{
	char shown[128];

	*ttl = 0;
	if (c->expires == NULL)
		return 0;
	name_for_msg(c->expires, shown, sizeof(shown));
	if (when_parse_duration(c->expires, ttl) != 0)
		return mr_fail(&c->err, MR_E_USAGE,
			       "--expires '%s': expected a duration such as 12h, 7d, 2w, 1y or 1h30m",
			       shown);
	if (*ttl < TOKEN_TTL_MIN || *ttl > TOKEN_TTL_MAX)
		return mr_fail(&c->err, MR_E_USAGE,
			       "--expires '%s': a token lives between 1 hour and 366 days", shown);
	return 0;
}

/* The JSON answer with the secret, serialised into locked memory. jansson's
 * own copies are wiped when freed (input_init). */
static int
print_created_json(const struct vault_token *t, const char *secret)
{
	json_t *j = token_created_to_json(t, secret);
	size_t len;
	char *buf;
	int rc = -1;

	len = json_dumpb(j, NULL, 0, JSON_FLAGS);
	buf = xsecure_alloc(len + 1);
	if (len > 0 && json_dumpb(j, buf, len, JSON_FLAGS) == len) {
		buf[len] = '\n';
		rc = write_stdout_direct(buf, len + 1);
	}
	secure_free(buf, len + 1);
	json_decref(j);
	return rc == 0 ? 0 : EXIT_IOERR;
}

static int
print_created_text(const struct vault_token *t, const char *secret)
{
	char expires[32] = "never";
	size_t i;

	if (t->expires_at != 0)
		format_time(t->expires_at, expires, sizeof(expires));
	printf("Created %s '%s'", kind_label[t->kind], t->name);
	if (t->kind == VAULT_TOKEN_API)
		printf(" for member %s", t->member_id);
	printf(", expires %s.\n", expires);
	for (i = 0; i < t->nenvs; i++)
		printf("%s%s", i ? ", " : "Allowed in environment: ", t->envs[i]);
	printf("%sToken ID:     %s\nToken secret: ", t->nenvs ? "\n" : "", t->token_id);
	if (write_stdout_direct(secret, TOKEN_SECRET_LEN) != 0)
		return EXIT_IOERR;
	printf("\nThe secret will not be shown again: store it now (%s).\n",
	       t->kind == VAULT_TOKEN_API
		       ? "MODAL_TOKEN_ID and MODAL_TOKEN_SECRET, a profile in ~/.modal.toml, or a systemd credential"
		       : "your proxy sends it as Modal-Key and Modal-Secret");
	return fflush(stdout) == 0 ? 0 : EXIT_IOERR;
}

static int
token_create(struct cli *c, enum vault_token_kind kind)
{
	char *secret = xsecure_alloc(TOKEN_SECRET_LEN + 1);
	struct vault *v = NULL;
	struct vault_token t;
	int64_t ttl;
	int rc;

	if (expires_seconds(c, &ttl) != 0 || cli_open(c, &v) != 0 ||
	    vault_token_create(v, kind, c->member, c->name, ttl, &t, secret, &c->err) != 0) {
		rc = cli_fail(c);
		goto out;
	}
	cli_audit(v, kind == VAULT_TOKEN_API ? "token.create" : "proxy_token.create",
		  "%s:%s", kind_resource[kind], t.token_id);
	rc = c->json ? print_created_json(&t, secret) : print_created_text(&t, secret);
	vault_token_clear(&t);
out:
	secure_free(secret, TOKEN_SECRET_LEN + 1);
	vault_close(v);
	return rc;
}

int
cmd_token_create(struct cli *c)
{
	return token_create(c, VAULT_TOKEN_API);
}

int
cmd_proxy_create(struct cli *c)
{
	return token_create(c, VAULT_TOKEN_PROXY);
}

static const char *
token_status(const struct vault_token *t, int64_t now)
{
	if (t->revoked_at != 0)
		return "revoked";
	if (t->expires_at != 0 && t->expires_at <= now)
		return "expired";
	return "active";
}

/* A member's name for a listing; the id when the member was removed. */
static const char *
member_name(const struct vault_member *m, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(m[i].member_id, id) == 0)
			return m[i].name;
	return id;
}

#define TEXT_COLS 5

struct token_rows {
	char (*text)[TEXT_COLS][32];
	char **envs;                     /* proxy tokens: "main, prod" */
	const char **cells;
};

static char *
envs_join(const struct vault_token *t)
{
	char *s = calloc(t->nenvs + 1, NAME_MAX_LEN + 2);
	size_t i;

	for (i = 0; s != NULL && i < t->nenvs; i++) {
		if (i > 0)
			strcat(s, ",");
		strcat(s, t->envs[i]);
	}
	return s;
}

static void
print_api_rows(const struct vault_token *list, size_t n, struct token_rows *r,
	       const struct vault_member *members, size_t nmembers)
{
	static const char *const headers[] = { "ID", "NAME", "MEMBER", "CREATED", "EXPIRES",
					       "LAST USED", "STATUS" };
	int64_t now = time(NULL);
	size_t i;

	for (i = 0; i < n; i++) {
		const char **row = r->cells + i * 7;

		format_time(list[i].created_at, r->text[i][0], 32);
		format_time(list[i].expires_at, r->text[i][1], 32);
		if (list[i].last_used_at != 0)
			format_time(list[i].last_used_at, r->text[i][2], 32);
		else
			strcpy(r->text[i][2], "never");
		row[0] = list[i].token_id;
		row[1] = list[i].name;
		row[2] = member_name(members, nmembers, list[i].member_id);
		row[3] = r->text[i][0];
		row[4] = r->text[i][1];
		row[5] = r->text[i][2];
		row[6] = token_status(&list[i], now);
	}
	print_table(7, headers, r->cells, n);
}

static void
print_proxy_rows(const struct vault_token *list, size_t n, struct token_rows *r)
{
	static const char *const headers[] = { "ID", "NAME", "ENVIRONMENTS", "CREATED",
					       "LAST USED" };
	size_t i;

	for (i = 0; i < n; i++) {
		const char **row = r->cells + i * 5;

		format_time(list[i].created_at, r->text[i][0], 32);
		if (list[i].last_used_at != 0)
			format_time(list[i].last_used_at, r->text[i][1], 32);
		else
			strcpy(r->text[i][1], "never");
		row[0] = list[i].token_id;
		row[1] = list[i].name;
		row[2] = r->envs[i] != NULL ? r->envs[i] : "";
		row[3] = r->text[i][0];
		row[4] = r->text[i][1];
	}
	print_table(5, headers, r->cells, n);
}

static int
print_token_table(struct cli *c, struct vault *v, const struct vault_token *list, size_t n)
{
	struct token_rows r = { 0 };
	struct vault_member *members = NULL;
	size_t nmembers = 0, i;
	int rc = 0;

	r.text = calloc(n + 1, sizeof(*r.text));
	r.envs = calloc(n + 1, sizeof(*r.envs));
	r.cells = calloc((n + 1) * 7, sizeof(*r.cells));
	for (i = 0; r.envs != NULL && i < n; i++)
		r.envs[i] = envs_join(&list[i]);
	if (r.text == NULL || r.envs == NULL || r.cells == NULL)
		rc = mr_fail(&c->err, MR_E_INTERNAL, "out of memory");
	else if (n > 0 && list[0].kind == VAULT_TOKEN_API &&
		 vault_member_list(v, &members, &nmembers, &c->err) != 0)
		rc = -1;
	if (rc != 0)
		rc = cli_fail(c);
	else if (n == 0 || list[0].kind == VAULT_TOKEN_API)
		print_api_rows(list, n, &r, members, nmembers);
	else
		print_proxy_rows(list, n, &r);
	for (i = 0; r.envs != NULL && i < n; i++)
		free(r.envs[i]);
	free(r.envs);
	free(r.text);
	free(r.cells);
	free(members);
	return rc;
}

/* modal workspace proxy-tokens list --json: a row keyed by column names, in
 * Modal's style; environments joined as the table shows them. */
static json_t *
proxy_row(const struct vault_token *t)
{
	char *envs = calloc(t->nenvs + 1, NAME_MAX_LEN + 2);
	json_t *row;
	size_t i;

	for (i = 0; envs != NULL && i < t->nenvs; i++) {
		if (i > 0)
			strcat(envs, ", ");
		strcat(envs, t->envs[i]);
	}
	/* Modal's columns, then ours: when it expires (null: never). */
	row = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "Token ID", t->token_id, "Name", t->name,
			"Environments", envs != NULL ? envs : "", "Created at",
			modal_time_json(t->created_at), "Last used at",
			t->last_used_at != 0 ? modal_time_json(t->last_used_at) : json_string("-"),
			"Expires at", modal_time_json(t->expires_at));
	free(envs);
	return row;
}

static int
token_list(struct cli *c, enum vault_token_kind kind)
{
	struct vault_token *list = NULL;
	struct vault *v = NULL;
	json_t *arr;
	size_t n = 0, i;
	int rc;

	/* Only an explicit -e filters: MODAL_ENVIRONMENT is for launches. */
	if (cli_open(c, &v) != 0 ||
	    vault_token_list(v, kind, NULL, c->env_given ? c->env : NULL, &list, &n, &c->err) != 0) {
		rc = cli_fail(c);
	} else if (c->json) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, kind == VAULT_TOKEN_PROXY ? proxy_row(&list[i])
					      : token_to_json(&list[i]));
		rc = print_json(arr);
	} else if (n == 0 && kind == VAULT_TOKEN_PROXY) {
		puts("No proxy tokens. Create one: modal-vault workspace proxy-tokens create --name NAME");
		rc = 0;
	} else {
		rc = print_token_table(c, v, list, n);
	}
	vault_token_free(list, n);
	vault_close(v);
	return rc;
}

int
cmd_token_list(struct cli *c)
{
	return token_list(c, VAULT_TOKEN_API);
}

int
cmd_proxy_list(struct cli *c)
{
	return token_list(c, VAULT_TOKEN_PROXY);
}

/* token revoke (API tokens) and proxy-tokens delete: each only its own kind. */
static int
token_remove(struct cli *c, enum vault_token_kind kind)
{
	static const char *const other[] = {
		[VAULT_TOKEN_API] = "is a proxy token: use 'modal-vault workspace proxy-tokens delete'",
		[VAULT_TOKEN_PROXY] = "is an API token: use 'modal-vault token revoke'",
	};
	struct vault_token t = { 0 };
	struct vault *v = NULL;
	char question[200], shown[128];
	int rc = 0;

	if (cli_open(c, &v) != 0 || vault_token_get(v, c->args[0], &t, &c->err) != 0)
		goto fail;
	name_for_msg(c->args[0], shown, sizeof(shown));
	if (t.kind != kind) {
		mr_fail(&c->err, MR_E_INVALID, "%s '%s' %s", kind_label[kind], shown, other[kind]);
		goto fail;
	}
	snprintf(question, sizeof(question), "%s %s %s ('%s')?",
		 kind == VAULT_TOKEN_API ? "Revoke" : "Delete", kind_label[kind], t.token_id, t.name);
	if (cli_confirm(c, question) != 0 || vault_token_revoke(v, t.token_id, &c->err) != 0)
		goto fail;
	cli_audit(v, kind == VAULT_TOKEN_API ? "token.revoke" : "proxy_token.delete",
		  "%s:%s", kind_resource[kind], t.token_id);
	printf("%s %s %s\n", kind == VAULT_TOKEN_API ? "Revoked" : "Deleted", kind_label[kind],
	       t.token_id);
	goto out;
fail:
	rc = cli_fail(c);
out:
	vault_token_clear(&t);
	vault_close(v);
	return rc;
}

int
cmd_token_revoke(struct cli *c)
{
	return token_remove(c, VAULT_TOKEN_API);
}

int
cmd_proxy_delete(struct cli *c)
{
	return token_remove(c, VAULT_TOKEN_PROXY);
}

static int
proxy_env(struct cli *c, int allow)
{
	struct vault *v = NULL;
	int rc = 0;

	if (cli_open(c, &v) != 0 ||
	    vault_token_allow_env(v, c->args[0], c->args[1], allow, &c->err) != 0) {
		rc = cli_fail(c);
	} else {
		cli_audit(v, allow ? "proxy_token.allow" : "proxy_token.revoke",
			  "proxy_token:%s/%s", c->args[0], c->args[1]);
		printf("Proxy token %s %s be used in environment '%s'\n", c->args[0],
		       allow ? "may now" : "may no longer", c->args[1]);
	}
	vault_close(v);
	return rc;
}

int
cmd_proxy_allow(struct cli *c)
{
	return proxy_env(c, 1);
}

int
cmd_proxy_revoke(struct cli *c)
{
	return proxy_env(c, 0);
}
