/* deny.c — the built-in denylist: variables that change how programs load or
 * run, or whom they trust, so a secret that sets one could run code in the
 * target or move its traffic (SPEC 8). A policy adds to it with `deny` and
 * lifts one exact name with `allow_denied`. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "policy_impl.h"

/* Grouped by family, each for the reason docs/policy.md gives. Globs match
 * with fnmatch(3); FNM_CASEFOLD where programs read the name in any case
 * (curl and Python take http_proxy as well as HTTP_PROXY; Python and npm
 * lower-case the whole name). Sources: glibc's unsecvars.h, sudo's
 * initial_badenv_table, and the manuals of the programs named. */
struct deny_entry {
	const char *glob;
	int flags;
};

static const struct deny_entry default_deny[] = {
	/* the dynamic loader and libc: code or data loaded from a path */
	{ "LD_*", 0 }, { "DYLD_*", 0 }, { "_RLD*", 0 }, { "GCONV_PATH", 0 },
	{ "GETCONF_DIR", 0 }, { "GLIBC_TUNABLES", 0 }, { "MALLOC_*", 0 },
	{ "HOSTALIASES", 0 }, { "LOCALDOMAIN", 0 }, { "RES_OPTIONS", 0 },
	{ "RESOLV_HOST_CONF", 0 }, { "NIS_PATH", 0 }, { "TMPDIR", 0 },
	/* locale, time zone and terminal data: files parsed from a path */
	{ "LOCPATH", 0 }, { "MUSL_LOCPATH", 0 }, { "NLSPATH", 0 }, { "PATH_LOCALE", 0 },
	{ "I18NPATH", 0 }, { "LANG", 0 }, { "LANGUAGE", 0 }, { "LC_*", 0 },
	{ "TZ", 0 }, { "TZDIR", 0 }, { "TERMINFO", 0 }, { "TERMINFO_DIRS", 0 },
	{ "TERMPATH", 0 }, { "TERMCAP", 0 },
	/* command lookup, shells and make: code run at start or per prompt */
	{ "PATH", 0 }, { "IFS", 0 }, { "CDPATH", 0 }, { "ENV", 0 }, { "BASH_ENV", 0 },
	{ "BASH_FUNC_*", 0 }, { "BASHOPTS", 0 }, { "SHELLOPTS", 0 },
	{ "BASH_XTRACEFD", 0 }, { "BASH_LOADABLES_PATH", 0 }, { "EXECIGNORE", 0 },
	{ "PROMPT_COMMAND", 0 }, { "PS[0-4]", 0 }, { "GLOBIGNORE", 0 },
	{ "HISTFILE", 0 }, { "INPUTRC", 0 }, { "ZDOTDIR", 0 }, { "FPATH", 0 },
	{ "NULLCMD", 0 }, { "READNULLCMD", 0 }, { "TMPPREFIX", 0 }, { "SHELL", 0 },
	{ "HOME", 0 }, { "MAKEFILES", 0 }, { "MAKEFLAGS", 0 }, { "MFLAGS", 0 },
	{ "GNUMAKEFLAGS", 0 },
	/* git: helpers it runs (GIT_EXTERNAL_DIFF, GIT_SSH_COMMAND, GIT_PAGER),
	 * the repository and config it trusts (GIT_DIR, GIT_CONFIG_*) */
	{ "GIT_*", 0 },
	/* pagers, editors, browsers and askpass helpers: commands run by name */
	{ "*PAGER", 0 }, { "LESS*", 0 }, { "MORE", 0 }, { "MANOPT", 0 },
	{ "MANPATH", 0 }, { "MANROFFOPT", 0 }, { "EDITOR", 0 }, { "VISUAL", 0 },
	{ "*_EDITOR", 0 }, { "FCEDIT", 0 }, { "VIMINIT", 0 }, { "GVIMINIT", 0 },
	{ "EXINIT", 0 }, { "MYVIMRC", 0 }, { "MYGVIMRC", 0 }, { "VIMRUNTIME", 0 },
	{ "VIM", 0 }, { "EMACSLOADPATH", 0 }, { "BROWSER", 0 }, { "SSH_ASKPASS*", 0 },
	{ "SUDO_ASKPASS", 0 },
	/* language runtimes and package tools: modules, options, hooks, indexes */
	{ "PYTHON*", 0 }, { "PERL5*", 0 }, { "PERLLIB", 0 },
	{ "PERLIO*", 0 }, { "PERL_*", 0 }, { "PERLDB_OPTS", 0 }, { "RUBY*", 0 }, { "GEM_*", 0 },
	{ "BUNDLE_GEMFILE", 0 }, { "NODE_*", 0 }, { "npm_config_*", FNM_CASEFOLD },
	{ "JAVA_TOOL_OPTIONS", 0 }, { "_JAVA_OPTIONS", 0 }, { "JDK_JAVA_OPTIONS", 0 },
	{ "JAVA_HOME", 0 }, { "CLASSPATH", 0 }, { "DOTNET_*", 0 }, { "CORECLR_*", 0 },
	{ "COMPlus_*", FNM_CASEFOLD }, { "LUA_*", 0 }, { "TCLLIBPATH", 0 },
	{ "TCL_LIBRARY", 0 }, { "TK_LIBRARY", 0 }, { "R_*", 0 }, { "PHP*", 0 },
	{ "GOFLAGS", 0 }, { "GOROOT", 0 }, { "GOPATH", 0 }, { "GOPROXY", 0 },
	{ "GONOPROXY", 0 }, { "GOPRIVATE", 0 }, { "GOSUMDB", 0 }, { "GONOSUMDB", 0 },
	{ "GONOSUMCHECK", 0 }, { "GOINSECURE", 0 }, { "GOTOOLCHAIN", 0 }, { "GOENV", 0 },
	{ "RUSTC", 0 }, { "RUSTC_WRAPPER", 0 }, { "RUSTC_WORKSPACE_WRAPPER", 0 },
	{ "RUSTDOC", 0 }, { "RUSTFLAGS", 0 }, { "RUSTDOCFLAGS", 0 }, { "RUSTUP_*", 0 },
	{ "CARGO_HOME", 0 }, { "CARGO_BUILD_*", 0 }, { "CARGO_TARGET_*", 0 },
	{ "PIP_*", 0 },
	/* TLS trust and the config files of network clients: which CAs are
	 * trusted, where session keys go, which helpers and servers are used */
	{ "SSL_CERT_FILE", 0 }, { "SSL_CERT_DIR", 0 }, { "SSLKEYLOGFILE", 0 },
	{ "*CA_BUNDLE", 0 }, { "NIX_SSL_CERT_FILE", 0 },
	{ "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", 0 }, { "OPENSSL_*", 0 }, { "GNUTLS_*", 0 },
	{ "CURL_HOME", 0 }, { "WGETRC", 0 }, { "GNUPGHOME", 0 }, { "KRB5*", 0 },
	{ "KUBECONFIG", 0 }, { "DOCKER_HOST", 0 }, { "DOCKER_CONFIG", 0 },
	{ "DOCKER_CERT_PATH", 0 }, { "DOCKER_TLS_VERIFY", 0 }, { "AWS_CONFIG_FILE", 0 },
	{ "AWS_SHARED_CREDENTIALS_FILE", 0 },
	/* proxies, in any case: every request goes through whoever is named */
	{ "*_proxy", FNM_CASEFOLD },
	/* GUI toolkits, graphics and desktop buses: modules loaded from a path */
	{ "GTK*", 0 }, { "GDK_*", 0 }, { "GIO_*", 0 }, { "GI_TYPELIB_PATH", 0 },
	{ "GST_*", 0 }, { "QT_*", 0 }, { "QML*", 0 }, { "XDG_*", 0 }, { "DBUS_*", 0 },
	{ "LIBGL_*", 0 }, { "MESA_*", 0 }, { "__GLX_*", 0 }, { "__EGL_*", 0 },
	{ "VK_*", 0 },
};

