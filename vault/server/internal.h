/* internal.h — what the vault server's files share: the server, one request,
 * the route table, the reply helpers. Private to vault/server/. */
#ifndef MODAL_VAULT_SERVER_INTERNAL_H
#define MODAL_VAULT_SERVER_INTERNAL_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "access.h"
#include "vault.h"
#include "vault_json.h"
#include "wire/wire.h"
#include "wire/wire_token.h"

#define SERVER_MAX_LISTEN 8
#define CLIENT_ADDR_LEN 64
#define PATH_PARAMS 2
#define PARAM_LEN 128
#define RESOURCE_LEN 200
/* Per-thread locked scratch for token secrets on their way in or out. */
#define SCRATCH_LEN 256
/* Connections past --max-connections still accepted, to be answered 503;
 * beyond these the kernel's backlog holds them. */
#define CONNECTIONS_OVER_LIMIT 64

struct server_limits {
	size_t body_max;             /* request body bytes (default 1 MiB) */
	size_t header_max;           /* request line + headers (default 16 KiB) */
	unsigned connections;        /* concurrent connections answered normally */
	unsigned idle_timeout;       /* seconds a connection may stay silent */
	unsigned body_timeout;       /* seconds to receive one request's body */
	unsigned request_timeout;    /* seconds from one answer (or accept) to the next */
	unsigned threads;            /* per listener */
	unsigned auth_fail_limit;    /* failed authentications per address ... */
	unsigned auth_fail_window;   /* ... in this many seconds, then 429 */
	unsigned drain_timeout;      /* seconds SIGTERM waits for in-flight requests */
};

/* --trust-proxy: the peers whose X-Real-IP and X-Modal-Environment count. */
#define TRUST_MAX 32
struct trust_net {
	int family;                  /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned bits;               /* prefix length */
};
struct trust_list {
	struct trust_net nets[TRUST_MAX];
	size_t n;
	int unix_peers;              /* "unix": every peer of a Unix socket */
};

struct ratelimit;
struct metrics;
struct audit_queue;

struct server {
	const char *store_url;
	struct server_limits lim;
	struct trust_list trusted;   /* --trust-proxy */
	int tls;
	unsigned char vault_pk[WIRE_KEY_LEN];
	unsigned char *vault_sk;     /* sodium memory */
	char vault_pk_hex[WIRE_KEY_HEX_LEN + 1];
	pthread_key_t thread_key;    /* struct thread_ctx of each worker */
	atomic_int in_flight;        /* requests between first byte and completion */
	atomic_int connections;
	atomic_int draining;
	atomic_int running;          /* the daemons are up: log, do not keep */
	char startup_error[256];     /* libmicrohttpd's first complaint at start */
	struct ratelimit *rl;
	struct metrics *metrics;
	struct audit_queue *audit;
	time_t started;
};

/* What a worker thread keeps: its own store connection (SQLite connections
 * are not shared between threads) and locked scratch memory. */
struct thread_ctx {
	struct vault *v;
	char *scratch;               /* SCRATCH_LEN bytes of sodium memory */
	struct wire_scratch seal;    /* where fetch answers are built */
	struct vault_arena fetched;  /* where the store decrypts fetches */
	unsigned char *shared;       /* WIRE_SHARED_LEN, sodium memory: a sealed fetch's box key */
};

enum auth_kind { AUTH_NONE, AUTH_API, AUTH_PROXY };
enum body_kind { BODY_NONE, BODY_JSON, BODY_SECRET };

struct request;

struct route {
	const char *method;
	const char *pattern;         /* "{}" is one path segment */
	enum auth_kind auth;
	enum vault_role role;        /* the least role allowed (API routes) */
	enum body_kind body;
	const char *const *query;    /* query parameters accepted, NULL-terminated */
	const char *action;          /* audit action; NULL: not audited */
	void (*handle)(struct request *r);
};

