/* http.c — the libmicrohttpd side: one daemon per listener with a thread
 * pool (fed by front.c), request bodies gathered under a size cap (no POST
 * processor: JSON only), limits that answer in JSON, and each worker's own
 * store connection. */
#include "internal.h"
#include "secmem.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>

/* A worker's store connection and scratch, made on its first request and
 * released when the thread ends (pthread key destructor). */
struct thread_ctx *
thread_ctx_get(struct server *s, struct mr_err *e)
{
	struct thread_ctx *ctx = pthread_getspecific(s->thread_key);

	if (ctx != NULL)
		return ctx;
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		mr_fail(e, MR_E_INTERNAL, "out of memory");
		return NULL;
	}
	if (vault_open(s->store_url, &ctx->v, e) != 0) {
		free(ctx);
		return NULL;
	}
	ctx->scratch = xsecure_alloc(SCRATCH_LEN);
	ctx->shared = xsecure_alloc(WIRE_SHARED_LEN);
	pthread_setspecific(s->thread_key, ctx);
	return ctx;
}

void
thread_ctx_release(void *p)
{
	struct thread_ctx *ctx = p;

	if (ctx == NULL)
		return;
	vault_close(ctx->v);
	secure_free(ctx->scratch, SCRATCH_LEN);
	secure_free(ctx->shared, WIRE_SHARED_LEN);
	wire_scratch_free(&ctx->seal);
	vault_arena_free(&ctx->fetched);
	free(ctx);
}

/* The peer's address into out, and whether it is a --trust-proxy peer. */
static int
client_address(struct server *s, struct MHD_Connection *conn, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
	int trusted = trust_peer(&s->trusted, sa);

	snprintf(out, len, "unix");
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)len);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  out, (socklen_t)len);
	return trusted;
}

static void
refuse_later(struct request *r, int status, const char *code, const char *msg)
{
	if (r->refuse_status != 0)
		return;
	r->refuse_status = status;
	r->refuse_code = code;
	snprintf(r->refuse_msg, sizeof(r->refuse_msg), "%s", msg);
}

/* Checks that can be made from the request line and headers alone; any
 * refusal is answered at once, before a body is read. */
static void
request_screen(struct request *r)
{
	const struct server_limits *lim = &r->srv->lim;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	const char *clen = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_CONTENT_LENGTH);
	char allow[128];
	int found;

	if (atomic_load(&r->srv->connections) > (int)lim->connections) {
		reply_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		reply_error(r, 503, "unavailable", "too many connections (at most %u): retry later",
			    lim->connections);
		return;
	}
	if (ci != NULL && ci->header_size > lim->header_max) {
		reply_error(r, 431, "too_large", "request headers take %zu bytes, at most %zu",
			    ci->header_size, lim->header_max);
		return;
	}
	found = router_find(r, allow, sizeof(allow));
	if (found == 404) {
		reply_error(r, 404, "not_found", "no such path: %s", r->path);
	} else if (found == 405) {
		reply_add_header(r, MHD_HTTP_HEADER_ALLOW, allow);
		reply_error(r, 405, "method_not_allowed", "%s does not take %s (allowed: %s)",
			    r->path, r->method, allow);
	} else if (clen != NULL && strtoull(clen, NULL, 10) > lim->body_max) {
		reply_error(r, 413, "too_large", "request body of %s bytes, at most %zu", clen,
			    lim->body_max);
	}
}

/* ---- framing (RFC 9112) ----
 * A request whose length two parties could read differently is how a
 * second request hides in a first one's body (smuggling): a proxy in front
 * frames it one way, libmicrohttpd another. So two Content-Length values,
 * Content-Length beside Transfer-Encoding, or a control character in the
 * target (raw, or percent-encoded such as %00, which would cut the path
 * short) get 400 and the connection is closed: nothing after it is read. */
