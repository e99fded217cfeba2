/* memscan.c — runs a program under ptrace, stops it at the moment it exits
 * (PTRACE_EVENT_EXIT: its memory is still all there), and searches every
 * readable mapping of it through /proc/PID/mem for the byte strings listed,
 * one a line, in NEEDLES (a file, so they appear in no argv). Prints one line
 * per string found ("found N at ADDR in MAPPING"), then the program's exit
 * status and what was read ("exit S, M mappings, B bytes").
 *
 *   memscan NEEDLES PROGRAM [ARGS...]
 *
 * Exit: 0 none found, 1 some found, 2 the helper failed. Runs as root: the
 * launcher makes itself undumpable, which only CAP_SYS_PTRACE reads past. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_NEEDLES 16

static char *needles[MAX_NEEDLES];
static size_t needle_len[MAX_NEEDLES];
static int nneedles;

static int
load_needles(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[4096];

	if (f == NULL)
		return -1;
	while (nneedles < MAX_NEEDLES && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		needles[nneedles] = strdup(line);
		needle_len[nneedles] = strlen(line);
		nneedles++;
	}
	fclose(f);
	return nneedles > 0 ? 0 : -1;
}

/* Searches one mapping [lo, hi) of PID; returns how many needles it held. */
static int
scan_mapping(int mem, unsigned long lo, unsigned long hi, const char *name, size_t *bytes)
{
	size_t len = hi - lo, i;
	char *buf = malloc(len);
	ssize_t got;
	int found = 0, n;

	if (buf == NULL)
		return 0;
	got = pread(mem, buf, len, (off_t)lo);
	if (got > 0) {
		*bytes += (size_t)got;
		for (n = 0; n < nneedles; n++)
			for (i = 0; i + needle_len[n] <= (size_t)got; i++)
				if (memcmp(buf + i, needles[n], needle_len[n]) == 0) {
					printf("found %d at %#lx in %s\n", n, lo + i, name);
					found++;
				}
	}
	free(buf);
	return found;
}

static int
scan(pid_t pid, int *found)
{
	char path[64], line[512], perms[8], name[256];
	unsigned long lo, hi;
	size_t bytes = 0;
	int mem, nmaps = 0;
	FILE *maps;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if ((maps = fopen(path, "re")) == NULL)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	if ((mem = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fclose(maps);
		return -1;
	}
	while (fgets(line, sizeof(line), maps) != NULL) {
		name[0] = '\0';
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255[^\n]", &lo, &hi, perms, name) < 3)
			continue;
		/* [vvar] and friends cannot be read; everything else can. */
		if (perms[0] != 'r' || strncmp(name, "[vvar", 5) == 0)
			continue;
		nmaps++;
		*found += scan_mapping(mem, lo, hi, name[0] ? name : "[anonymous]", &bytes);
	}
	close(mem);
	fclose(maps);
	printf("%d mappings, %zu bytes\n", nmaps, bytes);
	return 0;
}

int
main(int argc, char **argv)
{
	int status, found = 0, sig;
	pid_t pid;

	if (argc < 3 || load_needles(argv[1]) != 0) {
		fprintf(stderr, "usage: memscan NEEDLES PROGRAM [ARGS...] (NEEDLES: one string a line)\n");
		return 2;
	}
	if ((pid = fork()) < 0)
		return 2;
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execv(argv[2], argv + 2);
		_exit(127);
	}
	/* The exec stops it once (SIGTRAP); from there on, stop at its exit. */
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return 2;
	ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL));
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	for (;;) {
		if (waitpid(pid, &status, 0) != pid)
			return 2;
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			fprintf(stderr, "memscan: the program ended before its exit stop\n");
			return 2;
		}
		if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8)))
			break;
		sig = WSTOPSIG(status);
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)(sig == SIGTRAP ? 0 : sig));
	}
	if (scan(pid, &found) != 0) {
		fprintf(stderr, "memscan: cannot read the memory of %d: %s\n", (int)pid, strerror(errno));
		return 2;
	}
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	if (waitpid(pid, &status, 0) != pid)
		return 2;
	printf("exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return found > 0;
}
