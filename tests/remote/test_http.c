/* test_http.c — the remote transport against scripted HTTP servers on
 * loopback (forked here): error mapping, retries only on transient failures,
 * Retry-After, the deadline, failover in order, Unix sockets, and the token
 * sent only where it belongs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "remote/remote.h"
#include "secmem.h"

/* One scripted answer; the last one repeats. */
struct step {
	int status;                 /* 0: accept and never answer */
	const char *headers;        /* extra header lines, each ending \r\n */
	const char *body;
};

struct fake {
	pid_t pid;
	int port;
	char sock[108];
	char log[64];               /* one line per request: "METHOD PATH AUTH" */
};

#define MAX_FAKES 4
static struct fake fakes[MAX_FAKES];
static int nfakes;
static const char token_secret[] = "as-0123456789abcdefghijklmnopqrstuvwxyzABCDEF";

/* Reads a request: the head, then Content-Length bytes. Returns the head. */
static int
read_request(int fd, char *head, size_t len)
{
	size_t n = 0;
	ssize_t r;
	char *end, *cl;
	long body = 0, got;

	while ((r = read(fd, head + n, len - 1 - n)) > 0) {
		n += (size_t)r;
		head[n] = '\0';
		if ((end = strstr(head, "\r\n\r\n")) != NULL)
			break;
	}
	if (r <= 0)
		return -1;
	if ((cl = strcasestr(head, "Content-Length:")) != NULL)
		body = strtol(cl + 15, NULL, 10);
	got = (long)(n - (size_t)(end + 4 - head));
	while (got < body && (r = read(fd, head, len - 1)) > 0)
		got += r;
	return 0;
}

static void
log_request(const char *log, const char *head)
{
	FILE *f = fopen(log, "a");
	const char *auth = strcasestr(head, "\r\nAuthorization: Bearer ");

	fprintf(f, "%.*s %s\n", (int)strcspn(head, "\r\n"), head,
		auth == NULL ? "-" : strncmp(auth + 24, "ak-test:", 8) == 0 &&
		strncmp(auth + 32, token_secret, strlen(token_secret)) == 0 ? "token" : "other");
	fclose(f);
}

static void
serve(int lfd, const char *log, const struct step *steps, size_t nsteps)
{
	char head[65536], answer[70000];
	size_t i = 0;
	int fd;

	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) < 0)
			continue;
		if (steps[i].status == 0) {
			pause();                  /* accepted, never answered */
			continue;
		}
		if (read_request(fd, head, sizeof(head)) == 0) {
			log_request(log, head);
			snprintf(answer, sizeof(answer),
				 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n%s"
				 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
				 steps[i].status, steps[i].headers ? steps[i].headers : "",
				 strlen(steps[i].body ? steps[i].body : ""),
				 steps[i].body ? steps[i].body : "");
			if (write(fd, answer, strlen(answer)) < 0)
				_exit(1);
			if (i + 1 < nsteps)
				i++;
		}
		close(fd);
	}
}

static struct fake *
fake_start(int unix_socket, const struct step *steps, size_t nsteps)
{
	struct fake *f = &fakes[nfakes++];
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	socklen_t len = sizeof(in);
	int lfd;

	snprintf(f->log, sizeof(f->log), "/tmp/modal-http-%d-%d.log", (int)getpid(), nfakes);
	unlink(f->log);
	close(open(f->log, O_CREAT | O_WRONLY, 0600));
	if (unix_socket) {
		snprintf(f->sock, sizeof(f->sock), "/tmp/modal-http-%d-%d.sock", (int)getpid(), nfakes);
		unlink(f->sock);
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", f->sock);
		lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_int_equal(bind(lfd, (struct sockaddr *)&un, sizeof(un)), 0);
	} else {
		in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		lfd = socket(AF_INET, SOCK_STREAM, 0);
		assert_int_equal(bind(lfd, (struct sockaddr *)&in, sizeof(in)), 0);
		assert_int_equal(getsockname(lfd, (struct sockaddr *)&in, &len), 0);
		f->port = ntohs(in.sin_port);
	}
	assert_int_equal(listen(lfd, 16), 0);
	if ((f->pid = fork()) == 0) {
		serve(lfd, f->log, steps, nsteps);
		_exit(0);
	}
	close(lfd);
	return f;
}

/* A port nobody listens on. */
static int
dead_port(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	socklen_t len = sizeof(in);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&in, &len), 0);
	port = ntohs(in.sin_port);
	close(fd);
	return port;
}

