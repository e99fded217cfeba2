/* envp.c — the child's environment, decided once and built into a new array:
 * inherited variables (minus the token), then each secret key after the
 * policy, the conflict rule and --preserve-env have had their say. Secret
 * strings live in one locked arena; environ itself is never modified. */
#include "launcher.h"
#include "names.h"
#include "secmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* One secret variable before its string is made. */
struct secret_var {
	const struct vault_item *item;
	const char *bundle;
	struct policy_key_rule rule;
};

static size_t
name_len(const char *entry)
{
	const char *eq = strchr(entry, '=');

	return eq != NULL ? (size_t)(eq - entry) : 0;
}

static int
in_list(const char *const *list, size_t n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(list[i]) == len && memcmp(list[i], name, len) == 0)
			return 1;
	return 0;
}

/* The token never reaches the child, whatever else is kept. */
static int
is_token_var(const char *entry, size_t len)
{
	return (len == 18 && memcmp(entry, "MODAL_TOKEN_SECRET", 18) == 0) ||
	       (len == 14 && memcmp(entry, "MODAL_TOKEN_ID", 14) == 0);
}

static int
keep_inherited(const char *entry, size_t len, const struct policy *pol,
	       const struct launch_opts *o)
{
	char name[KEY_MAX_LEN + 1];

	if (len == 0 || is_token_var(entry, len))
		return 0;
	if (!o->clean_env)
		return 1;
	if (in_list(o->keep, o->nkeep, entry, len))
		return 1;
	if (len > KEY_MAX_LEN)
		return 0;
	memcpy(name, entry, len);
	name[len] = '\0';
	return policy_pass_through(pol, name);
}

static enum launch_conflict
conflict_mode(const struct policy *pol, const struct launch_opts *o)
{
	if (o->on_conflict != CONFLICT_UNSET)
		return o->on_conflict;
	switch (policy_conflict_mode(pol)) {
	case POLICY_CONFLICT_FIRST_WINS: return CONFLICT_FIRST_WINS;
	case POLICY_CONFLICT_LAST_WINS: return CONFLICT_LAST_WINS;
	default: return CONFLICT_ERROR;
	}
}

