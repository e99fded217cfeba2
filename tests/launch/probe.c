/* probe.c — a target that reports what a shell cannot see: whether it is
 * dumpable (execve must have reset modal-run's PR_SET_DUMPABLE 0) and its
 * core-size limit (modal-run must leave RLIMIT_CORE as it was given). */
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>

int
main(void)
{
	struct rlimit core;

	if (getrlimit(RLIMIT_CORE, &core) != 0) {
		perror("probe");
		return 2;
	}
	printf("dumpable=%d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	if (core.rlim_cur == RLIM_INFINITY)
		printf("core=unlimited\n");
	else
		printf("core=%llu\n", (unsigned long long)core.rlim_cur);
	return 0;
}
