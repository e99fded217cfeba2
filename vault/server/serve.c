/* serve.c — `modal-vault serve`: options, listeners, start, and the orderly
 * end: SIGTERM or SIGINT stops accepting, lets the requests in flight finish,
 * stops the workers (closing their store connections) and exits 0. */
#include "internal.h"
#include "exitcodes.h"
#include "fdio.h"
#include "secmem.h"
#include "server.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_LISTEN "127.0.0.1:8420"

struct listener {
	const char *spec;            /* as given */
	int fd;
	int is_unix;                 /* ours to unlink at the end */
	int passed;                  /* by systemd, already listening */
	char shown[PATH_MAX + 32];   /* http://127.0.0.1:8420, unix:/run/x.sock */
	struct http_front *front;    /* holds the listening socket once started */
};

struct serve_opts {
	struct listener listen[SERVER_MAX_LISTEN];
	int nlisten;
	const char *tls_cert, *tls_key, *store;
	int init;                    /* --init: create a missing file: vault */
	struct server_limits lim;
	struct trust_list trusted;
};

static int
die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
die(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mr_log(MR_LOG_ERR, "modal-vault serve: %s", msg);
	return code;
}

static const char usage_text[] =
	"usage: modal-vault serve [--listen HOST:PORT | --listen unix:PATH]... [--store URL]\n"
	"                         [--tls-cert FILE --tls-key FILE] [--threads N]\n"
	"                         [--max-body BYTES] [--max-header BYTES] [--max-connections N]\n"
	"                         [--idle-timeout S] [--body-timeout S] [--request-timeout S]\n"
	"                         [--drain-timeout S]\n"
	"                         [--auth-fail-limit N] [--auth-fail-window S] [--init]\n"
	"                         [--trust-proxy ADDR[/BITS] | --trust-proxy unix]...\n"
	"Serves the vault's HTTP API (docs/protocol.md) from the store: --store, else\n"
	"MODAL_VAULT_STORE, else the embedded vault at file:$XDG_DATA_HOME/modal-vault\n"
	"(a postgres:// store also needs MODAL_VAULT_MASTER_KEY: docs/scaling.md), on\n"
	DEFAULT_LISTEN " unless --listen says otherwise. Prints the vault's public key and\n"
	"the addresses it listens on; logs one line per request to stderr. SIGTERM\n"
	"drains and exits 0; SIGHUP is logged and ignored. X-Real-IP and\n"
	"X-Modal-Environment count only from a --trust-proxy peer (none by default).\n"
	"--init creates the embedded (file:) vault first if it does not exist yet (a\n"
	"service's first start). Listening sockets passed by systemd (LISTEN_FDS,\n"
	"socket activation) are served, and the --listen addresses if any are given.\n";

static int
parse_number(const char *opt, const char *s, unsigned long long min, unsigned long long max,
	     unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || *out < min || *out > max)
		return die(EXIT_USAGE, "%s: expected a number from %llu to %llu, not '%s'", opt, min,
			   max, s);
	return 0;
}

static void
default_limits(struct server_limits *lim)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	lim->body_max = 1u << 20;
	lim->header_max = 16u << 10;
	lim->connections = 1024;
	lim->idle_timeout = 30;
	lim->body_timeout = 30;
	/* Enough for a body at the limit of its own timeout and an answer. */
	lim->request_timeout = 60;
	/* One worker per CPU (at least two, so one slow store write does not
	 * hold up every connection): the audit trail's disk syncs are off the
	 * workers' path, and more workers than CPUs measured slower (bench/serve:
	 * each sodium_malloc's page-table change stalls every thread). */
	lim->threads = cpus > 2 ? (unsigned)(cpus > 64 ? 64 : cpus) : 2;
	lim->auth_fail_limit = 10;
	lim->auth_fail_window = 60;
	lim->drain_timeout = 30;
}

