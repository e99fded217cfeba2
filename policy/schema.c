/* schema.c — the policy format: walks the YAML tree into struct policy,
 * checking types, names, globs, patterns and contradictions, and reporting
 * every error at the line and column of the node that caused it. */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "policy_impl.h"

struct loader {
	struct diags *d;
	struct policy *p;
};

/* A field of a mapping. Handlers run in table order, not file order, so a
 * later field can be checked against an earlier one (keys against deny). */
struct field {
	const char *name;
	bool required;
	void (*fn)(struct loader *, const struct ynode *key, const struct ynode *val,
		   void *ctx);
};

static void
err(struct loader *L, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
err(struct loader *L, const struct ynode *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(L->d, n->line, n->column, "%s", msg);
}

/* A name from the file, made safe to print. */
#define SHOW(n, buf) name_for_msg((n)->str, (buf), sizeof(buf))

static bool
is_null(const struct ynode *n)
{
	return n->kind == YNODE_SCALAR && n->plain &&
	    (n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
	     strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0);
}

static bool
want(struct loader *L, const struct ynode *n, enum ynode_kind kind, const char *what)
{
	if (n->kind == kind && !(kind == YNODE_SCALAR && is_null(n)))
		return true;
	err(L, n, "%s must be %s, not %s", what,
	    kind == YNODE_MAP ? "a mapping" : kind == YNODE_SEQ ? "a sequence" : "a string",
	    is_null(n) ? "null" : ynode_kind_name(n));
	return false;
}

/* A scalar as a C string; a NUL inside it would cut it short. */
static const char *
get_string(struct loader *L, const struct ynode *n, const char *what)
{
	if (!want(L, n, YNODE_SCALAR, what))
		return NULL;
	if (strlen(n->str) != n->len) {
		err(L, n, "%s contains a NUL byte", what);
		return NULL;
	}
	return n->str;
}

static int
get_bool(struct loader *L, const struct ynode *n, const char *what, bool *out)
{
	if (n->kind == YNODE_SCALAR && n->plain && strcmp(n->str, "true") == 0)
		*out = true;
	else if (n->kind == YNODE_SCALAR && n->plain && strcmp(n->str, "false") == 0)
		*out = false;
	else {
		err(L, n, "%s must be true or false", what);
		return -1;
	}
	return 0;
}

static int
get_uint(struct loader *L, const struct ynode *n, const char *what, size_t *out)
{
	size_t i, v = 0;

	if (n->kind != YNODE_SCALAR || !n->plain || n->len == 0 || n->len > 9)
		goto bad;
	for (i = 0; i < n->len; i++) {
		if (n->str[i] < '0' || n->str[i] > '9')
			goto bad;
		v = v * 10 + (size_t)(n->str[i] - '0');
	}
	*out = v;
	return 0;
bad:
	err(L, n, "%s must be a whole number", what);
	return -1;
}

/* One of the words in names (NULL-terminated); its index or -1. */
static int
get_word(struct loader *L, const struct ynode *n, const char *what,
	 const char *const *names, const char *expected)
{
	char nb[128];
	int i;

	if (get_string(L, n, what) == NULL)
		return -1;
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(n->str, names[i]) == 0)
			return i;
	err(L, n, "%s must be %s, not '%s'", what, expected, SHOW(n, nb));
	return -1;
}

static int
cmp_nodes(const void *a, const void *b)
{
	const struct ynode *x = *(const struct ynode *const *)a;
	const struct ynode *y = *(const struct ynode *const *)b;
	int c = strcmp(x->str, y->str);

	if (c != 0)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->column < y->column ? -1 : (x->column > y->column);
}

/* Reports every repeated string among the scalars v, at each repeat. Sorted
 * rather than compared pairwise, so a huge hostile list stays cheap. */
