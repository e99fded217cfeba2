/* run.c — the conformance runner: opens the vault named by the environment
 * and runs every case of the table for its kind, in order, one line each.
 *   MODAL_CONFORM_URL          the vault (file:, postgres://, http://)
 *   MODAL_CONFORM_KIND         file, pg or http: which rows apply
 *   MODAL_CONFORM_TOKEN_ID     http: the owner's API token ...
 *   MODAL_CONFORM_TOKEN_SECRET ... and its secret
 *   MODAL_CONFORM_SQL          a command reading SQL on stdin for the store's
 *                              database (the rows that stand in for time)
 * Exits 0 when every case passed, 1 otherwise. */
#include "conform.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OUT_LEN 8192

static int
kind_parse(const char *s, unsigned *kind)
{
	static const struct { const char *name; unsigned kind; } kinds[] = {
		{ "file", K_FILE }, { "pg", K_PG }, { "http", K_HTTP },
	};
	size_t i;

	for (i = 0; s != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(s, kinds[i].name) == 0) {
			*kind = kinds[i].kind;
			return 0;
		}
	return -1;
}

static int
run_open(struct conform_run *run)
{
	struct vault_options o = { 0 };
	struct vault_member owner;
	struct mr_err e = { 0 };

	run->url = getenv("MODAL_CONFORM_URL");
	run->token_id = getenv("MODAL_CONFORM_TOKEN_ID");
	run->token_secret = getenv("MODAL_CONFORM_TOKEN_SECRET");
	run->sql_cmd = getenv("MODAL_CONFORM_SQL");
	if (run->url == NULL || kind_parse(getenv("MODAL_CONFORM_KIND"), &run->kind) != 0) {
		fprintf(stderr, "conform: set MODAL_CONFORM_URL and MODAL_CONFORM_KIND"
			" (file, pg or http)\n");
		return -1;
	}
	o.token_id = run->token_id;
	o.token_secret = run->token_secret;
	o.token_secret_len = run->token_secret != NULL ? strlen(run->token_secret) : 0;
	if (vault_open_with(run->url, &o, &run->v, &e) != 0 ||
	    vault_owner(run->v, &owner, &e) != 0) {
		fprintf(stderr, "conform: %s: %s\n", run->url, e.msg);
		return -1;
	}
	slot_save("owner", owner.member_id, NULL);
	if (run->token_id != NULL)
		slot_save("caller", run->token_id, run->token_secret);
	return 0;
}

/* Unknown, wrong, expired, revoked or of the other kind: a caller learns
 * nothing from which. */
static int
same_auth_message(struct conform_run *run, const struct mr_err *e)
{
	if (e->kind != MR_E_AUTH)
		return 1;
	if (run->auth_msg[0] == '\0')
		snprintf(run->auth_msg, sizeof(run->auth_msg), "%s", e->msg);
	return strcmp(run->auth_msg, e->msg) == 0;
}

/* A failing case: the kind, the message, and nothing changed. */
static int
check_failure(struct conform_run *run, const struct conform_case *c, char *out,
	      const char *want_msg, char *why, size_t len)
{
	struct mr_err e = { 0 }, de = { 0 };
	char *before = state_digest(run->v, &de), *after = NULL;
	int rc, ok = 0;

	if (before == NULL) {
		snprintf(why, len, "reading the state before: %s", de.msg);
		return 0;
	}
	rc = op_run(run, c, out, OUT_LEN, &e);
	if (rc != -1)
		snprintf(why, len, "succeeded (%s), want kind %d '%s'", out, (int)c->want, want_msg);
	else if (e.kind != c->want || strstr(e.msg, want_msg) == NULL)
		snprintf(why, len, "kind %d '%s', want kind %d '%s'", (int)e.kind, e.msg,
			 (int)c->want, want_msg);
	else if (strchr(e.msg, '\n') != NULL)
		snprintf(why, len, "message of more than one line: '%s'", e.msg);
	else if (c->whole && (run->kind & K_STORE) && strcmp(e.msg, want_msg) != 0)
		snprintf(why, len, "message '%s', want exactly '%s'", e.msg, want_msg);
	else if (!same_auth_message(run, &e))
		snprintf(why, len, "'%s': another MR_E_AUTH said '%s'", e.msg, run->auth_msg);
	else if ((after = state_digest(run->v, &de)) == NULL)
		snprintf(why, len, "reading the state after: %s", de.msg);
	else if (strcmp(before, after) != 0)
		snprintf(why, len, "failed but changed the vault:\n--- before\n%s--- after\n%s",
			 before, after);
	else
		ok = 1;
	free(before);
	free(after);
	return ok;
}

static int
check_case(struct conform_run *run, const struct conform_case *c, char *out, char *why,
	   size_t len)
{
	static char want[OUT_LEN];
	const char *text = run->kind == K_HTTP && c->http_msg != NULL ? c->http_msg : c->expect;
	const char *w = slot_expand(text, want, sizeof(want));
	struct mr_err e = { 0 };
	int rc;

	if (c->want != MR_OK)
		return check_failure(run, c, out, w != NULL ? w : "", why, len);
	rc = op_run(run, c, out, OUT_LEN, &e);
	/* After the run: the answer may name the id the case just saved. */
	w = slot_expand(text, want, sizeof(want));
	if (rc != 0)
		snprintf(why, len, "failed: kind %d '%s'", (int)e.kind, e.msg);
	else if (w != NULL && strcmp(out, w) != 0)
		snprintf(why, len, "answered\n     '%s'\n want '%s'", out, w);
	else
		return 1;
	return 0;
}

int
main(void)
{
	static char out[OUT_LEN], why[2 * OUT_LEN + 256];
	struct conform_run run = { 0 };
	size_t i, passed = 0, failed = 0, diverged = 0;
	int ok;
	const struct conform_case *c;

	run.started = (int64_t)time(NULL);
	if (sodium_init() < 0 || run_open(&run) != 0)
		return 2;
	for (i = 0; i < conform_ncases; i++) {
		c = &conform_cases[i];
		why[0] = '\0';
		if (c->kinds != 0 && (c->kinds & run.kind) == 0)
			continue;
		if (c->diverges & run.kind) {
			ok = check_case(&run, c, out, why, sizeof(why));
			printf("%s %zu %s%s%s\n", ok ? "CONVERGED (drop the mark)" : "DIVERGES",
			       i + 1, c->what, ok ? "" : ": ", why);
			diverged++;
		} else if (check_case(&run, c, out, why, sizeof(why))) {
			passed++;
			printf("ok   %zu %s\n", i + 1, c->what);
		} else {
			failed++;
			printf("FAIL %zu %s: %s\n", i + 1, c->what, why);
		}
	}
	vault_close(run.v);
	slots_clear();
	printf("%zu passed, %zu failed, %zu known to diverge (%s)\n", passed, failed, diverged,
	       getenv("MODAL_CONFORM_KIND"));
	return failed == 0 ? 0 : 1;
}