static int
teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < nfakes; i++) {
		kill(fakes[i].pid, SIGKILL);
		waitpid(fakes[i].pid, NULL, 0);
		unlink(fakes[i].log);
		if (fakes[i].sock[0])
			unlink(fakes[i].sock);
	}
	memset(fakes, 0, sizeof(fakes));
	nfakes = 0;
	return 0;
}

static struct remote *
open_remote(const char *urls, int64_t timeout_ms)
{
	struct remote_options o = { "ak-test", token_secret, strlen(token_secret), NULL, NULL,
				    timeout_ms, NULL };
	struct remote *r = NULL;
	struct mr_err e = { 0 };

	assert_int_equal(secmem_init(), 0);
	if (remote_open(urls, &o, &r, &e) != 0)
		fail_msg("remote_open: %s", e.msg);
	return r;
}

static char *
url_of(const struct fake *f, char *buf, size_t len)
{
	if (f->sock[0])
		snprintf(buf, len, "unix:%s", f->sock);
	else
		snprintf(buf, len, "http://127.0.0.1:%d", f->port);
	return buf;
}

static int
requests(const struct fake *f)
{
	FILE *l = fopen(f->log, "r");
	int n = 0, ch;

	while ((ch = fgetc(l)) != EOF)
		n += ch == '\n';
	fclose(l);
	return n;
}

static int64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One GET (or POST with flags 0) against url; returns remote_call's result. */
static int
call(const char *url, const char *method, unsigned flags, int64_t timeout_ms,
     json_t **answer, struct mr_err *e)
{
	struct remote *r = open_remote(url, timeout_ms);
	json_t *body = strcmp(method, "GET") == 0 ? NULL : json_pack("{s:s}", "name", "x");
	int rc;

	mr_clear(e);
	rc = remote_call(r, method, "/v1/thing", body, flags, answer, e);
	json_decref(body);
	remote_close(r);
	return rc;
}

static void
test_ok_and_token(void **state)
{
	static const struct step ok[] = { { 200, NULL, "{\"data\":[1,2]}" } };
	struct fake *f = fake_start(0, ok, 1);
	struct mr_err e = { 0 };
	json_t *answer = NULL;
	char url[200], line[300];
	FILE *l;

	(void)state;
	assert_int_equal(call(url_of(f, url, sizeof(url)), "GET", REMOTE_IDEMPOTENT, 5000, &answer,
			      &e), 0);
	assert_int_equal(json_array_size(json_object_get(answer, "data")), 2);
	json_decref(answer);
	assert_int_equal(call(url, "GET", REMOTE_IDEMPOTENT | REMOTE_NO_AUTH, 5000, NULL, &e), 0);
	assert_non_null(l = fopen(f->log, "r"));
	assert_non_null(fgets(line, sizeof(line), l));
	assert_string_equal(line, "GET /v1/thing HTTP/1.1 token\n");
	assert_non_null(fgets(line, sizeof(line), l));
	assert_string_equal(line, "GET /v1/thing HTTP/1.1 -\n");
	fclose(l);
}

/* 4xx: one request, the server's message, the right kind. */
static void
test_client_errors(void **state)
{
	static const struct { int status; const char *body; enum mr_kind kind; const char *msg; } cases[] = {
		{ 404, "{\"error\":{\"code\":\"not_found\",\"message\":\"secret 'db' not found in environment 'prod'\"}}",
		  MR_E_NOTFOUND, ": secret 'db' not found in environment 'prod'" },
		{ 401, "{\"error\":{\"code\":\"unauthorized\",\"message\":\"token revoked\"}}",
		  MR_E_AUTH, ": unauthorised: token revoked" },
		{ 403, "{\"error\":{\"code\":\"forbidden\",\"message\":\"needs manager\"}}",
		  MR_E_FORBIDDEN, ": needs manager" },
		{ 409, "{\"error\":{\"code\":\"already_exists\",\"message\":\"exists\"}}",
		  MR_E_EXISTS, ": exists" },
		{ 409, "{\"error\":{\"code\":\"conflict\",\"message\":\"version moved\"}}",
		  MR_E_CONFLICT, ": version moved" },
		{ 400, "not json at all", MR_E_INVALID, ": HTTP 400" },
		{ 413, "{\"error\":{\"code\":\"too_large\",\"message\":\"big\\u0007\"}}",
		  MR_E_TOOLARGE, ": big\\x07" },
	};
	struct mr_err e = { 0 };
	char url[200], want[300];
	struct step step;
	struct fake *f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		step = (struct step){ cases[i].status, NULL, cases[i].body };
		f = fake_start(0, &step, 1);
		assert_int_equal(call(url_of(f, url, sizeof(url)), "GET", REMOTE_IDEMPOTENT, 5000,
				      NULL, &e), -1);
		assert_int_equal(e.kind, cases[i].kind);
		snprintf(want, sizeof(want), "vault %s%s", url, cases[i].msg);
		assert_string_equal(e.msg, want);
		assert_int_equal(requests(f), 1);
		teardown(NULL);
	}
}