static void
report_dups(struct loader *L, const struct ynode **v, size_t n, const char *what)
{
	char nb[128];
	size_t i, first = 0;

	qsort(v, n, sizeof(*v), cmp_nodes);
	for (i = 1; i < n; i++) {
		if (strcmp(v[i]->str, v[first]->str) != 0) {
			first = i;
			continue;
		}
		err(L, v[i], "duplicate %s '%s' (first at line %u)", what, SHOW(v[i], nb),
		    v[first]->line);
	}
}

/* Collects the scalar children (every one, or the keys of a mapping). */
static void
check_dups(struct loader *L, const struct ynode *n, const char *what)
{
	const struct ynode **v;
	size_t i, step = n->kind == YNODE_MAP ? 2 : 1, k = 0;

	v = xcalloc(n->nkids / step + 1, sizeof(*v));
	for (i = 0; i < n->nkids; i += step)
		if (n->kids[i]->kind == YNODE_SCALAR)
			v[k++] = n->kids[i];
	report_dups(L, v, k, what);
	free(v);
}

/* Checks a mapping's keys, then calls each known field's handler. owner is
 * where a missing field is reported. */
static void
walk_fields(struct loader *L, const struct ynode *map, const struct ynode *owner,
	    const struct field *f, const char *expected, void *ctx)
{
	const struct ynode *k;
	char nb[128];
	size_t i, j;

	check_dups(L, map, "field");
	for (i = 0; i < map->nkids; i += 2) {
		k = map->kids[i];
		if (k->kind != YNODE_SCALAR) {
			err(L, k, "a field name must be a string, not %s", ynode_kind_name(k));
			continue;
		}
		for (j = 0; f[j].name != NULL; j++)
			if (strcmp(k->str, f[j].name) == 0)
				break;
		if (f[j].name == NULL)
			err(L, k, "unknown field '%s' (expected %s)", SHOW(k, nb), expected);
	}
	for (j = 0; f[j].name != NULL; j++) {
		for (i = 0; i < map->nkids; i += 2)
			if (map->kids[i]->kind == YNODE_SCALAR &&
			    strcmp(map->kids[i]->str, f[j].name) == 0)
				break;
		if (i < map->nkids)
			f[j].fn(L, map->kids[i], map->kids[i + 1], ctx);
		else if (f[j].required)
			err(L, owner, "missing field '%s'", f[j].name);
	}
}

/* A sequence of strings, each checked by ok(); what names one entry. */
static void
get_list(struct loader *L, const struct ynode *val, const char *field,
	 struct pol_list *out, bool (*ok)(struct loader *, const struct ynode *))
{
	size_t i;

	if (!want(L, val, YNODE_SEQ, field))
		return;
	check_dups(L, val, "entry");
	out->v = xcalloc(val->nkids + 1, sizeof(*out->v));
	for (i = 0; i < val->nkids; i++) {
		const struct ynode *n = val->kids[i];
		if (get_string(L, n, "an entry") == NULL || !ok(L, n))
			continue;
		out->v[out->n++] = xstrdup(n->str);
	}
}

/* Variable names in deny and pass_through: exact or glob. */
static bool
ok_var(struct loader *L, const struct ynode *n)
{
	char nb[128];

	if (is_glob(n->str) ? glob_is_valid(n->str, "") : key_is_valid(n->str))
		return true;
	err(L, n, "'%s' is not a valid variable name or glob", SHOW(n, nb));
	return false;
}

static bool
ok_env(struct loader *L, const struct ynode *n)
{
	char nb[128];

	if (name_is_valid(n->str))
		return true;
	err(L, n, "'%s' is not a valid environment name", SHOW(n, nb));
	return false;
}

static bool
ok_pass(struct loader *L, const struct ynode *n)
{
	if (!ok_var(L, n))
		return false;
	if (strcmp(n->str, "MODAL_TOKEN_SECRET") == 0) {
		err(L, n, "MODAL_TOKEN_SECRET never passes to the child");
		return false;
	}
	return true;
}

/* allow_denied lifts one exact name out of the built-in denylist; naming
 * anything else is a mistake worth stopping for. */
