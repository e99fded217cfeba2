/* ops.c — runs a case's operation of vault.h and renders its answer as the
 * table writes it: secrets "NAME@VERSION ENV [KEYS]", fetches
 * "ENV: NAME@VERSION{KEY=VALUE,...} ...", environments "NAME:SUFFIX" with
 * "*" for the default. access.h's operations are in ops_access.c. */
#include "ops.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 8
#define MAX_NAMES 8

void
out_add(char *out, size_t len, const char *fmt, ...)
{
	size_t used = strlen(out);
	va_list ap;

	va_start(ap, fmt);
	if (used < len)
		vsnprintf(out + used, len - used, fmt, ap);
	va_end(ap);
}

/* "K=V,K2=V2" into items: "@N" is N bytes of 'x', "@nul" holds a NUL. The
 * values point into buf (keys and short values) or the static big buffer. */
static size_t
items_parse(const char *spec, struct vault_item *items, char *buf, size_t len)
{
	static char big[40000], nul[] = { 'a', '\0', 'b' };
	char *p, *eq, *next;
	size_t n = 0;

	memset(big, 'x', sizeof(big));
	snprintf(buf, len, "%s", spec != NULL ? spec : "");
	for (p = buf; *p != '\0' && n < MAX_ITEMS; p = next) {
		next = p + strcspn(p, ",");
		if (*next == ',')
			*next++ = '\0';
		eq = strchr(p, '=');
		if (eq != NULL)
			*eq++ = '\0';
		items[n].key = p;
		items[n].value = (const unsigned char *)(eq != NULL ? eq : "");
		items[n].value_len = eq != NULL ? strlen(eq) : 0;
		if (eq != NULL && strcmp(eq, "@nul") == 0) {
			items[n].value = (const unsigned char *)nul;
			items[n].value_len = sizeof(nul);
		} else if (eq != NULL && eq[0] == '@') {
			items[n].value = (const unsigned char *)big;
			items[n].value_len = strtoul(eq + 1, NULL, 10);
		}
		n++;
	}
	return n;
}

void
render_meta(const struct vault_secret_meta *m, char *out, size_t len)
{
	size_t i;

	out_add(out, len, "%s@%llu %s [", m->name, (unsigned long long)m->version,
		m->environment);
	for (i = 0; i < m->nkeys; i++)
		out_add(out, len, "%s%s", i ? "," : "", m->keys[i]);
	out_add(out, len, "]");
}

static void
render_value(const unsigned char *v, size_t n, char *out, size_t len)
{
	size_t i;

	if (n > 40) {
		out_add(out, len, "<%zu bytes>", n);
		return;
	}
	for (i = 0; i < n; i++)
		if (v[i] == '\n')
			out_add(out, len, "\\n");
		else if (v[i] < 0x20 || v[i] >= 0x7f)
			out_add(out, len, "\\x%02x", v[i]);
		else
			out_add(out, len, "%c", v[i]);
}

static void
render_fetch(const struct vault_fetch *f, char *out, size_t len)
{
	size_t i, j;

	out_add(out, len, "%s:", f->environment);
	for (i = 0; i < f->nbundles; i++) {
		out_add(out, len, " %s@%llu{", f->bundles[i].name,
			(unsigned long long)f->bundles[i].version);
		for (j = 0; j < f->bundles[i].nitems; j++) {
			out_add(out, len, "%s%s=", j ? "," : "", f->bundles[i].items[j].key);
			render_value(f->bundles[i].items[j].value, f->bundles[i].items[j].value_len,
				     out, len);
		}
		out_add(out, len, "}");
	}
}

static void
render_env(const struct vault_env *env, char *out, size_t len)
{
	out_add(out, len, "%s:%s%s", env->name, env->webhook_suffix, env->is_default ? "*" : "");
}

static int
op_secret_write(const struct conform_case *c, struct vault *v, const char *env,
		const char *name, const char *items_spec, char *out, size_t len,
		struct mr_err *e)
{
	struct vault_item items[MAX_ITEMS];
	struct vault_secret_meta m;
	char buf[512];
	size_t n = items_parse(items_spec, items, buf, sizeof(buf));
	int rc;

	memset(&m, 0, sizeof(m));
	rc = c->op == OP_PUT
		? vault_secret_put(v, env, name, items, n, (int)c->num, &m, e)
		: vault_secret_update(v, env, name, items, n, (uint64_t)c->num, &m, e);
	if (rc == 0)
		render_meta(&m, out, len);
	vault_secret_meta_clear(&m);
	return rc;
}

static int
op_secret_lists(const struct conform_case *c, struct vault *v, const char *env,
		const char *name, char *out, size_t len, struct mr_err *e)
{
	struct vault_secret_meta *list = NULL, m;
	size_t i, n = 0;
	int rc;

	if (c->op == OP_GET) {
		memset(&m, 0, sizeof(m));
		if ((rc = vault_secret_get(v, env, name, &m, e)) == 0)
			render_meta(&m, out, len);
		vault_secret_meta_clear(&m);
		return rc;
	}
	rc = c->op == OP_LIST ? vault_secret_list(v, env, &list, &n, e)
			      : vault_secret_versions(v, env, name, &list, &n, e);
	for (i = 0; rc == 0 && i < n; i++) {
		out_add(out, len, "%s", i ? " " : "");
		render_meta(&list[i], out, len);
	}
	if (rc == 0)
		vault_secret_meta_free(list, n);
	return rc;
}

