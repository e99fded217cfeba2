/* user.c — --user USER[:GROUP], as su-exec and gosu: modal-run, started as
 * root, fetches with root's token, then the target runs as USER with none of
 * root's privileges, so it cannot read the token's files (a 0600 credential,
 * ~/.modal.toml) nor modal-run's memory. Resolved before anything is
 * fetched; dropped just before exec, with every step checked. */
#include "launcher.h"
#include "names.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* A decimal id, at most 2^32 - 2 ((uid_t)-1 means "unchanged" to setuid). */
static int
parse_id(const char *s, unsigned long *id)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*id = strtoul(s, &end, 10);
	return *end != '\0' || errno != 0 || *id >= 0xffffffffUL ? -1 : 0;
}

static int
bad_user(struct mr_err *e, const char *spec, const char *why)
{
	char shown[128];

	return mr_fail(e, MR_E_USAGE, "--user '%s': %s", name_for_msg(spec, shown, sizeof(shown)),
		       why);
}

/* The user part: a name or an id; its database entry gives the primary
 * group, the supplementary groups and HOME. */
static int
resolve_user(const char *name, const char *spec, struct launch_user *u, struct mr_err *e)
{
	unsigned long id;
	struct passwd *pw;
	int numeric = parse_id(name, &id) == 0;

	pw = numeric ? getpwuid((uid_t)id) : getpwnam(name);
	if (pw == NULL && !numeric)
		return bad_user(e, spec, "no such user in the user database");
	u->uid = numeric ? (uid_t)id : pw->pw_uid;
	u->has_entry = pw != NULL;
	u->gid = pw != NULL ? pw->pw_gid : 0;
	if (snprintf(u->name, sizeof(u->name), "%s", pw != NULL ? pw->pw_name : name) >=
		    (int)sizeof(u->name) ||
	    snprintf(u->home_entry, sizeof(u->home_entry), "HOME=%s",
		     pw != NULL && pw->pw_dir[0] == '/' ? pw->pw_dir : "/") >=
		    (int)sizeof(u->home_entry))
		return bad_user(e, spec, "the user's name or home directory is too long");
	return 0;
}

static int
resolve_group(const char *name, const char *spec, struct launch_user *u, struct mr_err *e)
{
	unsigned long id;
	struct group *gr;

	if (parse_id(name, &id) == 0) {
		u->gid = (gid_t)id;
		return 0;
	}
	if ((gr = getgrnam(name)) == NULL)
		return bad_user(e, spec, "no such group in the group database");
	u->gid = gr->gr_gid;
	return 0;
}

int
user_resolve(const char *spec, struct launch_user *u, struct mr_err *e)
{
	char user[256];
	const char *colon = strchr(spec, ':');
	size_t len = colon != NULL ? (size_t)(colon - spec) : strlen(spec);

	memset(u, 0, sizeof(*u));
	/* Fail closed before the first read of a token: only root can become
	 * another user, and a half-dropped launch is worse than none. */
	if (geteuid() != 0)
		return mr_fail(e, MR_E_FORBIDDEN,
			       "--user: modal-run must be started as root to run the target as another user (it runs as uid %u)",
			       (unsigned)geteuid());
	if (len == 0 || len >= sizeof(user) || (colon != NULL && colon[1] == '\0'))
		return bad_user(e, spec, "expected USER or USER:GROUP (names or numeric ids)");
	memcpy(user, spec, len);
	user[len] = '\0';
	if (resolve_user(user, spec, u, e) != 0 ||
	    (colon != NULL && resolve_group(colon + 1, spec, u, e) != 0))
		return -1;
	/* An id without an entry has no primary group: never default to root's. */
	if (!u->has_entry && colon == NULL)
		return bad_user(e, spec, "no such user in the user database: give the group too (UID:GID)");
	/* Only a user named alone takes the database's supplementary groups; an
	 * explicit group is the only group, as su-exec does. */
	u->db_groups = u->has_entry && colon == NULL;
	u->set = 1;
	return 0;
}

/* "CapPrm:" and "CapEff:" of /proc/self/status both zero: no capability
 * survived (SECBIT_KEEP_CAPS or an ambient set would leave some). */
static int
no_capabilities(void)
{
	char line[256];
	unsigned long long caps;
	int seen = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if ((sscanf(line, "CapPrm: %llx", &caps) == 1 ||
		     sscanf(line, "CapEff: %llx", &caps) == 1 ||
		     sscanf(line, "CapAmb: %llx", &caps) == 1) && caps == 0)
			seen++;
	fclose(f);
	return seen == 3;
}

/* Nothing of root is left and none of it can come back. */
static int
user_verify(const struct launch_user *u, struct mr_err *e)
{
	uid_t r, eu, s;
	gid_t rg, eg, sg;

	if (getresuid(&r, &eu, &s) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
	    r != u->uid || eu != u->uid || s != u->uid ||
	    rg != u->gid || eg != u->gid || sg != u->gid)
		return mr_fail(e, MR_E_INTERNAL, "--user %s: the ids did not all change", u->name);
	if (u->uid == 0)
		return 0;
	/* setgid to the gid we have succeeds unprivileged: only another counts. */
	if (setuid(0) == 0 || (u->gid != 0 && setgid(0) == 0) || !no_capabilities())
		return mr_fail(e, MR_E_INTERNAL, "--user %s: root's privileges could be regained",
			       u->name);
	return 0;
}

int
user_drop(const struct launch_user *u, struct mr_err *e)
{
	if (!u->set)
		return 0;
	/* Groups first, then the group, then the user: each needs root. */
	if ((u->db_groups ? initgroups(u->name, u->gid) : setgroups(0, NULL)) != 0)
		return mr_fail(e, MR_E_INTERNAL, "--user %s: setting the supplementary groups: %s",
			       u->name, strerror(errno));
	if (setgid(u->gid) != 0)
		return mr_fail(e, MR_E_INTERNAL, "--user %s: setgid(%u): %s", u->name,
			       (unsigned)u->gid, strerror(errno));
	if (setuid(u->uid) != 0)
		return mr_fail(e, MR_E_INTERNAL, "--user %s: setuid(%u): %s", u->name,
			       (unsigned)u->uid, strerror(errno));
	/* A change of ids resets dumpability to fs.suid_dumpable, which may be 1:
	 * USER must not attach to us while the secrets are still here. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return mr_fail(e, MR_E_INTERNAL, "--user %s: PR_SET_DUMPABLE: %s", u->name,
			       strerror(errno));
	return user_verify(u, e);
}
