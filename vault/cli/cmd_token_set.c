/* cmd_token_set.c — modal-vault token set and token info. token set stores
 * an API token in a profile of ~/.modal.toml, as Modal's `modal token set`
 * does, after checking it against the vault and learning the vault's public
 * key, which it pins in the profile (vault_public_key) so that later
 * launches seal the token to that key. The secret is taken from stdin with
 * --token-secret - (argv is readable by every user), kept in locked memory,
 * and never printed. token info says who the current token is. */
#include "cli.h"
#include "exitcodes.h"
#include "profile_edit.h"
#include "secmem.h"
#include "vault_json.h"
#include "wire/wire.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#define SECRET_CAP 256           /* a token secret is 45 bytes; room for a bad line */

/* "ak-"/"as-" and 1 to 125 letters and digits, as profile.h reads them. */
static int
token_part_ok(const char *v, size_t n, const char *prefix)
{
	size_t i;

	if (n < 4 || n > 128 || memcmp(v, prefix, 3) != 0)
		return 0;
	for (i = 3; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		      (v[i] >= '0' && v[i] <= '9')))
			return 0;
	return 1;
}

/* One line from stdin into buf, without echo on a terminal. */
static int
read_secret_line(char *buf, size_t cap, size_t *len, struct mr_err *e)
{
	struct termios saved, quiet;
	int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	ssize_t r = 1;
	size_t n = 0;

	if (tty) {
		fputs("Token secret: ", stderr);
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	while (n < cap - 1 && (r = read(STDIN_FILENO, buf + n, 1)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || buf[n] == '\n')
			break;
		n++;
	}
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		fputc('\n', stderr);
	}
	if (r < 0)
		return mr_fail(e, MR_E_IO, "--token-secret -: reading stdin: %s", strerror(errno));
	if (n == cap - 1)
		return mr_fail(e, MR_E_USAGE, "--token-secret -: the line on stdin is too long "
			       "for a token secret");
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return 0;
}

/* The secret into locked memory, from stdin ("-") or from argv, whose copy
 * is wiped at once: it would stay in /proc/PID/cmdline while we run. */
static int
take_secret(struct cli *c, char *buf, size_t *len)
{
	if (c->token_secret == NULL)
		return mr_fail(&c->err, MR_E_USAGE, "--token-secret is required (- reads it "
			       "from stdin)");
	if (strcmp(c->token_secret, "-") == 0 && read_secret_line(buf, SECRET_CAP, len,
								    &c->err) != 0)
		return -1;
	if (strcmp(c->token_secret, "-") != 0) {
		*len = strlen(c->token_secret);
		if (*len >= SECRET_CAP)
			*len = SECRET_CAP - 1;
		memcpy(buf, c->token_secret, *len);
		buf[*len] = '\0';
		sodium_memzero(c->token_secret, strlen(c->token_secret));
		mr_log(MR_LOG_WARNING, "modal-vault: warning: a token secret on the command line "
		       "is readable by every user of this machine (ps, /proc): use "
		       "--token-secret - and give it on stdin");
	}
	if (!token_part_ok(buf, *len, "as-"))
		return mr_fail(&c->err, MR_E_USAGE, "--token-secret: expected \"as-\" followed by "
			       "1 to 125 letters and digits");
	return 0;
}

/* The vault the token is for: --server or MODAL_SERVER_URL, else the base
 * profile's, else the embedded default. *given: not the default, so the
 * profile written names it (the key pinned is that server's). */
static const char *
vault_url(struct cli *c, const struct profile *base, int *given)
{
	const char *url = cli_flag_or_env(c->server, "MODAL_SERVER_URL");

	if (url == NULL)
		url = base->server_url;
	*given = url != NULL;
	if (url == NULL && vault_default_url(c->url, sizeof(c->url), &c->err) == 0)
		url = c->url;
	return url;
}

/* Proves the token to the vault and learns its public key (keyhex, 64 hex
 * digits) and workspace. A pin already configured must match the key. */
