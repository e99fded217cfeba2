/* remote.c — vault.h over HTTP: the launcher's sealed fetch, secrets,
 * environments and the workspace, against `modal-vault serve`
 * (docs/protocol.md). Transport, retries and errors are remote_http.c's. */
#include "remote.h"
#include "secmem.h"
#include "wire/wire.h"
#include "wire/wire_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PATH_LEN 512

/* ---- the launcher's fetch ---- */

/* " (fetching secrets 'a', 'b' of environment 'prod')", for messages. */
static void
fetch_context(const char *env, const char *const *names, size_t n, char *buf, size_t len)
{
	size_t i, o;

	o = (size_t)snprintf(buf, len, " (fetching secret%s ", n == 1 ? "" : "s");
	for (i = 0; i < n && i < 4 && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s'%s'", i ? ", " : "", names[i]);
	if (i < n && o < len)
		o += (size_t)snprintf(buf + o, len - o, " and %zu more", n - i);
	if (o < len && env != NULL)
		snprintf(buf + o, len - o, " of environment '%s')", env);
	else if (o < len)
		snprintf(buf + o, len - o, " of the default environment)");
}

static void
append_context(struct mr_err *e, const char *context)
{
	size_t used = strlen(e->msg);

	if (used + strlen(context) < sizeof(e->msg))
		memcpy(e->msg + used, context, strlen(context) + 1);
}

/* The request, the token sealed to the vault's key inside it: nothing in it
 * is of use to whoever answers but that vault (docs/protocol.md). */
static json_t *
fetch_body(const char *env, const char *const *names, size_t n,
	   const struct wire_launch_key *k, const char *token_box)
{
	json_t *list = json_array(), *body;
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(list, json_string(names[i]));
	body = json_pack("{s:o, s:s, s:s, s:s}", "secrets", list, "public_key", k->pk_hex,
			 "nonce", k->nonce_hex, "token_box", token_box);
	if (body != NULL && env != NULL)
		json_object_set_new(body, "environment", json_string(env));
	return body;
}

static int
seal_token(struct remote *r, const struct wire_request *req, const struct wire_launch_key *k,
	   const struct remote_trust *t, char **box, struct mr_err *e)
{
	const char *id, *secret;
	size_t len;

	if (remote_token(r, &id, &secret, &len) != 0)
		return mr_fail(e, MR_E_CONFIG, "vault %s: the token is longer than a sealed token carries",
			       remote_urls(r));
	return wire_token_seal(req, k->sk, t->key, id, secret, len, (int64_t)time(NULL), k->work,
			       box, e);
}

static int
open_answer(struct remote *r, json_t *answer, const struct wire_request *req,
	    const struct wire_launch_key *k, const struct remote_trust *t,
	    struct vault_fetch *out, struct mr_err *e)
{
	struct wire_answer a;
	size_t box_len = 0;

	memset(&a, 0, sizeof(a));
	if (json_unpack(answer, "{s:s, s:s, s:s%}", "vault_public_key", &a.vault_public_key,
			"box_nonce", &a.box_nonce, "box", &a.box, &box_len) != 0)
		return remote_bad_answer(r, e, "the fetch");
	a.box_len = box_len;
	if (wire_fetch_open(&a, req, k->sk, t->key, out, NULL, e) != 0)
		return e->kind == MR_E_AUTH ? remote_trust_refuse(r, t, a.vault_public_key, e)
					    : mr_wrap(e, "vault %s", remote_urls(r));
	out->key_trust = t->how;
	memcpy(out->vault_key, t->key, sizeof(out->vault_key));
	if (remote_trust_record(r, t) != 0 && t->how == VAULT_KEY_FIRST_USE)
		out->key_trust = VAULT_KEY_FIRST_USE_UNRECORDED;
	return 0;
}

/* The fetch of distinct names, as the protocol asks. */
static int
fetch_distinct(struct remote *r, const char *env, const char *const *names, size_t nnames,
	       struct vault_fetch *out, struct mr_err *e)
{
	struct wire_launch_key k = { 0 };
	struct wire_request req;
	struct remote_trust t;
	json_t *body = NULL, *answer = NULL;
	char context[400], *box = NULL;
	int rc = -1;

	if (wire_launch_key_new(&k, e) != 0)
		return -1;
	req = (struct wire_request){ env, names, nnames, { 0 }, { 0 } };
	memcpy(req.launch_pk, k.pk, sizeof(req.launch_pk));
	memcpy(req.nonce, k.nonce, sizeof(req.nonce));
	/* The token travels only in the box: no Authorization header. */
	if (remote_trust_key(r, &t, e) == 0 && seal_token(r, &req, &k, &t, &box, e) == 0) {
		if ((body = fetch_body(env, names, nnames, &k, box)) == NULL)
			mr_fail(e, MR_E_INTERNAL, "out of memory");
		else if (remote_call(r, "POST", "/v1/fetch", body,
				     REMOTE_IDEMPOTENT | REMOTE_NO_AUTH, &answer, e) == 0)
			rc = open_answer(r, answer, &req, &k, &t, out, e);
		else
			remote_trust_recheck(r, &t, e);   /* a 401 from a vault of another key */
	}
	/* A missing secret names itself; every other failure says what was asked. */
	if (rc != 0 && e->kind != MR_E_NOTFOUND) {
		fetch_context(env, names, nnames, context, sizeof(context));
		append_context(e, context);
	}
	json_decref(body);
	json_decref(answer);
	free(box);
	wire_launch_key_clear(&k);
	return rc;
}

/* uniq gets each name once, in first-seen order; map[i] says where names[i]
 * went. Returns how many are distinct. */
static size_t
distinct(const char *const *names, size_t n, const char **uniq, size_t *map)
{
	size_t i, j, count = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < count && strcmp(uniq[j], names[i]) != 0; j++)
			;
		if (j == count)
			uniq[count++] = names[i];
		map[i] = j;
	}
	return count;
}

