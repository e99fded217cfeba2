/* hygiene.c — what the target inherits from us must be what we inherited:
 * the signal mask and dispositions, and only the descriptors we were given.
 * Core dumps and ptrace stay off while secrets are in memory. */
#include "launcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define FD_BITS (sizeof(((struct inherited *)0)->fds) * 8)

/* Calls fn for every open descriptor but the directory's own. */
static int
each_open_fd(void (*fn)(int fd, void *arg), void *arg)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *ent;
	int fd;

	if (d == NULL)
		return -1;
	while ((ent = readdir(d)) != NULL) {
		if (ent->d_name[0] == '.')
			continue;
		fd = atoi(ent->d_name);
		if (fd != dirfd(d))
			fn(fd, arg);
	}
	closedir(d);
	return 0;
}

static void
note_fd(int fd, void *arg)
{
	struct inherited *in = arg;

	if ((size_t)fd < FD_BITS)
		in->fds[fd / 8] |= (unsigned char)(1u << (fd % 8));
	else
		in->fd_overflow = 1;
}

int
hygiene_start(struct inherited *in)
{
	memset(in, 0, sizeof(*in));
	/* Not dumpable: no core file and no ptrace attach by other users while
	 * secrets are in memory. execve of the target resets it. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return -1;
	if (sigprocmask(SIG_SETMASK, NULL, &in->mask) != 0)
		return -1;
	return each_open_fd(note_fd, in);
}

struct sweep {
	const struct inherited *in;
	const struct child_env *ce;
};

static int
inherited_fd(const struct inherited *in, int fd)
{
	if ((size_t)fd >= FD_BITS)
		return in->fd_overflow;
	return in->fds[fd / 8] & (1u << (fd % 8));
}

/* A library may have opened something without O_CLOEXEC: make sure nothing
 * of ours crosses the exec, whoever opened it. */
static void
close_on_exec(int fd, void *arg)
{
	struct sweep *s = arg;

	if (!inherited_fd(s->in, fd))
		fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static int
signals_reset(void)
{
	struct sigaction dfl;
	sigset_t none;
	int sig;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);   /* EINVAL for the libc-reserved ones */
	sigemptyset(&none);
	return sigprocmask(SIG_SETMASK, &none, NULL);
}

int
hygiene_before_exec(const struct inherited *in, const struct child_env *ce,
		    int reset_signals)
{
	struct sweep s = { in, ce };
	size_t i;

	if (each_open_fd(close_on_exec, &s) != 0)
		return -1;
	/* The sealed files of delivery: file are the child's to read. */
	for (i = 0; i < ce->nmemfds; i++)
		if (fcntl(ce->memfds[i], F_SETFD, 0) != 0)
			return -1;
	/* modal-run changes no disposition, so the ignored ones (nohup) pass as
	 * they came; only the mask is put back, in case anything touched it. */
	if (reset_signals)
		return signals_reset();
	return sigprocmask(SIG_SETMASK, &in->mask, NULL);
}
