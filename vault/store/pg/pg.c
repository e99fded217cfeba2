/* pg.c — the PostgreSQL store's connection: opening it with bounded waits,
 * reconnecting after the database went away, running parameterised
 * statements, and mapping SQLSTATEs to the vault's error kinds. */
#include "pg_int.h"
#include "secmem.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void
pp_text(struct pg_params *pp, const char *s)
{
	pp->val[pp->n] = s;
	pp->len[pp->n] = 0;
	pp->fmt[pp->n++] = 0;
}

void
pp_int(struct pg_params *pp, int64_t x)
{
	snprintf(pp->num[pp->n], sizeof(pp->num[0]), "%" PRId64, x);
	pp_text(pp, pp->num[pp->n]);
}

void
pp_bytes(struct pg_params *pp, const void *b, size_t len)
{
	pp->val[pp->n] = b;
	pp->len[pp->n] = (int)len;
	pp->fmt[pp->n++] = 1;
}

/* libpq prints NOTICEs on stderr by default; a server's stderr is its log,
 * and nothing the database says there is ours to print. */
static void
notice_ignore(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* The first line of libpq's message, for one-line errors. */
static const char *
first_line(const char *msg, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)strcspn(msg, "\n"), msg);
	return buf;
}

static int connect_failed(struct pg *p, struct mr_err *e);

/* Whatever the database's defaults, a session here is read committed (the
 * code takes its own row locks), reads bytea as hex, and never acknowledges
 * a commit that is not durable; statements and lock waits are bounded so a
 * stuck database gives an error, not a hung server. */
static int
session_setup(struct pg *p, struct mr_err *e)
{
	static const char *const setup_rw =
		"SELECT set_config('default_transaction_isolation', 'read committed', false),"
		" set_config('bytea_output', 'hex', false),"
		" set_config('synchronous_commit', CASE current_setting('synchronous_commit')"
		"   WHEN 'off' THEN 'on' ELSE current_setting('synchronous_commit') END, false),"
		" set_config('statement_timeout', CASE current_setting('statement_timeout')"
		"   WHEN '0' THEN '5s' ELSE current_setting('statement_timeout') END, false),"
		" set_config('lock_timeout', CASE current_setting('lock_timeout')"
		"   WHEN '0' THEN '3s' ELSE current_setting('lock_timeout') END, false),"
		" set_config('idle_in_transaction_session_timeout',"
		"   CASE current_setting('idle_in_transaction_session_timeout')"
		"   WHEN '0' THEN '60s' ELSE current_setting('idle_in_transaction_session_timeout') END,"
		"   false)";
	char sql[1024];
	PGresult *r;

	snprintf(sql, sizeof(sql), "%s, set_config('default_transaction_read_only', '%s', false)",
		 setup_rw, p->readonly ? "on" : "off");
	p->nprepared = 0;
	p->answer_ms = PG_ANSWER_DEFAULT_MS;
	/* Non-blocking, so that sending a large bundle to a database that stopped
	 * reading cannot block either: every wait is a poll with a deadline. */
	if (p->pq->setnonblocking(p->conn, 1) != 0)
		return connect_failed(p, e);
	if (pg_exec(p, sql, "setting up the session", e) != 0 ||
	    (r = pg_run(p, "SELECT setting FROM pg_settings WHERE name = 'statement_timeout'",
			NULL, "setting up the session", e)) == NULL)
		return -1;
	p->answer_ms = (int)pg_int(p, r, 0, 0) + PG_ANSWER_MARGIN_MS;
	p->pq->clear(r);
	return 0;
}

static int
connect_failed(struct pg *p, struct mr_err *e)
{
	char line[256];

	return mr_fail(e, MR_E_UNAVAILABLE, "cannot reach the PostgreSQL store: %s",
		       first_line(p->conn != NULL ? p->pq->errorMessage(p->conn) : "out of memory",
				  line, sizeof(line)));
}

