/* front.c — each listener's front: the thread that accepts its connections
 * and hands them to libmicrohttpd, and the total time limit on a request.
 *
 * Accepting ourselves spreads connections over the workers: libmicrohttpd's
 * pool gives an added connection to the worker its descriptor number picks,
 * so consecutive connections go to different workers. Left to itself, it
 * lets whichever worker wakes first accept up to ten at a time, and a burst
 * of long-lived connections (a proxy's keep-alive pool, a benchmark's) would
 * all be served by one worker while the others idle.
 *
 * libmicrohttpd's own timeout is for silence only: a client sending a byte
 * now and then (slowloris) keeps a connection and a worker's memory for as
 * long as it likes. So every connection must finish each answer within
 * --request-timeout seconds of the previous one (or of being accepted); once
 * a second the acceptor shuts down the sockets of those that have not, and
 * libmicrohttpd closes them. */
#include "internal.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

/* One open connection, from libmicrohttpd's STARTED to its CLOSED. */
struct tracked {
	struct tracked *prev, *next;
	int fd;
	atomic_llong mark;           /* accepted, or its last answer ended (monotonic s) */
};

struct http_front {
	struct server *srv;
	struct MHD_Daemon *daemon;
	int listen_fd;
	int stop_fd;                 /* eventfd: tells the acceptor to end */
	pthread_t acceptor;
	int acceptor_started;
	int accept_failing;          /* the last accept failed for want of resources */
	pthread_mutex_t mu;          /* the list; held while a socket is shut down */
	struct tracked *conns;
	unsigned nconns;
};

static long long
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec;
}

void
front_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
		    enum MHD_ConnectionNotificationCode toe)
{
	struct http_front *f = cls;
	struct tracked *t = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		atomic_fetch_add(&f->srv->connections, 1);
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci == NULL || (t = calloc(1, sizeof(*t))) == NULL)
			return;   /* untracked: only the idle timeout applies to it */
		t->fd = ci->connect_fd;
		atomic_store(&t->mark, now_s());
		pthread_mutex_lock(&f->mu);
		if ((t->next = f->conns) != NULL)
			t->next->prev = t;
		f->conns = t;
		f->nconns++;
		pthread_mutex_unlock(&f->mu);
		*socket_context = t;
		return;
	}
	atomic_fetch_sub(&f->srv->connections, 1);
	if (t == NULL)
		return;
	/* libmicrohttpd closes the socket after this returns: while the sweep
	 * holds the list, the descriptor cannot be closed and reused. */
	pthread_mutex_lock(&f->mu);
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		f->conns = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	f->nconns--;
	pthread_mutex_unlock(&f->mu);
	free(t);
	*socket_context = NULL;
}

void
front_answered(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct tracked *t = ci != NULL ? ci->socket_context : NULL;

	if (t != NULL)
		atomic_store(&t->mark, now_s());
}

static void
sweep(struct http_front *f)
{
	long long limit = f->srv->lim.request_timeout, now = now_s();
	struct tracked *t;

	pthread_mutex_lock(&f->mu);
	for (t = f->conns; t != NULL; t = t->next)
		if (t->fd >= 0 && now - atomic_load(&t->mark) > limit) {
			log_line(MR_LOG_WARNING, "closing a connection with no answer in %lld s (--request-timeout)",
				 now - atomic_load(&t->mark));
			shutdown(t->fd, SHUT_RDWR);
			t->fd = -1;   /* once */
		}
	pthread_mutex_unlock(&f->mu);
}

/* Accepts every pending connection; 0, or -1 when out of descriptors or
 * memory (the caller waits a moment rather than spin on it). */
static int
accept_pending(struct http_front *f)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	while ((fd = accept4(f->listen_fd, (struct sockaddr *)&ss, &len,
			     SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		f->accept_failing = 0;
		/* On failure libmicrohttpd closes it. */
		MHD_add_connection(f->daemon, fd, (struct sockaddr *)&ss, len);
		len = sizeof(ss);
	}
	if (errno != EMFILE && errno != ENFILE && errno != ENOBUFS && errno != ENOMEM)
		return 0;
	if (!f->accept_failing)
		log_line(MR_LOG_WARNING, "accept: %s: new connections wait", strerror(errno));
	f->accept_failing = 1;
	return -1;
}

/* Past the hard connection limit new connections wait in the kernel's
 * backlog, as they would with libmicrohttpd accepting. */
static int
at_limit(struct http_front *f)
{
	unsigned n;

	pthread_mutex_lock(&f->mu);
	n = f->nconns;
	pthread_mutex_unlock(&f->mu);
	return n >= f->srv->lim.connections + CONNECTIONS_OVER_LIMIT;
}

static void *
acceptor_main(void *arg)
{
	struct http_front *f = arg;
	struct pollfd p[2] = { { f->stop_fd, POLLIN, 0 }, { f->listen_fd, POLLIN, 0 } };
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	long long swept = now_s();
	int full;

	for (;;) {
		full = at_limit(f);
		if (poll(p, full ? 1 : 2, full ? 50 : 1000) < 0 && errno != EINTR)
			break;
		if (p[0].revents != 0)
			break;
		if (!full && p[1].revents != 0 && accept_pending(f) != 0)
			nanosleep(&pause, NULL);
		if (now_s() != swept) {
			sweep(f);
			swept = now_s();
		}
	}
	return NULL;
}

void
http_stop_accepting(struct http_front *f)
{
	uint64_t one = 1;

	if (f == NULL || f->listen_fd < 0)
		return;
	if (f->acceptor_started && write(f->stop_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(f->acceptor, NULL);
	f->acceptor_started = 0;
	close(f->listen_fd);
	f->listen_fd = -1;
}

void
http_stop(struct http_front *f)
{
	if (f == NULL)
		return;
	http_stop_accepting(f);
	/* Every connection's CLOSED comes before this returns. */
	if (f->daemon != NULL)
		MHD_stop_daemon(f->daemon);
	if (f->stop_fd >= 0)
		close(f->stop_fd);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

int
http_start(struct server *s, int listen_fd, const char *tls_cert, const char *tls_key,
	   struct http_front **out, struct mr_err *e)
{
	struct http_front *f = calloc(1, sizeof(*f));

	*out = NULL;
	if (f == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	f->srv = s;
	f->listen_fd = f->stop_fd = -1;
	pthread_mutex_init(&f->mu, NULL);
	if ((f->daemon = http_daemon_start(s, f, tls_cert, tls_key)) == NULL) {
		http_stop(f);
		if (tls_cert != NULL)
			return mr_fail(e, MR_E_CONFIG,
				       "libmicrohttpd could not start TLS (%s): is --tls-cert a PEM certificate and --tls-key its PEM key?",
				       s->startup_error[0] ? s->startup_error : "no reason given");
		return mr_fail(e, MR_E_IO, "libmicrohttpd could not start on the listener: %s",
			       s->startup_error[0] ? s->startup_error : "no reason given");
	}
	f->listen_fd = listen_fd;
	if ((f->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0 ||
	    pthread_create(&f->acceptor, NULL, acceptor_main, f) != 0) {
		f->listen_fd = -1;   /* still the caller's */
		http_stop(f);
		return mr_fail(e, MR_E_INTERNAL, "cannot start the acceptor");
	}
	f->acceptor_started = 1;
	*out = f;
	return 0;
}