/* Where pointer p of arena from lands in the copy at base. */
static void *
moved(const void *p, const void *from, unsigned char *base)
{
	return base + ((const unsigned char *)p - (const unsigned char *)from);
}

/* The fetch of distinct names f, with bundles repeated as map says: a copy
 * of its arena behind a longer bundle array, every pointer moved along. */
static void
expand(const struct vault_fetch *f, const size_t *map, size_t n, struct vault_fetch *out)
{
	size_t head = n * sizeof(struct vault_bundle), i, j;
	struct vault_bundle *copy;
	unsigned char *base;

	*out = *f;
	out->arena_len = head + f->arena_len;
	out->arena = xsecure_alloc(out->arena_len);
	base = (unsigned char *)out->arena + head;
	memcpy(base, f->arena, f->arena_len);
	copy = moved(f->bundles, f->arena, base);
	for (i = 0; i < f->nbundles; i++) {
		copy[i].name = moved(f->bundles[i].name, f->arena, base);
		copy[i].items = moved(f->bundles[i].items, f->arena, base);
		for (j = 0; j < copy[i].nitems; j++) {
			copy[i].items[j].key = moved(f->bundles[i].items[j].key, f->arena, base);
			copy[i].items[j].value = moved(f->bundles[i].items[j].value, f->arena, base);
		}
	}
	out->bundles = out->arena;
	for (i = 0; i < n; i++)
		out->bundles[i] = copy[map[i]];
	out->nbundles = n;
}

/* The protocol takes each name once; a launch may name one twice (with
 * --on-conflict, the later one wins again), and gets what the embedded vault
 * gives it: the bundle twice, in place. */