static int
set_limit(struct serve_opts *o, int ch, const char *opt, const char *arg)
{
	unsigned long long v;
	struct server_limits *lim = &o->lim;

	switch (ch) {
	case 'b': if (parse_number(opt, arg, 256, 1ull << 30, &v)) return EXIT_USAGE; lim->body_max = v; break;
	case 'H': if (parse_number(opt, arg, 1024, 1u << 20, &v)) return EXIT_USAGE; lim->header_max = v; break;
	case 'c': if (parse_number(opt, arg, 1, 100000, &v)) return EXIT_USAGE; lim->connections = (unsigned)v; break;
	case 'i': if (parse_number(opt, arg, 1, 86400, &v)) return EXIT_USAGE; lim->idle_timeout = (unsigned)v; break;
	case 'B': if (parse_number(opt, arg, 1, 86400, &v)) return EXIT_USAGE; lim->body_timeout = (unsigned)v; break;
	case 'R': if (parse_number(opt, arg, 1, 86400, &v)) return EXIT_USAGE; lim->request_timeout = (unsigned)v; break;
	case 't': if (parse_number(opt, arg, 1, 1024, &v)) return EXIT_USAGE; lim->threads = (unsigned)v; break;
	case 'f': if (parse_number(opt, arg, 1, 1000000, &v)) return EXIT_USAGE; lim->auth_fail_limit = (unsigned)v; break;
	case 'w': if (parse_number(opt, arg, 1, 86400, &v)) return EXIT_USAGE; lim->auth_fail_window = (unsigned)v; break;
	case 'd': if (parse_number(opt, arg, 0, 3600, &v)) return EXIT_USAGE; lim->drain_timeout = (unsigned)v; break;
	}
	return 0;
}

static int
parse_options(struct serve_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' }, { "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' }, { "store", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' }, { "max-body", required_argument, NULL, 'b' },
		{ "max-header", required_argument, NULL, 'H' },
		{ "max-connections", required_argument, NULL, 'c' },
		{ "idle-timeout", required_argument, NULL, 'i' },
		{ "body-timeout", required_argument, NULL, 'B' },
		{ "request-timeout", required_argument, NULL, 'R' },
		{ "drain-timeout", required_argument, NULL, 'd' },
		{ "auth-fail-limit", required_argument, NULL, 'f' },
		{ "auth-fail-window", required_argument, NULL, 'w' },
		{ "trust-proxy", required_argument, NULL, 'T' },
		{ "init", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct mr_err e;
	int ch, rc;

	default_limits(&o->lim);
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h': fputs(usage_text, stdout); exit(0);
		case '?': return die(EXIT_USAGE, "unknown option '%s' (see modal-vault serve --help)", argv[optind - 1]);
		case ':': return die(EXIT_USAGE, "option '%s' needs a value", argv[optind - 1]);
		case 'C': o->tls_cert = optarg; break;
		case 'K': o->tls_key = optarg; break;
		case 's': o->store = optarg; break;
		case 'T':
			if (trust_add(&o->trusted, optarg, &e) != 0)
				return die(EXIT_USAGE, "%s", e.msg);
			break;
		case 'I': o->init = 1; break;
		case 'l':
			if (o->nlisten == SERVER_MAX_LISTEN)
				return die(EXIT_USAGE, "at most %d --listen addresses", SERVER_MAX_LISTEN);
			o->listen[o->nlisten++].spec = optarg;
			break;
		default:
			if ((rc = set_limit(o, ch, argv[optind - 1], optarg)) != 0)
				return rc;
		}
	}
	if (optind < argc)
		return die(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if ((o->tls_cert == NULL) != (o->tls_key == NULL))
		return die(EXIT_USAGE, "--tls-cert and --tls-key go together");
	return 0;
}

/* Socket activation (sd_listen_fds(3)): systemd passes listening sockets
 * from fd 3 on, and says so in LISTEN_FDS for the process LISTEN_PID names
 * (a variable inherited by another process is not for it). The sockets
 * are systemd's: never unlinked here. The variables are removed, so nothing
 * this process starts takes the sockets for its own. Without any, and
 * without --listen, the default address. */
static int
take_passed_listeners(struct serve_opts *o, struct mr_err *e)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	char *end;
	long n = 0, i;
	int accepting;
	socklen_t len = sizeof(accepting);

	if (pid != NULL && fds != NULL && strtol(pid, &end, 10) == (long)getpid() && *end == '\0') {
		n = strtol(fds, &end, 10);
		if (*end != '\0' || n < 0 || n > SERVER_MAX_LISTEN - o->nlisten)
			return mr_fail(e, MR_E_CONFIG, "LISTEN_FDS=%s: expected 0 to %d sockets",
				       fds, SERVER_MAX_LISTEN - o->nlisten);
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
	}
	for (i = 0; i < n; i++, o->nlisten++) {
		struct listener *l = &o->listen[o->nlisten];

		l->fd = 3 + (int)i;
		if (getsockopt(l->fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0 || !accepting)
			return mr_fail(e, MR_E_CONFIG,
				       "descriptor %d of LISTEN_FDS is not a listening socket", l->fd);
		if (fd_set_cloexec_nonblock(l->fd) != 0)
			return mr_fail(e, MR_E_IO, "descriptor %d of LISTEN_FDS: %s", l->fd,
				       strerror(errno));
		l->spec = "LISTEN_FDS";
		l->passed = 1;
	}
	if (o->nlisten == 0)
		o->listen[o->nlisten++].spec = DEFAULT_LISTEN;
	return 0;
}

