/* main.c — modal-vault: the admin CLI of the vault (SPEC 10). Parses the
 * command line against the command table and runs one command. */
#include "cli.h"
#include "exitcodes.h"
#include "fdio.h"
#include "input.h"
#include "secmem.h"
#include "server.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_migrate(struct cli *c);   /* vault/pg/cmd_migrate.c */

static const struct command commands[] = {
	{ "init", NULL, O_SERVER | O_NAME | O_JSON, 0, 0, cmd_init,
	  "init [--name WORKSPACE] [--json]", "create a new embedded vault (file: URL)" },
	{ "secret", "create", O_SERVER | O_ENV | O_FORCE | O_DOTENV | O_FROM_JSON | O_JSON, 1, -1,
	  cmd_secret_create,
	  "secret create NAME [KEY=VALUE|KEY=-]... [--from-dotenv FILE] [--from-json FILE] [-e ENV] [--force] [--json]",
	  "store a secret (KEY=- reads that value from stdin)" },
	{ "secret", "list", O_SERVER | O_ENV | O_JSON, 0, 0, cmd_secret_list,
	  "secret list [-e ENV] [--json]", "list the secrets of an environment" },
	{ "secret", "get", O_SERVER | O_ENV | O_JSON, 1, 1, cmd_secret_get,
	  "secret get NAME [-e ENV] [--json]", "show a secret's metadata and key names (never values)" },
	{ "secret", "delete", O_SERVER | O_ENV | O_YES | O_ALLOW_MISSING, 1, 1, cmd_secret_delete,
	  "secret delete NAME [-e ENV] [-y] [--allow-missing]", "delete a secret" },
	{ "environment", "create", O_SERVER | O_SUFFIX | O_JSON, 1, 1, cmd_env_create,
	  "environment create NAME [--webhook-suffix S] [--json]", "create an environment" },
	{ "environment", "list", O_SERVER | O_JSON, 0, 0, cmd_env_list,
	  "environment list [--json]", "list environments" },
	{ "environment", "delete", O_SERVER | O_YES, 1, 1, cmd_env_delete,
	  "environment delete NAME [-y]", "delete an empty environment" },
	{ "environment", "update", O_SERVER | O_SET | O_JSON, 1, 1, cmd_env_update,
	  "environment update NAME [--set-name N] [--set-web-suffix S] [--json]",
	  "rename an environment (one without secrets) or change its webhook suffix" },
	{ "workspace", "current", O_SERVER | O_JSON, 0, 0, cmd_workspace_current,
	  "workspace current [--json]", "show the current workspace" },
	{ "token", "create", O_SERVER | O_NAME | O_EXPIRES | O_MEMBER | O_JSON, 0, 0,
	  cmd_token_create, "token create [--name N] [--expires 12h|7d|90d|1y] [--member ID] [--json]",
	  "create an API token (default: the owner's, 90 days); its secret is shown once" },
	{ "token", "list", O_SERVER | O_JSON, 0, 0, cmd_token_list,
	  "token list [--json]", "list API tokens (never their secrets)" },
	{ "token", "revoke", O_SERVER | O_YES, 1, 1, cmd_token_revoke,
	  "token revoke ID [-y]", "revoke an API token at once" },
	{ "token", "set", O_SERVER | O_TOKEN_SET | O_OWN_SETTINGS, 0, 0, cmd_token_set,
	  "token set --token-id ID --token-secret -|SECRET [--profile P] [--activate] [--verify|--no-verify]",
	  "store a token in a profile of ~/.modal.toml (- reads the secret from stdin), "
	  "checked against the vault first and its public key pinned" },
	{ "token", "info", O_SERVER | O_JSON, 0, 0, cmd_token_info, "token info [--json]",
	  "show who the current token is: its id, workspace, member and expiry (never its secret)" },
	{ "profile", "list", O_SERVER | O_OWN_SETTINGS | O_JSON, 0, 0, cmd_profile_list,
	  "profile list [--json]", "show the profiles of ~/.modal.toml, their workspaces and the active one" },
	{ "profile", "activate", O_SERVER | O_OWN_SETTINGS, 1, 1, cmd_profile_activate,
	  "profile activate NAME", "make a profile the active one" },
	{ "profile", "current", O_SERVER | O_OWN_SETTINGS, 0, 0, cmd_profile_current,
	  "profile current", "print the name of the profile that applies" },
	{ "config", "show", O_SERVER | O_JSON, 0, 0, cmd_config_show, "config show [--json]",
	  "show the resolved settings and where each came from (secrets redacted)" },
	{ "workspace", "members list", O_SERVER | O_JSON, 0, 0, cmd_members_list,
	  "workspace members list [--json]", "list the workspace's members and roles" },
	{ "workspace", "members add", O_SERVER | O_ROLE | O_JSON, 1, 1, cmd_members_add,
	  "workspace members add NAME [--role owner|manager|user] [--json]",
	  "add a member (default role: user)" },
	{ "workspace", "members update", O_SERVER | O_ROLE, 1, 1, cmd_members_update,
	  "workspace members update ID --role owner|manager|user", "change a member's role" },
	{ "workspace", "members remove", O_SERVER | O_YES, 1, 1, cmd_members_remove,
	  "workspace members remove ID [-y]", "remove a member and revoke their tokens" },
	{ "workspace", "proxy-tokens create", O_SERVER | O_NAME | O_EXPIRES | O_JSON, 0, 0,
	  cmd_proxy_create, "workspace proxy-tokens create [--name N] [--expires D] [--json]",
	  "create a proxy token (allowed in the default environment); its secret is shown once" },
	{ "workspace", "proxy-tokens list", O_SERVER | O_ENV | O_JSON, 0, 0, cmd_proxy_list,
	  "workspace proxy-tokens list [-e ENV] [--json]", "list proxy tokens (of one environment)" },
	{ "workspace", "proxy-tokens delete", O_SERVER | O_YES, 1, 1, cmd_proxy_delete,
	  "workspace proxy-tokens delete ID [-y]", "delete a proxy token" },
	{ "workspace", "proxy-tokens allow", O_SERVER, 2, 2, cmd_proxy_allow,
	  "workspace proxy-tokens allow ID ENV", "let a proxy token authenticate in an environment" },
	{ "workspace", "proxy-tokens revoke", O_SERVER, 2, 2, cmd_proxy_revoke,
	  "workspace proxy-tokens revoke ID ENV", "stop a proxy token authenticating in an environment" },
	{ "audit", NULL, O_SERVER | O_SINCE | O_UNTIL | O_ACTOR | O_ACTION | O_LIMIT | O_AFTER | O_JSON,
	  0, 0, cmd_audit,
	  "audit [--since T] [--until T] [--actor TOKEN_ID] [--action A|PREFIX.*] [--limit N] [--after ID] [--json]",
	  "read the audit log, oldest first (T: 2026-11-23T12:00:00Z, 2026-11-23 or an age: 12h, 7d)" },
	{ "migrate", NULL, O_SERVER | O_JSON, 0, 0, cmd_migrate, "migrate [--json]",
	  "bring the store's schema up to date (a file: vault or a postgres:// store)" },
	{ "rekey", NULL, O_SERVER | O_YES | O_JSON, 0, 0, cmd_rekey, "rekey [-y] [--json]",
	  "new master key: rewrap every data key, destroy the old key (file: or postgres:// store)" },
	/* No run: serve parses its own options (vault/server/serve.c). */
	{ "serve", NULL, 0, 0, -1, NULL,
	  "serve [--listen HOST:PORT|unix:PATH]... [--store URL] [--tls-cert F --tls-key F] [--init]",
	  "serve the vault's HTTP API (modal-vault serve --help)" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int die_usage(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Whether the command's words ("workspace members list") start with the
 * words of prefix ("workspace members"); "" is everyone's prefix. */
static int
command_under(const struct command *cmd, const char *prefix)
{
	size_t glen = strlen(cmd->group), plen = strlen(prefix);

	if (plen == 0)
		return 1;
	if (strncmp(prefix, cmd->group, plen < glen ? plen : glen) != 0)
		return 0;
	if (plen <= glen)
		return plen == glen;
	if (prefix[glen] != ' ' || cmd->verb == NULL)
		return 0;
	plen -= glen + 1;
	return strncmp(prefix + glen + 1, cmd->verb, plen) == 0 &&
	       (cmd->verb[plen] == ' ' || cmd->verb[plen] == '\0');
}

static void
list_commands(FILE *f, const char *prefix)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (command_under(&commands[i], prefix))
			fprintf(f, "  modal-vault %s\n      %s\n", commands[i].usage,
				commands[i].summary);
}

static void
usage(FILE *f)
{
	fputs("usage: modal-vault [--server URL] COMMAND [ARGS]...\n\nCommands:\n", f);
	list_commands(f, "");
	fputs("\nOptions for every command:\n"
	      "  --server URL   the vault (else MODAL_SERVER_URL, else file:$XDG_DATA_HOME/modal-vault):\n"
	      "                 file:PATH, http(s)://HOST, unix:PATH, or URL,URL... to fail over\n"
	      "  --token-id ID  a server's API token (MODAL_TOKEN_ID; the secret: MODAL_TOKEN_SECRET,\n"
	      "                 the profile, or $CREDENTIALS_DIRECTORY/modal-token)\n"
	      "  --timeout D    total deadline for a server, e.g. 10s (MODAL_TIMEOUT; default 10s)\n"
	      "  --cacert FILE  CA certificates for https (MODAL_CACERT; default: the system's)\n"
	      "  --vault-key HEX  refuse a server with another vault key (MODAL_VAULT_PUBLIC_KEY)\n"
	      "  --profile NAME, --config FILE  the profile and profile file (~/.modal.toml)\n"
	      "  -h, --help     this help; after a command or a group, its own\n"
	      "The environment is -e ENV, else MODAL_ENVIRONMENT, else the workspace's default.\n"
	      "Exit status: 0 ok, 64 usage, 65 bad data or not found, 69 unavailable,\n"
	      "74 I/O error, 77 permission, 78 configuration.\n", f);
}

static int
has_commands_under(const char *prefix)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (command_under(&commands[i], prefix))
			return 1;
	return 0;
}

/* argv names no command: it may name a group ("secret", "workspace
 * members"), asked for its help or missing its last word, or have a word no
 * command has there. Either way the answer names the word. */
static int
no_command(int argc, char **argv)
{
	char prefix[128] = "", longer[sizeof(prefix)];
	int words = 0;

	while (words < argc && argv[words][0] != '-' &&
	       snprintf(longer, sizeof(longer), "%s%s%s", prefix, words ? " " : "",
			argv[words]) < (int)sizeof(longer) &&
	       has_commands_under(longer)) {
		memcpy(prefix, longer, sizeof(prefix));
		words++;
	}
	if (words == 0)
		return die_usage(NULL, "unknown command '%s'", argc > 0 ? argv[0] : "");
	if (words < argc && (strcmp(argv[words], "--help") == 0 || strcmp(argv[words], "-h") == 0)) {
		printf("usage: modal-vault %s SUBCOMMAND [ARGS]...\n\nSubcommands:\n", prefix);
		list_commands(stdout, prefix);
		return 0;
	}
	if (words == argc)
		return die_usage(NULL, "missing subcommand of '%s'", prefix);
	return die_usage(NULL, "unknown subcommand '%s' of '%s'", argv[words], prefix);
}

/* Whether argv starts with the words of verb ("members list" is two);
 * *n gets how many words that is. */
static int
verb_matches(const char *verb, int argc, char **argv, int *n)
{
	size_t len;

	for (*n = 0; *verb != '\0'; (*n)++) {
		len = strcspn(verb, " ");
		if (*n >= argc || strlen(argv[*n]) != len || strncmp(argv[*n], verb, len) != 0)
			return 0;
		verb += len + (verb[len] == ' ');
	}
	return 1;
}

static const struct command *
find_command(int argc, char **argv, int *consumed)
{
	size_t i;
	int n;

	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[0], commands[i].group) != 0)
			continue;
		if (commands[i].verb == NULL) {
			*consumed = 1;
			return &commands[i];
		}
		if (verb_matches(commands[i].verb, argc - 1, argv + 1, &n)) {
			*consumed = 1 + n;
			return &commands[i];
		}
	}
	return NULL;
}