static int
op_fetch(struct vault *v, const char *env, const char *spec, char *out, size_t len,
	 struct mr_err *e)
{
	const char *names[MAX_NAMES];
	struct vault_fetch f;
	char buf[256], *p;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", spec != NULL ? spec : "");
	for (p = strtok(buf, ","); p != NULL && n < MAX_NAMES; p = strtok(NULL, ","))
		names[n++] = p;
	if (vault_fetch(v, env, names, n, &f, e) != 0)
		return -1;
	render_fetch(&f, out, len);
	vault_fetch_free(&f);
	if (f.arena != NULL || f.bundles != NULL)
		return mr_fail(e, MR_E_INTERNAL, "vault_fetch_free left pointers into the freed arena");
	return 0;
}

static int
op_envs(const struct conform_case *c, struct vault *v, const char *name, const char *arg,
	const char *arg2, char *out, size_t len, struct mr_err *e)
{
	struct vault_env env, *list = NULL;
	struct vault_workspace ws;
	size_t i, n = 0;
	int rc = -1;

	memset(&env, 0, sizeof(env));
	switch (c->op) {
	case OP_ENV_CREATE:
		if ((rc = vault_env_create(v, name, arg, &env, e)) == 0)
			render_env(&env, out, len);
		break;
	case OP_ENV_UPDATE:
		if ((rc = vault_env_update(v, name, arg, arg2, &env, e)) == 0)
			render_env(&env, out, len);
		break;
	case OP_ENV_DELETE:
		rc = vault_env_delete(v, name, e);
		break;
	case OP_ENV_LIST:
		rc = vault_env_list(v, &list, &n, e);
		for (i = 0; rc == 0 && i < n; i++) {
			out_add(out, len, "%s", i ? " " : "");
			render_env(&list[i], out, len);
		}
		free(list);
		break;
	default:
		if ((rc = vault_workspace_current(v, &ws, e)) == 0)
			out_add(out, len, "default=%s", ws.default_env);
	}
	return rc;
}

static int op_dispatch(struct conform_run *run, const struct conform_case *c, char *out,
		       size_t len, struct mr_err *e);

/* The case through a second client of the server, as the token in c->as. */
static int
op_as(struct conform_run *run, const struct conform_case *c, char *out, size_t len,
      struct mr_err *e)
{
	const char *secret = slot_secret(c->as);
	char ref[32], id[128];
	struct vault_options o = { 0 };
	struct conform_run as = *run;
	int rc;

	snprintf(ref, sizeof(ref), "$%s", c->as);
	o.token_id = slot_expand(ref, id, sizeof(id));
	o.token_secret = secret;
	o.token_secret_len = secret != NULL ? strlen(secret) : 0;
	if (run->kind != K_HTTP || secret == NULL)
		return mr_fail(e, MR_E_USAGE, "'as %s': only over http, with a saved token", c->as);
	if (vault_open_with(run->url, &o, &as.v, e) != 0)
		return -1;
	rc = op_dispatch(&as, c, out, len, e);
	vault_close(as.v);
	return rc;
}

int
op_run(struct conform_run *run, const struct conform_case *c, char *out, size_t len,
       struct mr_err *e)
{
	out[0] = '\0';
	return c->as != NULL ? op_as(run, c, out, len, e) : op_dispatch(run, c, out, len, e);
}

static int
op_dispatch(struct conform_run *run, const struct conform_case *c, char *out, size_t len,
	    struct mr_err *e)
{
	char env[256], name[256], arg[1024], arg2[256];
	const char *pe = slot_expand(c->env, env, sizeof(env));
	const char *pn = slot_expand(c->name, name, sizeof(name));
	const char *pa = slot_expand(c->arg, arg, sizeof(arg));
	const char *pa2 = slot_expand(c->arg2, arg2, sizeof(arg2));

	switch (c->op) {
	case OP_PUT:
	case OP_UPDATE:
		return op_secret_write(c, run->v, pe, pn, pa, out, len, e);
	case OP_GET:
	case OP_VERSIONS:
	case OP_LIST:
		return op_secret_lists(c, run->v, pe, pn, out, len, e);
	case OP_DELETE:
		return vault_secret_delete(run->v, pe, pn, e);
	case OP_FETCH:
		return op_fetch(run->v, pe, pa, out, len, e);
	case OP_ENV_CREATE:
	case OP_ENV_LIST:
	case OP_ENV_DELETE:
	case OP_ENV_UPDATE:
	case OP_WORKSPACE:
		return op_envs(c, run->v, pn, pa, pa2, out, len, e);
	default:
		return op_access(run, c, pe, pn, pa, out, len, e);
	}
}
