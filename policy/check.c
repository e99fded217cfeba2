/* check.c — the decisions the launcher asks of a loaded policy. Each one
 * explains a refusal in one line naming the secret, key and rule broken;
 * no value ever reaches a message. */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "policy_impl.h"

static int
refuse(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
refuse(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* memchr(3) wants a valid pointer even for no bytes; an empty value may be NULL. */
static bool
has_byte(const unsigned char *v, size_t len, int c)
{
	return len > 0 && memchr(v, c, len) != NULL;
}

static bool
matches(const char *pattern, bool glob, const char *name)
{
	if (glob)
		return fnmatch(pattern, name, 0) == 0;
	return strcmp(pattern, name) == 0;
}

const struct pol_secret *
policy_find_secret(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nsecrets; i++)
		if (!p->secrets[i].glob && strcmp(p->secrets[i].name, name) == 0)
			return &p->secrets[i];
	for (i = 0; i < p->nsecrets; i++)
		if (p->secrets[i].glob && matches(p->secrets[i].name, true, name))
			return &p->secrets[i];
	return NULL;
}

const struct pol_key *
policy_find_key(const struct pol_secret *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->nkeys; i++)
		if (!s->keys[i].glob && strcmp(s->keys[i].name, key) == 0)
			return &s->keys[i];
	for (i = 0; i < s->nkeys; i++)
		if (s->keys[i].glob && matches(s->keys[i].name, true, key))
			return &s->keys[i];
	return NULL;
}

int
policy_check_environment(const struct policy *p, const char *env, char *why,
			 size_t whylen)
{
	char nb[128];
	size_t i;

	if (!p->has_envs)
		return 0;
	for (i = 0; i < p->envs.n; i++)
		if (strcmp(p->envs.v[i], env) == 0)
			return 0;
	return refuse(why, whylen, "environment '%s' is not in the policy's environments",
		      name_for_msg(env, nb, sizeof(nb)));
}

int
policy_check_secret(const struct policy *p, const char *secret, char *why,
		    size_t whylen)
{
	char nb[128];

	if (!p->has_secrets || policy_find_secret(p, secret) != NULL)
		return 0;
	return refuse(why, whylen, "secret '%s' is not in the policy's secrets",
		      name_for_msg(secret, nb, sizeof(nb)));
}

/* The value rules of one key: length, line breaks, pattern. The pattern
 * reads the value in place (nfa.c), in time linear in its length. */
static int
check_value(const struct pol_key *k, const char *sn, const char *kn,
	    const unsigned char *value, size_t value_len, char *why, size_t whylen)
{
	if (k->max_length > 0 && value_len > k->max_length)
		return refuse(why, whylen,
			      "secret '%s' key '%s': value is longer than max_length %zu",
			      sn, kn, k->max_length);
	if (!k->multiline && (has_byte(value, value_len, '\n') ||
			      has_byte(value, value_len, '\r')))
		return refuse(why, whylen,
			      "secret '%s' key '%s': value has a line break and multiline is false",
			      sn, kn);
	if (k->re != NULL && pattern_match(k->re, value, value_len) != 0)
		return refuse(why, whylen,
			      "secret '%s' key '%s': value does not match the pattern of rule '%s'",
			      sn, kn, k->name);
	return 0;
}

/* A key delivered as a file reaches the child as KEY_FILE: that name must be
 * a valid, allowed variable too, or the file path would hijack the target. */
static int
check_file_name(const struct policy *p, const char *key, const char *sn,
		const char *kn, char *why, size_t whylen)
{
	char name[KEY_MAX_LEN + 8];
	const char *m;

	if (strlen(key) + 5 >= sizeof(name) - 1)
		return refuse(why, whylen, "secret '%s' key '%s': %s_FILE is too long",
			      sn, kn, kn);
	snprintf(name, sizeof(name), "%s_FILE", key);
	if ((m = deny_match(p, name)) != NULL)
		return refuse(why, whylen,
			      "secret '%s' key '%s': delivery file would set %s_FILE, denied by '%s'",
			      sn, kn, kn, m);
	return 0;
}

int
policy_check_key(const struct policy *p, const char *secret, const char *key,
		 const unsigned char *value, size_t value_len,
		 struct policy_key_rule *rule, char *why, size_t whylen)
{
	const struct pol_secret *s = NULL;
	const struct pol_key *k;
	enum policy_unknown unknown;
	char sn[128], kn[128];
	const char *m;

	name_for_msg(secret, sn, sizeof(sn));
	name_for_msg(key, kn, sizeof(kn));
	memset(rule, 0, sizeof(*rule));
	rule->delivery = POLICY_DELIVER_ENV;
	rule->override = POLICY_OVERRIDE_UNSET;
	if (!key_is_valid(key))
		return refuse(why, whylen,
			      "secret '%s' key '%s': not a valid environment variable name", sn, kn);
	if ((m = deny_match(p, key)) != NULL)
		return refuse(why, whylen, "secret '%s' key '%s': denied by '%s'", sn, kn, m);
	/* SPEC 9: a value is any bytes but NUL, whatever the policy says. */
	if (has_byte(value, value_len, '\0'))
		return refuse(why, whylen, "secret '%s' key '%s': value contains a NUL byte",
			      sn, kn);
	if (!p->has_secrets)
		return 0;
	if ((s = policy_find_secret(p, secret)) == NULL)
		return refuse(why, whylen, "secret '%s' is not in the policy's secrets", sn);
	if ((k = policy_find_key(s, key)) == NULL) {
		unknown = s->unknown != POLICY_UNKNOWN_UNSET ? s->unknown : p->unknown;
		if (unknown == POLICY_UNKNOWN_DROP) {
			rule->drop = true;
			return 0;
		}
		return refuse(why, whylen,
			      "secret '%s' key '%s': not allowed by the policy (unknown_keys: reject)",
			      sn, kn);
	}
	if (check_value(k, sn, kn, value, value_len, why, whylen) == -1)
		return -1;
	if (k->delivery == POLICY_DELIVER_FILE &&
	    check_file_name(p, key, sn, kn, why, whylen) == -1)
		return -1;
	rule->delivery = k->delivery;
	rule->override = k->override;
	return 0;
}

int
policy_check_required(const struct policy *p, const char *secret,
		      const char *const *keys, size_t nkeys, char *why, size_t whylen)
{
	const struct pol_secret *s;
	char sn[128];
	size_t i, j;

	if (!p->has_secrets)
		return 0;
	name_for_msg(secret, sn, sizeof(sn));
	if ((s = policy_find_secret(p, secret)) == NULL)
		return refuse(why, whylen, "secret '%s' is not in the policy's secrets", sn);
	for (i = 0; i < s->nkeys; i++) {
		if (!s->keys[i].required)
			continue;
		for (j = 0; j < nkeys; j++)
			if (strcmp(keys[j], s->keys[i].name) == 0)
				break;
		if (j == nkeys)
			return refuse(why, whylen, "secret '%s': required key '%s' is missing",
				      sn, s->keys[i].name);
	}
	return 0;
}

enum policy_conflict
policy_conflict_mode(const struct policy *p)
{
	return p->conflict;
}

bool
policy_pass_through(const struct policy *p, const char *var)
{
	size_t i;

	/* SPEC 9: the child never sees the token secret, whatever a glob says. */
	if (strcmp(var, "MODAL_TOKEN_SECRET") == 0)
		return false;
	for (i = 0; i < p->pass.n; i++)
		if (fnmatch(p->pass.v[i], var, 0) == 0)
			return true;
	return false;
}