static void
test_unavailable_retried(void **state)
{
	static const struct step down[] = {
		{ 503, NULL, "{\"error\":{\"code\":\"unavailable\",\"message\":\"store busy\"}}" } };
	static const struct step then_ok[] = { { 502, NULL, "" }, { 200, NULL, "{}" } };
	struct fake *f = fake_start(0, down, 1), *g = fake_start(0, then_ok, 2);
	struct mr_err e = { 0 };
	char url[200];

	(void)state;
	assert_int_equal(call(url_of(f, url, sizeof(url)), "GET", REMOTE_IDEMPOTENT, 5000, NULL,
			      &e), -1);
	assert_int_equal(e.kind, MR_E_UNAVAILABLE);
	assert_non_null(strstr(e.msg, "unavailable: answered HTTP 503: store busy"));
	assert_int_equal(requests(f), REMOTE_ROUNDS);
	assert_int_equal(call(url_of(g, url, sizeof(url)), "GET", REMOTE_IDEMPOTENT, 5000, NULL,
			      &e), 0);
	assert_int_equal(requests(g), 2);
}

/* A 500 to a write may have been a write: reported, not repeated. */
static void
test_write_not_repeated(void **state)
{
	static const struct step err[] = { { 500, NULL, "" } };
	struct fake *f = fake_start(0, err, 1);
	struct mr_err e = { 0 };
	char url[200];

	(void)state;
	assert_int_equal(call(url_of(f, url, sizeof(url)), "POST", 0, 5000, NULL, &e), -1);
	assert_int_equal(e.kind, MR_E_UNAVAILABLE);
	assert_int_equal(requests(f), 1);
}

static void
test_retry_after(void **state)
{
	static const struct step limited[] = {
		{ 429, "Retry-After: 1\r\n", "{\"error\":{\"code\":\"rate_limited\",\"message\":\"slow down\"}}" },
		{ 200, NULL, "{}" } };
	struct fake *f = fake_start(0, limited, 2), *g = fake_start(0, limited, 1);
	struct mr_err e = { 0 };
	char url[200];
	int64_t t0 = ms_now();

	(void)state;
	assert_int_equal(call(url_of(f, url, sizeof(url)), "GET", REMOTE_IDEMPOTENT, 5000, NULL,
			      &e), 0);
	assert_true(ms_now() - t0 >= 1000);
	assert_int_equal(requests(f), 2);
	/* Still limited when the rounds run out: temporary, 75. */
	assert_int_equal(call(url_of(g, url, sizeof(url)), "GET", REMOTE_IDEMPOTENT, 5000, NULL,
			      &e), -1);
	assert_int_equal(e.kind, MR_E_TIMEOUT);
	assert_non_null(strstr(e.msg, "rate limiting"));
}

static void
test_refused(void **state)
{
	struct mr_err e = { 0 };
	char url[200];
	int64_t t0 = ms_now();

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", dead_port());
	assert_int_equal(call(url, "GET", REMOTE_IDEMPOTENT, 10000, NULL, &e), -1);
	assert_int_equal(e.kind, MR_E_UNAVAILABLE);
	assert_non_null(strstr(e.msg, "unreachable: Connection refused"));
	assert_non_null(strstr(e.msg, url));
	/* Bounded: three rounds and two short pauses, not the whole deadline. */
	assert_true(ms_now() - t0 < 1500);
}