static int
die_usage(const struct command *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cmd != NULL)
		mr_log(MR_LOG_ERR, "modal-vault: %s (usage: modal-vault %s)", msg, cmd->usage);
	else
		mr_log(MR_LOG_ERR, "modal-vault: %s (see modal-vault --help)", msg);
	return EXIT_USAGE;
}

static int
add_file(const char **files, int *n, const char *path)
{
	if (*n == CLI_MAX_FILES)
		return -1;
	files[(*n)++] = path;
	return 0;
}

/* Long options without a short form. */
enum { OPT_EXPIRES = 256, OPT_MEMBER, OPT_ROLE, OPT_SINCE, OPT_UNTIL, OPT_ACTOR, OPT_ACTION,
       OPT_LIMIT, OPT_AFTER, OPT_TOKEN_ID, OPT_TIMEOUT, OPT_CACERT, OPT_VAULT_KEY, OPT_PROFILE,
       OPT_CONFIG, OPT_SET_NAME, OPT_SET_SUFFIX, OPT_TOKEN_SECRET, OPT_ACTIVATE, OPT_VERIFY,
       OPT_NO_VERIFY };

static int
parse_options(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 'S' }, { "env", required_argument, NULL, 'e' },
		{ "environment", required_argument, NULL, 'e' }, { "json", no_argument, NULL, 'j' },
		{ "yes", no_argument, NULL, 'y' }, { "force", no_argument, NULL, 'f' },
		{ "allow-missing", no_argument, NULL, 'm' }, { "from-dotenv", required_argument, NULL, 'd' },
		{ "from-json", required_argument, NULL, 'J' }, { "webhook-suffix", required_argument, NULL, 'w' },
		{ "name", required_argument, NULL, 'n' }, { "help", no_argument, NULL, 'h' },
		{ "expires", required_argument, NULL, OPT_EXPIRES },
		{ "member", required_argument, NULL, OPT_MEMBER },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "actor", required_argument, NULL, OPT_ACTOR },
		{ "action", required_argument, NULL, OPT_ACTION },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "after", required_argument, NULL, OPT_AFTER },
		{ "token-id", required_argument, NULL, OPT_TOKEN_ID },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "cacert", required_argument, NULL, OPT_CACERT },
		{ "vault-key", required_argument, NULL, OPT_VAULT_KEY },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "set-name", required_argument, NULL, OPT_SET_NAME },
		{ "set-web-suffix", required_argument, NULL, OPT_SET_SUFFIX },
		{ "token-secret", required_argument, NULL, OPT_TOKEN_SECRET },
		{ "activate", no_argument, NULL, OPT_ACTIVATE },
		{ "verify", no_argument, NULL, OPT_VERIFY },
		{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
		{ NULL, 0, NULL, 0 },
	};
	static const struct { int ch; unsigned opt; } allowed[] = {
		{ 'S', O_SERVER }, { 'e', O_ENV }, { 'j', O_JSON }, { 'y', O_YES }, { 'f', O_FORCE },
		{ 'm', O_ALLOW_MISSING }, { 'd', O_DOTENV }, { 'J', O_FROM_JSON }, { 'w', O_SUFFIX },
		{ 'n', O_NAME }, { OPT_EXPIRES, O_EXPIRES }, { OPT_MEMBER, O_MEMBER },
		{ OPT_ROLE, O_ROLE }, { OPT_SINCE, O_SINCE }, { OPT_UNTIL, O_UNTIL },
		{ OPT_ACTOR, O_ACTOR }, { OPT_ACTION, O_ACTION }, { OPT_LIMIT, O_LIMIT },
		{ OPT_AFTER, O_AFTER }, { OPT_TOKEN_ID, O_SERVER }, { OPT_TIMEOUT, O_SERVER },
		{ OPT_CACERT, O_SERVER }, { OPT_VAULT_KEY, O_SERVER }, { OPT_PROFILE, O_SERVER },
		{ OPT_CONFIG, O_SERVER }, { OPT_SET_NAME, O_SET }, { OPT_SET_SUFFIX, O_SET },
		{ OPT_TOKEN_SECRET, O_TOKEN_SET }, { OPT_ACTIVATE, O_TOKEN_SET },
		{ OPT_VERIFY, O_TOKEN_SET }, { OPT_NO_VERIFY, O_TOKEN_SET },
	};
	size_t i;
	int ch;

	opterr = 0;
	optind = 1;
	c->verify = 1;
	while ((ch = getopt_long(argc, argv, ":e:yh", longopts, NULL)) != -1) {
		if (ch == 'h') {
			printf("usage: modal-vault %s\n%s\n", c->cmd->usage, c->cmd->summary);
			exit(0);
		}
		if (ch == '?')
			return die_usage(c->cmd, "unknown option '%s'", argv[optind - 1]);
		if (ch == ':')
			return die_usage(c->cmd, "option '%s' needs a value", argv[optind - 1]);
		for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			if (allowed[i].ch == ch && !(c->cmd->opts & allowed[i].opt))
				return die_usage(c->cmd, "option '%s' does not apply here", argv[optind - 1]);
		switch (ch) {
		case 'S': c->server = optarg; break;
		case 'e': c->env = optarg, c->env_given = 1; break;
		case 'j': c->json = 1; break;
		case 'y': c->yes = 1; break;
		case 'f': c->force = 1; break;
		case 'm': c->allow_missing = 1; break;
		case 'w': c->suffix = optarg; break;
		case 'n': c->name = optarg; break;
		case OPT_EXPIRES: c->expires = optarg; break;
		case OPT_MEMBER: c->member = optarg; break;
		case OPT_ROLE: c->role = optarg; break;
		case OPT_SINCE: c->since = optarg; break;
		case OPT_UNTIL: c->until = optarg; break;
		case OPT_ACTOR: c->actor = optarg; break;
		case OPT_ACTION: c->action = optarg; break;
		case OPT_LIMIT: c->limit = optarg; break;
		case OPT_AFTER: c->after = optarg; break;
		case OPT_TOKEN_ID: c->flags.token_id = optarg; break;
		case OPT_TIMEOUT: c->flags.timeout = optarg; break;
		case OPT_CACERT: c->flags.cacert = optarg; break;
		case OPT_VAULT_KEY: c->flags.vault_key = optarg; break;
		case OPT_PROFILE: c->flags.profile = optarg; break;
		case OPT_CONFIG: c->flags.config = optarg; break;
		case OPT_SET_NAME: c->set_name = optarg; break;
		case OPT_SET_SUFFIX: c->set_suffix = optarg; break;
		case OPT_TOKEN_SECRET: c->token_secret = optarg; break;
		case OPT_ACTIVATE: c->activate = 1; break;
		case OPT_VERIFY: c->verify = 1; break;
		case OPT_NO_VERIFY: c->verify = 0; break;
		case 'd':
			if (add_file(c->dotenv, &c->ndotenv, optarg) != 0)
				return die_usage(c->cmd, "too many files ('%s')", optarg);
			break;
		case 'J':
			if (add_file(c->from_json, &c->nfrom_json, optarg) != 0)
				return die_usage(c->cmd, "too many files ('%s')", optarg);
			break;
		}
	}
	c->args = argv + optind;
	c->nargs = argc - optind;
	if (c->nargs < c->cmd->min_args)
		return die_usage(c->cmd, "%s", "missing argument");
	if (c->cmd->max_args >= 0 && c->nargs > c->cmd->max_args)
		return die_usage(c->cmd, "unexpected argument '%s'", c->args[c->cmd->max_args]);
	return 0;
}

