/* cmd_audit.c — modal-vault audit, and the records local commands add to the
 * log so a file: vault's history reads like a server's. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AUDIT_DEFAULT_LIMIT 100

void
cli_audit(struct vault *v, const char *action, const char *fmt, ...)
{
	struct vault_audit_record r = { .status = 0 };
	struct mr_err e = { 0 };
	va_list ap;

	snprintf(r.action, sizeof(r.action), "%s", action);
	snprintf(r.client, sizeof(r.client), "local");
	va_start(ap, fmt);
	vsnprintf(r.resource, sizeof(r.resource), fmt, ap);
	va_end(ap);
	if (vault_audit_append(v, &r, &e) != 0)
		mr_log(MR_LOG_WARNING, "modal-vault: warning: %s was done but not written to the audit log: %s",
			action, e.msg);
}

static int
time_option(struct cli *c, const char *flag, const char *value, int64_t now, int64_t *ms)
{
	char shown[128];
	int64_t t;

	*ms = 0;
	if (value == NULL)
		return 0;
	if (when_parse_time(value, now, &t) != 0 || t <= 0)
		return mr_fail(&c->err, MR_E_USAGE,
			       "%s '%s': expected an RFC 3339 UTC time (2026-11-23T12:00:00Z), a date (2026-11-23) or an age (12h, 7d)",
			       flag, name_for_msg(value, shown, sizeof(shown)));
	*ms = t * 1000;
	return 0;
}

/* A whole number in [min, max] for a flag. */
static int
number_option(struct cli *c, const char *flag, const char *value, long long min,
	      long long max, long long *out)
{
	char shown[128], *end;

	if (value == NULL)
		return 0;
	*out = strtoll(value, &end, 10);
	if (*value == '\0' || *end != '\0' || *out < min || *out > max)
		return mr_fail(&c->err, MR_E_USAGE, "%s '%s': expected a whole number from %lld to %lld",
			       flag, name_for_msg(value, shown, sizeof(shown)), min, max);
	return 0;
}

static int
audit_filter(struct cli *c, struct vault_audit_filter *f)
{
	int64_t now = time(NULL);
	long long limit = AUDIT_DEFAULT_LIMIT, after = 0;

	memset(f, 0, sizeof(*f));
	if (time_option(c, "--since", c->since, now, &f->since_ms) != 0 ||
	    time_option(c, "--until", c->until, now, &f->until_ms) != 0 ||
	    number_option(c, "--limit", c->limit, 1, 1000, &limit) != 0 ||
	    number_option(c, "--after", c->after, 0, INT64_MAX, &after) != 0)
		return -1;
	f->limit = (size_t)limit;
	f->after_id = after;
	f->token_id = c->actor;
	f->action = c->action;
	return 0;
}

static void
print_records(const struct vault_audit_record *list, size_t n, int more)
{
	static const char *const headers[] = { "ID", "TIME", "ACTOR", "ACTION", "RESOURCE",
					       "STATUS", "CLIENT" };
	char (*text)[3][40] = calloc(n + 1, sizeof(*text));
	const char **cells = calloc((n + 1) * 7, sizeof(*cells));
	size_t i;

	for (i = 0; text != NULL && cells != NULL && i < n; i++) {
		snprintf(text[i][0], 40, "%lld", (long long)list[i].id);
		rfc3339_format_ms(list[i].at_ms, text[i][1]);
		snprintf(text[i][2], 40, "%d", list[i].status);
		cells[i * 7] = text[i][0];
		cells[i * 7 + 1] = text[i][1];
		cells[i * 7 + 2] = list[i].token_id[0] ? list[i].token_id : "-";
		cells[i * 7 + 3] = list[i].action;
		cells[i * 7 + 4] = list[i].resource;
		cells[i * 7 + 5] = list[i].status ? text[i][2] : "-";
		cells[i * 7 + 6] = list[i].client;
	}
	if (text != NULL && cells != NULL)
		print_table(7, headers, cells, n);
	if (more)
		printf("More: modal-vault audit --after %lld\n", (long long)list[n - 1].id);
	free(text);
	free(cells);
}

int
cmd_audit(struct cli *c)
{
	struct vault_audit_record *list = NULL;
	struct vault_audit_filter f;
	struct vault *v = NULL;
	json_t *arr;
	size_t n = 0, i;
	int rc = 0, more;

	if (audit_filter(c, &f) != 0 || cli_open(c, &v) != 0 ||
	    vault_audit_list(v, &f, &list, &n, &c->err) != 0) {
		rc = cli_fail(c);
		goto out;
	}
	/* A full page may have more after it; the next page starts after its last id. */
	more = n > 0 && n == f.limit;
	if (c->json) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, audit_record_to_json(&list[i]));
		/* A bare array as every listing: a full page (--limit rows) may
		 * have more, from --after its last id. */
		rc = print_json(arr);
	} else {
		print_records(list, n, more);
	}
out:
	free(list);
	vault_close(v);
	return rc;
}
