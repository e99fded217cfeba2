/* handlers_audit.c — GET /v1/audit: the audit log, filtered by time, actor
 * and action, in pages; the cursor is the last record's id. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_PAGE_DEFAULT 100
#define AUDIT_PAGE_MAX 1000

static int
parse_count(const char *s, long long min, long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *out >= min && *out <= max ? 0 : -1;
}

static int
time_param(struct request *r, const char *name, int64_t *ms)
{
	const char *s = query_get(r, name);

	*ms = 0;
	if (s == NULL || rfc3339_parse_ms(s, ms) == 0)
		return 0;
	reply_error(r, 400, "invalid", "'%s' must be an RFC 3339 time (2026-11-23T12:00:00Z)", name);
	return -1;
}

/* The filter from the query; -1 after answering 400. */
static int
audit_filter(struct request *r, struct vault_audit_filter *f)
{
	const char *limit = query_get(r, "limit"), *cursor = query_get(r, "cursor");
	long long n;

	memset(f, 0, sizeof(*f));
	f->limit = AUDIT_PAGE_DEFAULT;
	f->token_id = query_get(r, "actor");
	f->action = query_get(r, "action");
	if (time_param(r, "since", &f->since_ms) != 0 || time_param(r, "until", &f->until_ms) != 0)
		return -1;
	if (limit != NULL) {
		if (parse_count(limit, 1, AUDIT_PAGE_MAX, &n) != 0) {
			reply_error(r, 400, "invalid", "'limit' must be 1 to %d", AUDIT_PAGE_MAX);
			return -1;
		}
		f->limit = (size_t)n;
	}
	if (cursor != NULL) {
		if (parse_count(cursor, 0, INT64_MAX, &n) != 0) {
			reply_error(r, 400, "invalid", "'cursor' must be a next_cursor this API gave");
			return -1;
		}
		f->after_id = n;
	}
	return 0;
}

void
h_audit_list(struct request *r)
{
	struct vault_audit_filter f;
	struct vault_audit_record *list = NULL;
	struct mr_err e;
	json_t *data, *next = NULL;
	size_t n = 0, i;
	char cursor[32];

	request_resource(r, "audit");
	if (audit_filter(r, &f) != 0)
		return;
	audit_settle(r->srv->audit);
	if (vault_audit_list(r->ctx->v, &f, &list, &n, &e) != 0) {
		reply_fail(r, &e);
		return;
	}
	data = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(data, audit_record_to_json(&list[i]));
	/* A full page may have more behind it; a short one is the end. */
	if (n == f.limit) {
		snprintf(cursor, sizeof(cursor), "%lld", (long long)list[n - 1].id);
		next = json_string(cursor);
	}
	free(list);
	reply_json(r, 200, json_pack("{s:o, s:o}", "data", data, "next_cursor",
				     next != NULL ? next : json_null()));
}
