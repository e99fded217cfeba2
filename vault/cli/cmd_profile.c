/* cmd_profile.c — modal-vault profile list|activate|current: the profiles
 * of the profile file (~/.modal.toml), as Modal's `modal profile` presents
 * them. They read the file themselves, so a file with no profile that
 * applies can still be listed and fixed. */
#include "cli.h"
#include "exitcodes.h"
#include "profile_edit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *
cli_flag_or_env(const char *flag, const char *var)
{
	const char *v;

	if (flag != NULL && *flag != '\0')
		return flag;
	v = getenv(var);
	return v != NULL && *v != '\0' ? v : NULL;
}

static const char *
config_path(const struct cli *c)
{
	return cli_flag_or_env(c->flags.config, "MODAL_CONFIG_PATH");
}

/* The file, which a --config or MODAL_CONFIG_PATH must name: only the
 * default file may be missing. for_update: locked, to be rewritten. */
static int
read_profiles(struct cli *c, int for_update, struct profile_file *f)
{
	if (profile_file_read(config_path(c), for_update, f, &c->err) != 0)
		return -1;
	if (!f->exists && config_path(c) != NULL) {
		mr_fail(&c->err, MR_E_CONFIG, "%s: no such file", f->shown);
		profile_file_free(f);
		return -1;
	}
	return 0;
}

/* The profile that applies, as both programs choose it (profile.h):
 * --profile or MODAL_PROFILE, else the active one, else [default]. "" when
 * the file has no profile at all. */
static int
current_profile(struct cli *c, const struct profile_file *f, char name[NAME_MAX_LEN + 1])
{
	struct profile p;

	if (profile_parse(f->text != NULL ? f->text : "", f->len, f->shown,
			  cli_flag_or_env(c->flags.profile, "MODAL_PROFILE"), &p, &c->err) != 0)
		return -1;
	memcpy(name, p.name, NAME_MAX_LEN + 1);
	profile_clear(&p);
	return 0;
}

/* Modal's Workspace column: the workspace the profile's token reaches, or
 * why it cannot be told. */
static void
lookup_workspace(struct cli *c, const struct profile *p, char *out, size_t len)
{
	const char *url = cli_flag_or_env(c->server, "MODAL_SERVER_URL");
	const char *timeout = cli_flag_or_env(c->flags.timeout, "MODAL_TIMEOUT");
	struct vault_options o = { 0, p->token_id, p->token_secret, p->token_secret_len,
				   p->vault_public_key,
				   cli_flag_or_env(c->flags.cacert, "MODAL_CACERT"), 0,
				   NULL /* an unreachable profile is its row's answer */ };
	char fallback[4096];
	struct vault_workspace ws;
	struct vault *v = NULL;
	struct mr_err e;

	if (url == NULL)
		url = p->server_url;
	if (url == NULL && vault_default_url(fallback, sizeof(fallback), &e) == 0)
		url = fallback;
	if (timeout != NULL && settings_parse_duration(timeout, &o.timeout_ms) != 0)
		o.timeout_ms = 0;
	if (url != NULL && vault_open_with(url, &o, &v, &e) == 0 &&
	    vault_workspace_current(v, &ws, &e) == 0) {
		snprintf(out, len, "%s", ws.name);
	} else {
		snprintf(out, len, "%s", url != NULL && e.kind == MR_E_AUTH
			 ? "Unknown (authentication failure)"
			 : url != NULL && e.kind == MR_E_TIMEOUT ? "Unknown (timed out)"
			 : "Unknown (profile misconfigured)");
	}
	vault_close(v);
}

/* As Modal says after its table: a token in MODAL_TOKEN_ID (and _SECRET)
 * outranks every profile's, so name the workspace it reaches. On stderr,
 * where it leaves --json's array alone. */
static void
note_env_token(struct cli *c, const struct profile_file *f, const char *current)
{
	const char *id = cli_flag_or_env(NULL, "MODAL_TOKEN_ID");
	const char *secret = cli_flag_or_env(NULL, "MODAL_TOKEN_SECRET");
	char ws[NAME_MAX_LEN + 40];
	struct profile p, env;
	struct mr_err e;

	if (id == NULL)
		return;
	if (current[0] == '\0' ||
	    profile_parse(f->text, f->len, f->shown, current, &p, &e) != 0)
		memset(&p, 0, sizeof(p));
	env = (struct profile){ .server_url = p.server_url, .vault_public_key = p.vault_public_key,
				.token_id = (char *)id, .token_secret = (char *)secret,
				.token_secret_len = secret != NULL ? strlen(secret) : 0 };
	lookup_workspace(c, &env, ws, sizeof(ws));
	mr_log(MR_LOG_WARNING, "modal-vault: using the %s workspace, from MODAL_TOKEN_ID and "
	       "MODAL_TOKEN_SECRET, whichever profile applies", ws);
	profile_clear(&p);
}