struct request {
	struct server *srv;
	struct MHD_Connection *conn;
	const struct route *route;   /* NULL: no such path or method */
	int route_index;
	char method[16];
	char path[512];
	char params[PATH_PARAMS][PARAM_LEN];
	char client[CLIENT_ADDR_LEN];
	int peer_trusted;            /* the peer is a --trust-proxy address */
	int close_after;             /* answer with Connection: close (bad framing) */
	struct timespec start;
	/* The body, in sodium memory for routes that carry secret values. */
	unsigned char *body;
	size_t body_len, body_cap, discarded;
	int refuse_status;           /* set while reading: answer this at the end */
	const char *refuse_code;
	char refuse_msg[160];
	/* Who is calling, once authenticated. */
	struct thread_ctx *ctx;
	int snapshot;                /* 1: a read snapshot spans token check and handler */
	struct vault_identity who;
	int authenticated;
	char token_id[TOKEN_ID_LEN + 1]; /* verified, or claimed when well formed */
	json_t *json;                /* the fetch's body, parsed once for its sealed token */
	int shared_ready;            /* ctx->shared holds this fetch's box key */
	/* The outcome. */
	int status;
	int responded;
	char resource[RESOURCE_LEN];
	char env_buf[NAME_MAX_LEN + 1];
	const char *extra_name[2], *extra_value[2];
	char extra_buf[2][64];
};

/* front.c: one front per listener, a daemon and the thread accepting for
 * it. On success the front owns listen_fd. */
struct http_front;
int http_start(struct server *s, int listen_fd, const char *tls_cert,
	       const char *tls_key, struct http_front **out, struct mr_err *e);
/* No new connections from here on (the listening socket is closed). */
void http_stop_accepting(struct http_front *f);
/* Ends every connection and the daemon's threads; frees f. NULL is ignored. */
void http_stop(struct http_front *f);
/* libmicrohttpd's connection notification (cls: the front). */
void front_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			 enum MHD_ConnectionNotificationCode toe);
/* A request on conn ended: its next answer has --request-timeout again. */
void front_answered(struct MHD_Connection *conn);

/* http.c */
struct MHD_Daemon *http_daemon_start(struct server *s, struct http_front *f,
				     const char *tls_cert, const char *tls_key);
struct thread_ctx *thread_ctx_get(struct server *s, struct mr_err *e);
void thread_ctx_release(void *p);

/* router.c */
extern const struct route routes[];
extern const size_t nroutes;
/* 0 found (r->route set), 404 no such path, 405 path without that method
 * (allow gets the methods it has). */
int router_find(struct request *r, char *allow, size_t allow_len);
void router_dispatch(struct request *r);

/* reply.c: each queues exactly one response. */
void reply_json(struct request *r, int status, json_t *body);
void reply_json_secret(struct request *r, int status, json_t *body);
void reply_buffer(struct request *r, int status, const char *ctype, char *buf,
		  size_t len, void (*release)(void *));
void reply_static(struct request *r, int status, const char *ctype, const char *text,
		  size_t len);