/* A Unix socket, 0600: who may connect is who may open it. A stale socket
 * of an earlier run is replaced; any other file is not touched. */
static int
listen_unix(struct listener *l, struct mr_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = l->spec + 5;
	struct stat st;
	mode_t mask;
	int rc;

	if (*path == '\0' || strlen(path) >= sizeof(sa.sun_path))
		return mr_fail(e, MR_E_USAGE, "--listen %s: socket path empty or too long", l->spec);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return mr_fail(e, MR_E_CONFIG, "--listen %s: %s exists and is not a socket",
				       l->spec, path);
		unlink(path);
	}
	strcpy(sa.sun_path, path);
	if ((l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return mr_fail(e, MR_E_IO, "socket: %s", strerror(errno));
	mask = umask(0177);
	rc = bind(l->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(mask);
	if (rc != 0 || listen(l->fd, 1024) != 0)
		return mr_fail(e, MR_E_IO, "--listen %s: %s", l->spec, strerror(errno));
	l->is_unix = 1;
	snprintf(l->shown, sizeof(l->shown), "unix:%s", path);
	return 0;
}

static int
split_host_port(const char *spec, char *host, size_t len, const char **port)
{
	const char *colon;

	if (spec[0] == '[') {
		colon = strstr(spec, "]:");
		if (colon == NULL || (size_t)(colon - spec - 1) >= len)
			return -1;
		snprintf(host, len, "%.*s", (int)(colon - spec - 1), spec + 1);
		*port = colon + 2;
		return 0;
	}
	colon = strrchr(spec, ':');
	if (colon == NULL || (size_t)(colon - spec) >= len || strchr(spec, ':') != colon)
		return -1;
	snprintf(host, len, "%.*s", (int)(colon - spec), spec);
	*port = colon + 1;
	return 0;
}

static void
show_address(struct listener *l, int tls)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (getsockname(l->fd, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_UNIX)
		snprintf(l->shown, sizeof(l->shown), "unix:%s", ((struct sockaddr_un *)&ss)->sun_path);
	else if (getsockname(l->fd, (struct sockaddr *)&ss, &len) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(l->shown, sizeof(l->shown), "%s", l->spec);
	else
		snprintf(l->shown, sizeof(l->shown), "%s://%s%s%s:%s", tls ? "https" : "http",
			 ss.ss_family == AF_INET6 ? "[" : "", host,
			 ss.ss_family == AF_INET6 ? "]" : "", port);
}

/* A decimal port from 0 to 65535: glibc's getaddrinfo takes "99999" and
 * binds port 34463 (it keeps the low 16 bits), a server on the wrong port. */
static int
port_valid(const char *port)
{
	char *end;
	unsigned long n;

	if (*port < '0' || *port > '9')
		return 0;
	errno = 0;
	n = strtoul(port, &end, 10);
	return *end == '\0' && errno == 0 && n <= 65535;
}

static int
listen_tcp(struct listener *l, int tls, struct mr_err *e)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *ai = NULL;
	char host[256];
	const char *port;
	int rc, one = 1;

	if (split_host_port(l->spec, host, sizeof(host), &port) != 0 || *port == '\0')
		return mr_fail(e, MR_E_USAGE,
			       "--listen %s: expected HOST:PORT, [IPV6]:PORT or unix:PATH", l->spec);
	if (!port_valid(port))
		return mr_fail(e, MR_E_USAGE, "--listen %s: the port must be a number from 0 to 65535",
			       l->spec);
	if ((rc = getaddrinfo(*host ? host : NULL, port, &hints, &ai)) != 0)
		return mr_fail(e, MR_E_USAGE, "--listen %s: %s", l->spec, gai_strerror(rc));
	l->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (l->fd < 0) {
		freeaddrinfo(ai);
		return mr_fail(e, MR_E_IO, "socket: %s", strerror(errno));
	}
	setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	rc = bind(l->fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(l->fd, 1024) == 0 ? 0 : -1;
	freeaddrinfo(ai);
	if (rc != 0)
		return mr_fail(e, MR_E_UNAVAILABLE, "--listen %s: %s", l->spec, strerror(errno));
	show_address(l, tls);
	return 0;
}

static int
open_listener(struct listener *l, int tls, struct mr_err *e)
{
	if (l->passed) {
		show_address(l, tls);
		return 0;
	}
	l->fd = -1;
	if (strncmp(l->spec, "unix:", 5) == 0)
		return listen_unix(l, e);
	return listen_tcp(l, tls, e);
}

/* --init: a service's first start on a fresh host makes its vault (one
 * already there is kept as it is: mkdir decides, so two servers starting at
 * once make one vault). Only an embedded vault: a PostgreSQL store is
 * shared by several servers and made once, by `modal-vault init`. */
static int
init_missing_vault(const char *url, struct mr_err *e)
{
	struct vault_workspace ws;

	if (strncmp(url, "file:", 5) != 0)
		return mr_fail(e, MR_E_USAGE, "--init makes an embedded vault: the store must be a file: URL");
	if (vault_init(url, "default", &ws, e) == 0) {
		log_line(MR_LOG_INFO, "created the vault at %s (workspace %s)", url + 5,
			 ws.workspace_id);
		return 0;
	}
	if (e->kind != MR_E_EXISTS)
		return -1;
	mr_clear(e);
	return 0;
}

/* The vault's long-term key pair and a first look at the store, before any
 * listener opens: a bad --store fails here, once, not on every request. */
static int
server_init(struct server *s, struct serve_opts *o, char *url, size_t url_len, struct mr_err *e)
{
	const char *env = getenv("MODAL_VAULT_STORE");
	const char *given = o->store != NULL ? o->store : env != NULL && *env != '\0' ? env : NULL;
	struct vault *v = NULL;
	int rc;

	/* A store URL cut short would name another store: refuse it. */
	if (given != NULL && strlen(given) >= url_len)
		return mr_fail(e, MR_E_USAGE, "store URL longer than %zu bytes", url_len - 1);
	if (given != NULL)
		snprintf(url, url_len, "%s", given);
	else if (vault_default_url(url, url_len, e) != 0)
		return -1;
	s->store_url = url;
	s->lim = o->lim;
	s->trusted = o->trusted;
	s->tls = o->tls_cert != NULL;
	s->started = time(NULL);
	if (o->init && init_missing_vault(url, e) != 0)
		return -1;
	if (vault_open(url, &v, e) != 0)
		return -1;
	s->vault_sk = xsecure_alloc(crypto_box_SECRETKEYBYTES);
	rc = vault_box_keypair(v, s->vault_pk, s->vault_sk, e);
	vault_close(v);
	if (rc != 0)
		return -1;
	wire_hex_encode(s->vault_pk, WIRE_KEY_LEN, s->vault_pk_hex);
	s->rl = ratelimit_new();
	s->metrics = metrics_new(nroutes);
	if (s->rl == NULL || s->metrics == NULL || pthread_key_create(&s->thread_key,
								      thread_ctx_release) != 0)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	return (s->audit = audit_start(s, e)) != NULL ? 0 : -1;
}

struct tls_files {
	unsigned char *cert, *key;
	size_t cert_len, key_len;
};

static int
tls_load(const struct serve_opts *o, struct tls_files *t, struct mr_err *e)
{
	if (o->tls_cert == NULL)
		return 0;
	char why[sizeof(e->msg)];
	const char *opt = "--tls-cert";

	/* A certificate or key that cannot be read is a configuration error,
	 * whatever the reason. */
	if (read_file_secret(o->tls_cert, 1u << 20, 0, &t->cert, &t->cert_len, e) == 0) {
		opt = "--tls-key";
		if (read_file_secret(o->tls_key, 1u << 20, 0, &t->key, &t->key_len, e) == 0)
			return 0;
	}
	memcpy(why, e->msg, sizeof(why));
	return mr_fail(e, MR_E_CONFIG, "%s: %.400s", opt, why);
}

static void
tls_free(struct tls_files *t)
{
	secure_free(t->cert, t->cert_len + 1);
	secure_free(t->key, t->key_len + 1);
}

static void
drain(struct server *s, struct serve_opts *o)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	unsigned waited_ms = 0;
	int i;

	atomic_store(&s->draining, 1);
	for (i = 0; i < o->nlisten; i++)
		http_stop_accepting(o->listen[i].front);
	log_line(MR_LOG_INFO, "stopping: no new connections; %d request(s) in flight",
		 atomic_load(&s->in_flight));
	while (atomic_load(&s->in_flight) > 0 && waited_ms < s->lim.drain_timeout * 1000) {
		nanosleep(&tick, NULL);
		waited_ms += 10;
	}
	if (atomic_load(&s->in_flight) > 0)
		log_line(MR_LOG_WARNING, "drain timeout: %d request(s) cut off", atomic_load(&s->in_flight));
	for (i = 0; i < o->nlisten; i++) {
		http_stop(o->listen[i].front);
		o->listen[i].front = NULL;
	}
	/* Every worker is gone: what they audited is all in the queue. */
	audit_stop(s->audit);
	s->audit = NULL;
	for (i = 0; i < o->nlisten; i++)
		if (o->listen[i].is_unix)
			unlink(o->listen[i].spec + 5);
}

static int
start_all(struct server *s, struct serve_opts *o, const struct tls_files *t, struct mr_err *e)
{
	int i;

	for (i = 0; i < o->nlisten; i++) {
		if (open_listener(&o->listen[i], s->tls, e) != 0 ||
		    http_start(s, o->listen[i].fd, (const char *)t->cert, (const char *)t->key,
			       &o->listen[i].front, e) != 0)
			return mr_wrap(e, "%s", o->listen[i].spec);
		o->listen[i].fd = -1;   /* the front's now */
	}
	atomic_store(&s->running, 1);
	printf("modal-vault serve: vault public key %s\n", s->vault_pk_hex);
	for (i = 0; i < o->nlisten; i++)
		printf("modal-vault serve: listening on %s\n", o->listen[i].shown);
	fflush(stdout);
	return 0;
}

/* Waits for SIGTERM or SIGINT. SIGHUP is logged and ignored: there is
 * nothing to reload (options are fixed at start, the store is read on every
 * request) or reopen (the log is standard error, whoever holds its other
 * end rotates it), and its default action would end the server at once,
 * cutting off the requests in flight and the queued audit records that
 * SIGTERM lets finish (a closed terminal, or kill -HUP from habit). */
static int
wait_for_signal(const sigset_t *set)
{
	int sig = 0;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			return sig;
		log_line(MR_LOG_INFO, "SIGHUP received: ignored (nothing to reload; SIGTERM drains and exits)");
	}
}

static void
server_free(struct server *s, struct serve_opts *o)
{
	int i;

	for (i = 0; i < o->nlisten; i++)
		if (o->listen[i].fd >= 0)
			close(o->listen[i].fd);
	audit_stop(s->audit);
	ratelimit_free(s->rl);
	metrics_free(s->metrics);
	secure_free(s->vault_sk, crypto_box_SECRETKEYBYTES);
}

int
serve_main(int argc, char **argv)
{
	static struct serve_opts o;
	static struct server s;
	char url[PATH_MAX + 16];
	struct tls_files tls = { 0 };
	struct mr_err e = { 0 };
	sigset_t set;
	int rc, sig, i;

	if ((rc = parse_options(&o, argc, argv)) != 0)
		return rc;
	if (take_passed_listeners(&o, &e) != 0)
		return die(mr_exit_code(e.kind), "%s", e.msg);
	for (i = 0; i < SERVER_MAX_LISTEN; i++)
		if (!o.listen[i].passed)
			o.listen[i].fd = -1;
	if (secmem_init() != 0)
		return die(EXIT_SOFTWARE, "libsodium failed to initialise");
	/* The process holds the master key, the vault's box key and, in
	 * libmicrohttpd's buffers, whatever clients send: no core dump, and no
	 * ptrace by other processes of the same user. */
	if (prctl(PR_SET_DUMPABLE, 0) != 0 || setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }) != 0)
		return die(EXIT_OSERR, "cannot turn core dumps off: %s", strerror(errno));
	if (o.tls_cert != NULL && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return die(EXIT_CONFIG, "this libmicrohttpd has no TLS support");
	/* Workers inherit the mask: only this thread takes SIGTERM, SIGINT and
	 * SIGHUP. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (log_start() != 0)
		return die(EXIT_OSERR, "cannot start the log writer");
	if (server_init(&s, &o, url, sizeof(url), &e) != 0 || tls_load(&o, &tls, &e) != 0 ||
	    start_all(&s, &o, &tls, &e) != 0) {
		rc = die(mr_exit_code(e.kind), "%s", e.msg);
		for (i = 0; i < o.nlisten; i++) {
			http_stop(o.listen[i].front);
			o.listen[i].front = NULL;
		}
	} else {
		sig = wait_for_signal(&set);
		log_line(MR_LOG_INFO, "%s received", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		drain(&s, &o);
		log_line(MR_LOG_INFO, "stopped");
		rc = 0;
	}
	tls_free(&tls);
	server_free(&s, &o);
	log_stop();
	return rc;
}
