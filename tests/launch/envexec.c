/* envexec.c — execs a program with exactly the environment given, duplicates
 * included, which env(1) cannot do (it setenv()s, so a name given twice ends
 * up once). Usage: envexec [NAME=VALUE]... -- PROGRAM [ARGS]... */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		;
	if (i + 1 >= argc) {
		fputs("usage: envexec [NAME=VALUE]... -- PROGRAM [ARGS]...\n", stderr);
		return 2;
	}
	argv[i] = NULL;	/* ends the environment: argv[1..i-1] */
	execve(argv[i + 1], argv + i + 1, argv + 1);
	perror(argv[i + 1]);
	return 127;
}