static void
print_profiles(const char *const *cells, size_t n)
{
	size_t width = strlen("Profile"), i;

	for (i = 0; i < n; i++)
		if (strlen(cells[3 * i + 1]) > width)
			width = strlen(cells[3 * i + 1]);
	printf("   %-*s  Workspace\n", (int)width, "Profile");
	for (i = 0; i < n; i++)
		printf("%s  %-*s  %s\n", cells[3 * i][0] ? "•" : " ", (int)width,
		       cells[3 * i + 1], cells[3 * i + 2]);
}

int
cmd_profile_list(struct cli *c)
{
	char current[NAME_MAX_LEN + 1], (*workspace)[NAME_MAX_LEN + 40] = NULL;
	const char **cells = NULL;
	struct profile_file f;
	struct profile p;
	json_t *rows = json_array();
	size_t i;
	int rc = 0;

	if (read_profiles(c, 0, &f) != 0 || current_profile(c, &f, current) != 0) {
		json_decref(rows);
		profile_file_free(&f);
		return cli_fail(c);
	}
	workspace = calloc(f.ntables + 1, sizeof(*workspace));
	cells = calloc(3 * f.ntables + 1, sizeof(*cells));
	for (i = 0; workspace != NULL && cells != NULL && i < f.ntables; i++) {
		if (profile_parse(f.text, f.len, f.shown, f.tables[i].name, &p, &c->err) != 0)
			break;
		lookup_workspace(c, &p, workspace[i], sizeof(workspace[i]));
		profile_clear(&p);
		cells[3 * i] = strcmp(f.tables[i].name, current) == 0 ? "*" : "";
		cells[3 * i + 1] = f.tables[i].name;
		cells[3 * i + 2] = workspace[i];
		json_array_append_new(rows, json_pack("{s:s, s:s, s:b}", "name", f.tables[i].name,
						      "workspace", workspace[i], "active",
						      cells[3 * i][0] != '\0'));
	}
	if (workspace == NULL || cells == NULL)
		rc = mr_fail(&c->err, MR_E_INTERNAL, "out of memory");
	else if (i < f.ntables)
		rc = -1;
	if (rc != 0)
		rc = cli_fail(c);
	else if (c->json)
		rc = print_json(json_incref(rows));
	else
		print_profiles(cells, f.ntables);
	if (rc == 0)
		note_env_token(c, &f, current);
	json_decref(rows);
	free(cells);
	free(workspace);
	profile_file_free(&f);
	return rc;
}

int
cmd_profile_activate(struct cli *c)
{
	const char *name = c->args[0];
	struct profile_file f;
	char shown[100];

	if (read_profiles(c, 1, &f) != 0)
		return cli_fail(c);
	if (profile_file_find(&f, name) < 0)
		mr_fail(&c->err, MR_E_CONFIG, "%s: profile \"%s\" not found", f.shown,
			name_for_msg(name, shown, sizeof(shown)));
	else if (profile_file_edit(&f, name, NULL, 0, 1, &c->err) == 0 &&
		 profile_file_write(&f, &c->err) == 0)
		printf("Active profile: %s\n", name);
	profile_file_free(&f);
	return c->err.kind != MR_OK ? cli_fail(c) : 0;
}

int
cmd_profile_current(struct cli *c)
{
	char current[NAME_MAX_LEN + 1];
	struct profile_file f;

	if (read_profiles(c, 0, &f) != 0 || current_profile(c, &f, current) != 0) {
		profile_file_free(&f);
		return cli_fail(c);
	}
	if (current[0] == '\0')
		mr_fail(&c->err, MR_E_CONFIG, "%s: no profile (the file %s)", f.shown,
			f.exists ? "holds none" : "does not exist");
	else
		puts(current);
	profile_file_free(&f);
	return c->err.kind != MR_OK ? cli_fail(c) : 0;
}