int
remote_fetch(struct vault *base, const char *env, const char *const *names, size_t nnames,
	     struct vault_fetch *out, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	const char *uniq[WIRE_MAX_NAMES];
	size_t map[WIRE_MAX_NAMES], n;
	struct vault_fetch once;

	memset(out, 0, sizeof(*out));
	if (nnames == 0 || nnames > WIRE_MAX_NAMES)
		return mr_fail(e, MR_E_USAGE, "a fetch names 1 to %d secrets", WIRE_MAX_NAMES);
	n = distinct(names, nnames, uniq, map);
	if (n == nnames)
		return fetch_distinct(r, env, names, nnames, out, e);
	if (fetch_distinct(r, env, uniq, n, &once, e) != 0)
		return -1;
	expand(&once, map, nnames, out);
	vault_fetch_free(&once);
	return 0;
}

/* ---- secret metadata ---- */

static int
meta_list(struct remote *r, json_t *answer, const char *env, const char *name,
	  struct vault_secret_meta **out, size_t *n, struct mr_err *e)
{
	json_t *data = remote_data(answer);
	size_t i, count = json_array_size(data);
	struct vault_secret_meta *list;

	if (data == NULL)
		return remote_bad_answer(r, e, "a listing");
	if ((list = calloc(count ? count : 1, sizeof(*list))) == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	for (i = 0; i < count; i++)
		if (answer_meta(json_array_get(data, i), env, name, &list[i]) != 0) {
			vault_secret_meta_free(list, i + 1);
			return remote_bad_answer(r, e, "a listing of secrets");
		}
	*out = list;
	*n = count;
	return 0;
}

static int
secret_path(char *path, const char *name, const char *suffix, const char *env)
{
	snprintf(path, PATH_LEN, "/v1/secrets%s%s%s", name ? "/" : "", name ? name : "", suffix);
	return query_add(path, PATH_LEN, "environment", env);
}

int
remote_secret_get(struct vault *base, const char *env, const char *name,
		  struct vault_secret_meta *out, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	char path[PATH_LEN];
	json_t *answer = NULL;
	int rc = -1;

	secret_path(path, name, "", env);
	if (remote_call(r, "GET", path, NULL, REMOTE_IDEMPOTENT, &answer, e) == 0)
		rc = answer_meta(answer, env, name, out) == 0 ? 0
			: remote_bad_answer(r, e, "reading a secret");
	json_decref(answer);
	return rc;
}

int
remote_secret_list(struct vault *base, const char *env, struct vault_secret_meta **out,
		   size_t *n, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	char path[PATH_LEN];
	json_t *answer = NULL;
	int rc = -1;

	secret_path(path, NULL, "", env);
	if (remote_call(r, "GET", path, NULL, REMOTE_IDEMPOTENT, &answer, e) == 0)
		rc = meta_list(r, answer, env, NULL, out, n, e);
	json_decref(answer);
	return rc;
}

int
remote_secret_versions(struct vault *base, const char *env, const char *name,
		       struct vault_secret_meta **out, size_t *n, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	struct vault_workspace ws;
	char path[PATH_LEN];
	json_t *answer = NULL;
	int rc = -1;

	/* The versions carry no environment: name the default one, as the
	 * stores do, rather than leave it empty. */
	if (env == NULL) {
		if (remote_workspace_current(base, &ws, e) != 0)
			return -1;
		env = ws.default_env;
	}
	secret_path(path, name, "/versions", env);
	if (remote_call(r, "GET", path, NULL, REMOTE_IDEMPOTENT, &answer, e) == 0)
		rc = meta_list(r, answer, env, name, out, n, e);
	json_decref(answer);
	return rc;
}

int
remote_secret_delete(struct vault *base, const char *env, const char *name, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	char path[PATH_LEN];

	secret_path(path, name, "", env);
	/* Deleting twice leaves the same state: safe to repeat. */
	return remote_call(r, "DELETE", path, NULL, REMOTE_IDEMPOTENT, NULL, e);
}

/* ---- secret writes ---- */

/* {"KEY": "value", ...}. JSON strings are UTF-8: other bytes cannot travel. */
static json_t *
items_json(const char *name, const struct vault_item *items, size_t n, struct mr_err *e)
{
	json_t *env = json_object(), *v;
	size_t i;

	for (i = 0; env != NULL && i < n; i++) {
		if ((v = json_stringn((const char *)items[i].value, items[i].value_len)) == NULL) {
			mr_fail(e, MR_E_INVALID,
				"secret '%s': the value of %s is not UTF-8 text, which a vault server cannot take (JSON strings)",
				name, items[i].key);
			break;
		}
		if (json_object_set_new(env, items[i].key, v) != 0)
			break;
	}
	if (env == NULL || i < n) {
		if (e->kind == MR_OK)
			mr_fail(e, MR_E_INTERNAL, "out of memory");
		json_decref(env);
		return NULL;
	}
	return env;
}

static int
write_secret(struct remote *r, const char *method, const char *path, json_t *body,
	     const char *env, const char *name, struct vault_secret_meta *out, struct mr_err *e)
{
	json_t *answer = NULL;
	int rc;

	rc = remote_call(r, method, path, body, 0, &answer, e);
	if (rc == 0 && out != NULL && answer_meta(answer, env, name, out) != 0)
		rc = remote_bad_answer(r, e, "storing a secret");
	json_decref(answer);
	return rc;
}

/* An update expecting version 0 creates the secret, and conflicts, as in
 * the stores, with the version there is. */
static int
create_at_version_0(struct vault *base, const char *env, const char *name,
		    const struct vault_item *items, size_t nitems,
		    struct vault_secret_meta *out, struct mr_err *e)
{
	struct vault_secret_meta cur;
	struct mr_err ignored = { 0 };
	unsigned long long at;