/* Checks one bundle against the policy and merges its keys into vars. */
static int
merge_bundle(struct secret_var *vars, size_t *nvars, const struct vault_bundle *b,
	     const struct policy *pol, enum launch_conflict mode, struct mr_err *e)
{
	const char **keys = malloc((b->nitems + 1) * sizeof(char *));
	char why[512];
	size_t i, j;
	struct policy_key_rule rule;
	int rc;

	if (keys == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	for (i = 0; i < b->nitems; i++)
		keys[i] = b->items[i].key;
	rc = policy_check_required(pol, b->name, keys, b->nitems, why, sizeof(why));
	free(keys);
	if (rc != 0)
		return mr_fail(e, MR_E_POLICY, "policy: %s", why);
	for (i = 0; i < b->nitems; i++) {
		const struct vault_item *it = &b->items[i];

		if (policy_check_key(pol, b->name, it->key, it->value, it->value_len,
				     &rule, why, sizeof(why)) != 0)
			return mr_fail(e, MR_E_POLICY, "policy: %s", why);
		if (rule.drop)
			continue;
		for (j = 0; j < *nvars && strcmp(vars[j].item->key, it->key) != 0; j++)
			;
		if (j < *nvars && mode == CONFLICT_ERROR)
			return mr_fail(e, MR_E_POLICY,
				       "key '%s' is defined by secrets '%s' and '%s' (choose with --on-conflict=first-wins|last-wins)",
				       it->key, vars[j].bundle, b->name);
		if (j < *nvars && mode == CONFLICT_FIRST_WINS)
			continue;
		vars[j] = (struct secret_var){ it, b->name, rule };
		if (j == *nvars)
			(*nvars)++;
	}
	return 0;
}

static int
envp_push(struct child_env *ce, char *entry, struct mr_err *e)
{
	char **grown;

	if (ce->n + 1 >= ce->cap) {
		ce->cap = ce->cap ? ce->cap * 2 : 64;
		if ((grown = realloc(ce->envp, ce->cap * sizeof(char *))) == NULL)
			return mr_fail(e, MR_E_INTERNAL, "out of memory");
		ce->envp = grown;
	}
	ce->envp[ce->n++] = entry;
	ce->envp[ce->n] = NULL;
	return 0;
}

/* The index of an entry among the first n named name (len bytes), or -1. */
static long
find_entry(const struct child_env *ce, size_t n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (name_len(ce->envp[i]) == len && memcmp(ce->envp[i], name, len) == 0)
			return (long)i;
	return -1;
}

static int
add_inherited(struct child_env *ce, char *const *environ_in, const struct policy *pol,
	      const struct launch_opts *o, struct mr_err *e)
{
	size_t i, len;

	/* As gosu and su-exec: the target's HOME is the user's (or /), whatever
	 * root's was, and with --clean-env too. First, so it wins. */
	if (o->user.set && envp_push(ce, (char *)o->user.home_entry, e) != 0)
		return -1;
	for (i = 0; environ_in != NULL && environ_in[i] != NULL; i++) {
		len = name_len(environ_in[i]);
		if (!keep_inherited(environ_in[i], len, pol, o))
			continue;
		/* A name given twice: the first is the one getenv() sees. */
		if (find_entry(ce, ce->n, environ_in[i], len) >= 0)
			continue;
		if (envp_push(ce, environ_in[i], e) != 0)
			return -1;
	}
	return 0;
}

/* A sealed in-memory file holding the value, inherited by the child only. */
static int
memfd_for(struct child_env *ce, const struct secret_var *v, struct mr_err *e)
{
	const unsigned char *p = v->item->value;
	size_t left = v->item->value_len;
	ssize_t w;
	int fd;

	if (ce->nmemfds == LAUNCH_MAX_NAMES)
		return mr_fail(e, MR_E_POLICY, "too many keys delivered as files");
	fd = memfd_create(v->item->key, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return mr_fail(e, MR_E_INTERNAL, "memfd_create: %s", strerror(errno));
	ce->memfds[ce->nmemfds++] = fd;
	for (; left > 0; p += w, left -= (size_t)w)
		if ((w = write(fd, p, left)) < 0 && errno != EINTR)
			return mr_fail(e, MR_E_INTERNAL, "writing %s_FILE: %s", v->item->key,
				       strerror(errno));
		else if (w < 0)
			w = 0;
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
		return mr_fail(e, MR_E_INTERNAL, "sealing %s_FILE: %s", v->item->key, strerror(errno));
	return fd;
}

static size_t
arena_need(const struct secret_var *vars, size_t n)
{
	size_t i, need = 0;

	for (i = 0; i < n; i++)
		need += strlen(vars[i].item->key) + 2 +
			(vars[i].rule.delivery == POLICY_DELIVER_FILE ? 5 + 32
								     : vars[i].item->value_len);
	return need;
}

/* "KEY=value" (or "KEY_FILE=/proc/self/fd/N") into the arena. */
static char *
format_var(struct child_env *ce, const struct secret_var *v, int fd)
{
	char *s = ce->arena + ce->arena_used;
	size_t klen = strlen(v->item->key);
	int n;

	if (fd >= 0) {
		n = snprintf(s, ce->arena_len - ce->arena_used, "%s_FILE=/proc/self/fd/%d",
			     v->item->key, fd);
		ce->arena_used += (size_t)n + 1;
		return s;
	}
	memcpy(s, v->item->key, klen);
	s[klen] = '=';
	memcpy(s + klen + 1, v->item->value, v->item->value_len);
	s[klen + 1 + v->item->value_len] = '\0';
	ce->arena_used += klen + 2 + v->item->value_len;
	return s;
}

/* Adds one secret variable, unless an inherited one of that name is kept. */
static int
add_secret(struct child_env *ce, size_t ninherited, const struct secret_var *v,
	   const struct launch_opts *o, struct mr_err *e)
{
	char *entry;
	long at;
	int fd = -1;

	if (v->rule.delivery == POLICY_DELIVER_FILE && (fd = memfd_for(ce, v, e)) < 0)
		return -1;
	entry = format_var(ce, v, fd);
	at = find_entry(ce, ninherited, entry, name_len(entry));
	if (at >= 0) {
		if (o->preserve_all || v->rule.override == POLICY_OVERRIDE_DENY ||
		    in_list(o->preserve, o->npreserve, entry, name_len(entry))) {
			if (fd >= 0) {
				close(fd);
				ce->nmemfds--;
			}
			return 0;
		}
		ce->envp[at] = entry;
	} else if (envp_push(ce, entry, e) != 0) {
		return -1;
	}
	ce->lines[ce->nlines++] = (struct check_line){ v->item->key, v->bundle,
		v->item->value, v->item->value_len, fd >= 0 };
	return 0;
}

int
child_env_build(struct child_env *ce, char *const *environ_in,
		const struct vault_fetch *f, const struct policy *pol,
		const struct launch_opts *o, struct mr_err *e)
{
	struct secret_var *vars = NULL;
	size_t i, nvars = 0, total = 0, ninherited;
	enum launch_conflict mode = conflict_mode(pol, o);
	int rc = -1;

	memset(ce, 0, sizeof(*ce));
	for (i = 0; i < f->nbundles; i++)
		total += f->bundles[i].nitems;
	vars = calloc(total + 1, sizeof(*vars));
	ce->lines = calloc(total + 1, sizeof(*ce->lines));
	if (vars == NULL || ce->lines == NULL) {
		mr_fail(e, MR_E_INTERNAL, "out of memory");
		goto out;
	}
	for (i = 0; i < f->nbundles; i++)
		if (merge_bundle(vars, &nvars, &f->bundles[i], pol, mode, e) != 0)
			goto out;
	if (add_inherited(ce, environ_in, pol, o, e) != 0 || envp_push(ce, NULL, e) != 0)
		goto out;
	ce->n--;  /* the NULL pushed above only made sure envp exists */
	ninherited = ce->n;
	ce->arena_len = arena_need(vars, nvars);
	ce->arena = xsecure_alloc(ce->arena_len);
	for (i = 0; i < nvars; i++)
		if (add_secret(ce, ninherited, &vars[i], o, e) != 0)
			goto out;
	rc = 0;
out:
	free(vars);
	return rc;
}

void
child_env_free(struct child_env *ce)
{
	size_t i;

	secure_free(ce->arena, ce->arena_len);
	for (i = 0; i < ce->nmemfds; i++)
		close(ce->memfds[i]);
	free(ce->envp);
	free(ce->lines);
	memset(ce, 0, sizeof(*ce));
}

/* The kernel's own bound on argv and envp with their pointers (fs/exec.c,
 * bprm_stack_limits): a quarter of the stack limit, at most 6 MiB (3/4 of
 * the default 8 MiB stack), at least 32 pages. Computed here because libcs
 * disagree: glibc's sysconf(_SC_ARG_MAX) leaves out the 6 MiB cap, musl's is
 * the constant 128 KiB. */
static size_t
exec_arg_limit(size_t page)
{
	struct rlimit stack;
	size_t limit = 6 << 20;

	if (getrlimit(RLIMIT_STACK, &stack) == 0 && stack.rlim_cur != RLIM_INFINITY &&
	    stack.rlim_cur / 4 < limit)
		limit = stack.rlim_cur / 4;
	return limit > 32 * page ? limit : 32 * page;
}

/* execve fails with E2BIG past these: each string at most MAX_ARG_STRLEN
 * (32 pages), and all of argv and envp with their pointers within
 * exec_arg_limit. */
int
child_env_check_size(const struct child_env *ce, char *const *argv, struct mr_err *e)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), max_str = 32 * page, total = 0, len, i;
	size_t arg_max = exec_arg_limit(page);
	const char *biggest = NULL;
	size_t biggest_len = 0;

	for (i = 0; argv[i] != NULL; i++)
		total += strlen(argv[i]) + 1 + sizeof(char *);
	for (i = 0; i < ce->n; i++) {
		len = strlen(ce->envp[i]) + 1;
		total += len + sizeof(char *);
		if (len > biggest_len) {
			biggest_len = len;
			biggest = ce->envp[i];
		}
	}
	if (biggest != NULL && biggest_len > max_str)
		return mr_fail(e, MR_E_TOOLARGE,
			       "variable %.*s is %zu bytes, more than the kernel's %zu per string: deliver it as a file (policy delivery: file)",
			       (int)name_len(biggest), biggest, biggest_len, max_str);
	if (total > arg_max)
		return mr_fail(e, MR_E_TOOLARGE,
			       "arguments and environment total %zu bytes, more than the kernel's limit %zu (largest: %.*s)",
			       total, arg_max, biggest ? (int)name_len(biggest) : 0,
			       biggest ? biggest : "");
	return 0;
}
