/* args.c — modal-run's command line: flags first, then the MODAL_* variables,
 * the systemd credential and the profile file (config/settings.h), then
 * defaults (SPEC 4). Every mistake is a usage error naming the flag. */
#include "launcher.h"
#include "names.h"
#include "secmem.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
launch_usage(void)
{
	fputs("usage: modal-run [OPTIONS] -- COMMAND [ARGS]...\n"
	      "       modal-run policy check FILE\n"
	      "\n"
	      "Fetches secret bundles from the vault, checks them against the policy, and\n"
	      "executes COMMAND (same PID) with their keys in its environment.\n"
	      "\n"
	      "  -s, --secret NAME        a bundle to inject; repeat, applied left to right\n"
	      "  -e, --env ENV            the environment (MODAL_ENVIRONMENT; default: the vault's)\n"
	      "      --server URL         the vault: file:PATH, http(s)://HOST, unix:PATH, or URL,URL...\n"
	      "                           to fail over in order (MODAL_SERVER_URL; default\n"
	      "                           file:$XDG_DATA_HOME/modal-vault)\n"
	      "      --token-id ID        API token id for a server (MODAL_TOKEN_ID; the secret comes\n"
	      "                           from MODAL_TOKEN_SECRET, the profile or a systemd credential)\n"
	      "      --vault-key HEX      refuse a server whose vault key is not this one\n"
	      "                           (MODAL_VAULT_PUBLIC_KEY)\n"
	      "      --timeout DURATION   total deadline for the server, e.g. 10s, 500ms (MODAL_TIMEOUT;\n"
	      "                           default 10s)\n"
	      "      --cacert FILE        CA certificates for https (MODAL_CACERT; default: the system's)\n"
	      "      --cache DIR          keep an encrypted copy of each fetch; use it while the server\n"
	      "                           is unreachable (MODAL_CACHE_DIR; default: no cache)\n"
	      "      --cache-max-age DURATION\n"
	      "                           the oldest copy used (MODAL_CACHE_MAX_AGE; default 24h, at most 30d)\n"
	      "      --profile NAME       the profile of the profile file (MODAL_PROFILE)\n"
	      "      --config FILE        the profile file (MODAL_CONFIG_PATH; default ~/.modal.toml)\n"
	      "      --policy FILE        the YAML policy (MODAL_POLICY; default: built-in secure default)\n"
	      "      --clean-env          start the child from an empty environment\n"
	      "      --keep VAR           with --clean-env, pass VAR through; repeatable\n"
	      "      --preserve-env[=K1,K2|true]\n"
	      "                           keep these inherited variables over a secret's (all: true)\n"
	      "      --on-conflict=error|first-wins|last-wins\n"
	      "                           a key in two secrets (default: error, or the policy's)\n"
	      "      --check              do everything but exec; print each key, its bundle and a\n"
	      "                           keyed fingerprint (never the value)\n"
	      "      --json               with --check: the same as one JSON object\n"
	      "      --fingerprint-key FILE\n"
	      "                           with --check: key the fingerprints with FILE (64 hex\n"
	      "                           digits, yours alone) instead of the vault's, so that two\n"
	      "                           vaults given the same file compare equal for equal values\n"
	      "      --reset-signals      give the child default signal dispositions and mask\n"
	      "      --subreaper          stay as the target's parent even if not PID 1: fork, forward\n"
	      "                           signals, reap orphans (as PID 1 always does)\n"
	      "      --signal-group       forward signals to the target's whole process group\n"
	      "                           (as PID 1 or with --subreaper)\n"
	      "      --user USER[:GROUP]  started as root: fetch as root, then run COMMAND as USER\n"
	      "                           (names or ids), without root's groups or privileges\n"
	      "      --require-mlock      fail (71) when secret memory cannot be locked, instead of\n"
	      "                           a warning (MODAL_REQUIRE_MLOCK=1)\n"
	      "  -h, --help               this help\n"
	      "      --version            the version\n"
	      "\n"
	      "The child never sees MODAL_TOKEN_SECRET or MODAL_TOKEN_ID.\n"
	      "Exit status: COMMAND's own once it runs; 126 not executable, 127 not found;\n"
	      "64 usage, 65 bad data/policy/missing secret, 69 vault unavailable, 74 I/O,\n"
	      "75 try again, 77 permission, 78 configuration. See modal-run(1).\n", stdout);
}

static int
usage_error(struct mr_err *e, const char *flag, const char *what, const char *arg)
{
	char shown[128];

	return mr_fail(e, MR_E_USAGE, "%s: %s '%s' (see modal-run --help)", flag, what,
		       name_for_msg(arg, shown, sizeof(shown)));
}

