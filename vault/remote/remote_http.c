/* remote_http.c — requests to a vault server: the URL list, one deadline per
 * operation, failover in order, bounded retries with jitter on transient
 * failures only, and the server's errors mapped to one line that names it. */
#include "curl_dl.h"
#include "wire/json_wipe.h"
#include "remote.h"
#include "secmem.h"
#include "wire/wire.h"
#include "wire/wire_token.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct remote {
	struct vault base;                      /* first: a struct vault * is this struct */
	const struct curl_dl *curl;
	CURL *h;
	struct remote_server servers[REMOTE_MAX_SERVERS];
	size_t nservers;
	size_t first;                           /* where a call starts: the last server that answered */
	char urls[REMOTE_URL_MAX];              /* the list as configured */
	struct curl_slist *headers_auth;        /* holds the token: curl's wiping heap */
	struct curl_slist *headers_anon;
	unsigned char pinned[WIRE_KEY_LEN];
	int has_pin;
	/* The token again, for the fetch that seals it to the vault (wire_token.h):
	 * the caller's locked copy, which outlives r (remote_options). */
	char token_id[WIRE_TOKEN_ID_MAX + 1];
	const char *token_secret;
	size_t token_secret_len;
	char cacert[PATH_MAX];
	int64_t timeout_ms;
	void (*notice)(const char *line);
};

/* ---- URLs ---- */