static bool
ok_lift(struct loader *L, const struct ynode *n)
{
	const char *m;
	char nb[128];
	size_t i;

	if (is_glob(n->str)) {
		err(L, n, "allow_denied takes exact names, not globs: '%s'", SHOW(n, nb));
		return false;
	}
	if (!key_is_valid(n->str)) {
		err(L, n, "'%s' is not a valid variable name", SHOW(n, nb));
		return false;
	}
	for (i = 0; i < L->p->deny.n; i++) {
		if (fnmatch(L->p->deny.v[i], n->str, 0) == 0) {
			err(L, n, "'%s' is both lifted by allow_denied and denied by '%s'",
			    SHOW(n, nb), L->p->deny.v[i]);
			return false;
		}
	}
	if ((m = deny_default_match(n->str)) == NULL) {
		err(L, n, "'%s' is not denied by default, so allow_denied cannot lift it",
		    SHOW(n, nb));
		return false;
	}
	return true;
}

static void
f_version(struct loader *L, const struct ynode *k, const struct ynode *v, void *ctx)
{
	size_t n;

	(void)k, (void)ctx;
	if (get_uint(L, v, "version", &n) == 0 && n != 1)
		err(L, v, "unsupported version %zu (this modal-run reads version 1)", n);
}

static void
f_environments(struct loader *L, const struct ynode *k, const struct ynode *v, void *ctx)
{
	(void)k, (void)ctx;
	L->p->has_envs = true;
	get_list(L, v, "environments", &L->p->envs, ok_env);
	if (v->kind == YNODE_SEQ && v->nkids == 0)
		err(L, v, "environments is empty, so no environment could be used");
}

static const char *const unknown_words[] = { "reject", "drop", NULL };

static void
f_unknown(struct loader *L, const struct ynode *k, const struct ynode *v, void *ctx)
{
	enum policy_unknown *u = ctx != NULL ? ctx : &L->p->unknown;
	int i;

	(void)k;
	if ((i = get_word(L, v, "unknown_keys", unknown_words, "reject or drop")) >= 0)
		*u = i == 0 ? POLICY_UNKNOWN_REJECT : POLICY_UNKNOWN_DROP;
}

static void
f_conflict(struct loader *L, const struct ynode *k, const struct ynode *v, void *ctx)
{
	static const char *const words[] = { "error", "first-wins", "last-wins", NULL };
	static const enum policy_conflict modes[] = {
		POLICY_CONFLICT_ERROR, POLICY_CONFLICT_FIRST_WINS, POLICY_CONFLICT_LAST_WINS,
	};
	int i;

	(void)k, (void)ctx;
	if ((i = get_word(L, v, "on_conflict", words, "error, first-wins or last-wins")) >= 0)
		L->p->conflict = modes[i];
}

static void
f_pass(struct loader *L, const struct ynode *k, const struct ynode *v, void *ctx)
{
	(void)k, (void)ctx;
	get_list(L, v, "pass_through", &L->p->pass, ok_pass);
}

static void
f_deny(struct loader *L, const struct ynode *k, const struct ynode *v, void *ctx)
{
	(void)k, (void)ctx;
	get_list(L, v, "deny", &L->p->deny, ok_var);
}

static void
f_lift(struct loader *L, const struct ynode *k, const struct ynode *v, void *ctx)
{
	(void)k, (void)ctx;
	get_list(L, v, "allow_denied", &L->p->lift, ok_lift);
}

/* Per-key fields fill in the pol_key given as ctx. */
static void
f_required(struct loader *L, const struct ynode *k, const struct ynode *v, void *ctx)
{
	struct pol_key *r = ctx;

	(void)k;
	if (get_bool(L, v, "required", &r->required) == 0 && r->required && r->glob)
		err(L, v, "key glob '%s' cannot be required: only an exact key name can",
		    r->name);
}

static void
f_pattern(struct loader *L, const struct ynode *k, const struct ynode *v, void *ctx)
{
	struct pol_key *r = ctx;
	char why[256];

	(void)k;
	if (get_string(L, v, "pattern") == NULL)
		return;
	if (pattern_compile(v->str, &r->re, why, sizeof(why)) == -1)
		err(L, v, "%s", why);
}

