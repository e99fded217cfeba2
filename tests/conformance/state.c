/* state.c — what the conformance cases made (slots: ids, and token secrets in
 * locked memory), and the digest of a vault's observable state that a
 * failing case must leave unchanged. */
#include "conform.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 48

static struct slot {
	char name[16];
	char id[64];
	char *secret;                /* sodium_malloc'ed, TOKEN_SECRET_LEN + 1 */
} slots[SLOTS];

static struct slot *
slot_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < SLOTS && slots[i].name[0] != '\0'; i++)
		if (strlen(slots[i].name) == len && strncmp(slots[i].name, name, len) == 0)
			return &slots[i];
	return i < SLOTS ? &slots[i] : NULL;
}

int
slot_save(const char *name, const char *id, const char *secret)
{
	struct slot *s = slot_find(name, strlen(name));

	if (s == NULL || strlen(name) >= sizeof(s->name))
		return -1;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->id, sizeof(s->id), "%s", id);
	if (secret != NULL) {
		if (s->secret == NULL && (s->secret = sodium_malloc(TOKEN_SECRET_LEN + 1)) == NULL)
			return -1;
		snprintf(s->secret, TOKEN_SECRET_LEN + 1, "%s", secret);
	}
	return 0;
}

const char *
slot_secret(const char *name)
{
	struct slot *s = slot_find(name, strlen(name));

	return s != NULL && s->name[0] != '\0' ? s->secret : NULL;
}

const char *
slot_expand(const char *s, char *buf, size_t len)
{
	size_t o = 0, n;
	struct slot *sl;

	if (s == NULL)
		return NULL;
	while (*s != '\0' && o + 1 < len) {
		n = *s == '$' ? strspn(s + 1, "abcdefghijklmnopqrstuvwxyz0123456789_") : 0;
		sl = n > 0 ? slot_find(s + 1, n) : NULL;
		if (sl != NULL && sl->name[0] != '\0') {
			o += (size_t)snprintf(buf + o, len - o, "%s", sl->id);
			s += n + 1;
		} else {
			buf[o++] = *s++;
		}
	}
	buf[o < len ? o : len - 1] = '\0';
	return buf;
}

void
slots_clear(void)
{
	size_t i;

	for (i = 0; i < SLOTS; i++) {
		if (slots[i].secret != NULL)
			sodium_free(slots[i].secret);
		memset(&slots[i], 0, sizeof(slots[i]));
	}
}

/* ---- the digest ---- */

struct text {
	char *p;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3)))
add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len)
			break;
		t->cap = t->cap * 2 + (size_t)n + 64;
		if ((t->p = realloc(t->p, t->cap)) == NULL)
			abort();
	}
	t->len += (size_t)n;
}

/* The secrets of env: metadata, and a hash of every value fetched. */
static int
digest_secrets(struct vault *v, const char *env, struct text *t, struct mr_err *e)
{
	unsigned char h[16];
	struct vault_secret_meta *list = NULL;
	struct vault_fetch f;
	size_t i, j, n = 0;
	const char *name;

	if (vault_secret_list(v, env, &list, &n, e) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		add(t, " %s@%llu[", list[i].name, (unsigned long long)list[i].version);
		for (j = 0; j < list[i].nkeys; j++)
			add(t, "%s%s", j ? "," : "", list[i].keys[j]);
		name = list[i].name;
		if (vault_fetch(v, env, &name, 1, &f, e) != 0) {
			vault_secret_meta_free(list, n);
			return -1;
		}
		for (j = 0; j < f.bundles[0].nitems; j++) {
			crypto_generichash(h, sizeof(h), f.bundles[0].items[j].value,
					   f.bundles[0].items[j].value_len, NULL, 0);
			add(t, " %02x%02x%02x%02x", h[0], h[1], h[2], h[3]);
		}
		vault_fetch_free(&f);
		add(t, "]");
	}
	vault_secret_meta_free(list, n);
	return 0;
}

static int
digest_envs(struct vault *v, struct text *t, struct mr_err *e)
{
	struct vault_env *envs = NULL;
	size_t i, n = 0;
	int rc = 0;

	if (vault_env_list(v, &envs, &n, e) != 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		add(t, "env %s suffix=%s%s:", envs[i].name, envs[i].webhook_suffix,
		    envs[i].is_default ? " default" : "");
		rc = digest_secrets(v, envs[i].name, t, e);
		add(t, "\n");
	}
	free(envs);
	return rc;
}

static int
digest_access(struct vault *v, struct text *t, struct mr_err *e)
{
	struct vault_member *m = NULL;
	struct vault_token *tok = NULL;
	size_t i, j, n = 0;
	int kind;

	if (vault_member_list(v, &m, &n, e) != 0)
		return -1;
	for (i = 0; i < n; i++)
		add(t, "member %s %s %s\n", m[i].member_id, m[i].name, vault_role_name(m[i].role));
	free(m);
	for (kind = VAULT_TOKEN_API; kind <= VAULT_TOKEN_PROXY; kind++) {
		if (vault_token_list(v, (enum vault_token_kind)kind, NULL, NULL, &tok, &n, e) != 0)
			return -1;
		for (i = 0; i < n; i++) {
			/* Not last_used_at: a use is not a change. */
			add(t, "token %s %s member=%s expires=%lld revoked=%d envs=", tok[i].token_id,
			    tok[i].name, tok[i].member_id, (long long)tok[i].expires_at,
			    tok[i].revoked_at != 0);
			for (j = 0; j < tok[i].nenvs; j++)
				add(t, "%s%s", j ? "," : "", tok[i].envs[j]);
			add(t, "\n");
		}
		vault_token_free(tok, n);
	}
	return 0;
}

char *
state_digest(struct vault *v, struct mr_err *e)
{
	struct text t = { malloc(1024), 0, 1024 };

	if (t.p == NULL)
		abort();
	t.p[0] = '\0';
	if (digest_envs(v, &t, e) != 0 || digest_access(v, &t, e) != 0) {
		free(t.p);
		return NULL;
	}
	return t.p;
}
