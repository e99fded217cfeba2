/* cli.h — modal-vault's command table, parsed options and output helpers. */
#ifndef MODAL_VAULT_CLI_H
#define MODAL_VAULT_CLI_H

#include <jansson.h>
#include <stdint.h>

#include "access.h"
#include "settings.h"
#include "vault.h"
#include "vault_json.h"

enum cli_opt {
	O_SERVER = 1 << 0, O_ENV = 1 << 1, O_JSON = 1 << 2, O_YES = 1 << 3,
	O_FORCE = 1 << 4, O_ALLOW_MISSING = 1 << 5, O_DOTENV = 1 << 6,
	O_FROM_JSON = 1 << 7, O_SUFFIX = 1 << 8, O_NAME = 1 << 9,
	O_EXPIRES = 1 << 10, O_MEMBER = 1 << 11, O_ROLE = 1 << 12, O_SINCE = 1 << 13,
	O_UNTIL = 1 << 14, O_ACTOR = 1 << 15, O_ACTION = 1 << 16, O_LIMIT = 1 << 17,
	O_AFTER = 1 << 18, O_SET = 1 << 19,
	O_TOKEN_SET = 1 << 20,   /* --token-secret, --activate, --verify/--no-verify */
	O_OWN_SETTINGS = 1 << 21, /* main does not resolve the settings: the command
				   * reads the profile file itself (it may fix it) */
};

#define CLI_MAX_FILES 16

struct cli {
	const struct command *cmd;
	const char *server, *env, *suffix, *name;
	const char *expires, *member, *role, *since, *until, *actor, *action, *limit, *after;
	const char *set_name, *set_suffix;   /* environment update --set-name, --set-web-suffix */
	char *token_secret;              /* token set --token-secret: "-" or argv's, wiped */
	int activate, verify;            /* token set --activate, --verify (1) / --no-verify (0) */
	int json, yes, force, allow_missing;
	int env_given;                   /* -e on the command line, not MODAL_ENVIRONMENT */
	const char *dotenv[CLI_MAX_FILES], *from_json[CLI_MAX_FILES];
	int ndotenv, nfrom_json;
	char **args;
	int nargs;
	char url[4096];
	struct settings_flags flags;     /* the vault's settings given as flags ... */
	struct vault_settings settings;  /* ... and resolved (SPEC 4); cli_open uses them */
	struct mr_err err;
};

struct command {
	const char *group, *verb;
	unsigned opts;
	int min_args, max_args;          /* max -1: any number */
	int (*run)(struct cli *);
	const char *usage, *summary;
};

/* cmd_secret.c, cmd_admin.c */
int cmd_secret_create(struct cli *c);
int cmd_secret_list(struct cli *c);
int cmd_secret_get(struct cli *c);
int cmd_secret_delete(struct cli *c);
int cmd_init(struct cli *c);
int cmd_env_create(struct cli *c);
int cmd_env_list(struct cli *c);
int cmd_env_delete(struct cli *c);
int cmd_env_update(struct cli *c);
int cmd_workspace_current(struct cli *c);
/* cmd_token.c */
int cmd_token_create(struct cli *c);
int cmd_token_list(struct cli *c);
int cmd_token_revoke(struct cli *c);
int cmd_proxy_create(struct cli *c);
int cmd_proxy_list(struct cli *c);
int cmd_proxy_delete(struct cli *c);
int cmd_proxy_allow(struct cli *c);
int cmd_proxy_revoke(struct cli *c);
/* cmd_token_set.c */
int cmd_token_set(struct cli *c);
int cmd_token_info(struct cli *c);
/* cmd_profile.c */
int cmd_profile_list(struct cli *c);
int cmd_profile_activate(struct cli *c);
int cmd_profile_current(struct cli *c);
int cmd_config_show(struct cli *c);
/* The first of the flag's value and the variable's, NULL if neither is set
 * (empty counts as unset), as remote_settings.c ranks them. */
const char *cli_flag_or_env(const char *flag, const char *var);
/* cmd_workspace.c */
int cmd_members_list(struct cli *c);
int cmd_members_add(struct cli *c);
int cmd_members_update(struct cli *c);
int cmd_members_remove(struct cli *c);
/* cmd_rekey.c */
int cmd_rekey(struct cli *c);
/* cmd_audit.c */
int cmd_audit(struct cli *c);
/* Records a change made by a local command, as the server records its own:
 * client "local", no token. A failure is a warning: the change is made. */
void cli_audit(struct vault *v, const char *action, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* when.c */
/* A duration (duration.h: "12h", "7d", "2w", "1y", "1h30m") in whole seconds,
 * rounded down. -1 if malformed. */
int when_parse_duration(const char *s, int64_t *seconds);
/* "2026-11-23T12:00:00Z", "2026-11-23" (UTC), or an age before now: a
 * duration with its unit ("12h", "90m"; a bare count could be a year). */
int when_parse_time(const char *s, int64_t now, int64_t *out);

/* output.c */
int cli_open(struct cli *c, struct vault **v);
void cli_notice(const char *line);            /* vault_options.notice: one stderr line */
int cli_fail(struct cli *c);                  /* prints c->err, returns its exit code */
int cli_confirm(struct cli *c, const char *question);
void format_time(int64_t t, char *buf, size_t len);
int print_json(json_t *j);                    /* prints and releases j */
/* Rows of the listings Modal's CLI has, as its display_table prints them
 * with --json: keyed by its column names (docs/configuration.md). */
json_t *modal_time_json(int64_t t);           /* local "YYYY-MM-DD HH:MM:SS+HH:MM", or null */
json_t *modal_secret_row(const struct vault_secret_meta *m);
json_t *modal_env_row(const struct vault_env *env, const char *active);
/* Writes len bytes straight to stdout's descriptor, after what stdio holds:
 * secret output must not linger in stdio's buffer. */
int write_stdout_direct(const void *buf, size_t len);
/* A table: ncols headers, then rows of ncols cells, all strings. */
void print_table(int ncols, const char *const *headers, const char *const *cells, size_t nrows);

#endif
