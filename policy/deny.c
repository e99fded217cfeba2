/* deny.c — the built-in denylist: variables that change how programs load or
 * run, so a secret that sets one could run code in the target (SPEC 8). A
 * policy adds to it with `deny` and lifts one exact name with `allow_denied`. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "policy_impl.h"

/* Grouped by what they hijack. Globs match with fnmatch(3), no flags. */
static const char *const default_deny[] = {
	/* the dynamic loader and libc (glibc's unsecvars and their like) */
	"LD_*", "DYLD_*", "GCONV_PATH", "GLIBC_TUNABLES", "GETCONF_DIR", "LOCPATH",
	"NLSPATH", "MALLOC_*", "HOSTALIASES", "LOCALDOMAIN", "RES_OPTIONS",
	"RESOLV_HOST_CONF", "NIS_PATH", "TMPDIR", "TZDIR",
	/* where commands are found, and shells that run code at start */
	"PATH", "IFS", "CDPATH", "ENV", "BASH_ENV", "BASH_FUNC_*", "BASHOPTS",
	"SHELLOPTS", "PROMPT_COMMAND", "PS4", "GLOBIGNORE",
	/* interpreters and runtimes that load modules or options from the env */
	"PYTHON*", "PERL5*", "PERLLIB", "PERL_MB_OPT", "PERL_MM_OPT", "RUBYOPT",
	"RUBYLIB", "NODE_OPTIONS", "NODE_PATH", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS",
	"JDK_JAVA_OPTIONS", "DOTNET_STARTUP_HOOKS", "LUA_INIT*", "LUA_PATH*",
	"LUA_CPATH*", "TCLLIBPATH", "PHPRC", "PHP_INI_SCAN_DIR",
	/* libraries that load plugins or run helpers named by the env */
	"OPENSSL_CONF", "OPENSSL_ENGINES", "OPENSSL_MODULES", "GIT_EXEC_PATH",
	"GIT_SSH", "GIT_SSH_COMMAND", "GIT_ASKPASS", "GIT_PROXY_COMMAND",
	"GIT_CONFIG*", "SSH_ASKPASS",
};

bool
is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

const char *
deny_default_match(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(default_deny) / sizeof(default_deny[0]); i++)
		if (fnmatch(default_deny[i], name, 0) == 0)
			return default_deny[i];
	return NULL;
}

static bool
list_has(const struct pol_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], name) == 0)
			return true;
	return false;
}

const char *
deny_match(const struct policy *p, const char *name)
{
	const char *m;
	size_t i;

	for (i = 0; i < p->deny.n; i++)
		if (fnmatch(p->deny.v[i], name, 0) == 0)
			return p->deny.v[i];
	if ((m = deny_default_match(name)) != NULL && !list_has(&p->lift, name))
		return m;
	return NULL;
}

/* Globs name environment variables: key characters plus * ? and bracket
 * sets. fnmatch(3) cannot report a malformed glob, so we check it here. */
static bool
name_char(unsigned char c, const char *extra)
{
	return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' && strchr(extra, c) != NULL);
}

bool
glob_is_valid(const char *g, const char *extra)
{
	size_t i, start;

	if (g[0] == '\0')
		return false;
	for (i = 0; g[i] != '\0'; i++) {
		unsigned char c = (unsigned char)g[i];
		if (c == '*' || c == '?' || name_char(c, extra))
			continue;
		if (c != '[')
			return false;
		start = ++i;
		if (g[i] == '!' || g[i] == '^')
			start = ++i;
		for (; g[i] != ']'; i++) {
			c = (unsigned char)g[i];
			if (c != '-' && !name_char(c, extra))
				return false;
		}
		if (i == start)
			return false;
	}
	return true;
}

int
policy_default(struct policy **out)
{
	struct policy *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return -1;
	p->unknown = POLICY_UNKNOWN_REJECT;
	p->conflict = POLICY_CONFLICT_UNSET;
	*out = p;
	return 0;
}