static void
f_max_length(struct loader *L, const struct ynode *k, const struct ynode *v, void *ctx)
{
	struct pol_key *r = ctx;
	size_t n;

	(void)k;
	if (get_uint(L, v, "max_length", &n) == -1)
		return;
	if (n == 0 || n > POLICY_MAX_VALUE_LEN)
		err(L, v, "max_length must be between 1 and %d", POLICY_MAX_VALUE_LEN);
	else
		r->max_length = n;
}

static void
f_multiline(struct loader *L, const struct ynode *k, const struct ynode *v, void *ctx)
{
	(void)k;
	get_bool(L, v, "multiline", &((struct pol_key *)ctx)->multiline);
}

static void
f_override(struct loader *L, const struct ynode *k, const struct ynode *v, void *ctx)
{
	struct pol_key *r = ctx;
	bool b;

	(void)k;
	if (get_bool(L, v, "override", &b) == 0)
		r->override = b ? POLICY_OVERRIDE_ALLOW : POLICY_OVERRIDE_DENY;
}

static void
f_delivery(struct loader *L, const struct ynode *k, const struct ynode *v, void *ctx)
{
	static const char *const words[] = { "env", "file", NULL };
	struct pol_key *r = ctx;
	int i;

	(void)k;
	if ((i = get_word(L, v, "delivery", words, "env or file")) >= 0)
		r->delivery = i == 0 ? POLICY_DELIVER_ENV : POLICY_DELIVER_FILE;
}

static const struct field key_fields[] = {
	{ "required", false, f_required },
	{ "pattern", false, f_pattern },
	{ "max_length", false, f_max_length },
	{ "multiline", false, f_multiline },
	{ "override", false, f_override },
	{ "delivery", false, f_delivery },
	{ NULL, false, NULL },
};

/* An exact key must be one the launcher could set: valid, and not denied
 * (a rule for a denied key could never be used, so it is a mistake). */
static bool
key_name_ok(struct loader *L, const struct ynode *k, bool glob)
{
	const char *m;
	char nb[128];

	if (glob ? !glob_is_valid(k->str, "") : !key_is_valid(k->str)) {
		err(L, k, "'%s' is not a valid key name or glob", SHOW(k, nb));
		return false;
	}
	if (!glob && (m = deny_match(L->p, k->str)) != NULL) {
		err(L, k, "key '%s' is denied by '%s'%s", SHOW(k, nb), m,
		    deny_default_match(k->str) == m ? " (lift it with allow_denied)" : "");
		return false;
	}
	return true;
}

static void
load_key(struct loader *L, struct pol_secret *s, const struct ynode *k,
	 const struct ynode *v)
{
	struct pol_key *r;
	bool glob;

	if (get_string(L, k, "a key name") == NULL)
		return;
	glob = is_glob(k->str);
	if (!key_name_ok(L, k, glob))
		return;
	r = &s->keys[s->nkeys++];
	r->name = xstrdup(k->str);
	r->glob = glob;
	r->line = k->line;
	r->column = k->column;
	r->delivery = POLICY_DELIVER_ENV;
	r->override = POLICY_OVERRIDE_UNSET;
	/* KEY: with nothing after it is a rule with no constraints. */
	if (is_null(v))
		return;
	if (want(L, v, YNODE_MAP, "a key rule"))
		walk_fields(L, v, k, key_fields,
			    "required, pattern, max_length, multiline, override or delivery", r);
}

/* A file-delivered key K gives the child K_FILE: that name must be free
 * and allowed too. */
