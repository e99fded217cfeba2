/* handlers_secrets.c — /v1/secrets: metadata reads, create, compare-and-set
 * update, delete, versions. Values arrive in the body only and leave never:
 * they are copied from the parsed body into one locked block for the store
 * and wiped with it; answers carry key names. */
#include "internal.h"
#include "secmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The items of an "env" object, in one sodium block. */
struct locked_items {
	struct vault_item *items;
	size_t n;
	unsigned char *block;
	size_t block_len;
};

static void
locked_items_free(struct locked_items *li)
{
	secure_free(li->block, li->block_len);
	free(li->items);
	memset(li, 0, sizeof(*li));
}

static int
locked_items_from(struct request *r, json_t *env, struct locked_items *li)
{
	const char *key;
	json_t *val;
	unsigned char *p;
	size_t klen, vlen, i = 0;
	char shown[80];

	memset(li, 0, sizeof(*li));
	json_object_foreach(env, key, val) {
		if (!json_is_string(val)) {
			reply_error(r, 400, "invalid", "value of '%s' must be a string",
				    name_for_msg(key, shown, sizeof(shown)));
			return -1;
		}
		li->block_len += strlen(key) + json_string_length(val) + 2;
	}
	li->n = json_object_size(env);
	li->items = calloc(li->n ? li->n : 1, sizeof(*li->items));
	if (li->items == NULL) {
		reply_error(r, 500, "internal", "out of memory");
		return -1;
	}
	p = li->block = xsecure_alloc(li->block_len);
	json_object_foreach(env, key, val) {
		klen = strlen(key);
		vlen = json_string_length(val);
		memcpy(p, key, klen + 1);
		memcpy(p + klen + 1, json_string_value(val), vlen);
		p[klen + 1 + vlen] = '\0';
		li->items[i++] = (struct vault_item){ (const char *)p, p + klen + 1, vlen };
		p += klen + vlen + 2;
	}
	return 0;
}

/* The raw body is no longer needed once parsed: wipe it now, not at the end. */
static void
body_drop(struct request *r)
{
	secure_free(r->body, r->body_cap);
	r->body = NULL;
	r->body_len = r->body_cap = 0;
}

void
h_secret_list(struct request *r)
{
	const char *env = query_get(r, "environment");
	struct vault_secret_meta *list = NULL;
	struct mr_err e;
	json_t *data;
	size_t n = 0, i;

	request_resource(r, "environment:%s", request_env(r, env));
	if (vault_secret_list(r->ctx->v, env, &list, &n, &e) != 0) {
		reply_fail(r, &e);
		return;
	}
	data = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(data, secret_meta_to_json(&list[i]));
	vault_secret_meta_free(list, n);
	reply_json(r, 200, data_array(data));
}

static const struct field_spec create_fields[] = {
	{ "name", JSON_STRING, 1 }, { "environment", JSON_STRING, 0 }, { "env", JSON_OBJECT, 1 },
	{ NULL, 0, 0 },
};

static const struct field_spec update_fields[] = {
	{ "env", JSON_OBJECT, 1 }, { "version", JSON_INTEGER, 1 },
	{ "environment", JSON_STRING, 0 }, { NULL, 0, 0 },
};

static const char *
opt_string(json_t *root, const char *field)
{
	return json_string_value(json_object_get(root, field));
}

void
h_secret_create(struct request *r)
{
	json_t *root = body_object(r, create_fields);
	struct locked_items li = { 0 };
	struct vault_secret_meta meta;
	const char *name, *env;
	struct mr_err e;

	body_drop(r);
	if (root == NULL)
		return;
	name = opt_string(root, "name");
	env = opt_string(root, "environment");
	request_resource(r, "secret:%s/%s", request_env(r, env), name);
	if (locked_items_from(r, json_object_get(root, "env"), &li) == 0) {
		if (vault_secret_put(r->ctx->v, env, name, li.items, li.n, 0, &meta, &e) != 0) {
			reply_fail(r, &e);
		} else {
			reply_json(r, 201, secret_meta_to_json(&meta));
			vault_secret_meta_clear(&meta);
		}
	}
	locked_items_free(&li);
	json_decref(root);
}

void
h_secret_update(struct request *r)
{
	json_t *root = body_object(r, update_fields);
	struct locked_items li = { 0 };
	struct vault_secret_meta meta;
	const char *env;
	json_int_t version;
	struct mr_err e;

	body_drop(r);
	if (root == NULL)
		return;
	env = opt_string(root, "environment");
	version = json_integer_value(json_object_get(root, "version"));
	request_resource(r, "secret:%s/%s", request_env(r, env), r->params[0]);
	if (version < 1)
		reply_error(r, 400, "invalid", "field 'version' must be the current version (1 or more)");
	else if (locked_items_from(r, json_object_get(root, "env"), &li) == 0) {
		if (vault_secret_update(r->ctx->v, env, r->params[0], li.items, li.n,
					(uint64_t)version, &meta, &e) != 0) {
			reply_fail(r, &e);
		} else {
			reply_json(r, 200, secret_meta_to_json(&meta));
			vault_secret_meta_clear(&meta);
		}
	}
	locked_items_free(&li);
	json_decref(root);
}

void
h_secret_get(struct request *r)
{
	const char *env = query_get(r, "environment");
	struct vault_secret_meta meta;
	struct mr_err e;

	request_resource(r, "secret:%s/%s", request_env(r, env), r->params[0]);
	if (vault_secret_get(r->ctx->v, env, r->params[0], &meta, &e) != 0) {
		reply_fail(r, &e);
		return;
	}
	reply_json(r, 200, secret_meta_to_json(&meta));
	vault_secret_meta_clear(&meta);
}

void
h_secret_delete(struct request *r)
{
	const char *env = query_get(r, "environment");
	struct mr_err e;

	request_resource(r, "secret:%s/%s", request_env(r, env), r->params[0]);
	if (vault_secret_delete(r->ctx->v, env, r->params[0], &e) != 0)
		reply_fail(r, &e);
	else
		reply_empty(r, 204);
}

void
h_secret_versions(struct request *r)
{
	const char *env = query_get(r, "environment");
	struct vault_secret_meta *list = NULL;
	struct mr_err e;
	json_t *data;
	size_t n = 0, i;

	request_resource(r, "secret:%s/%s", request_env(r, env), r->params[0]);
	if (vault_secret_versions(r->ctx->v, env, r->params[0], &list, &n, &e) != 0) {
		reply_fail(r, &e);
		return;
	}
	data = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(data, secret_version_to_json(&list[i]));
	vault_secret_meta_free(list, n);
	reply_json(r, 200, data_array(data));
}