struct framing {
	const char *clen;            /* the first Content-Length */
	const char *fault;           /* what is wrong, NULL when nothing is */
	int transfer_encoding;
};

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static enum MHD_Result
framing_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct framing *f = cls;

	(void)kind;
	if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->transfer_encoding = 1;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (*value == '\0' || strspn(value, "0123456789") != strlen(value))
			f->fault = "a Content-Length that is not one number";
		else if (f->clen != NULL && strcmp(f->clen, value) != 0)
			f->fault = "two different Content-Length headers";
		if (f->clen == NULL)
			f->clen = value;
	}
	return MHD_YES;
}

static enum MHD_Result
framing_argument(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct framing *f = cls;

	(void)kind;
	if (has_control(key) || (value != NULL && has_control(value))) {
		f->fault = "a control character in the query";
		return MHD_NO;
	}
	return MHD_YES;
}

/* libmicrohttpd decodes the target in place, a %00 ending the string: a
 * decoded NUL becomes a control character framing_check refuses. */
static size_t
unescape_target(void *cls, struct MHD_Connection *conn, char *s)
{
	size_t len = MHD_http_unescape(s);

	(void)cls;
	(void)conn;
	if (strlen(s) == len)
		return len;
	s[0] = '\x01';
	s[1] = '\0';
	return 1;
}

/* 0, or -1 after answering 400 with Connection: close. */
static int
framing_check(struct request *r, const char *url)
{
	struct framing f = { NULL, NULL, 0 };
	char *p;

	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, framing_header, &f);
	if (f.fault == NULL && f.clen != NULL && f.transfer_encoding)
		f.fault = "Content-Length together with Transfer-Encoding";
	if (f.fault == NULL && has_control(url))
		f.fault = "a control character in the path";
	if (f.fault == NULL)
		MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, framing_argument, &f);
	if (f.fault == NULL)
		return 0;
	/* The log shows the path, never a control character from it. */
	for (p = r->path; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	r->close_after = 1;
	reply_error(r, 400, "invalid", "ambiguous request: %s (RFC 9112)", f.fault);
	return -1;
}

