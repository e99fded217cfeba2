/* ops_access.c — access.h's operations for the conformance cases: members
 * "NAME:ROLE", tokens "NAME PREFIX ttl=SECONDS|never member=ID envs=A,B",
 * verification, the audit log, the vault's key; and the one way into a
 * store's database, for what only time could do (expiry). */
#include "ops.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* "ak-+21": the prefix, and the length of the rest if it is n base62. */
static void
render_shape(const char *s, size_t n, char *out, size_t len)
{
	if (strlen(s) == n + 3 && strspn(s + 3, b62) == n)
		out_add(out, len, "%.3s+%zu", s, n);
	else
		out_add(out, len, "%.3s+bad", s);
}

/* "used" when last used since the run started. */
static void
render_token(const struct vault_token *t, int64_t since, char *out, size_t len)
{
	size_t i;

	out_add(out, len, "%s ", t->name);
	render_shape(t->token_id, TOKEN_ID_LEN - 3, out, len);
	out_add(out, len, " ");
	if (t->expires_at == 0)
		out_add(out, len, "ttl=never");
	else
		out_add(out, len, "ttl=%lld", (long long)(t->expires_at - t->created_at));
	out_add(out, len, " member=%s envs=", t->member_id[0] ? t->member_id : "-");
	for (i = 0; i < t->nenvs; i++)
		out_add(out, len, "%s%s", i ? "," : "", t->envs[i]);
	if (t->last_used_at != 0)
		out_add(out, len, t->last_used_at >= since ? " used" : " used-before");
	if (t->revoked_at != 0)
		out_add(out, len, " revoked");
}


static int
op_members(const struct conform_case *c, struct vault *v, const char *name,
	   char *out, size_t len, struct mr_err *e)
{
	struct vault_member m, *list = NULL;
	size_t i, n = 0;
	int rc = -1;

	switch (c->op) {
	case OP_MEMBER_ADD:
		if ((rc = vault_member_add(v, name, (enum vault_role)c->num, &m, e)) == 0) {
			out_add(out, len, "%s:%s %.3s", m.name, vault_role_name(m.role), m.member_id);
			if (c->save != NULL)
				slot_save(c->save, m.member_id, NULL);
		}
		break;
	case OP_MEMBER_ROLE:
		rc = vault_member_set_role(v, name, (enum vault_role)c->num, e);
		break;
	case OP_MEMBER_REMOVE:
		rc = vault_member_remove(v, name, e);
		break;
	case OP_OWNER:
		if ((rc = vault_owner(v, &m, e)) == 0) {
			out_add(out, len, "%s:%s ", m.name, vault_role_name(m.role));
			render_shape(m.member_id, 22, out, len);
			out_add(out, len, " %s", m.member_id);
		}
		break;
	default:
		rc = vault_member_list(v, &list, &n, e);
		for (i = 0; rc == 0 && i < n; i++)
			out_add(out, len, "%s%s:%s", i ? " " : "", list[i].name,
				vault_role_name(list[i].role));
		free(list);
	}
	return rc;
}

/* After a failed create the caller's buffer holds what it held ('x') or
 * zeros: never a secret, nor part of one. */
static int
untouched_or_wiped(const char *buf, size_t n)
{
	size_t i, zeros = 0, xs = 0;

	for (i = 0; i < n; i++) {
		zeros += buf[i] == '\0';
		xs += buf[i] == 'x';
	}
	return zeros == n || xs == n;
}