static int
add_name(const char **list, size_t *n, size_t max, const char *flag, const char *name,
	 int is_key, struct mr_err *e)
{
	if (is_key ? !key_is_valid(name) : !name_is_valid(name))
		return usage_error(e, flag, is_key ? "invalid variable name" : "invalid name", name);
	if (*n == max)
		return usage_error(e, flag, "too many, at", name);
	list[(*n)++] = name;
	return 0;
}

/* Cumulative, as --keep: each name is its own copy, so a second
 * --preserve-env cannot free the names of the first. */
static int
parse_preserve(struct launch_opts *o, const char *arg, struct mr_err *e)
{
	const char *p, *end;
	size_t before = o->npreserve;
	char *name;

	if (arg == NULL || strcmp(arg, "true") == 0) {
		o->preserve_all = 1;
		return 0;
	}
	if (strcmp(arg, "false") == 0)
		return 0;
	for (p = arg; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchrnul(p, ',');
		if (end == p)
			continue;
		if ((name = strndup(p, (size_t)(end - p))) == NULL)
			return mr_fail(e, MR_E_INTERNAL, "out of memory");
		if (add_name(o->preserve, &o->npreserve, LAUNCH_MAX_NAMES, "--preserve-env",
			     name, 1, e) != 0) {
			free(name);
			return -1;
		}
	}
	if (o->npreserve == before)
		return usage_error(e, "--preserve-env", "expected K1,K2 or true, not", arg);
	return 0;
}

static int
parse_conflict(struct launch_opts *o, const char *arg, struct mr_err *e)
{
	if (strcmp(arg, "error") == 0)
		o->on_conflict = CONFLICT_ERROR;
	else if (strcmp(arg, "first-wins") == 0)
		o->on_conflict = CONFLICT_FIRST_WINS;
	else if (strcmp(arg, "last-wins") == 0)
		o->on_conflict = CONFLICT_LAST_WINS;
	else
		return usage_error(e, "--on-conflict", "expected error, first-wins or last-wins, not", arg);
	return 0;
}

/* Before the first secret buffer (the profile's, in settings_resolve): how a
 * failed memory lock is met. */
static int
resolve_mlock(struct launch_opts *o, struct mr_err *e)
{
	const char *v = getenv("MODAL_REQUIRE_MLOCK");

	if (!o->require_mlock && v != NULL && *v != '\0') {
		if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0)
			return usage_error(e, "MODAL_REQUIRE_MLOCK", "expected 1 or 0, not", v);
		o->require_mlock = *v == '1';
	}
	secmem_lock_policy("modal-run", o->require_mlock);
	return 0;
}

enum { OPT_SERVER = 256, OPT_POLICY, OPT_CLEAN, OPT_KEEP, OPT_PRESERVE, OPT_CONFLICT,
       OPT_CHECK, OPT_RESET, OPT_VERSION, OPT_TOKEN_ID, OPT_VAULT_KEY, OPT_TIMEOUT,
       OPT_CACERT, OPT_CACHE, OPT_CACHE_MAX_AGE, OPT_PROFILE, OPT_CONFIG, OPT_SUBREAPER,
       OPT_SIGNAL_GROUP, OPT_USER, OPT_REQUIRE_MLOCK, OPT_JSON, OPT_FINGERPRINT_KEY };

static const struct option longopts[] = {
	{ "secret", required_argument, NULL, 's' }, { "env", required_argument, NULL, 'e' },
	{ "environment", required_argument, NULL, 'e' },
	{ "server", required_argument, NULL, OPT_SERVER }, { "policy", required_argument, NULL, OPT_POLICY },
	{ "clean-env", no_argument, NULL, OPT_CLEAN }, { "keep", required_argument, NULL, OPT_KEEP },
	{ "preserve-env", optional_argument, NULL, OPT_PRESERVE },
	{ "on-conflict", required_argument, NULL, OPT_CONFLICT },
	{ "check", no_argument, NULL, OPT_CHECK }, { "reset-signals", no_argument, NULL, OPT_RESET },
	{ "fingerprint-key", required_argument, NULL, OPT_FINGERPRINT_KEY },
	{ "subreaper", no_argument, NULL, OPT_SUBREAPER },
	{ "signal-group", no_argument, NULL, OPT_SIGNAL_GROUP },
	{ "token-id", required_argument, NULL, OPT_TOKEN_ID },
	{ "vault-key", required_argument, NULL, OPT_VAULT_KEY },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "cache", required_argument, NULL, OPT_CACHE },
	{ "cache-max-age", required_argument, NULL, OPT_CACHE_MAX_AGE },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "user", required_argument, NULL, OPT_USER },
	{ "require-mlock", no_argument, NULL, OPT_REQUIRE_MLOCK },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static int
