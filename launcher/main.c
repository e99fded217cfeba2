/* main.c — modal-run: inject a vault's secrets into a command's environment
 * and execute it (SPEC 9). main only chains the steps. */
#include "launcher.h"
#include "exitcodes.h"
#include "fdio.h"
#include "secmem.h"
#include "vault.h"

#include <stdio.h>
#include <string.h>

int launch(struct launch_opts *o, const struct inherited *in);
int policy_check_command(const char *path);

int
main(int argc, char **argv)
{
	struct inherited in;
	struct launch_opts o;
	struct mr_err e = { 0 };
	int code;

	/* Before anything is opened: 0-2 valid, our state as given, no dumps. */
	if (fds_ensure_std() != 0 || hygiene_start(&in) != 0) {
		perror("modal-run: starting");
		return EXIT_OSERR;
	}
	if (argc == 4 && strcmp(argv[1], "policy") == 0 && strcmp(argv[2], "check") == 0)
		return policy_check_command(argv[3]);
	if (argc >= 2 && strcmp(argv[1], "policy") == 0) {
		fputs("modal-run: usage: modal-run policy check FILE\n", stderr);
		return EXIT_USAGE;
	}
	if (launch_parse_args(argc, argv, &o, &e) != 0) {
		fprintf(stderr, "modal-run: %s\n", e.msg);
		launch_opts_free(&o);
		return mr_exit_code(e.kind);
	}
	if (o.settings.profile_warning[0] != '\0')
		fprintf(stderr, "modal-run: warning: %s\n", o.settings.profile_warning);
	vault_short_lived();
	if (secmem_init() != 0) {
		fputs("modal-run: libsodium failed to initialise\n", stderr);
		return EXIT_SOFTWARE;
	}
	code = launch(&o, &in);
	launch_opts_free(&o);
	return code;
}
