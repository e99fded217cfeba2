/* launcher.h — modal-run: from arguments to execve. The steps are separate so
 * tests can drive each one; main() only chains them. */
#ifndef MODAL_LAUNCHER_H
#define MODAL_LAUNCHER_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "policy.h"
#include "settings.h"
#include "vault.h"

#define LAUNCH_MAX_SECRETS 64
#define LAUNCH_MAX_NAMES 256

enum launch_conflict {
	CONFLICT_UNSET, CONFLICT_ERROR, CONFLICT_FIRST_WINS, CONFLICT_LAST_WINS,
};

/* --user USER[:GROUP]: who the target runs as (user.c). */
struct launch_user {
	int set;
	uid_t uid;
	gid_t gid;
	int has_entry;                 /* the user is in the user database */
	int db_groups;                 /* supplementary groups from the database */
	char name[256];
	char home_entry[4096 + 6];     /* "HOME=..." for the child */
};

struct launch_opts {
	const char *secrets[LAUNCH_MAX_SECRETS];
	size_t nsecrets;
	const char *env;               /* NULL: the vault's default */
	const char *policy_path;       /* NULL: the built-in default */
	struct settings_flags flags;   /* the vault's settings as given on the command line */
	struct vault_settings settings;  /* ... and as resolved (SPEC 4); env, policy_path point here */
	const char *keep[LAUNCH_MAX_NAMES];
	size_t nkeep;
	const char *preserve[LAUNCH_MAX_NAMES];  /* each a copy, freed by launch_opts_free */
	size_t npreserve;
	int preserve_all, clean_env, check, reset_signals;
	int check_json;                /* --check --json */
	const char *fingerprint_key;   /* --check --fingerprint-key FILE */
	int subreaper, signal_group;    /* fork and supervise though not PID 1; signal the group */
	int require_mlock;             /* --require-mlock or MODAL_REQUIRE_MLOCK=1 */
	const char *user_spec;         /* --user as given */
	struct launch_user user;       /* --user; user.set 0: stay as we are */
	enum launch_conflict on_conflict;
	char **argv;                   /* the command and its arguments */
};

/* args.c: argv → opts (flags, then MODAL_* variables, the systemd credential,
 * the profile file, then defaults). */
int launch_parse_args(int argc, char **argv, struct launch_opts *o, struct mr_err *e);
void launch_opts_free(struct launch_opts *o);
void launch_usage(void);

/* fallback.c: the encrypted fallback cache around a fetch from a vault
 * server (--cache). After a fetch that returned rc: on success, stores it; on
 * MR_E_UNAVAILABLE or MR_E_TIMEOUT (never after 4xx), tries the cache and
 * says so on stderr. Returns the fetch's result. */
int fallback_after_fetch(const struct launch_opts *o, int rc, struct vault_fetch *f,
			 struct mr_err *e);

/* The child's environment: a NULL-terminated array whose secret strings live
 * in one sodium_malloc'ed arena (wiped by child_env_free). */
struct child_env {
	char **envp;
	size_t n, cap;
	char *arena;
	size_t arena_len, arena_used;
	int memfds[LAUNCH_MAX_NAMES];     /* sealed files for delivery: file */
	size_t nmemfds;
	/* For --check: which bundle each secret entry came from. */
	struct check_line { const char *key; const char *bundle; const unsigned char *value;
			    size_t value_len; int file; } *lines;
	size_t nlines;
};

/* envp.c: decides, once, what the child gets from environ and the bundles. */
int child_env_build(struct child_env *ce, char *const *environ_in,
		    const struct vault_fetch *f, const struct policy *pol,
		    const struct launch_opts *o, struct mr_err *e);
void child_env_free(struct child_env *ce);
/* argv and envp against the kernel's limits: a clear error instead of E2BIG. */
int child_env_check_size(const struct child_env *ce, char *const *argv, struct mr_err *e);

/* check.c: prints what --check found (key, bundle, keyed fingerprint), as
 * lines or, with json, one JSON object (docs/configuration.md). */
void check_print(const struct child_env *ce, const struct vault_fetch *f, int json);
/* --fingerprint-key FILE: 64 hex digits (and a newline), in a file of the
 * caller's alone (TRUST_PRIVATE), into key; MR_E_CONFIG naming the file. */
int check_fingerprint_key(const char *path, unsigned char key[32], struct mr_err *e);

/* hygiene.c: the process state the target must get exactly as we got it. */
struct inherited {
	sigset_t mask;
	unsigned char fds[128];        /* bitmap of descriptors open at start, 0..1023 */
	int fd_overflow;               /* one at 1024 or above was open: keep those */
};
int hygiene_start(struct inherited *in);
/* Signal mask as given (or defaults with reset), our descriptors close-on-exec. */
int hygiene_before_exec(const struct inherited *in, const struct child_env *ce,
			int reset_signals);

/* exec.c: execve through PATH as execvp does; returns 126/127 on failure. */
int exec_target(char **argv, char **envp, struct mr_err *e);
/* user.c: --user resolved (must be root: 77; unknown name: 64), and the
 * drop to it before exec: groups, gid, uid, then checked for no way back. */
int user_resolve(const char *spec, struct launch_user *u, struct mr_err *e);
int user_drop(const struct launch_user *u, struct mr_err *e);

/* pid1.c: as PID 1 (or with --subreaper), fork, give the target its own
 * process group and the terminal, forward signals, reap, exit with the
 * target's status. */
int pid1_run(const struct launch_opts *o, struct child_env *ce, const struct inherited *in);

#endif
