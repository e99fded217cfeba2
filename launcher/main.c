/* main.c — modal-run: inject a vault's secrets into a command's environment
 * and execute it (SPEC 9). main only chains the steps. */
#include "launcher.h"
#include "exitcodes.h"
#include "fdio.h"
#include "secmem.h"
#include "vault.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int launch(struct launch_opts *o, const struct inherited *in);
int policy_check_command(const char *path);

/* `modal-run policy` without "check FILE": its help, or a usage error that
 * names the word it does not know. */
static int
policy_usage(int argc, char **argv)
{
	static const char usage[] = "usage: modal-run policy check FILE";

	if (argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
		printf("%s\nValidates a policy file alone: every error with its line and column.\n",
		       usage);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[2], "check") != 0)
		mr_log(MR_LOG_ERR, "modal-run: unknown subcommand '%s' of 'policy' (%s)", argv[2],
		       usage);
	else
		mr_log(MR_LOG_ERR, "modal-run: %s", usage);
	return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	struct inherited in;
	struct launch_opts o;
	struct mr_err e = { 0 };
	int code;

	/* Before anything is opened: 0-2 valid, our state as given, no dumps. */
	if (fds_ensure_std() != 0 || hygiene_start(&in) != 0) {
		mr_log(MR_LOG_ERR, "modal-run: starting: %s", strerror(errno));
		return EXIT_OSERR;
	}
	if (argc == 4 && strcmp(argv[1], "policy") == 0 && strcmp(argv[2], "check") == 0)
		return policy_check_command(argv[3]);
	if (argc >= 2 && strcmp(argv[1], "policy") == 0)
		return policy_usage(argc, argv);
	/* A launch's secret buffers (token, request, answer, values) fit in
	 * 32 KiB unless its bundles are large: one locked region, not one
	 * sodium_malloc each. */
	secmem_short_lived(32 << 10);
	if (launch_parse_args(argc, argv, &o, &e) != 0) {
		mr_log(MR_LOG_ERR, "modal-run: %s", e.msg);
		launch_opts_free(&o);
		return mr_exit_code(e.kind);
	}
	/* One warning a line: the file's mode, then each unknown key. */
	for (const char *w = o.settings.profile_warning; *w != '\0'; w += strcspn(w, "\n"), w += *w == '\n')
		mr_log(MR_LOG_WARNING, "modal-run: warning: %.*s", (int)strcspn(w, "\n"), w);
	vault_short_lived();
	if (secmem_init() != 0) {
		mr_log(MR_LOG_ERR, "modal-run: libsodium failed to initialise");
		return EXIT_SOFTWARE;
	}
	code = launch(&o, &in);
	launch_opts_free(&o);
	return code;
}