bool
is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static bool
same_char(char a, char b, int flags)
{
	if (flags & FNM_CASEFOLD) {
		a = a >= 'A' && a <= 'Z' ? (char)(a - 'A' + 'a') : a;
		b = b >= 'A' && b <= 'Z' ? (char)(b - 'A' + 'a') : b;
	}
	return a == b;
}

/* Whether name ends with the literal tail. */
static bool
ends_with(const char *name, const char *tail, int flags)
{
	size_t n = strlen(name), t = strlen(tail), i;

	if (t > n)
		return false;
	for (i = 0; i < t; i++)
		if (!same_char(name[n - t + i], tail[i], flags))
			return false;
	return true;
}

/* One built-in entry against name. The shapes the table uses (NAME, HEAD*,
 * *TAIL) are compared by hand and only the rest goes to fnmatch(3): ~200
 * fnmatch calls per key were 0.1 ms of a 1.5 ms launch on musl. */
static bool
entry_matches(const struct deny_entry *e, const char *name)
{
	const char *g = e->glob, *n = name;

	if (g[0] == '*' && strpbrk(g + 1, "*?[") == NULL)
		return ends_with(name, g + 1, e->flags);
	for (; *g != '\0' && *g != '*' && *g != '?' && *g != '['; g++, n++)
		if (*n == '\0' || !same_char(*g, *n, e->flags))
			return false;
	if (*g == '\0')
		return *n == '\0';
	if (g[0] == '*' && g[1] == '\0')
		return true;
	return fnmatch(e->glob, name, e->flags) == 0;
}

const char *
deny_default_match(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(default_deny) / sizeof(default_deny[0]); i++)
		if (entry_matches(&default_deny[i], name))
			return default_deny[i].glob;
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