static void
test_deadline(void **state)
{
	static const struct step hang[] = { { 0, NULL, NULL } };
	struct fake *f = fake_start(0, hang, 1);
	struct mr_err e = { 0 };
	char url[200];
	int64_t t0 = ms_now(), took;

	(void)state;
	assert_int_equal(call(url_of(f, url, sizeof(url)), "GET", REMOTE_IDEMPOTENT, 1500, NULL,
			      &e), -1);
	took = ms_now() - t0;
	assert_int_equal(e.kind, MR_E_TIMEOUT);
	assert_non_null(strstr(e.msg, ": no answer within the 1.5 s deadline"));
	assert_null(strstr(e.msg, "("));
	assert_true(took >= 1400 && took < 2500);
	/* A write that got no answer is not sent again. */
	assert_int_equal(call(url, "POST", 0, 800, NULL, &e), -1);
	assert_int_equal(e.kind, MR_E_TIMEOUT);
	assert_non_null(strstr(e.msg, "may or may not have been made"));
}

static void
test_failover(void **state)
{
	static const struct step ok[] = { { 200, NULL, "{\"server\":2}" } };
	static const struct step hang[] = { { 0, NULL, NULL } };
	struct fake *good = fake_start(0, ok, 1), *stuck = fake_start(0, hang, 1);
	struct mr_err e = { 0 };
	json_t *answer = NULL;
	char list[400], a[200], b[200];
	int64_t t0;

	(void)state;
	snprintf(list, sizeof(list), "http://127.0.0.1:%d,%s", dead_port(),
		 url_of(good, a, sizeof(a)));
	assert_int_equal(call(list, "GET", REMOTE_IDEMPOTENT, 5000, &answer, &e), 0);
	assert_int_equal(json_integer_value(json_object_get(answer, "server")), 2);
	json_decref(answer);
	/* A first server that never answers gets its share of the deadline only. */
	snprintf(list, sizeof(list), "%s,%s", url_of(stuck, a, sizeof(a)), url_of(good, b, sizeof(b)));
	t0 = ms_now();
	assert_int_equal(call(list, "GET", REMOTE_IDEMPOTENT, 2000, NULL, &e), 0);
	assert_true(ms_now() - t0 < 1800);
	assert_int_equal(requests(good), 2);
	/* Both down: one line naming each. */
	snprintf(list, sizeof(list), "http://127.0.0.1:%d,http://127.0.0.1:%d", dead_port(),
		 dead_port());
	assert_int_equal(call(list, "GET", REMOTE_IDEMPOTENT, 5000, NULL, &e), -1);
	assert_int_equal(e.kind, MR_E_UNAVAILABLE);
	assert_null(strchr(e.msg, '\n'));
	assert_non_null(strstr(e.msg, "; http://127.0.0.1:"));
}

static void
test_unix_socket(void **state)
{
	static const struct step ok[] = { { 200, NULL, "{\"ok\":true}" } };
	struct fake *f = fake_start(1, ok, 1);
	struct mr_err e = { 0 };
	json_t *answer = NULL;
	char url[200];

	(void)state;
	assert_int_equal(call(url_of(f, url, sizeof(url)), "GET", REMOTE_IDEMPOTENT, 5000, &answer,
			      &e), 0);
	assert_true(json_is_true(json_object_get(answer, "ok")));
	json_decref(answer);
	snprintf(url, sizeof(url), "unix:/tmp/modal-no-such-%d.sock", (int)getpid());
	assert_int_equal(call(url, "GET", REMOTE_IDEMPOTENT, 5000, NULL, &e), -1);
	assert_int_equal(e.kind, MR_E_UNAVAILABLE);
	assert_non_null(strstr(e.msg, "No such file or directory at /tmp/modal-no-such-"));
}

static void
test_malformed(void **state)
{
	static const struct step bad[] = { { 200, NULL, "[1,2]" } };
	struct fake *f = fake_start(0, bad, 1);
	struct mr_err e = { 0 };
	json_t *answer = NULL;
	char url[200];

	(void)state;
	assert_int_equal(call(url_of(f, url, sizeof(url)), "GET", REMOTE_IDEMPOTENT, 5000, &answer,
			      &e), -1);
	assert_int_equal(e.kind, MR_E_INVALID);
	assert_null(answer);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_ok_and_token, teardown),
		cmocka_unit_test_teardown(test_client_errors, teardown),
		cmocka_unit_test_teardown(test_unavailable_retried, teardown),
		cmocka_unit_test_teardown(test_write_not_repeated, teardown),
		cmocka_unit_test_teardown(test_retry_after, teardown),
		cmocka_unit_test_teardown(test_refused, teardown),
		cmocka_unit_test_teardown(test_deadline, teardown),
		cmocka_unit_test_teardown(test_failover, teardown),
		cmocka_unit_test_teardown(test_unix_socket, teardown),
		cmocka_unit_test_teardown(test_malformed, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