int
pg_connect(const char *url, int readonly, struct pg **out, struct mr_err *e)
{
	/* Before dbname, so that the URL may override them (libpq's rule). */
	static const char *const keys[] = {
		"connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
		"keepalives_count", "tcp_user_timeout", "application_name", "client_encoding",
		"dbname", NULL,
	};
	const char *values[] = { "5", "1", "10", "5", "3", "15000", "modal-vault", "UTF8",
				 url, NULL };
	struct pg *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	p->store.vault.ops = &pg_vault_ops;
	p->store.rows = &pg_rows;
	p->store.keys = &p->keys;
	p->readonly = readonly;
	if ((p->pq = pg_dl_load(e)) == NULL) {
		free(p);
		return -1;
	}
	p->conn = p->pq->connectdbParams(keys, values, 1);
	if (p->conn == NULL || p->pq->status(p->conn) != CONNECTION_OK) {
		connect_failed(p, e);
		pg_close(&p->store.vault);
		return -1;
	}
	p->pq->setNoticeProcessor(p->conn, notice_ignore, NULL);
	if (session_setup(p, e) != 0) {
		pg_close(&p->store.vault);
		return -1;
	}
	*out = p;
	return 0;
}

/* Before each statement: a connection the database closed while it sat idle
 * (a restart, a failover), or one that stopped answering, is found without
 * blocking and opened again. Never inside a transaction: its earlier
 * statements died with the connection, and going on would commit the rest
 * alone. */
static int
pg_ready(struct pg *p, int in_tx, struct mr_err *e)
{
	if (!p->broken && p->pq->status(p->conn) == CONNECTION_OK &&
	    (in_tx || p->pq->consumeInput(p->conn) == 1) &&
	    p->pq->status(p->conn) == CONNECTION_OK)
		return 0;
	if (in_tx)
		return mr_fail(e, MR_E_UNAVAILABLE,
			       "the connection to the PostgreSQL store was lost in a transaction");
	p->pq->reset(p->conn);
	p->broken = 0;
	if (p->pq->status(p->conn) != CONNECTION_OK)
		return connect_failed(p, e);
	return session_setup(p, e);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the socket is ready for events or the deadline passes. */
static int
wait_socket(struct pg *p, short events, int64_t deadline)
{
	struct pollfd pfd = { p->pq->socket(p->conn), events, 0 };
	int left = (int)(deadline - now_ms()), n;

	if (left <= 0)
		return -1;
	n = poll(&pfd, 1, left);
	return n < 0 && errno == EINTR ? 0 : n > 0 ? 0 : -1;
}

/* The whole answer to what was just sent (sent is libpq's verdict on the
 * sending), within p->answer_ms. A database that accepted a statement and
 * then went silent — a frozen host, a stopped process — is still
 * acknowledged by its kernel, so neither TCP nor keepalives would end the
 * wait: the connection is marked broken and dropped on the next call. */
static PGresult *
answer(struct pg *p, int sent)
{
	int64_t deadline = now_ms() + p->answer_ms;
	PGresult *r, *last = NULL;
	int pending;

	if (!sent)
		return NULL;
	while ((pending = p->pq->flush(p->conn)) == 1)
		if (wait_socket(p, POLLOUT | POLLIN, deadline) != 0)
			goto timeout;
	while (pending == 0 && p->pq->isBusy(p->conn)) {
		if (wait_socket(p, POLLIN, deadline) != 0)
			goto timeout;
		if (p->pq->consumeInput(p->conn) == 0)
			break;
	}
	while ((r = p->pq->getResult(p->conn)) != NULL) {
		p->pq->clear(last);
		last = r;
	}
	return last;
timeout:
	p->broken = 1;
	return NULL;
}

static enum mr_kind
kind_of(const struct pg *p, const char *state)
{
	static const struct { const char *prefix; enum mr_kind kind; } table[] = {
		{ "08", MR_E_UNAVAILABLE },     /* connection exceptions */
		{ "57P0", MR_E_UNAVAILABLE },   /* admin/crash shutdown, cannot connect now */
		{ "53", MR_E_UNAVAILABLE },     /* out of connections, disk, memory */
		{ "25006", MR_E_UNAVAILABLE },  /* a standby: writes wait for failover */
		{ "57014", MR_E_TIMEOUT },      /* statement_timeout */
		{ "55P03", MR_E_TIMEOUT },      /* lock_timeout */
		{ "40", MR_E_TIMEOUT },         /* serialization failure, deadlock: retry */
		{ "23505", MR_E_EXISTS },
		{ "23503", MR_E_CONFLICT },
		{ "23", MR_E_INVALID },
		{ "42", MR_E_INTERNAL },        /* our SQL or a schema we do not know */
	};
	size_t i;

	if (p->pq->status(p->conn) != CONNECTION_OK || state[0] == '\0')
		return MR_E_UNAVAILABLE;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strncmp(state, table[i].prefix, strlen(table[i].prefix)) == 0)
			return table[i].kind;
	return MR_E_IO;
}