/* Settings: flag > environment > systemd credential > profile > default
 * (SPEC 4), resolved as modal-run resolves them (config/settings.h). */
static int
resolve_settings(struct cli *c)
{
	c->flags.server = c->server;
	c->flags.env = c->env;
	if (settings_resolve(&c->flags, &c->settings, &c->err) != 0)
		return -1;
	/* One warning a line: the file's mode, then each unknown key. */
	for (const char *w = c->settings.profile_warning; *w != '\0'; w += strcspn(w, "\n"), w += *w == '\n')
		mr_log(MR_LOG_WARNING, "modal-vault: warning: %.*s", (int)strcspn(w, "\n"), w);
	c->env = c->settings.env;
	if (strlen(c->settings.url) >= sizeof(c->url))
		return mr_fail(&c->err, MR_E_CONFIG, "vault URL too long");
	strcpy(c->url, c->settings.url);
	return 0;
}

int
main(int argc, char **argv)
{
	struct cli c = { 0 };
	int consumed = 0, rc;

	if (fds_ensure_std() != 0)
		return EXIT_OSERR;
	signal(SIGPIPE, SIG_IGN);
	if (secmem_init() != 0) {
		mr_log(MR_LOG_ERR, "modal-vault: libsodium failed to initialise");
		return EXIT_SOFTWARE;
	}
	input_init();
	if (argc < 2)
		return die_usage(NULL, "missing command");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		puts("modal-vault 0.1.0");
		return 0;
	}
	if (strncmp(argv[1], "--server", 8) == 0) {
		/* A global --server before the command, in either spelling. */
		if (argv[1][8] == '=') {
			c.server = argv[1] + 9;
			argv += 1, argc -= 1;
		} else if (argc > 2 && argv[1][8] == '\0') {
			c.server = argv[2];
			argv += 2, argc -= 2;
		}
	}
	if (argc < 2)
		return die_usage(NULL, "missing command");
	if ((c.cmd = find_command(argc - 1, argv + 1, &consumed)) == NULL)
		return no_command(argc - 1, argv + 1);
	if (c.cmd->run == NULL)
		return serve_main(argc - consumed, argv + consumed);
	/* getopt sees the command words as its argv[0]. */
	if ((rc = parse_options(&c, argc - consumed, argv + consumed)) != 0)
		return rc;
	if (c.cmd->opts & O_OWN_SETTINGS)
		rc = c.cmd->run(&c);
	else
		rc = resolve_settings(&c) != 0 ? cli_fail(&c) : c.cmd->run(&c);
	settings_clear(&c.settings);
	return rc;
}