static int
verify_token(struct cli *c, const char *url, const struct profile *base, const char *secret,
	     size_t slen, struct vault_workspace *ws, char keyhex[WIRE_KEY_HEX_LEN + 1])
{
	const char *timeout = cli_flag_or_env(c->flags.timeout, "MODAL_TIMEOUT");
	const char *pin = cli_flag_or_env(c->flags.vault_key, "MODAL_VAULT_PUBLIC_KEY");
	struct vault_options o = { 0, c->flags.token_id, secret, slen, NULL,
				   cli_flag_or_env(c->flags.cacert, "MODAL_CACERT"), 0,
				   cli_notice };
	struct vault_identity who;
	unsigned char pk[WIRE_KEY_LEN];
	struct vault *v = NULL;
	int rc = -1;

	o.vault_key = pin != NULL ? pin : base->vault_public_key;
	if (timeout != NULL && settings_parse_duration(timeout, &o.timeout_ms) != 0)
		return mr_fail(&c->err, MR_E_USAGE, "--timeout/MODAL_TIMEOUT: expected a "
			       "duration such as 10s");
	printf("Verifying token against %s\n", url);
	fflush(stdout);
	if (vault_open_with(url, &o, &v, &c->err) != 0)
		return -1;
	/* An embedded vault is opened without a token: check it there. */
	if (!vault_url_is_remote(url) &&
	    vault_token_verify(v, VAULT_TOKEN_API, o.token_id, secret, slen, &who, &c->err) != 0)
		goto out;
	if (!vault_url_is_remote(url))
		vault_token_clear(&who.token);
	if (vault_workspace_current(v, ws, &c->err) != 0 ||
	    vault_box_keypair(v, pk, NULL, &c->err) != 0)
		goto out;
	wire_hex_encode(pk, sizeof(pk), keyhex);
	if (o.vault_key != NULL && strcasecmp(o.vault_key, keyhex) != 0) {
		mr_fail(&c->err, MR_E_AUTH, "vault %s: its public key %s is not the pinned %s; "
			"nothing changed (--vault-key pins another)", url, keyhex, o.vault_key);
		goto out;
	}
	printf("Token verified successfully: workspace %s.\n", ws->name);
	rc = 0;
out:
	vault_close(v);
	return rc;
}

/* The profile named (--profile, MODAL_PROFILE) if the file has it, else
 * the one that applies, if any: its server and pin are the token's. */
static int
base_profile(struct cli *c, const struct profile_file *f, const char *name,
	     struct profile *base)
{
	if (name != NULL && profile_file_find(f, name) < 0)
		name = NULL;
	if (profile_parse(f->text != NULL ? f->text : "", f->len, f->shown, name, base,
			  &c->err) != 0 && name != NULL)
		return -1;
	mr_clear(&c->err);        /* none applies: a new profile starts from nothing */
	return 0;
}

struct token_set {
	const char *name, *url;
	int url_given, verified;
	struct vault_workspace ws;
	char keyhex[WIRE_KEY_HEX_LEN + 1];
	char *secret;
	size_t slen;
};

static int
store_token(struct cli *c, struct profile_file *f, const struct token_set *t)
{
	struct profile_key_value kv[PROFILE_EDIT_KEYS_MAX];
	size_t n = 0;
	int activate = c->activate || f->ntables == 0;   /* Modal: a first profile is active */

	kv[n++] = (struct profile_key_value){ "token_id", c->flags.token_id,
					      strlen(c->flags.token_id) };
	kv[n++] = (struct profile_key_value){ "token_secret", t->secret, t->slen };
	/* The key is the server's: the profile names the server it came from. */
	if (t->verified && vault_url_is_remote(t->url))
		kv[n++] = (struct profile_key_value){ "vault_public_key", t->keyhex,
						      strlen(t->keyhex) };
	if (t->url_given)
		kv[n++] = (struct profile_key_value){ "server_url", t->url, strlen(t->url) };
	if (profile_file_edit(f, t->name, kv, n, activate, &c->err) != 0 ||
	    profile_file_write(f, &c->err) != 0)
		return -1;
	printf("Token written to %s in profile %s%s.\n", f->shown, t->name,
	       activate ? " (the active profile)" : "");
	return 0;
}

static int
token_set(struct cli *c, struct profile_file *f, struct token_set *t)
{
	struct profile base;
	char shown[100];
	int rc = -1;

	/* Before asking any vault: a name we could not write. */
	if (t->name != NULL && !name_is_valid(t->name))
		return mr_fail(&c->err, MR_E_USAGE, "--profile '%s': expected 1 to 64 characters "
			       "of [A-Za-z0-9._-], starting with a letter or digit",
			       name_for_msg(t->name, shown, sizeof(shown)));
	if (base_profile(c, f, t->name, &base) != 0)
		return -1;
	t->url = vault_url(c, &base, &t->url_given);
	if (t->url != NULL && c->verify &&
	    verify_token(c, t->url, &base, t->secret, t->slen, &t->ws, t->keyhex) != 0)
		goto out;
	t->verified = t->url != NULL && c->verify;
	if (t->url == NULL)
		goto out;
	if (t->name == NULL && t->verified && name_is_valid(t->ws.name))
		t->name = t->ws.name;    /* Modal names the profile after the workspace */
	if (t->name == NULL)
		mr_fail(&c->err, MR_E_USAGE, "name the profile with --profile (the workspace's "
			"name is not known with --no-verify, or is not a profile name)");
	else
		rc = store_token(c, f, t);
out:
	profile_clear(&base);
	return rc;
}

