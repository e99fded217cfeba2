/* rekey_stop.c — a test tool, never installed: `rekey_stop URL N` runs the
 * rekey of modal-vault one row a batch and kills itself with SIGKILL once N
 * batches are committed, so a test can show that the next `modal-vault
 * rekey` finishes the job. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "admin.h"
#include "secmem.h"

static void
kill_after(void *arg, size_t done)
{
	if (done >= *(size_t *)arg)
		raise(SIGKILL);
}

int
main(int argc, char **argv)
{
	struct rekey_report r;
	struct mr_err e = { 0 };
	size_t stop;
	struct rekey_options o = { 1, kill_after, &stop };

	if (argc != 3 || (stop = strtoul(argv[2], NULL, 10)) == 0) {
		fputs("usage: rekey_stop URL BATCHES\n", stderr);
		return 64;
	}
	if (secmem_init() != 0 || vault_rekey(argv[1], &o, &r, &e) != 0) {
		fprintf(stderr, "rekey_stop: %s\n", e.msg);
		return 1;
	}
	fprintf(stderr, "rekey_stop: finished before %zu batches\n", stop);
	return 2;
}