static void
check_file_names(struct loader *L, const struct pol_secret *s)
{
	const struct pol_key *r;
	char name[KEY_MAX_LEN + 8];
	const char *m;
	size_t i, j;

	for (i = 0; i < s->nkeys; i++) {
		r = &s->keys[i];
		if (r->delivery != POLICY_DELIVER_FILE || r->glob ||
		    strlen(r->name) + 6 > sizeof(name))
			continue;
		snprintf(name, sizeof(name), "%s_FILE", r->name);
		if ((m = deny_match(L->p, name)) != NULL)
			diag_add(L->d, r->line, r->column,
				 "key '%s' is delivered as a file, but %s is denied by '%s'",
				 r->name, name, m);
		for (j = 0; j < s->nkeys; j++)
			if (!s->keys[j].glob && strcmp(s->keys[j].name, name) == 0)
				diag_add(L->d, s->keys[j].line, s->keys[j].column,
					 "key '%s' is also the file path variable of key '%s' (delivery: file)",
					 name, r->name);
	}
}

static void
f_keys(struct loader *L, const struct ynode *k, const struct ynode *v, void *ctx)
{
	struct pol_secret *s = ctx;
	size_t i;

	(void)k;
	if (!want(L, v, YNODE_MAP, "keys"))
		return;
	if (v->nkids == 0) {
		err(L, v, "keys is empty, so no key could be used (\"*\": {} allows any key)");
		return;
	}
	check_dups(L, v, "key");
	s->keys = xcalloc(v->nkids / 2, sizeof(*s->keys));
	for (i = 0; i < v->nkids; i += 2)
		load_key(L, s, v->kids[i], v->kids[i + 1]);
	check_file_names(L, s);
}

static void
f_secret_unknown(struct loader *L, const struct ynode *k, const struct ynode *v, void *ctx)
{
	f_unknown(L, k, v, &((struct pol_secret *)ctx)->unknown);
}

static const struct field secret_fields[] = {
	{ "keys", true, f_keys },
	{ "unknown_keys", false, f_secret_unknown },
	{ NULL, false, NULL },
};

static void
load_secret(struct loader *L, const struct ynode *k, const struct ynode *v)
{
	struct pol_secret *s;
	char nb[128];
	bool glob;

	if (get_string(L, k, "a secret name") == NULL)
		return;
	glob = is_glob(k->str);
	if (glob ? !glob_is_valid(k->str, ".-") : !name_is_valid(k->str)) {
		err(L, k, "'%s' is not a valid secret name or glob", SHOW(k, nb));
		return;
	}
	s = &L->p->secrets[L->p->nsecrets++];
	s->name = xstrdup(k->str);
	s->glob = glob;
	if (want(L, v, YNODE_MAP, "a secret"))
		walk_fields(L, v, k, secret_fields, "keys or unknown_keys", s);
}

static void
f_secrets(struct loader *L, const struct ynode *k, const struct ynode *v, void *ctx)
{
	size_t i;

	(void)k, (void)ctx;
	L->p->has_secrets = true;
	if (!want(L, v, YNODE_MAP, "secrets"))
		return;
	if (v->nkids == 0) {
		err(L, v, "secrets is empty, so no secret could be used");
		return;
	}
	check_dups(L, v, "secret");
	L->p->secrets = xcalloc(v->nkids / 2, sizeof(*L->p->secrets));
	for (i = 0; i < v->nkids; i += 2)
		load_secret(L, v->kids[i], v->kids[i + 1]);
}

/* deny and allow_denied come first: the others are checked against them. */
static const struct field top_fields[] = {
	{ "version", true, f_version },
	{ "deny", false, f_deny },
	{ "allow_denied", false, f_lift },
	{ "environments", false, f_environments },
	{ "unknown_keys", false, f_unknown },
	{ "on_conflict", false, f_conflict },
	{ "pass_through", false, f_pass },
	{ "secrets", false, f_secrets },
	{ NULL, false, NULL },
};

void
schema_build(const struct ynode *root, struct policy *p, struct diags *d)
{
	struct loader L = { d, p };

	if (is_null(root)) {
		diag_add(d, 1, 1, "policy is empty");
		return;
	}
	if (!want(&L, root, YNODE_MAP, "a policy"))
		return;
	walk_fields(&L, root, root, top_fields,
		    "version, environments, unknown_keys, on_conflict, pass_through, deny, "
		    "allow_denied or secrets", NULL);
}
