/* json.c — request bodies (strict: one object, known fields of the right
 * type, no duplicate keys) and query parameters. The JSON shapes of the
 * API's objects are vault/json's (vault_json.h). */
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

json_t *
data_array(json_t *items)
{
	return items != NULL ? json_pack("{s:o}", "data", items) : NULL;
}