static enum MHD_Result
request_begin(struct server *s, struct MHD_Connection *conn, const char *url,
	      const char *method, void **con_cls)
{
	struct request *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return MHD_NO;
	*con_cls = r;
	atomic_fetch_add(&s->in_flight, 1);
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	r->srv = s;
	r->conn = conn;
	r->route_index = -1;
	snprintf(r->method, sizeof(r->method), "%s", method);
	snprintf(r->path, sizeof(r->path), "%s", url);
	r->peer_trusted = client_address(s, conn, r->client, sizeof(r->client));
	if (framing_check(r, url) != 0)
		return MHD_YES;
	if (strlen(url) >= sizeof(r->path))
		reply_error(r, 414, "too_large", "request path longer than %zu bytes",
			    sizeof(r->path) - 1);
	else
		request_screen(r);
	return MHD_YES;
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Secret buffers are never realloc'ed: a larger one is allocated, the bytes
 * copied, the old one wiped and released. */
static int
body_grow(struct request *r, size_t need)
{
	size_t cap = r->body_cap ? r->body_cap : 1024;
	unsigned char *grown;
	int secret = r->route != NULL && r->route->body == BODY_SECRET;

	while (cap < need)
		cap *= 2;
	if (cap > r->srv->lim.body_max)
		cap = r->srv->lim.body_max;
	grown = secret ? xsecure_alloc(cap) : malloc(cap);
	if (grown == NULL)
		return -1;
	if (r->body_len > 0)
		memcpy(grown, r->body, r->body_len);
	if (secret)
		secure_free(r->body, r->body_cap);
	else
		free(r->body);
	r->body = grown;
	r->body_cap = cap;
	return 0;
}

/* libmicrohttpd sends no answer queued while a body is still arriving, so a
 * refused body is read to its end and answered then; one that keeps coming
 * long past its limits (a slow or endless sender) gets the connection closed
 * instead: -1. */
static int
body_take(struct request *r, const char *data, size_t len)
{
	const struct server_limits *lim = &r->srv->lim;

	if (r->responded || r->refuse_status != 0) {
		r->discarded += len;
		return r->discarded > 4 * lim->body_max ||
		       seconds_since(&r->start) > 2.0 * lim->body_timeout ? -1 : 0;
	}
	if (r->route->body == BODY_NONE)
		refuse_later(r, 400, "invalid", "this request takes no body");
	else if (len > lim->body_max - r->body_len)
		refuse_later(r, 413, "too_large", "request body larger than the limit");
	else if (seconds_since(&r->start) > lim->body_timeout)
		refuse_later(r, 408, "timeout", "request body not received in time");
	else if (r->body_len + len > r->body_cap && body_grow(r, r->body_len + len) != 0)
		refuse_later(r, 500, "internal", "out of memory");
	else {
		memcpy(r->body + r->body_len, data, len);
		r->body_len += len;
	}
	return 0;
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	  const char *version, const char *data, size_t *size, void **con_cls)
{
	struct request *r = *con_cls;

	(void)version;
	if (r == NULL)
		return request_begin(cls, conn, url, method, con_cls);
	if (*size > 0) {
		if (body_take(r, data, *size) != 0) {
			log_line(MR_LOG_WARNING, "%s %s from %s: closing a connection still sending a refused body",
				 r->method, r->path, r->client);
			return MHD_NO;
		}
		*size = 0;
		return MHD_YES;
	}
	if (r->responded)
		return MHD_YES;
	if (r->refuse_status != 0)
		reply_error(r, r->refuse_status, r->refuse_code, "%s", r->refuse_msg);
	else
		router_dispatch(r);
	return MHD_YES;
}

static void
request_free(struct request *r)
{
	if (r->route != NULL && r->route->body == BODY_SECRET)
		secure_free(r->body, r->body_cap);
	else
		free(r->body);
	sodium_memzero(&r->who, sizeof(r->who));
	json_decref(r->json);
	free(r);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct request *r = *con_cls;

	(void)toe;
	front_answered(conn);
	if (r == NULL)
		return;
	if (!r->responded)
		r->status = 499;   /* the client went away before an answer */
	metrics_count(s->metrics, r->route_index, r->status, seconds_since(&r->start));
	log_request(r);
	request_free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&s->in_flight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Until the daemons run, libmicrohttpd's first complaint is kept for the
 * one-line start-up error; after that each goes to the log. */
static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct server *s = cls;
	char msg[sizeof(s->startup_error)];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	if (atomic_load(&s->running))
		log_line(MR_LOG_WARNING, "libmicrohttpd: %s", msg);
	else if (s->startup_error[0] == '\0')
		memcpy(s->startup_error, msg, sizeof(msg));
}

struct MHD_Daemon *
http_daemon_start(struct server *s, struct http_front *f, const char *tls_cert,
		  const char *tls_key)
{
	const struct server_limits *lim = &s->lim;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			 MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG;
	/* The read buffer must hold the request line and headers; twice the
	 * header limit leaves room for the write side, so an oversized request
	 * reaches us and gets a JSON 431 instead of libmicrohttpd's own page.
	 * Past the pool libmicrohttpd answers alone, whatever its size
	 * (docs/protocol.md, "Limits"), and a larger one costs every request:
	 * libmicrohttpd zeroes all of it between keep-alive requests. */
	size_t pool = 2 * lim->header_max + 16384;
	/* Beyond the soft limit connections are still accepted and answered 503,
	 * up to this hard limit where the kernel backlog takes over. */
	unsigned hard_limit = lim->connections + CONNECTIONS_OVER_LIMIT;

	if (tls_cert != NULL)
		flags |= MHD_USE_TLS;
	return MHD_start_daemon(flags, 0, NULL, NULL, on_access, s,
				MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
				MHD_OPTION_THREAD_POOL_SIZE, lim->threads,
				MHD_OPTION_CONNECTION_LIMIT, hard_limit,
				MHD_OPTION_CONNECTION_TIMEOUT, lim->idle_timeout,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				MHD_OPTION_NOTIFY_CONNECTION, front_on_connection, f,
				MHD_OPTION_UNESCAPE_CALLBACK, unescape_target, NULL,
				tls_cert != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, tls_cert,
				MHD_OPTION_HTTPS_MEM_KEY, tls_key,
				MHD_OPTION_END);
}