	if (remote_secret_put(base, env, name, items, nitems, 0, out, e) == 0)
		return 0;
	if (e->kind != MR_E_EXISTS)
		return -1;
	if (remote_secret_get(base, env, name, &cur, &ignored) != 0)
		return mr_fail(e, MR_E_CONFLICT, "secret '%s' exists: not at version 0", name);
	at = (unsigned long long)cur.version;
	vault_secret_meta_clear(&cur);
	return mr_fail(e, MR_E_CONFLICT, "secret '%s' is at version %llu, not 0", name, at);
}

int
remote_secret_update(struct vault *base, const char *env, const char *name,
		     const struct vault_item *items, size_t nitems, uint64_t expected_version,
		     struct vault_secret_meta *out, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	char path[PATH_LEN];
	json_t *values, *body;
	int rc;

	mr_clear(e);
	/* Version 0 is "create it" (vault.h); the API's update takes 1 or more. */
	if (expected_version == 0)
		return create_at_version_0(base, env, name, items, nitems, out, e);
	if ((values = items_json(name, items, nitems, e)) == NULL)
		return -1;
	body = json_pack("{s:o, s:I}", "env", values, "version", (json_int_t)expected_version);
	if (body != NULL && env != NULL)
		json_object_set_new(body, "environment", json_string(env));
	snprintf(path, sizeof(path), "/v1/secrets/%s", name);
	rc = body == NULL ? mr_fail(e, MR_E_INTERNAL, "out of memory")
			  : write_secret(r, "PUT", path, body, env, name, out, e);
	json_decref(body);
	return rc;
}

/* create-or-replace: the server has create (POST) and compare-and-set (PUT);
 * a replace reads the current version and sets against it, again if another
 * writer got in between. */
static int
replace_secret(struct vault *base, const char *env, const char *name,
	       const struct vault_item *items, size_t nitems,
	       struct vault_secret_meta *out, struct mr_err *e)
{
	struct vault_secret_meta cur;
	int attempt, rc = -1;