static int
run_failed_state(struct pg *p, const PGresult *r, const char *what, struct mr_err *e)
{
	const char *state = r != NULL ? p->pq->resultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *constraint = r != NULL ? p->pq->resultErrorField(r, PG_DIAG_CONSTRAINT_NAME)
					   : NULL;
	const char *msg = r != NULL ? p->pq->resultErrorMessage(r) : "";
	char line[256];
	enum mr_kind kind;

	snprintf(p->sqlstate, sizeof(p->sqlstate), "%s", state != NULL ? state : "");
	snprintf(p->constraint, sizeof(p->constraint), "%s", constraint != NULL ? constraint : "");
	if (*msg == '\0')
		msg = p->pq->errorMessage(p->conn);
	kind = kind_of(p, p->sqlstate);
	if (kind == MR_E_UNAVAILABLE)
		return mr_fail(e, kind, "PostgreSQL store unavailable: %s: %s", what,
			       first_line(msg, line, sizeof(line)));
	return mr_fail(e, kind, "vault database: %s: %s", what, first_line(msg, line, sizeof(line)));
}

static int
run_failed(struct pg *p, const PGresult *r, const char *what, struct mr_err *e)
{
	if (p->broken) {
		p->sqlstate[0] = '\0';
		return mr_fail(e, MR_E_UNAVAILABLE,
			       "PostgreSQL store unavailable: %s: no answer in %d ms", what,
			       p->answer_ms);
	}
	return run_failed_state(p, r, what, e);
}

static int
result_ok(const struct pg *p, const PGresult *r)
{
	ExecStatusType st = r != NULL ? p->pq->resultStatus(r) : PGRES_FATAL_ERROR;

	return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

/* Prepares sql on this connection the first time it is used there. */
static PGresult *
run_once(struct pg *p, const char *sql, const struct pg_params *pp)
{
	static const struct pg_params none;
	char name[16];
	PGresult *r;
	size_t i;

	if (pp == NULL)
		pp = &none;
	for (i = 0; i < p->nprepared && p->prepared[i] != sql; i++)
		;
	if (i == PG_MAX_PREPARED)
		return answer(p, p->pq->sendQueryParams(p->conn, sql, pp->n, NULL, pp->val,
							pp->len, pp->fmt, 0));
	snprintf(name, sizeof(name), "mv%zu", i);
	if (i == p->nprepared) {
		r = answer(p, p->pq->sendPrepare(p->conn, name, sql, 0, NULL));
		if (!result_ok(p, r))
			return r;
		p->pq->clear(r);
		p->prepared[p->nprepared++] = sql;
	}
	return answer(p, p->pq->sendQueryPrepared(p->conn, name, pp->n, pp->val, pp->len,
						  pp->fmt, 0));
}

/* A read, or the BEGIN of a transaction, that failed because the connection
 * broke under it did nothing: it is safe to send again once, on a new one.
 * Not after a silent database: that would only wait as long again. */
static int
retry_safe(const struct pg *p, const char *sql, int in_tx)
{
	return !in_tx && !p->broken && p->pq->status(p->conn) != CONNECTION_OK &&
	       (strncmp(sql, "SELECT ", 7) == 0 || strcmp(sql, "BEGIN") == 0);
}

PGresult *
pg_run(struct pg *p, const char *sql, const struct pg_params *pp, const char *what,
       struct mr_err *e)
{
	PGresult *r = NULL;
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		p->pq->clear(r);
		if (pg_ready(p, p->in_tx, e) != 0)
			return NULL;
		r = run_once(p, sql, pp);
		if (result_ok(p, r)) {
			p->sqlstate[0] = '\0';
			return r;
		}
		if (!retry_safe(p, sql, p->in_tx))
			break;
	}
	run_failed(p, r, what, e);
	p->pq->clear(r);
	return NULL;
}

