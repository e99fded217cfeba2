/* remote_json.c — the small pieces every remote operation shares: malformed
 * answers, names in paths, query strings, listings. */
#include "remote.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
remote_bad_answer(struct remote *r, struct mr_err *e, const char *what)
{
	return mr_fail(e, MR_E_INVALID, "vault %s: malformed answer to %s", remote_urls(r), what);
}

/* Names, token and member ids go into paths: only [A-Za-z0-9._-], so nothing
 * in them can change which resource a request names. */
int
remote_check_id(const char *what, const char *id, struct mr_err *e)
{
	char shown[128];
	size_t i;

	for (i = 0; id != NULL && id[i] != '\0'; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		      (id[i] >= '0' && id[i] <= '9') || id[i] == '.' || id[i] == '_' ||
		      id[i] == '-'))
			break;
	if (id == NULL || i == 0 || id[i] != '\0' || i > 128)
		return mr_fail(e, MR_E_INVALID, "invalid %s '%s'", what,
			       name_for_msg(id, shown, sizeof(shown)));
	return 0;
}

/* Appends "&name=value" (or "?name=value" first) with value percent-encoded. */
int
query_add(char *buf, size_t len, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = strlen(buf);
	const unsigned char *p;

	if (value == NULL)
		return 0;
	if (o + strlen(name) + 2 >= len)
		return -1;
	o += (size_t)snprintf(buf + o, len - o, "%c%s=", strchr(buf, '?') ? '&' : '?', name);
	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		if (o + 4 >= len)
			return -1;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			buf[o++] = (char)*p;
		} else {
			buf[o++] = '%';
			buf[o++] = hex[*p >> 4];
			buf[o++] = hex[*p & 15];
		}
	}
	buf[o] = '\0';
	return 0;
}

/* The "data" array of a listing, or NULL. */
json_t *
remote_data(json_t *answer)
{
	json_t *data = json_object_get(answer, "data");

	return json_is_array(data) ? data : NULL;
}

int
remote_get_list(struct remote *r, const char *path, size_t size,
		int (*one)(json_t *j, void *elem), void **out, size_t *n,
		const char *what, struct mr_err *e)
{
	json_t *answer = NULL, *data;
	unsigned char *list = NULL;
	size_t i, count;
	int rc = -1;

	if (remote_call(r, "GET", path, NULL, REMOTE_IDEMPOTENT, &answer, e) != 0)
		return -1;
	data = remote_data(answer);
	count = json_array_size(data);
	if (data == NULL || (list = calloc(count ? count : 1, size)) == NULL)
		goto out;
	for (i = 0; i < count; i++)
		if (one(json_array_get(data, i), list + i * size) != 0)
			goto out;
	*out = list;
	*n = count;
	list = NULL;
	rc = 0;
out:
	if (rc != 0)
		remote_bad_answer(r, e, what);
	free(list);
	json_decref(answer);
	return rc;
}
