/* json.c — request bodies (strict: one object, known fields of the right
 * type, no duplicate keys), query parameters, RFC 3339 times and the JSON
 * shapes of the API's objects. */
#include "internal.h"
#include "wire/json_wipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
type_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT:	return "an object";
	case JSON_ARRAY:	return "an array";
	case JSON_STRING:	return "a string";
	case JSON_INTEGER:	return "an integer";
	case JSON_TRUE:
	case JSON_FALSE:	return "a boolean";
	default:		return "a value";
	}
}

static int
type_matches(const json_t *v, json_type want)
{
	if (want == JSON_TRUE)
		return json_is_boolean(v);
	return json_typeof(v) == want;
}

/* Every field known and of its type, every required one present. */
static int
fields_check(struct request *r, json_t *root, const struct field_spec *spec)
{
	const char *key;
	json_t *val;
	size_t i;
	char shown[80];

	json_object_foreach(root, key, val) {
		for (i = 0; spec[i].name != NULL && strcmp(spec[i].name, key) != 0; i++)
			;
		if (spec[i].name == NULL) {
			reply_error(r, 400, "invalid", "unknown field '%s'",
				    name_for_msg(key, shown, sizeof(shown)));
			return -1;
		}
		if (!type_matches(val, spec[i].type)) {
			reply_error(r, 400, "invalid", "field '%s' must be %s", key,
				    type_name(spec[i].type));
			return -1;
		}
	}
	for (i = 0; spec[i].name != NULL; i++)
		if (spec[i].required && json_object_get(root, spec[i].name) == NULL) {
			reply_error(r, 400, "invalid", "missing field '%s'", spec[i].name);
			return -1;
		}
	return 0;
}

json_t *
body_object(struct request *r, const struct field_spec *spec)
{
	const char *ctype = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
							MHD_HTTP_HEADER_CONTENT_TYPE);
	json_error_t jerr;
	json_t *root;

	if (ctype == NULL || strncasecmp(ctype, "application/json", 16) != 0 ||
	    (ctype[16] != '\0' && ctype[16] != ';' && ctype[16] != ' ')) {
		reply_error(r, 415, "unsupported_media_type",
			    "the body must be JSON (Content-Type: application/json)");
		return NULL;
	}
	if (r->body_len == 0) {
		reply_error(r, 400, "invalid", "missing JSON body");
		return NULL;
	}
	root = json_loadb((const char *)r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		reply_error(r, 400, "invalid", "malformed JSON at line %d column %d: %s",
			    jerr.line, jerr.column, json_fault_kind(&jerr));
		return NULL;
	}
	if (!json_is_object(root)) {
		reply_error(r, 400, "invalid", "the body must be a JSON object");
	} else if (fields_check(r, root, spec) == 0) {
		return root;
	}
	json_decref(root);
	return NULL;
}

const char *
query_get(struct request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

void
time_rfc3339(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

void
time_rfc3339_ms(int64_t ms, char out[32])
{
	time_t tt = (time_t)(ms / 1000);
	struct tm tm;
	char sec[24];

	if (gmtime_r(&tt, &tm) == NULL || strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00.000Z");
	else
		snprintf(out, 32, "%s.%03dZ", sec, (int)(ms % 1000));
}

/* "YYYY-MM-DDTHH:MM:SS[.fff...]Z" or with "+HH:MM"/"-HH:MM". */
int
time_parse_rfc3339(const char *s, int64_t *ms)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	int64_t frac = 0, scale = 1000, off = 0;
	int oh, om, n = 0;

	if (p == NULL)
		return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, n++)
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		if (n == 0)
			return -1;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2 &&
		   strlen(p) == 6 && p[3] == ':') {
		off = (*p == '+' ? 1 : -1) * (oh * 3600 + om * 60);
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	*ms = ((int64_t)timegm(&tm) - off) * 1000 + frac;
	return 0;
}

json_t *
time_to_json(int64_t t)
{
	char buf[32];

	time_rfc3339(t, buf);
	return json_string(buf);
}

json_t *
data_array(json_t *items)
{
	return items != NULL ? json_pack("{s:o}", "data", items) : NULL;
}

json_t *
secret_to_json(const struct vault_secret_meta *m)
{
	json_t *keys = json_array();
	size_t i;

	for (i = 0; i < m->nkeys; i++)
		json_array_append_new(keys, json_string(m->keys[i]));
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:o}", "secret_id", m->secret_id,
			 "name", m->name, "environment", m->environment,
			 "created_at", time_to_json(m->created_at),
			 "updated_at", time_to_json(m->updated_at),
			 "version", (json_int_t)m->version, "keys", keys);
}

json_t *
env_to_json(const struct vault_env *env)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:b}", "name", env->name,
			 "workspace_id", env->workspace_id, "webhook_suffix", env->webhook_suffix,
			 "created_at", time_to_json(env->created_at), "default", env->is_default);
}

json_t *
token_to_json(const struct vault_token *t)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:o, s:b}", "token_id", t->token_id,
			      "name", t->name, "workspace_id", t->workspace_id,
			      "created_at", time_to_json(t->created_at),
			      "expires_at", t->expires_at != 0 ? time_to_json(t->expires_at)
								    : json_null(),
			      "revoked", t->revoked_at != 0);
	json_t *envs;
	size_t i;

	if (j == NULL)
		return NULL;
	/* Never used: the field is absent (the schema's type is a date-time). */
	if (t->last_used_at != 0)
		json_object_set_new(j, "last_used_at", time_to_json(t->last_used_at));
	if (t->kind == VAULT_TOKEN_API) {
		json_object_set_new(j, "member_id", json_string(t->member_id));
		return j;
	}
	envs = json_array();
	for (i = 0; i < t->nenvs; i++)
		json_array_append_new(envs, json_string(t->envs[i]));
	json_object_set_new(j, "environments", envs);
	return j;
}

json_t *
member_to_json(const struct vault_member *m)
{
	return json_pack("{s:s, s:s, s:s, s:o}", "member_id", m->member_id, "name", m->name,
			 "role", vault_role_name(m->role), "created_at", time_to_json(m->created_at));
}

json_t *
audit_to_json(const struct vault_audit_record *a)
{
	char at[32];

	time_rfc3339_ms(a->at_ms, at);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:s}", "id", (json_int_t)a->id,
			 "time", at, "token_id", a->token_id, "action", a->action,
			 "resource", a->resource, "status", a->status, "client", a->client);
}