void reply_empty(struct request *r, int status);
void reply_error(struct request *r, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void reply_fail(struct request *r, const struct mr_err *e);
void reply_add_header(struct request *r, const char *name, const char *value);
/* The audit record's resource, e.g. "secret:prod/db"; unprintable bytes of
 * names a client made up become '?'. */
void request_resource(struct request *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* env as the request named it, else the workspace's default environment. */
const char *request_env(struct request *r, const char *env);

/* json.c */
struct field_spec {
	const char *name;
	json_type type;              /* JSON_TRUE stands for either boolean */
	int required;
};
/* The body as a JSON object with exactly the fields of spec (types checked),
 * or NULL after replying 400. */
json_t *body_object(struct request *r, const struct field_spec *spec);
const char *query_get(struct request *r, const char *name);
json_t *data_array(json_t *items);  /* {"data": items} */

/* auth.c */
/* Authenticates an API request: 0, or -1 after replying 401 or 429. */
int auth_api(struct request *r);
/* The same for the fetch, whose token may instead be sealed in its body
 * (auth_sealed.c): 0, or -1 after replying 400, 401 or 429. */
int auth_fetch(struct request *r);
/* Checks r->token_id with secret (len bytes, in the thread's scratch) in
 * the store and wipes the scratch: 0, or -1 after replying 401 (counted
 * against key) or the store's failure. */
int auth_verify_api(struct request *r, const char *key, const char *secret, size_t len);
/* 401 with WWW-Authenticate, counted against key: always -1. */
int auth_refuse(struct request *r, const char *key, const char *why);
/* s (len bytes) is PREFIX then base62, at most TOKEN_ID_LEN. */
int token_id_valid(const char *s, size_t len, const char *prefix);
/* Proxy credentials of the request: 0 none given, 1 given (copied into id and
 * the thread's scratch), -1 malformed. */
int auth_proxy_credentials(struct request *r, char *id, size_t *secret_len);
/* Whose failures a request counts against: the peer's address, or the end
 * client a trusted proxy names (X-Real-IP). */
const char *ratelimit_key(struct request *r, char *buf, size_t len);
int ratelimit_check(struct request *r, const char *key);
void ratelimit_failure(struct server *s, const char *key);
struct ratelimit *ratelimit_new(void);
void ratelimit_free(struct ratelimit *rl);

/* trust.c */
struct sockaddr;
/* Adds "ADDR", "ADDR/BITS" (IPv4 or IPv6) or "unix" to t; -1 (MR_E_USAGE). */
int trust_add(struct trust_list *t, const char *spec, struct mr_err *e);
/* 1 when the peer at sa (NULL or AF_UNIX: a Unix socket's) is trusted. */
int trust_peer(const struct trust_list *t, const struct sockaddr *sa);

/* audit.c: one writer thread appends the records workers submit. */
struct audit_queue *audit_start(struct server *s, struct mr_err *e);
void audit_submit(struct audit_queue *q, const struct vault_audit_record *r);
/* Waits (bounded) until every record queued so far is in the store. */
void audit_settle(struct audit_queue *q);
void audit_stop(struct audit_queue *q);
/* Around a worker's store writes: the audit writer starts no commit meanwhile. */
void audit_yield_begin(struct audit_queue *q);
void audit_yield_end(struct audit_queue *q);
/* t + ms, for condition variables on CLOCK_MONOTONIC. */
struct timespec timespec_after_ms(struct timespec t, long ms);

/* log.c: lines are written by a thread of their own from log_start to
 * log_stop (which writes out what is left), directly before and after. */
int log_start(void);
void log_stop(void);
void log_request(const struct request *r);
void log_line(enum mr_prio prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* metrics.c */
struct metrics *metrics_new(size_t nroutes);
void metrics_free(struct metrics *m);
void metrics_count(struct metrics *m, int route_index, int status, double seconds);
void metrics_auth_failure(struct metrics *m);
void metrics_rate_limited(struct metrics *m);
void metrics_fetched(struct metrics *m, size_t bundles);
char *metrics_render(struct server *s, size_t *len);

/* handlers_*.c */
void h_secret_list(struct request *r);
void h_secret_create(struct request *r);
void h_secret_get(struct request *r);
void h_secret_update(struct request *r);
void h_secret_delete(struct request *r);
void h_secret_versions(struct request *r);
void h_env_list(struct request *r);
void h_env_create(struct request *r);
void h_env_delete(struct request *r);
void h_env_update(struct request *r);
void h_workspace_current(struct request *r);
void h_member_list(struct request *r);
void h_member_add(struct request *r);
void h_member_update(struct request *r);
void h_member_remove(struct request *r);
void h_token_list(struct request *r);
void h_token_create(struct request *r);
void h_token_revoke(struct request *r);
void h_proxy_token_list(struct request *r);
void h_proxy_token_create(struct request *r);
void h_proxy_token_delete(struct request *r);
void h_proxy_token_allow(struct request *r);
void h_proxy_token_disallow(struct request *r);
void h_audit_list(struct request *r);
void h_fetch(struct request *r);
/* handlers_fetch.c: the fetch's body, parsed once into r->json (NULL after
 * replying 400/415), and the request it makes (-1 after replying 400). */
json_t *fetch_body_json(struct request *r);
int fetch_request_read(struct request *r, json_t *root, const char **names,
		       struct wire_request *req);
void h_vault_key(struct request *r);
void h_proxy_auth(struct request *r);
void h_healthz(struct request *r);
void h_metrics(struct request *r);
void h_openapi(struct request *r);

/* openapi_doc.c (generated from openapi.yml) */
extern const char openapi_yml[];
extern const size_t openapi_yml_len;

#endif