static int
op_token_create(const struct conform_case *c, struct vault *v, const char *name,
		const char *member, int64_t since, char *out, size_t len, struct mr_err *e)
{
	enum vault_token_kind kind = c->op == OP_API_CREATE ? VAULT_TOKEN_API : VAULT_TOKEN_PROXY;
	char *secret = sodium_malloc(TOKEN_SECRET_LEN + 1);
	struct vault_token t;
	int rc;

	if (secret == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	memset(secret, 'x', TOKEN_SECRET_LEN + 1);
	memset(&t, 0, sizeof(t));
	rc = vault_token_create(v, kind, member, name, c->num, &t, secret, e);
	if (rc == 0) {
		render_token(&t, since, out, len);
		out_add(out, len, " secret=");
		render_shape(secret, TOKEN_SECRET_LEN - 3, out, len);
		if (c->save != NULL)
			slot_save(c->save, t.token_id, secret);
		vault_token_clear(&t);
	} else if (!untouched_or_wiped(secret, TOKEN_SECRET_LEN + 1)) {
		rc = mr_fail(e, MR_E_INTERNAL, "a failed create left a secret in the buffer");
	}
	sodium_free(secret);
	return rc;
}

static int
op_tokens(const struct conform_case *c, struct vault *v, const char *env, const char *name,
	  const char *arg, int64_t since, char *out, size_t len, struct mr_err *e)
{
	struct vault_token t, *list = NULL;
	size_t i, j, n = 0;
	int rc = -1;

	switch (c->op) {
	case OP_API_LIST:
	case OP_PROXY_LIST:
		rc = vault_token_list(v, c->op == OP_API_LIST ? VAULT_TOKEN_API : VAULT_TOKEN_PROXY,
				      arg, env, &list, &n, e);
		for (i = 0; rc == 0 && i < n; i++) {
			out_add(out, len, "%s%s", i ? " " : "", list[i].name);
			for (j = 0; c->op == OP_PROXY_LIST && j < list[i].nenvs; j++)
				out_add(out, len, "%s%s", j ? "," : "[", list[i].envs[j]);
			out_add(out, len, "%s", c->op == OP_PROXY_LIST && list[i].nenvs ? "]" : "");
		}
		if (rc == 0)
			vault_token_free(list, n);
		break;
	case OP_TOKEN_GET:
		memset(&t, 0, sizeof(t));
		if ((rc = vault_token_get(v, name, &t, e)) == 0) {
			render_token(&t, since, out, len);
			vault_token_clear(&t);
		}
		break;
	case OP_TOKEN_REVOKE:
		rc = vault_token_revoke(v, name, e);
		break;
	default:
		rc = vault_token_allow_env(v, name, env, (int)c->num, e);
	}
	return rc;
}

/* The secret saved in slot, changed as the case says, in locked memory. */
static char *
secret_for(const struct conform_case *c, size_t *n)
{
	const char *saved = c->arg != NULL ? slot_secret(c->arg) : NULL;
	char *s = sodium_malloc(TOKEN_SECRET_LEN + 1);

	if (s == NULL)
		abort();
	snprintf(s, TOKEN_SECRET_LEN + 1, "%s", saved != NULL ? saved : "");
	*n = strlen(s);
	if (c->num == SECRET_ONE_CHAR && *n > 10)
		s[10] = s[10] == 'x' ? 'y' : 'x';
	else if (c->num == SECRET_SHORT && *n > 0)
		s[--*n] = '\0';
	else if (c->num == SECRET_EMPTY || c->num == SECRET_NULL)
		s[*n = 0] = '\0';
	return s;
}

static int
op_verify(const struct conform_case *c, struct vault *v, const char *id, int64_t since,
	  char *out, size_t len, struct mr_err *e)
{
	enum vault_token_kind kind = c->op == OP_API_VERIFY ? VAULT_TOKEN_API : VAULT_TOKEN_PROXY;
	struct vault_identity who;
	size_t i, n;
	char *s = secret_for(c, &n);
	int rc;

	memset(&who, 0, sizeof(who));
	rc = vault_token_verify(v, kind, id, c->num == SECRET_NULL ? NULL : s, n, &who, e);
	sodium_free(s);
	if (rc == 0) {
		out_add(out, len, "token=%s member=%s role=%s envs=", who.token.token_id,
			who.member.member_id[0] ? who.member.member_id : "-",
			who.member.member_id[0] ? vault_role_name(who.member.role) : "-");
		for (i = 0; i < who.token.nenvs; i++)
			out_add(out, len, "%s%s", i ? "," : "", who.token.envs[i]);
		out_add(out, len, "%s", who.token.last_used_at >= since ? " used" : "");
		vault_token_clear(&who.token);
	} else if (who.token.token_id[0] != '\0' || who.token.envs != NULL) {
		rc = mr_fail(e, MR_E_INTERNAL, "a failed verify filled the identity");
	}
	return rc;
}

/* A second client of the same server, opened with the token: the server
 * verifies it on the first call. */
static int
op_auth(struct conform_run *run, const struct conform_case *c, const char *id, char *out,
	size_t len, struct mr_err *e)
{
	struct vault_options o = { 0 };
	struct vault_workspace ws;
	struct vault *other = NULL;
	size_t n;
	char *s = secret_for(c, &n);
	int rc;

	o.token_id = id;
	o.token_secret = s;
	o.token_secret_len = n;
	rc = vault_open_with(run->url, &o, &other, e);
	sodium_free(s);
	if (rc == 0 && (rc = vault_workspace_current(other, &ws, e)) == 0)
		out_add(out, len, "default=%s", ws.default_env);
	vault_close(other);
	return rc;
}

/* "action=A,actor=T,since=MS,until=MS,limit=N" */
static void
filter_parse(char *spec, struct vault_audit_filter *f)
{
	char *p, *eq;

	memset(f, 0, sizeof(*f));
	f->limit = 1000;
	for (p = strtok(spec, ","); p != NULL; p = strtok(NULL, ",")) {
		eq = strchr(p, '=');
		if (eq == NULL)
			continue;
		*eq++ = '\0';
		if (strcmp(p, "action") == 0)
			f->action = eq;
		else if (strcmp(p, "actor") == 0)
			f->token_id = eq;
		else if (strcmp(p, "since") == 0)
			f->since_ms = strtoll(eq, NULL, 10);
		else if (strcmp(p, "until") == 0)
			f->until_ms = strtoll(eq, NULL, 10);
		else if (strcmp(p, "limit") == 0)
			f->limit = strtoul(eq, NULL, 10);
	}
}

static int
op_audit_list(const struct conform_case *c, struct vault *v, const char *arg, char *out,
	      size_t len, struct mr_err *e)
{
	int64_t now_ms = (int64_t)time(NULL) * 1000;
	struct vault_audit_record *page = NULL;
	struct vault_audit_filter f;
	char spec[512];
	size_t i, n = 0, total = 0, all = 0;
	int64_t last = 0;

	snprintf(spec, sizeof(spec), "%s", arg != NULL ? arg : "");
	filter_parse(spec, &f);
	if (c->op == OP_AUDIT_LIST) {
		if (vault_audit_list(v, &f, &page, &n, e) != 0)
			return -1;
		out_add(out, len, "%zu:", n);
		for (i = 0; i < n; i++)
			out_add(out, len, " %s%s", page[i].action,
				llabs(page[i].at_ms - now_ms) < 60000 ? "@now" : "");
		if (n > 0)
			out_add(out, len, " (first: %s %s %d)", page[0].client, page[0].resource,
				page[0].status);
		free(page);
		return 0;
	}
	if (vault_audit_list(v, &f, &page, &all, e) != 0)
		return -1;
	free(page);
	f.limit = (size_t)c->num;
	do {
		f.after_id = last;
		if (vault_audit_list(v, &f, &page, &n, e) != 0)
			return -1;
		for (i = 0; i < n; i++) {
			if (page[i].id <= last)
				out_add(out, len, "out of order at %zu ", total);
			last = page[i].id;
		}
		total += n;
		free(page);
	} while (n == f.limit);
	if (total == all)
		out_add(out, len, "every record once in pages of %zu", f.limit);
	else
		out_add(out, len, "%zu of %zu records in pages of %zu", total, all, f.limit);
	return 0;
}

static int
op_audit_append(struct vault *v, const char *token, const char *action, int64_t at_ms,
		struct mr_err *e)
{
	struct vault_audit_record r = { .at_ms = at_ms, .status = 200 };

	snprintf(r.token_id, sizeof(r.token_id), "%s", token != NULL ? token : "");
	snprintf(r.action, sizeof(r.action), "%s", action);
	snprintf(r.resource, sizeof(r.resource), "secret:main/x");
	snprintf(r.client, sizeof(r.client), "127.0.0.1");
	return vault_audit_append(v, &r, e);
}

/* The same public key from a second handle; the secret half, if asked for,
 * is the public one's. */
static int
op_box_key(struct conform_run *run, const struct conform_case *c, char *out, size_t len,
	   struct mr_err *e)
{
	unsigned char pk[32], pk2[32], derived[32], *sk = NULL;
	struct vault_options o = { .token_id = run->token_id, .token_secret = run->token_secret };
	struct vault *other = NULL;
	int rc;

	if (c->num && (sk = sodium_malloc(crypto_box_SECRETKEYBYTES)) == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	o.token_secret_len = run->token_secret != NULL ? strlen(run->token_secret) : 0;
	rc = vault_box_keypair(run->v, pk, sk, e);
	if (rc == 0 && (rc = vault_open_with(run->url, &o, &other, e)) == 0 &&
	    (rc = vault_box_keypair(other, pk2, NULL, e)) == 0) {
		out_add(out, len, "%s", sodium_memcmp(pk, pk2, 32) == 0 ? "same" : "differs");
		if (sk != NULL && crypto_scalarmult_base(derived, sk) == 0)
			out_add(out, len, " secret=%s",
				sodium_memcmp(derived, pk, 32) == 0 ? "matches" : "differs");
	}
	vault_close(other);
	if (sk != NULL)
		sodium_free(sk);
	return rc;
}

static int
op_backdoor_sql(struct conform_run *run, const char *sql, struct mr_err *e)
{
	FILE *p;
	int st;

	if (run->sql_cmd == NULL)
		return mr_fail(e, MR_E_USAGE, "MODAL_CONFORM_SQL is not set");
	if ((p = popen(run->sql_cmd, "we")) == NULL)
		return mr_fail(e, MR_E_IO, "cannot run %s", run->sql_cmd);
	fputs(sql, p);
	st = pclose(p);
	return st == 0 ? 0 : mr_fail(e, MR_E_IO, "%s failed (status %d)", run->sql_cmd, st);
}

int
op_access(struct conform_run *run, const struct conform_case *c, const char *env,
	  const char *name, const char *arg, char *out, size_t len, struct mr_err *e)
{
	switch (c->op) {
	case OP_MEMBER_ADD:
	case OP_MEMBER_LIST:
	case OP_MEMBER_ROLE:
	case OP_MEMBER_REMOVE:
	case OP_OWNER:
		return op_members(c, run->v, name, out, len, e);
	case OP_API_CREATE:
	case OP_PROXY_CREATE:
		return op_token_create(c, run->v, name, arg, run->started, out, len, e);
	case OP_API_LIST:
	case OP_PROXY_LIST:
	case OP_TOKEN_GET:
	case OP_TOKEN_REVOKE:
	case OP_ALLOW_ENV:
		return op_tokens(c, run->v, env, name, arg, run->started, out, len, e);
	case OP_API_VERIFY:
	case OP_PROXY_VERIFY:
		return op_verify(c, run->v, name, run->started, out, len, e);
	case OP_AUTH:
		return op_auth(run, c, name, out, len, e);
	case OP_AUDIT_APPEND:
		return op_audit_append(run->v, name, arg, c->num, e);
	case OP_AUDIT_LIST:
	case OP_AUDIT_PAGES:
		return op_audit_list(c, run->v, arg, out, len, e);
	case OP_BOX_KEY:
		return op_box_key(run, c, out, len, e);
	case OP_BACKDOOR_SQL:
		return op_backdoor_sql(run, arg, e);
	default:
		return mr_fail(e, MR_E_USAGE, "unknown operation %d", (int)c->op);
	}
}