int
pg_run_cmd(struct pg *p, const char *sql, const struct pg_params *pp, long *changed,
	   const char *what, struct mr_err *e)
{
	PGresult *r = pg_run(p, sql, pp, what, e);

	if (r == NULL)
		return -1;
	if (changed != NULL)
		*changed = strtol(p->pq->cmdTuples(r), NULL, 10);
	p->pq->clear(r);
	return 0;
}

int
pg_exec(struct pg *p, const char *sql, const char *what, struct mr_err *e)
{
	PGresult *r;
	int rc = 0;

	if (pg_ready(p, p->in_tx, e) != 0)
		return -1;
	r = answer(p, p->pq->sendQuery(p->conn, sql));
	if (!result_ok(p, r))
		rc = run_failed(p, r, what, e);
	p->pq->clear(r);
	return rc;
}

/* The transaction is tracked here rather than asked of libpq, which says
 * "unknown" once a connection broke: a statement must never reconnect and
 * run alone after the earlier ones of its transaction died. */
int
pg_begin(struct pg *p, struct mr_err *e)
{
	if (pg_run_cmd(p, "BEGIN", NULL, NULL, "starting a transaction", e) != 0)
		return -1;
	p->in_tx = 1;
	return 0;
}

int
pg_commit(struct pg *p, struct mr_err *e)
{
	int rc;

	/* A COMMIT whose answer was lost may or may not have happened: it is
	 * reported as unavailable (503) and never acknowledged. */
	rc = pg_exec(p, "COMMIT", "committing", e);
	p->in_tx = 0;
	return rc;
}

void
pg_rollback(struct pg *p)
{
	PGresult *r;

	p->in_tx = 0;
	if (p->broken || p->pq->status(p->conn) != CONNECTION_OK ||
	    p->pq->transactionStatus(p->conn) == PQTRANS_IDLE)
		return;
	r = answer(p, p->pq->sendQuery(p->conn, "ROLLBACK"));
	p->pq->clear(r);
}

int
pg_state_is(const struct pg *p, const char *sqlstate)
{
	return strcmp(p->sqlstate, sqlstate) == 0;
}

void
pg_text(const struct pg *p, const PGresult *r, int row, int col, char *buf, size_t len)
{
	snprintf(buf, len, "%s", p->pq->getvalue(r, row, col));
}

int64_t
pg_int(const struct pg *p, const PGresult *r, int row, int col)
{
	return strtoll(p->pq->getvalue(r, row, col), NULL, 10);
}

size_t
pg_bytes_len(const struct pg *p, const PGresult *r, int row, int col)
{
	int len = p->pq->getlength(r, row, col);

	return len >= 2 ? (size_t)(len - 2) / 2 : 0;
}

int
pg_bytes(const struct pg *p, const PGresult *r, int row, int col, unsigned char *out,
	 size_t max, size_t *len)
{
	const char *hex = p->pq->getvalue(r, row, col), *end;
	size_t hexlen = (size_t)p->pq->getlength(r, row, col);

	if (hexlen < 2 || strncmp(hex, "\\x", 2) != 0 || (hexlen - 2) / 2 > max)
		return -1;
	if (sodium_hex2bin(out, max, hex + 2, hexlen - 2, NULL, len, &end) != 0 ||
	    end != hex + hexlen)
		return -1;
	return 0;
}

void
pg_close(struct vault *base)
{
	struct pg *p = (struct pg *)base;

	if (p == NULL)
		return;
	if (p->conn != NULL)
		p->pq->finish(p->conn);
	if (p->keys.k != NULL)
		keyring_clear(&p->keys);
	free(p);
}
