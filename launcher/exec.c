/* exec.c — execve of the target, searching PATH as execvp(3) and env(1) do,
 * but with our own envp; 126 for found-but-not-executable, 127 for not found. */
#include "launcher.h"
#include "exitcodes.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A file without a #! line or ELF header runs under /bin/sh, as execvp does. */
static void
exec_as_script(const char *path, char **argv, char **envp)
{
	size_t n = 0;
	char **sh;

	while (argv[n] != NULL)
		n++;
	if ((sh = calloc(n + 2, sizeof(char *))) == NULL)
		return;
	sh[0] = "/bin/sh";
	sh[1] = (char *)path;
	memcpy(sh + 2, argv + 1, n * sizeof(char *));
	execve("/bin/sh", sh, envp);
	free(sh);
}

static int
try_exec(const char *path, char **argv, char **envp)
{
	execve(path, argv, envp);
	if (errno == ENOEXEC) {
		exec_as_script(path, argv, envp);
		errno = ENOEXEC;
	}
	return errno;
}

int
exec_target(char **argv, char **envp, struct mr_err *e)
{
	const char *path = getenv("PATH"), *dir, *end;
	char full[PATH_MAX];
	int err, denied = 0;

	/* An empty name is no file, not every PATH directory (EACCES), as execvp. */
	if (argv[0][0] == '\0') {
		err = ENOENT;
		goto fail;
	}
	if (strchr(argv[0], '/') != NULL) {
		err = try_exec(argv[0], argv, envp);
		goto fail;
	}
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	err = ENOENT;
	for (dir = path; dir != NULL; dir = *end ? end + 1 : NULL) {
		end = strchrnul(dir, ':');
		if (snprintf(full, sizeof(full), "%.*s%s%s", (int)(end - dir), dir,
			     end == dir ? "" : "/", argv[0]) >= (int)sizeof(full))
			continue;
		err = try_exec(full, argv, envp);
		/* Keep looking past a directory we cannot use, as execvp does. */
		if (err == EACCES)
			denied = 1;
		else if (err != ENOENT && err != ENOTDIR && err != ELOOP && err != ENAMETOOLONG)
			break;
	}
	if (denied && (err == ENOENT || err == ENOTDIR))
		err = EACCES;
fail:
	mr_fail(e, MR_E_IO, "%s: %s", argv[0], strerror(err));
	return err == ENOENT || err == ENOTDIR ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}