static int
url_has_forbidden_part(const char *url)
{
	const char *host = strstr(url, "://");
	size_t hostlen;

	const unsigned char *p;

	host = host != NULL ? host + 3 : url;
	hostlen = strcspn(host, "/");
	for (p = (const unsigned char *)url; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 1;       /* a line break would forge a header line */
	/* user:password@host would put a credential in argv and in messages. */
	return memchr(host, '@', hostlen) != NULL || strpbrk(url, "?# ") != NULL;
}

static int
parse_one_url(const char *url, size_t len, struct remote_server *s, struct mr_err *e)
{
	char shown[128];
	size_t n;

	memset(s, 0, sizeof(*s));
	if (len == 0 || len >= sizeof(s->url))
		return mr_fail(e, MR_E_CONFIG, "vault URL list: %s entry",
			       len == 0 ? "an empty" : "a too long");
	memcpy(s->url, url, len);
	while (len > 1 && s->url[len - 1] == '/')
		s->url[--len] = '\0';
	name_for_msg(s->url, shown, sizeof(shown));
	if (url_has_forbidden_part(s->url))
		return mr_fail(e, MR_E_CONFIG,
			       "vault URL '%s': no credentials, query, fragment, spaces or control characters allowed (the token comes from MODAL_TOKEN_ID/MODAL_TOKEN_SECRET or the profile)",
			       shown);
	if (strncmp(s->url, "unix:", 5) == 0) {
		if (s->url[5] != '/')
			return mr_fail(e, MR_E_CONFIG, "vault URL '%s': expected unix:/ABSOLUTE/PATH",
				       shown);
		snprintf(s->socket, sizeof(s->socket), "%s", s->url + 5);
		/* curl needs a host in the URL; the socket decides where it goes. */
		snprintf(s->base, sizeof(s->base), "http://localhost");
		return 0;
	}
	n = strncmp(s->url, "http://", 7) == 0 ? 7 : strncmp(s->url, "https://", 8) == 0 ? 8 : 0;
	if (n == 0 || s->url[n] == '\0' || s->url[n] == '/')
		return mr_fail(e, MR_E_CONFIG,
			       "vault URL '%s': expected http(s)://HOST[:PORT][/PATH] or unix:/PATH", shown);
	snprintf(s->base, sizeof(s->base), "%s", s->url);
	return 0;
}

int
remote_parse_urls(const char *list, struct remote_server *out, size_t max, size_t *n,
		  struct mr_err *e)
{
	const char *p = list, *end;
	size_t len;

	*n = 0;
	for (;;) {
		p += strspn(p, " \t");
		end = strchrnul(p, ',');
		len = (size_t)(end - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (*n == max)
			return mr_fail(e, MR_E_CONFIG, "vault URL list: more than %zu servers", max);
		if (parse_one_url(p, len, &out[*n], e) != 0)
			return -1;
		(*n)++;
		if (*end == '\0')
			return 0;
		p = end + 1;
	}
}

/* ---- retry policy ---- */

enum remote_verdict
remote_classify(int curl_code, long status, int idempotent, int sent)
{
	if (curl_code == CURLE_OK) {
		if (status == 429 || status == 503)
			return REMOTE_RETRY;    /* refused before acting on it (Retry-After) */
		if (status >= 500 && idempotent)
			return REMOTE_RETRY;
		return REMOTE_DONE;
	}
	switch (curl_code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return REMOTE_RETRY;            /* nothing reached a server */
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		/* The server may have acted on a request it never answered. */
		return idempotent || !sent ? REMOTE_RETRY : REMOTE_STOP;
	default:
		return REMOTE_STOP;             /* TLS trust, bad URL, out of memory, ... */
	}
}

int64_t
remote_backoff_ms(unsigned round, int64_t retry_after_ms)
{
	int64_t cap = round >= 6 ? 2000 : 100LL << (round > 0 ? round - 1 : 0);
	int64_t pause;

	if (cap > 2000)
		cap = 2000;
	/* Full jitter: launches restarted together by a supervisor do not come
	 * back in step. */
	pause = (int64_t)randombytes_uniform((uint32_t)cap + 1);
	return pause < retry_after_ms ? retry_after_ms : pause;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- open / close ---- */

static struct curl_slist *
headers_new(const struct curl_dl *c, const char *auth)
{
	static const char *const fixed[] = {
		"Accept: application/json", "Content-Type: application/json",
		"Expect:",              /* no 100-continue round trip */
	};
	struct curl_slist *l = NULL, *next;
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if ((next = c->slist_append(l, fixed[i])) == NULL)
			goto fail;
		l = next;
	}
	if (auth != NULL) {
		if ((next = c->slist_append(l, auth)) == NULL)
			goto fail;
		l = next;
	}
	return l;
fail:
	c->slist_free_all(l);
	return NULL;
}

/* "Authorization: Bearer ak-…:as-…", built in locked memory; libcurl's copy
 * is wiped when freed (curl_dl.c). */
static int
auth_headers(struct remote *r, const struct remote_options *o, struct mr_err *e)
{
	static const char prefix[] = "Authorization: Bearer ";
	size_t idlen = strlen(o->token_id), len = sizeof(prefix) + idlen + 1 + o->token_secret_len;
	char *line = xsecure_alloc(len);
	int rc = 0;

	memcpy(line, prefix, sizeof(prefix) - 1);
	memcpy(line + sizeof(prefix) - 1, o->token_id, idlen);
	line[sizeof(prefix) - 1 + idlen] = ':';
	memcpy(line + sizeof(prefix) + idlen, o->token_secret, o->token_secret_len);
	line[len - 1] = '\0';
	if (memchr(o->token_secret, '\0', o->token_secret_len) != NULL ||
	    strpbrk(line, "\r\n") != NULL)
		rc = mr_fail(e, MR_E_CONFIG, "the token secret holds a line break or NUL");
	else if ((r->headers_auth = headers_new(r->curl, line)) == NULL)
		rc = mr_fail(e, MR_E_INTERNAL, "out of memory");
	secure_free(line, len);
	if (rc == 0 && idlen <= WIRE_TOKEN_ID_MAX && o->token_secret_len <= WIRE_TOKEN_SECRET_MAX) {
		memcpy(r->token_id, o->token_id, idlen + 1);
		r->token_secret = o->token_secret;
		r->token_secret_len = o->token_secret_len;
	}
	return rc;
}

static int
check_token(const struct remote *r, const struct remote_options *o, struct mr_err *e)
{
	char shown[64];

	if (o->token_id == NULL || o->token_secret == NULL || o->token_secret_len == 0)
		return mr_fail(e, MR_E_CONFIG,
			       "vault %s: no token: set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET, use a profile (~/.modal.toml) or a systemd credential modal-token",
			       r->urls);
	if (strncmp(o->token_id, "ak-", 3) != 0 || strlen(o->token_id) > 128)
		return mr_fail(e, MR_E_CONFIG, "vault %s: token id '%s' is not an API token id (ak-...)",
			       r->urls, name_for_msg(o->token_id, shown, sizeof(shown)));
	if (o->token_secret_len < 3 || memcmp(o->token_secret, "as-", 3) != 0)
		return mr_fail(e, MR_E_CONFIG,
			       "vault %s: the token secret is not an API token secret (as-...)", r->urls);
	return 0;
}

/* Whether any URL of the list needs TLS: only then is it initialised. */
static int
remote_needs_tls(const struct remote *r)
{
	size_t i;

	for (i = 0; i < r->nservers; i++)
		if (strncmp(r->servers[i].base, "https:", 6) == 0)
			return 1;
	return 0;
}

static int
remote_setup(struct remote *r, const char *urls, const struct remote_options *o,
	     struct mr_err *e)
{
	if (strlen(urls) >= sizeof(r->urls))
		return mr_fail(e, MR_E_CONFIG, "vault URL list too long");
	snprintf(r->urls, sizeof(r->urls), "%s", urls);
	if (remote_parse_urls(urls, r->servers, REMOTE_MAX_SERVERS, &r->nservers, e) != 0 ||
	    check_token(r, o, e) != 0)
		return -1;
	if (o->vault_key != NULL && *o->vault_key != '\0') {
		if (wire_hex_decode(o->vault_key, r->pinned, sizeof(r->pinned)) != 0)
			return mr_fail(e, MR_E_CONFIG,
				       "pinned vault key: expected %d hex digits (modal-vault serve prints it)",
				       WIRE_KEY_HEX_LEN);
		r->has_pin = 1;
	}
	if (o->cacert != NULL && snprintf(r->cacert, sizeof(r->cacert), "%s", o->cacert) >=
	    (int)sizeof(r->cacert))
		return mr_fail(e, MR_E_CONFIG, "--cacert path too long");
	r->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : REMOTE_TIMEOUT_DEFAULT_MS;
	r->notice = o->notice;
	if ((r->curl = curl_dl_load(remote_needs_tls(r), e)) == NULL)
		return -1;
	json_wipe_init();
	if ((r->h = r->curl->easy_init()) == NULL ||
	    (r->headers_anon = headers_new(r->curl, NULL)) == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	return auth_headers(r, o, e);
}

int
remote_open(const char *urls, const struct remote_options *o, struct remote **out,
	    struct mr_err *e)
{
	struct remote *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	r->base.ops = &remote_vault_ops;
	if (remote_setup(r, urls, o, e) != 0) {
		remote_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

void
remote_close(struct remote *r)
{
	if (r == NULL)
		return;
	if (r->curl != NULL) {
		if (r->h != NULL)
			r->curl->easy_cleanup(r->h);
		r->curl->slist_free_all(r->headers_auth);
		r->curl->slist_free_all(r->headers_anon);
	}
	sodium_memzero(r, sizeof(*r));
	free(r);
}

const char *
remote_urls(const struct remote *r)
{
	return r->urls;
}

const unsigned char *
remote_pinned_key(const struct remote *r)
{
	return r->has_pin ? r->pinned : NULL;
}

size_t
remote_server_urls(const struct remote *r, const char **urls)
{
	size_t i;

	for (i = 0; i < r->nservers; i++)
		urls[i] = r->servers[i].url;
	return r->nservers;
}

int
remote_token(const struct remote *r, const char **id, const char **secret, size_t *len)
{
	if (r->token_secret == NULL)
		return -1;
	*id = r->token_id;
	*secret = r->token_secret;
	*len = r->token_secret_len;
	return 0;
}

/* ---- one attempt ---- */

/* An answer, in locked memory: token creation answers carry a token secret. */
struct answer {
	unsigned char *buf;
	size_t len, cap;
	int too_large;
};

static size_t
answer_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct answer *a = arg;
	size_t n = size * nmemb, cap;
	unsigned char *grown;

	if (a->len + n + 1 > REMOTE_ANSWER_MAX) {
		a->too_large = 1;
		return 0;
	}
	if (a->len + n + 1 > a->cap) {
		/* Never realloc'ed: allocate, copy, wipe the old one. */
		for (cap = a->cap ? a->cap * 2 : 16384; cap < a->len + n + 1; cap *= 2)
			;
		grown = xsecure_alloc(cap);
		if (a->buf != NULL)
			memcpy(grown, a->buf, a->len);
		secure_free(a->buf, a->cap);
		a->buf = grown;
		a->cap = cap;
	}
	memcpy(a->buf + a->len, data, n);
	a->len += n;
	a->buf[a->len] = '\0';
	return n;
}

static void
answer_clear(struct answer *a)
{
	secure_free(a->buf, a->cap);
	memset(a, 0, sizeof(*a));
}

struct request {
	const char *method, *path;
	const char *body;       /* sodium memory, or NULL */
	size_t body_len;
	unsigned flags;
};

/* What one attempt gave. */
struct attempt {
	CURLcode code;
	long status;
	int sent;
	int64_t retry_after_ms;
	char error[CURL_ERROR_SIZE];
	int os_errno;
};

static void
set_method(struct remote *r, const struct request *q)
{
	const struct curl_dl *c = r->curl;

	if (q->body != NULL || strcmp(q->method, "PUT") == 0 || strcmp(q->method, "POST") == 0) {
		/* POSTFIELDS points at our locked buffer: curl does not copy it. */
		c->easy_setopt(r->h, CURLOPT_POSTFIELDS, q->body != NULL ? q->body : "");
		c->easy_setopt(r->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
	} else {
		c->easy_setopt(r->h, CURLOPT_HTTPGET, 1L);
	}
	if (strcmp(q->method, "GET") != 0 && strcmp(q->method, "POST") != 0)
		c->easy_setopt(r->h, CURLOPT_CUSTOMREQUEST, q->method);
}

static int
set_options(struct remote *r, const struct remote_server *s, const struct request *q,
	    int64_t budget_ms, struct answer *a, struct attempt *t)
{
	const struct curl_dl *c = r->curl;
	char url[REMOTE_URL_MAX + 512];

	if (snprintf(url, sizeof(url), "%s%s", s->base, q->path) >= (int)sizeof(url))
		return -1;
	c->easy_reset(r->h);
	c->easy_setopt(r->h, CURLOPT_URL, url);
	if (s->socket[0] != '\0')
		c->easy_setopt(r->h, CURLOPT_UNIX_SOCKET_PATH, s->socket);
	c->easy_setopt(r->h, CURLOPT_PROTOCOLS_STR, "http,https");
	c->easy_setopt(r->h, CURLOPT_NOSIGNAL, 1L);     /* modal-run changes no disposition */
	c->easy_setopt(r->h, CURLOPT_TIMEOUT_MS, (long)budget_ms);
	c->easy_setopt(r->h, CURLOPT_CONNECTTIMEOUT_MS, (long)budget_ms);
	c->easy_setopt(r->h, CURLOPT_SSLVERSION, c->tls_min);
	if (c->tls_groups != NULL)
		c->easy_setopt(r->h, CURLOPT_SSL_EC_CURVES, c->tls_groups);
	if (r->cacert[0] != '\0')
		c->easy_setopt(r->h, CURLOPT_CAINFO, r->cacert);
	c->easy_setopt(r->h, CURLOPT_USERAGENT, "modal-run/0.1.0");
	c->easy_setopt(r->h, CURLOPT_HTTPHEADER,
		       (q->flags & REMOTE_NO_AUTH) ? r->headers_anon : r->headers_auth);
	c->easy_setopt(r->h, CURLOPT_WRITEFUNCTION, answer_write);
	c->easy_setopt(r->h, CURLOPT_WRITEDATA, a);
	c->easy_setopt(r->h, CURLOPT_ERRORBUFFER, t->error);
	set_method(r, q);
	return 0;
}

static void
attempt_once(struct remote *r, const struct remote_server *s, const struct request *q,
	     int64_t budget_ms, struct answer *a, struct attempt *t)
{
	const struct curl_dl *c = r->curl;
	long request_size = 0, os_errno = 0;
	curl_off_t retry_after = 0;

	memset(t, 0, sizeof(*t));
	answer_clear(a);
	if (set_options(r, s, q, budget_ms, a, t) != 0) {
		t->code = CURLE_URL_MALFORMAT;
		return;
	}
	t->code = c->easy_perform(r->h);
	c->easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &t->status);
	c->easy_getinfo(r->h, CURLINFO_REQUEST_SIZE, &request_size);
	c->easy_getinfo(r->h, CURLINFO_OS_ERRNO, &os_errno);
	c->easy_getinfo(r->h, CURLINFO_RETRY_AFTER, &retry_after);
	/* The handle keeps its connections, not our pointers to a, t and the body. */
	c->easy_reset(r->h);
	t->sent = request_size > 0;
	t->os_errno = (int)os_errno;
	t->retry_after_ms = retry_after > 0 && retry_after < 3600 ? (int64_t)retry_after * 1000 : 0;
	if (a->too_large)
		t->code = CURLE_WRITE_ERROR;
}

/* ---- failures ---- */

/* A server's message, made safe for one line of a terminal or a log. */
static void
safe_text(const char *in, char *out, size_t len)
{
	size_t i, o = 0;

	for (i = 0; in != NULL && in[i] != '\0' && o + 5 < len; i++) {
		unsigned char ch = (unsigned char)in[i];

		if (i >= 300) {
			memcpy(out + o, "...", 4);
			return;
		}
		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
}

static int
tls_failure(CURLcode code)
{
	switch (code) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ENGINE_INITFAILED:
		return 1;
	default:
		return 0;
	}
}

/* The message of an error answer, or "". */
static void
answer_message(const struct answer *a, char *buf, size_t len)
{
	json_t *root = a->len > 0 ? json_loadb((const char *)a->buf, a->len, 0, NULL) : NULL;
	const char *message = NULL;

	buf[0] = '\0';
	if (json_unpack(root, "{s:{s:s}}", "error", "message", &message) == 0)
		safe_text(message, buf, len);
	json_decref(root);
}

/* "10 s", "1.5 s" */
static void
seconds_text(int64_t ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%lld s", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lld.%lld s", (long long)(ms / 1000), (long long)(ms % 1000 / 100));
}

/* One attempt's failure in a few words, for the final message. */
static void
describe(struct remote *r, const struct remote_server *s, const struct attempt *t,
	 const struct answer *a, int64_t budget_ms, char *buf, size_t len)
{
	char message[200];

	switch (t->code) {
	case CURLE_OK:
		answer_message(a, message, sizeof(message));
		snprintf(buf, len, "answered HTTP %ld%s%s", t->status, message[0] ? ": " : "",
			 message);
		break;
	case CURLE_COULDNT_CONNECT:
		snprintf(buf, len, "%.60s%s%.120s",
			 t->os_errno ? strerror(t->os_errno) : "cannot connect",
			 s->socket[0] ? " at " : "", s->socket);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(buf, len, "cannot resolve the host name");
		break;
	case CURLE_OPERATION_TIMEDOUT:
		seconds_text(budget_ms, message, sizeof(message));
		snprintf(buf, len, "no answer within %.32s", message);
		break;
	case CURLE_GOT_NOTHING:
		snprintf(buf, len, "closed the connection without answering");
		break;
	case CURLE_WRITE_ERROR:
		snprintf(buf, len, "answer larger than %u MiB", REMOTE_ANSWER_MAX >> 20);
		break;
	default:
		if (tls_failure(t->code))
			snprintf(buf, len, "TLS: %.140s%s",
				 t->error[0] ? t->error : r->curl->easy_strerror(t->code),
				 r->cacert[0] ? "" : " (a private CA needs --cacert FILE)");
		else
			snprintf(buf, len, "%.190s",
				 t->error[0] ? t->error : r->curl->easy_strerror(t->code));
	}
}

struct failures {
	char what[REMOTE_MAX_SERVERS][200];
	struct attempt last;
	int deadline_passed;
};

/* "URL: what; URL: what" over the servers that failed, or just "what". */
static void
failures_join(const struct remote *r, const struct failures *f, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	if (r->nservers == 1) {
		snprintf(buf, len, "%s", f->what[0]);
		return;
	}
	for (i = 0; i < r->nservers && o < len; i++)
		if (f->what[i][0] != '\0')
			o += (size_t)snprintf(buf + o, len - o, "%s%s: %s", o ? "; " : "",
					      r->servers[i].url, f->what[i]);
}

static int
fail_transport(struct remote *r, const struct failures *f, int idempotent,
	       struct mr_err *e)
{
	const struct attempt *t = &f->last;
	char detail[400], deadline[32];

	failures_join(r, f, detail, sizeof(detail));
	if (tls_failure(t->code))
		return mr_fail(e, MR_E_CONFIG, "vault %s: %s", r->urls, detail);
	if (t->code == CURLE_OK && t->status == 429)
		return mr_fail(e, MR_E_TIMEOUT, "vault %s is rate limiting this client: %s; try again later",
			       r->urls, detail);
	if (t->code == CURLE_OK)
		return mr_fail(e, MR_E_UNAVAILABLE, "vault %s unavailable: %s", r->urls, detail);
	if (f->deadline_passed || t->code == CURLE_OPERATION_TIMEDOUT) {
		seconds_text(r->timeout_ms, deadline, sizeof(deadline));
		if (r->nservers == 1 && t->code == CURLE_OPERATION_TIMEDOUT)
			detail[0] = '\0';     /* it would only say the same again */
		return mr_fail(e, MR_E_TIMEOUT, "vault %s: no answer within the %s deadline%s%s%s%s",
			       r->urls, deadline, detail[0] ? " (" : "", detail, detail[0] ? ")" : "",
			       idempotent || !t->sent ? "" : "; the change may or may not have been made");
	}
	if (remote_classify(t->code, 0, 1, 0) == REMOTE_RETRY)
		return mr_fail(e, MR_E_UNAVAILABLE, "vault %s unreachable: %s", r->urls, detail);
	if (t->code == CURLE_WRITE_ERROR)
		return mr_fail(e, MR_E_TOOLARGE, "vault %s: %s", r->urls, detail);
	return mr_fail(e, idempotent || !t->sent ? MR_E_UNAVAILABLE : MR_E_TIMEOUT,
		       "vault %s: %s%s", r->urls, detail,
		       idempotent || !t->sent ? "" : "; the change may or may not have been made");
}

/* The kind an error answer stands for: the server's code when it agrees with
 * the status, else the status alone. A 5xx is the server's trouble, never a
 * reason to call the client's configuration wrong. */
static enum mr_kind
kind_of_answer(long status, const char *code)
{
	enum mr_kind k;

	if (status >= 500)
		return MR_E_UNAVAILABLE;
	for (k = MR_E_USAGE; code != NULL && k <= MR_E_INTERNAL; k++)
		if (strcmp(mr_kind_code(k), code) == 0 && mr_http_status(k) == status)
			return k;
	switch (status) {
	case 400: return MR_E_INVALID;
	case 401: return MR_E_AUTH;
	case 403: return MR_E_FORBIDDEN;
	case 404: return MR_E_NOTFOUND;
	case 408:
	case 429: return MR_E_TIMEOUT;
	case 409: return MR_E_CONFLICT;
	case 413:
	case 431: return MR_E_TOOLARGE;
	default:  return MR_E_INTERNAL;   /* 405, 415, 3xx: this client is wrong */
	}
}

/* {"error":{"code":…,"message":…}} → "vault URL: message". */
static int
fail_answer(const struct remote_server *s, long status, const struct answer *a,
	    struct mr_err *e)
{
	json_t *root = a->len > 0 ? json_loadb((const char *)a->buf, a->len, 0, NULL) : NULL;
	const char *code = NULL, *message = NULL;
	char text[400];
	int rc;

	if (json_unpack(root, "{s:{s?s, s?s}}", "error", "code", &code, "message", &message) != 0)
		code = message = NULL;
	if (message != NULL)
		safe_text(message, text, sizeof(text));
	else
		snprintf(text, sizeof(text), "HTTP %ld", status);
	if (status == 401)
		rc = mr_fail(e, MR_E_AUTH, "vault %s: unauthorised: %s", s->url, text);
	else
		rc = mr_fail(e, kind_of_answer(status, code), "vault %s: %s", s->url, text);
	json_decref(root);
	return rc;
}

static int
take_answer(const struct remote_server *s, const struct attempt *t, const struct answer *a,
	    json_t **answer, struct mr_err *e)
{
	json_error_t jerr;
	json_t *root;

	if (t->status < 200 || t->status >= 300)
		return fail_answer(s, t->status, a, e);
	if (answer == NULL || a->len == 0)
		return 0;
	root = json_loadb((const char *)a->buf, a->len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		return mr_fail(e, MR_E_INVALID, "vault %s: the answer is not a JSON object", s->url);
	}
	*answer = root;
	return 0;
}

/* ---- one request, every server, every round ---- */

/* What the caller is told when a failure is not the last word: the next
 * server (next non-NULL) or another round after pause_ms. */
static void
notice_retry(const struct remote *r, size_t i, const char *what, const char *next,
	     int64_t pause_ms, unsigned round)
{
	char line[REMOTE_URL_MAX * 2 + 300];

	if (r->notice == NULL)
		return;
	if (next != NULL)
		snprintf(line, sizeof(line), "vault %s: %s; failing over to %s",
			 r->servers[i].url, what, next);
	else if (r->nservers == 1)
		snprintf(line, sizeof(line), "vault %s: %s; retrying in %lld ms (round %u of %d)",
			 r->servers[i].url, what, (long long)pause_ms, round + 1, REMOTE_ROUNDS);
	else
		snprintf(line, sizeof(line), "vault %s: no server answered (last, %s: %s); "
			 "retrying in %lld ms (round %u of %d)", r->urls, r->servers[i].url, what,
			 (long long)pause_ms, round + 1, REMOTE_ROUNDS);
	r->notice(line);
}

static int
call_servers(struct remote *r, const struct request *q, json_t **answer, struct mr_err *e)
{
	int64_t deadline = now_ms() + r->timeout_ms, left, budget, pause;
	struct failures f;
	struct answer a = { 0 };
	enum remote_verdict v = REMOTE_RETRY;
	unsigned round;
	size_t i = r->first, j;
	int rc = -1;

	memset(&f, 0, sizeof(f));
	for (round = 1; round <= REMOTE_ROUNDS && v == REMOTE_RETRY; round++) {
		for (j = 0; j < r->nservers; j++) {
			i = (r->first + j) % r->nservers;
			if ((left = deadline - now_ms()) <= 0) {
				f.deadline_passed = 1;
				goto out;
			}
			/* Leave the servers after this one a share of the time. */
			budget = left / (int64_t)(r->nservers - j);
			if (budget < 1)
				budget = 1;
			attempt_once(r, &r->servers[i], q, budget, &a, &f.last);
			v = remote_classify(f.last.code, f.last.status, q->flags & REMOTE_IDEMPOTENT,
					    f.last.sent);
			if (v != REMOTE_RETRY)
				break;
			describe(r, &r->servers[i], &f.last, &a, budget, f.what[i], sizeof(f.what[i]));
			if (j + 1 < r->nservers && deadline > now_ms())
				notice_retry(r, i, f.what[i], r->servers[(i + 1) % r->nservers].url, 0,
					     round);
		}
		if (v != REMOTE_RETRY || round == REMOTE_ROUNDS)
			break;
		pause = remote_backoff_ms(round, f.last.retry_after_ms);
		if (pause >= deadline - now_ms())
			break;      /* no time for another round: report what we have */
		notice_retry(r, i, f.what[i], NULL, pause, round);
		sleep_ms(pause);
	}
	if (v == REMOTE_DONE) {
		/* This process's later calls start here: a server found down is
		 * not asked again (nor said again) before the one that answered. */
		r->first = i;
		rc = take_answer(&r->servers[i], &f.last, &a, answer, e);
		goto done;
	}
	if (v == REMOTE_STOP)
		describe(r, &r->servers[i], &f.last, &a, r->timeout_ms, f.what[i], sizeof(f.what[i]));
out:
	rc = fail_transport(r, &f, q->flags & REMOTE_IDEMPOTENT, e);
done:
	answer_clear(&a);
	return rc;
}

int
remote_call(struct remote *r, const char *method, const char *path, json_t *body,
	    unsigned flags, json_t **answer, struct mr_err *e)
{
	struct request q = { method, path, NULL, 0, flags };
	size_t len = 0;
	char *text = NULL;
	int rc;

	if (answer != NULL)
		*answer = NULL;
	if (body != NULL) {
		/* Straight into locked memory: bodies may carry secret values. */
		len = json_dumpb(body, NULL, 0, JSON_COMPACT);
		if (len == 0)
			return mr_fail(e, MR_E_INTERNAL, "encoding a request failed");
		text = xsecure_alloc(len + 1);
		if (json_dumpb(body, text, len, JSON_COMPACT) != len) {
			secure_free(text, len + 1);
			return mr_fail(e, MR_E_INTERNAL, "encoding a request failed");
		}
		text[len] = '\0';
		q.body = text;
		q.body_len = len;
	}
	rc = call_servers(r, &q, answer, e);
	secure_free(text, len + 1);
	return rc;
}
