/* cli.h — modal-vault's command table, parsed options and output helpers. */
#ifndef MODAL_VAULT_CLI_H
#define MODAL_VAULT_CLI_H

#include <jansson.h>
#include <stdint.h>

#include "vault.h"

enum cli_opt {
	O_SERVER = 1 << 0, O_ENV = 1 << 1, O_JSON = 1 << 2, O_YES = 1 << 3,
	O_FORCE = 1 << 4, O_ALLOW_MISSING = 1 << 5, O_DOTENV = 1 << 6,
	O_FROM_JSON = 1 << 7, O_SUFFIX = 1 << 8, O_NAME = 1 << 9,
};

#define CLI_MAX_FILES 16

struct cli {
	const struct command *cmd;
	const char *server, *env, *suffix, *name;
	int json, yes, force, allow_missing;
	const char *dotenv[CLI_MAX_FILES], *from_json[CLI_MAX_FILES];
	int ndotenv, nfrom_json;
	char **args;
	int nargs;
	char url[4096];
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
int cmd_workspace_current(struct cli *c);

/* output.c */
int cli_open(struct cli *c, struct vault **v);
int cli_fail(struct cli *c);                  /* prints c->err, returns its exit code */
int cli_confirm(struct cli *c, const char *question);
void format_time(int64_t t, char *buf, size_t len);
int print_json(json_t *j);                    /* prints and releases j */
json_t *secret_json(const struct vault_secret_meta *m);
json_t *env_json(const struct vault_env *env);
/* A table: ncols headers, then rows of ncols cells, all strings. */
void print_table(int ncols, const char *const *headers, const char *const *cells, size_t nrows);

#endif
