/* pid1.c — modal-run as a container's PID 1. The target must not become an
 * init that reaps nothing, so, as tini does: fork, wipe every secret in the
 * parent, forward signals, reap every zombie, and exit with the target's
 * status. */
#include "launcher.h"
#include "exitcodes.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void
run_child(char **argv, struct child_env *ce, const struct inherited *in, int reset)
{
	struct mr_err e = { 0 };
	int code;

	if (hygiene_before_exec(in, ce, reset) != 0) {
		mr_log(MR_LOG_ERR, "modal-run: preparing the target: %s", strerror(errno));
		_exit(EXIT_OSERR);
	}
	code = exec_target(argv, ce->envp, &e);
	child_env_free(ce);
	mr_log(MR_LOG_ERR, "modal-run: %s", e.msg);
	_exit(code);
}

/* Reaps every child that has exited; true once the target is among them. */
static int
reap(pid_t target, int *status)
{
	pid_t pid;
	int st, done = 0;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		if (pid == target) {
			*status = st;
			done = 1;
		}
	return done;
}

int
pid1_run(char **argv, struct child_env *ce, const struct inherited *in, int reset)
{
	sigset_t all;
	siginfo_t info;
	pid_t pid;
	int status = 0;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	if ((pid = fork()) < 0) {
		mr_log(MR_LOG_ERR, "modal-run: fork: %s", strerror(errno));
		return EXIT_OSERR;
	}
	if (pid == 0)
		run_child(argv, ce, in, reset);
	/* From here on the parent holds no secret. */
	child_env_free(ce);
	for (;;) {
		if (sigwaitinfo(&all, &info) < 0)
			continue;
		if (info.si_signo == SIGCHLD) {
			if (reap(pid, &status))
				break;
		} else if (kill(pid, info.si_signo) != 0 && errno == ESRCH) {
			if (reap(pid, &status))
				break;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	/* The kernel ignores a PID 1's own fatal signals: report them as a shell would. */
	return 128 + WTERMSIG(status);
}
