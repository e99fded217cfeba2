/* handlers_workspace.c — the workspace, its environments and its members. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
h_workspace_current(struct request *r)
{
	struct vault_workspace ws;
	struct mr_err e;

	request_resource(r, "workspace");
	if (vault_workspace_current(r->ctx->v, &ws, &e) != 0) {
		reply_fail(r, &e);
		return;
	}
	reply_json(r, 200, workspace_to_json(&ws));
}

void
h_env_list(struct request *r)
{
	struct vault_env *list = NULL;
	struct mr_err e;
	json_t *data;
	size_t n = 0, i;

	request_resource(r, "environments");
	if (vault_env_list(r->ctx->v, &list, &n, &e) != 0) {
		reply_fail(r, &e);
		return;
	}
	data = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(data, env_to_json(&list[i]));
	free(list);
	reply_json(r, 200, data_array(data));
}

static const struct field_spec env_fields[] = {
	{ "name", JSON_STRING, 1 }, { "webhook_suffix", JSON_STRING, 0 }, { NULL, 0, 0 },
};

void
h_env_create(struct request *r)
{
	json_t *root = body_object(r, env_fields);
	const char *name, *suffix;
	struct vault_env env;
	struct mr_err e;

	if (root == NULL)
		return;
	name = json_string_value(json_object_get(root, "name"));
	suffix = json_string_value(json_object_get(root, "webhook_suffix"));
	request_resource(r, "environment:%s", name);
	if (vault_env_create(r->ctx->v, name, suffix, &env, &e) != 0)
		reply_fail(r, &e);
	else
		reply_json(r, 201, env_to_json(&env));
	json_decref(root);
}

static const struct field_spec env_update_fields[] = {
	{ "name", JSON_STRING, 0 }, { "webhook_suffix", JSON_STRING, 0 }, { NULL, 0, 0 },
};

/* PATCH: the fields given change, the others stay (Modal's `environment
 * update --set-name/--set-web-suffix`). */
void
h_env_update(struct request *r)
{
	json_t *root = body_object(r, env_update_fields);
	struct vault_env env;
	struct mr_err e;

	if (root == NULL)
		return;
	request_resource(r, "environment:%s", r->params[0]);
	if (vault_env_update(r->ctx->v, r->params[0],
			     json_string_value(json_object_get(root, "name")),
			     json_string_value(json_object_get(root, "webhook_suffix")), &env,
			     &e) != 0)
		reply_fail(r, &e);
	else
		reply_json(r, 200, env_to_json(&env));
	json_decref(root);
}

void
h_env_delete(struct request *r)
{
	struct mr_err e;

	request_resource(r, "environment:%s", r->params[0]);
	if (vault_env_delete(r->ctx->v, r->params[0], &e) != 0)
		reply_fail(r, &e);
	else
		reply_empty(r, 204);
}

void
h_member_list(struct request *r)
{
	struct vault_member *list = NULL;
	struct mr_err e;
	json_t *data;
	size_t n = 0, i;

	request_resource(r, "members");
	if (vault_member_list(r->ctx->v, &list, &n, &e) != 0) {
		reply_fail(r, &e);
		return;
	}
	data = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(data, member_to_json(&list[i]));
	free(list);
	reply_json(r, 200, data_array(data));
}

static const struct field_spec member_add_fields[] = {
	{ "name", JSON_STRING, 1 }, { "role", JSON_STRING, 1 }, { NULL, 0, 0 },
};

static const struct field_spec member_role_fields[] = {
	{ "role", JSON_STRING, 1 }, { NULL, 0, 0 },
};

static int
role_from(struct request *r, json_t *root, enum vault_role *role)
{
	const char *s = json_string_value(json_object_get(root, "role"));
	char shown[80];

	if (vault_role_parse(s, role) == 0)
		return 0;
	reply_error(r, 400, "invalid", "unknown role '%s': expected owner, manager or user",
		    name_for_msg(s, shown, sizeof(shown)));
	return -1;
}

void
h_member_add(struct request *r)
{
	json_t *root = body_object(r, member_add_fields);
	struct vault_member m;
	enum vault_role role;
	const char *name;
	struct mr_err e;

	if (root == NULL)
		return;
	name = json_string_value(json_object_get(root, "name"));
	request_resource(r, "member:%s", name);
	if (role_from(r, root, &role) == 0) {
		if (vault_member_add(r->ctx->v, name, role, &m, &e) != 0)
			reply_fail(r, &e);
		else
			reply_json(r, 201, member_to_json(&m));
	}
	json_decref(root);
}

/* The member as it is now, for the answer to a change. */
static int
member_find(struct request *r, const char *id, struct vault_member *out)
{
	struct vault_member *list = NULL;
	struct mr_err e;
	size_t n = 0, i;
	int rc = -1;

	if (vault_member_list(r->ctx->v, &list, &n, &e) != 0) {
		reply_fail(r, &e);
		return -1;
	}
	for (i = 0; i < n && rc != 0; i++)
		if (strcmp(list[i].member_id, id) == 0) {
			*out = list[i];
			rc = 0;
		}
	free(list);
	if (rc != 0)
		reply_error(r, 404, "not_found", "member '%s' not found", id);
	return rc;
}

void
h_member_update(struct request *r)
{
	json_t *root = body_object(r, member_role_fields);
	struct vault_member m;
	enum vault_role role;
	struct mr_err e;

	if (root == NULL)
		return;
	request_resource(r, "member:%s", r->params[0]);
	if (role_from(r, root, &role) == 0) {
		if (vault_member_set_role(r->ctx->v, r->params[0], role, &e) != 0)
			reply_fail(r, &e);
		else if (member_find(r, r->params[0], &m) == 0)
			reply_json(r, 200, member_to_json(&m));
	}
	json_decref(root);
}

void
h_member_remove(struct request *r)
{
	struct mr_err e;

	request_resource(r, "member:%s", r->params[0]);
	if (vault_member_remove(r->ctx->v, r->params[0], &e) != 0)
		reply_fail(r, &e);
	else
		reply_empty(r, 204);
}