parse_one(struct launch_opts *o, int ch, char **argv, struct mr_err *e)
{
	switch (ch) {
	case 's':
		return add_name(o->secrets, &o->nsecrets, LAUNCH_MAX_SECRETS, "--secret", optarg, 0, e);
	case 'e':
		if (!name_is_valid(optarg))
			return usage_error(e, "--env", "invalid environment name", optarg);
		o->flags.env = optarg;
		return 0;
	case OPT_SERVER: o->flags.server = optarg; return 0;
	case OPT_POLICY: o->flags.policy = optarg; return 0;
	case OPT_TOKEN_ID: o->flags.token_id = optarg; return 0;
	case OPT_VAULT_KEY: o->flags.vault_key = optarg; return 0;
	case OPT_TIMEOUT: o->flags.timeout = optarg; return 0;
	case OPT_CACERT: o->flags.cacert = optarg; return 0;
	case OPT_CACHE: o->flags.cache_dir = optarg; return 0;
	case OPT_CACHE_MAX_AGE: o->flags.cache_max_age = optarg; return 0;
	case OPT_PROFILE: o->flags.profile = optarg; return 0;
	case OPT_CONFIG: o->flags.config = optarg; return 0;
	case OPT_CLEAN: o->clean_env = 1; return 0;
	case OPT_KEEP:
		return add_name(o->keep, &o->nkeep, LAUNCH_MAX_NAMES, "--keep", optarg, 1, e);
	case OPT_PRESERVE: return parse_preserve(o, optarg, e);
	case OPT_CONFLICT: return parse_conflict(o, optarg, e);
	case OPT_CHECK: o->check = 1; return 0;
	case OPT_JSON: o->check_json = 1; return 0;
	case OPT_FINGERPRINT_KEY: o->fingerprint_key = optarg; return 0;
	case OPT_RESET: o->reset_signals = 1; return 0;
	case OPT_SUBREAPER: o->subreaper = 1; return 0;
	case OPT_SIGNAL_GROUP: o->signal_group = 1; return 0;
	case OPT_USER: o->user_spec = optarg; return 0;
	case OPT_REQUIRE_MLOCK: o->require_mlock = 1; return 0;
	case ':':
		/* A flag that ends argv leaves optind one past it (argv[argc] is NULL). */
		return usage_error(e, argv[optind - 1] != NULL ? argv[optind - 1] : argv[optind - 2],
				   "needs a value:", "");
	default:
		return mr_fail(e, MR_E_USAGE, "unknown option '%s' (see modal-run --help)",
			       argv[optind - 1]);
	}
}

int
launch_parse_args(int argc, char **argv, struct launch_opts *o, struct mr_err *e)
{
	int ch;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	optind = 1;
	/* "+": stop at the command, whose own flags are not ours. */
	while ((ch = getopt_long(argc, argv, "+:s:e:h", longopts, NULL)) != -1) {
		if (ch == 'h' || ch == OPT_VERSION) {
			ch == 'h' ? launch_usage() : (void)puts("modal-run 0.1.0");
			exit(0);
		}
		if (parse_one(o, ch, argv, e) != 0)
			return -1;
	}
	if (optind >= argc)
		return mr_fail(e, MR_E_USAGE, "no command given: modal-run [OPTIONS] -- COMMAND [ARGS]...");
	o->argv = argv + optind;
	if (o->nkeep > 0 && !o->clean_env)
		return mr_fail(e, MR_E_USAGE, "--keep only applies with --clean-env");
	if (o->check_json && !o->check)
		return mr_fail(e, MR_E_USAGE, "--json only applies with --check");
	if (o->fingerprint_key != NULL && !o->check)
		return mr_fail(e, MR_E_USAGE, "--fingerprint-key only applies with --check");
	/* Without a supervising parent the target replaces us: nothing is left to forward. */
	if (o->signal_group && !o->subreaper && getpid() != 1)
		return mr_fail(e, MR_E_USAGE, "--signal-group only applies with --subreaper or as PID 1");
	if (resolve_mlock(o, e) != 0 ||
	    (o->user_spec != NULL && user_resolve(o->user_spec, &o->user, e) != 0))
		return -1;
	if (settings_resolve(&o->flags, &o->settings, e) != 0)
		return -1;
	o->env = o->settings.env;
	o->policy_path = o->settings.policy;
	return 0;
}

void
launch_opts_free(struct launch_opts *o)
{
	size_t i;

	for (i = 0; i < o->npreserve; i++)
		free((char *)o->preserve[i]);
	o->npreserve = 0;
	settings_clear(&o->settings);
	o->env = o->policy_path = NULL;
}
