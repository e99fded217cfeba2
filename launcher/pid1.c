/* pid1.c — modal-run as a container's PID 1, or as a subreaper (--subreaper).
 * The target must not become an init that reaps nothing, so, as tini does:
 * fork, wipe every secret in the parent, put the target in its own process
 * group with the terminal, forward signals, reap every zombie, and exit with
 * the target's status. */
#include "launcher.h"
#include "exitcodes.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* The terminal on stdin, when our process group holds its foreground: then
 * the target gets it. Sharing our group, a ^C would reach the target twice
 * (from the terminal and forwarded by us), and ^Z would reach us. A modal-run
 * in the background leaves the terminal alone. */
struct terminal {
	int given;      /* the target was made the foreground group */
	pid_t ours;     /* the foreground group to restore; 0: not visible in our PID namespace */
};

static void
terminal_probe(struct terminal *t)
{
	pid_t fg = tcgetpgrp(STDIN_FILENO);

	t->given = fg >= 0 && fg == getpgrp();
	t->ours = fg;
}

/* In the child, before exec: every signal is still blocked, so tcsetpgrp
 * from what is now a background group is not stopped by SIGTTOU. Done here
 * and not only in the parent so the target owns the terminal before it runs. */
static int
child_isolate(const struct terminal *t)
{
	if (setpgid(0, 0) != 0) {
		mr_log(MR_LOG_ERR, "modal-run: setpgid: %s", strerror(errno));
		return -1;
	}
	if (t->given && tcsetpgrp(STDIN_FILENO, getpgrp()) != 0) {
		mr_log(MR_LOG_ERR, "modal-run: giving the terminal to the target: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void
run_child(const struct launch_opts *o, struct child_env *ce, const struct inherited *in,
	  const struct terminal *t)
{
	struct mr_err e = { 0 };
	int code;

	if (child_isolate(t) != 0)
		_exit(EXIT_OSERR);
	if (hygiene_before_exec(in, ce, o->reset_signals) != 0) {
		mr_log(MR_LOG_ERR, "modal-run: preparing the target: %s", strerror(errno));
		_exit(EXIT_OSERR);
	}
	/* Only the target becomes --user: PID 1 stays root, holding nothing. */
	if (user_drop(&o->user, &e) != 0) {
		mr_log(MR_LOG_ERR, "modal-run: %s", e.msg);
		_exit(EXIT_OSERR);
	}
	code = exec_target(o->argv, ce->envp, &e);
	child_env_free(ce);
	mr_log(MR_LOG_ERR, "modal-run: %s", e.msg);
	_exit(code);
}

enum { TARGET_RUNS, TARGET_EXITED, TARGET_STOPPED };

/* Reaps every child that has exited; says what became of the target. */
static int
reap(pid_t target, int *status)
{
	pid_t pid;
	int st, what = TARGET_RUNS;

	while ((pid = waitpid(-1, &st, WNOHANG | WUNTRACED)) > 0)
		if (pid == target && WIFSTOPPED(st) && what == TARGET_RUNS) {
			what = TARGET_STOPPED;
		} else if (pid == target && !WIFSTOPPED(st)) {
			*status = st;
			what = TARGET_EXITED;
		}
	return what;
}

/* The target stopped on ^Z while we are a shell's job (not PID 1): stop
 * too, as sudo does, or the shell would wait on a job that never stops and
 * the terminal would stay with a stopped group. The shell's fg continues us
 * with the terminal: give it and a SIGCONT to the target's group. */
static void
suspend_with_target(pid_t pid, const struct terminal *t)
{
	if (!t->given || t->ours <= 0 || getpid() == 1)
		return;
	tcsetpgrp(STDIN_FILENO, t->ours);
	kill(getpid(), SIGSTOP);
	tcsetpgrp(STDIN_FILENO, pid);
	kill(-pid, SIGCONT);
}

/* Forwards every signal to the target (its whole group with --signal-group,
 * as tini -g) until the target has exited; orphans are reaped on the way. */
static int
supervise(pid_t pid, int signal_group, const struct terminal *t)
{
	sigset_t all;
	siginfo_t info;
	int status = 0, what = TARGET_RUNS;

	sigfillset(&all);
	while (what != TARGET_EXITED) {
		if (sigwaitinfo(&all, &info) < 0)
			continue;
		if (info.si_signo != SIGCHLD &&
		    (kill(signal_group ? -pid : pid, info.si_signo) == 0 || errno != ESRCH))
			continue;
		if ((what = reap(pid, &status)) == TARGET_STOPPED)
			suspend_with_target(pid, t);
	}
	return status;
}

int
pid1_run(const struct launch_opts *o, struct child_env *ce, const struct inherited *in)
{
	struct terminal t;
	sigset_t all;
	pid_t pid;
	int status;

	/* Not PID 1: orphans of the target are reparented to us, not to an init
	 * that may not exist (a runtime without one), as tini -s. */
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
		mr_log(MR_LOG_ERR, "modal-run: --subreaper: prctl: %s", strerror(errno));
		return EXIT_OSERR;
	}
	terminal_probe(&t);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	if ((pid = fork()) < 0) {
		mr_log(MR_LOG_ERR, "modal-run: fork: %s", strerror(errno));
		return EXIT_OSERR;
	}
	if (pid == 0)
		run_child(o, ce, in, &t);
	/* From here on the parent holds no secret. */
	child_env_free(ce);
	/* Also here, so a signal forwarded to the group before the child ran
	 * finds it; EACCES once the child has exec'd is harmless. */
	setpgid(pid, pid);
	status = supervise(pid, o->signal_group, &t);
	/* Take the terminal back (SIGTTOU still blocked), so whoever started us
	 * reads from it again. A group outside our PID namespace has no number
	 * we can name: it is left as the target left it. */
	if (t.given && t.ours > 0)
		tcsetpgrp(STDIN_FILENO, t.ours);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	/* The kernel ignores a PID 1's own fatal signals: report them as a shell would. */
	return 128 + WTERMSIG(status);
}
