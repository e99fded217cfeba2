/* sigsetup.c — gives the next program a known signal state, as a supervisor
 * or nohup would: SIGUSR1 and SIGRTMIN+3 blocked, SIGHUP and SIGUSR2 ignored.
 * Usage: sigsetup OUT PROGRAM [ARGS]...; writes its own SigBlk and SigIgn
 * lines of /proc/self/status to OUT, then execs PROGRAM. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	sigset_t block;
	char line[256];
	FILE *in, *out;

	if (argc < 3) {
		fputs("usage: sigsetup OUT PROGRAM [ARGS]...\n", stderr);
		return 2;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGRTMIN + 3);
	if (sigprocmask(SIG_BLOCK, &block, NULL) != 0 || signal(SIGHUP, SIG_IGN) == SIG_ERR ||
	    signal(SIGUSR2, SIG_IGN) == SIG_ERR) {
		perror("sigsetup");
		return 2;
	}
	if ((in = fopen("/proc/self/status", "r")) == NULL || (out = fopen(argv[1], "w")) == NULL) {
		perror("sigsetup");
		return 2;
	}
	while (fgets(line, sizeof(line), in) != NULL)
		if (strncmp(line, "SigBlk:", 7) == 0 || strncmp(line, "SigIgn:", 7) == 0)
			fputs(line, out);
	fclose(in);
	if (fclose(out) != 0) {
		perror("sigsetup");
		return 2;
	}
	execvp(argv[2], argv + 2);
	perror("sigsetup: exec");
	return 127;
}
