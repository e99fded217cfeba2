/* output.c — opening the vault a command names, errors, confirmation, JSON
 * and tables. */
#include "cli.h"
#include "exitcodes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void
cli_notice(const char *line)
{
	mr_log(MR_LOG_WARNING, "modal-vault: %s", line);
}

int
cli_open(struct cli *c, struct vault **v)
{
	struct vault_options o;

	settings_vault_options(&c->settings, 0, &o);
	o.notice = cli_notice;
	if (vault_open_with(c->url, &o, v, &c->err) != 0)
		return -1;
	/* Before the token goes anywhere: a server whose key changed is refused. */
	if (vault_check_server_key(*v, &c->err) != 0) {
		vault_close(*v);
		*v = NULL;
		return -1;
	}
	return 0;
}

int
cli_fail(struct cli *c)
{
	mr_log(MR_LOG_ERR, "modal-vault: %s", c->err.msg);
	return mr_exit_code(c->err.kind);
}

/* Destructive commands ask first; without a terminal to ask on, -y is required. */
int
cli_confirm(struct cli *c, const char *question)
{
	char answer[16];

	if (c->yes)
		return 0;
	if (!isatty(STDIN_FILENO))
		return mr_fail(&c->err, MR_E_USAGE,
			       "%s: not confirmed (no terminal to ask on): pass -y/--yes", question);
	fprintf(stderr, "%s [y/N] ", question);
	if (fgets(answer, sizeof(answer), stdin) == NULL ||
	    (strcmp(answer, "y\n") != 0 && strcmp(answer, "yes\n") != 0))
		return mr_fail(&c->err, MR_E_USAGE, "%s: not confirmed, nothing changed", question);
	return 0;
}

void
format_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

int
print_json(json_t *j)
{
	int rc = j == NULL ? -1 : json_dumpf(j, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);

	json_decref(j);
	putchar('\n');
	return rc == 0 ? 0 : EXIT_SOFTWARE;
}

/* Modal prints its rows' times as Python's isoformat(sep=" ") of the local
 * time: "2026-12-04 05:06:07+01:00". */
json_t *
modal_time_json(int64_t t)
{
	time_t tt = (time_t)t;
	char buf[40];
	struct tm tm;
	size_t n;

	if (t <= 0 || localtime_r(&tt, &tm) == NULL ||
	    (n = strftime(buf, sizeof(buf) - 1, "%Y-%m-%d %H:%M:%S%z", &tm)) < 5)
		return json_null();
	memmove(buf + n - 1, buf + n - 2, 3);   /* +0100 -> +01:00 */
	buf[n - 2] = ':';
	return json_string(buf);
}

/* modal secret list: Name, Created at, Created by, Last used at. We record
 * neither who created a secret nor when it was last used: null and "-",
 * what Modal prints for those. */
json_t *
modal_secret_row(const struct vault_secret_meta *m)
{
	return json_pack("{s:s, s:o, s:n, s:s}", "Name", m->name,
			 "Created at", modal_time_json(m->created_at), "Created by",
			 "Last used at", "-");
}

/* modal environment list: name, web suffix, active (the environment the
 * command would use: -e, MODAL_ENVIRONMENT or the profile's, else the
 * vault's default). */
json_t *
modal_env_row(const struct vault_env *env, const char *active)
{
	int is_active = active != NULL ? strcmp(env->name, active) == 0 : env->is_default;

	return json_pack("{s:s, s:s, s:b}", "name", env->name, "web suffix",
			 env->webhook_suffix, "active", is_active);
}

int
write_stdout_direct(const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	if (fflush(stdout) != 0)
		return -1;
	while (len > 0) {
		n = write(STDOUT_FILENO, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
print_table(int ncols, const char *const *headers, const char *const *cells, size_t nrows)
{
	size_t width[16] = { 0 }, r;
	int col;

	for (col = 0; col < ncols && col < 16; col++) {
		width[col] = strlen(headers[col]);
		for (r = 0; r < nrows; r++)
			if (strlen(cells[r * ncols + col]) > width[col])
				width[col] = strlen(cells[r * ncols + col]);
	}
	for (col = 0; col < ncols; col++)
		printf("%-*s%s", col + 1 < ncols ? (int)width[col] : 0, headers[col],
		       col + 1 < ncols ? "  " : "\n");
	for (r = 0; r < nrows; r++)
		for (col = 0; col < ncols; col++)
			printf("%-*s%s", col + 1 < ncols ? (int)width[col] : 0,
			       cells[r * ncols + col], col + 1 < ncols ? "  " : "\n");
}