int
cmd_token_set(struct cli *c)
{
	struct token_set t = { .name = cli_flag_or_env(c->flags.profile, "MODAL_PROFILE") };
	struct profile_file f = { 0 };
	int rc = -1;

	t.secret = xsecure_alloc(SECRET_CAP);
	if (c->flags.token_id == NULL)
		mr_fail(&c->err, MR_E_USAGE, "--token-id is required");
	else if (!token_part_ok(c->flags.token_id, strlen(c->flags.token_id), "ak-"))
		mr_fail(&c->err, MR_E_USAGE, "--token-id: expected \"ak-\" followed by 1 to 125 "
			"letters and digits");
	else if (take_secret(c, t.secret, &t.slen) == 0 &&
		 profile_file_read(cli_flag_or_env(c->flags.config, "MODAL_CONFIG_PATH"), 1, &f,
				   &c->err) == 0)
		rc = token_set(c, &f, &t);
	profile_file_free(&f);
	secure_free(t.secret, SECRET_CAP);
	return rc == 0 ? 0 : cli_fail(c);
}

/* ---- token info ---- */

static void
find_member(struct vault *v, const char *member_id, struct vault_member *out)
{
	struct vault_member *list = NULL;
	struct mr_err e;
	size_t n = 0, i;

	memset(out, 0, sizeof(*out));
	if (vault_member_list(v, &list, &n, &e) != 0)
		return;
	for (i = 0; i < n; i++)
		if (strcmp(list[i].member_id, member_id) == 0)
			*out = list[i];
	free(list);
}

/* RFC 3339, or null for a time that never comes (or has not come). */
static json_t *
time_json(int64_t t)
{
	char buf[32];

	if (t <= 0)
		return json_null();
	rfc3339_format(t, buf);
	return json_string(buf);
}

static int
print_token_info(const struct cli *c, const struct vault_token *t,
		 const struct vault_workspace *ws, const struct vault_member *m)
{
	char created[32], expires[32] = "never", used[32] = "never";

	if (c->json)
		return print_json(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}",
			"token_id", t->token_id, "name", t->name, "workspace", ws->name,
			"workspace_id", ws->workspace_id, "member", m->name,
			"member_id", t->member_id, "role", m->role ? vault_role_name(m->role) : "",
			"created_at", time_json(t->created_at),
			"expires_at", time_json(t->expires_at),
			"last_used_at", time_json(t->last_used_at)));
	format_time(t->created_at, created, sizeof(created));
	if (t->expires_at != 0)
		format_time(t->expires_at, expires, sizeof(expires));
	if (t->last_used_at != 0)
		format_time(t->last_used_at, used, sizeof(used));
	printf("Token:      %s (%s)\nWorkspace:  %s (%s)\nMember:     %s (%s), role %s\n"
	       "Created:    %s\nExpires:    %s\nLast used:  %s\n", t->token_id, t->name,
	       ws->name, ws->workspace_id, m->name[0] ? m->name : "?", t->member_id,
	       m->role ? vault_role_name(m->role) : "?", created, expires, used);
	return fflush(stdout) == 0 ? 0 : EXIT_IOERR;
}

int
cmd_token_info(struct cli *c)
{
	struct vault_workspace ws;
	struct vault_member m;
	struct vault_token t;
	struct vault *v = NULL;
	int rc;

	if (!vault_url_is_remote(c->url)) {
		mr_fail(&c->err, MR_E_USAGE, "token info: %s is an embedded vault, opened without a "
			"token; token info asks a vault server (--server URL)", c->url);
		return cli_fail(c);
	}
	if (cli_open(c, &v) != 0 || vault_workspace_current(v, &ws, &c->err) != 0 ||
	    vault_token_get(v, c->settings.token_id, &t, &c->err) != 0) {
		vault_close(v);
		return cli_fail(c);
	}
	find_member(v, t.member_id, &m);
	rc = print_token_info(c, &t, &ws, &m);
	vault_token_clear(&t);
	vault_close(v);
	return rc;
}