	for (attempt = 0; attempt < 3; attempt++) {
		if (remote_secret_get(base, env, name, &cur, e) != 0)
			return -1;
		rc = remote_secret_update(base, env, name, items, nitems, cur.version, out, e);
		vault_secret_meta_clear(&cur);
		if (rc == 0 || e->kind != MR_E_CONFLICT)
			break;
	}
	return rc;
}

int
remote_secret_put(struct vault *base, const char *env, const char *name,
		  const struct vault_item *items, size_t nitems, int replace,
		  struct vault_secret_meta *out, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	json_t *values, *body;
	int rc;

	mr_clear(e);
	if ((values = items_json(name, items, nitems, e)) == NULL)
		return -1;
	body = json_pack("{s:s, s:o}", "name", name, "env", values);
	if (body != NULL && env != NULL)
		json_object_set_new(body, "environment", json_string(env));
	rc = body == NULL ? mr_fail(e, MR_E_INTERNAL, "out of memory")
			  : write_secret(r, "POST", "/v1/secrets", body, env, name, out, e);
	json_decref(body);
	if (rc != 0 && replace && e->kind == MR_E_EXISTS)
		rc = replace_secret(base, env, name, items, nitems, out, e);
	return rc;
}

/* ---- environments and the workspace ---- */

int
remote_env_create(struct vault *base, const char *name, const char *webhook_suffix,
		  struct vault_env *out, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	json_t *body, *answer = NULL;
	int rc = -1;

	body = json_pack("{s:s}", "name", name);
	if (body != NULL && webhook_suffix != NULL)
		json_object_set_new(body, "webhook_suffix", json_string(webhook_suffix));
	if (body == NULL)
		rc = mr_fail(e, MR_E_INTERNAL, "out of memory");
	else if (remote_call(r, "POST", "/v1/environments", body, 0, &answer, e) == 0)
		rc = out == NULL || answer_env(answer, out) == 0 ? 0
			: remote_bad_answer(r, e, "creating an environment");
	json_decref(body);
	json_decref(answer);
	return rc;
}

int
remote_env_list(struct vault *base, struct vault_env **out, size_t *n, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	void *list = NULL;
	int rc = remote_get_list(r, "/v1/environments", sizeof(**out), answer_env, &list, n,
				 "listing environments", e);

	if (rc == 0)
		*out = list;
	return rc;
}

int
remote_env_delete(struct vault *base, const char *name, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	char path[PATH_LEN];

	snprintf(path, sizeof(path), "/v1/environments/%s", name);
	return remote_call(r, "DELETE", path, NULL, REMOTE_IDEMPOTENT, NULL, e);
}

int
remote_env_update(struct vault *base, const char *name, const char *new_name,
		  const char *new_suffix, struct vault_env *out, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	char path[PATH_LEN];
	json_t *body, *answer = NULL;
	int rc = -1;

	snprintf(path, sizeof(path), "/v1/environments/%s", name);
	body = json_object();
	if (body != NULL && new_name != NULL)
		json_object_set_new(body, "name", json_string(new_name));
	if (body != NULL && new_suffix != NULL)
		json_object_set_new(body, "webhook_suffix", json_string(new_suffix));
	if (body == NULL)
		rc = mr_fail(e, MR_E_INTERNAL, "out of memory");
	else if (remote_call(r, "PATCH", path, body, 0, &answer, e) == 0)
		rc = out == NULL || answer_env(answer, out) == 0 ? 0
			: remote_bad_answer(r, e, "updating an environment");
	json_decref(body);
	json_decref(answer);
	return rc;
}

int
remote_workspace_current(struct vault *base, struct vault_workspace *out, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	json_t *answer = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (remote_call(r, "GET", "/v1/workspaces/current", NULL, REMOTE_IDEMPOTENT, &answer,
			e) != 0)
		return -1;
	rc = workspace_from_json(answer, out) == 0 ? 0 : remote_bad_answer(r, e, "the workspace");
	json_decref(answer);
	return rc;
}
