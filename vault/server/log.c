/* log.c — one line per request on stderr: time, client, method, path,
 * status, duration, token id. Never a body, a header, a value or a secret;
 * paths are escaped so a hostile name cannot forge a line.
 *
 * Lines are written by one thread, in batches: a busy server's write(2) per
 * request cost ~3 µs of a fetch's CPU (more into a pipe to journald, which
 * wakes for each). The writer writes at once when it has been idle and at
 * most once per LOG_PACE_MS when busy, so a quiet server's lines appear as
 * they happen, and kill -9 loses at most the last few milliseconds of
 * them (the audit trail, not this log, is the record: audit.c). */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define LOG_PACE_MS 5
/* Two of these: workers fill one while the writer writes the other. A
 * worker that finds it full waits for the writer, as it would have waited
 * for its own write(2); at ~110 bytes a line, one holds a busy server's
 * lines of a tenth of a second, so a writer kept off the CPU a while by
 * other jobs does not stall the workers. */
#define LOG_BUF (256 * 1024)

static struct {
	pthread_mutex_t mu;
	pthread_cond_t ready, space;
	char buf[2][LOG_BUF];
	size_t len;                  /* bytes in buf[cur] */
	int cur;
	int full;                    /* a worker waits for space */
	int stopping;
	int started;
	struct timespec last_write;  /* CLOCK_MONOTONIC */
	pthread_t writer;
} lg = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* Each worker formats the time's seconds once a second, not once a line. */
static __thread struct {
	time_t sec;
	char text[24];
} clock_cache;

static void
now_rfc3339_ms(char out[32])
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	if (tv.tv_sec != clock_cache.sec || clock_cache.text[0] == '\0') {
		if (gmtime_r(&tv.tv_sec, &tm) == NULL ||
		    strftime(clock_cache.text, sizeof(clock_cache.text), "%Y-%m-%dT%H:%M:%S",
			     &tm) == 0)
			snprintf(clock_cache.text, sizeof(clock_cache.text), "1970-01-01T00:00:00");
		clock_cache.sec = tv.tv_sec;
	}
	snprintf(out, 32, "%s.%03dZ", clock_cache.text, (int)(tv.tv_usec / 1000));
}

/* Printable ASCII stays, anything else becomes \xHH. */
static void
escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in != '\0' && o + 5 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if (c > 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", c);
	}
	out[o] = '\0';
}

static void
write_all(const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(STDERR_FILENO, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;   /* nowhere to log to: nothing better to do */
		p += n;
		len -= (size_t)n;
	}
}

/* Waits for lines, then (unless a worker waits for space) until LOG_PACE_MS
 * after the last write; swaps the buffers and writes the full one outside
 * the lock. Only this thread writes while it runs, so lines keep their
 * order. */
static void *
writer_main(void *arg)
{
	struct timespec until;
	const char *out;
	size_t n;

	(void)arg;
	pthread_mutex_lock(&lg.mu);
	for (;;) {
		while (lg.len == 0 && !lg.stopping)
			pthread_cond_wait(&lg.ready, &lg.mu);
		if (lg.len == 0)
			break;
		until = timespec_after_ms(lg.last_write, LOG_PACE_MS);
		while (!lg.full && !lg.stopping &&
		       pthread_cond_timedwait(&lg.ready, &lg.mu, &until) == 0)
			;
		out = lg.buf[lg.cur];
		n = lg.len;
		lg.cur ^= 1;
		lg.len = 0;
		lg.full = 0;
		pthread_cond_broadcast(&lg.space);
		pthread_mutex_unlock(&lg.mu);
		write_all(out, n);
		clock_gettime(CLOCK_MONOTONIC, &lg.last_write);
		pthread_mutex_lock(&lg.mu);
	}
	pthread_mutex_unlock(&lg.mu);
	return NULL;
}

/* One line, whole: lines from several workers never interleave. Before the
 * writer starts and after it stops, written at once. */
static void
emit(const char *line, size_t len)
{
	pthread_mutex_lock(&lg.mu);
	if (!lg.started) {
		write_all(line, len);
		pthread_mutex_unlock(&lg.mu);
		return;
	}
	while (lg.len + len > LOG_BUF) {
		lg.full = 1;
		pthread_cond_signal(&lg.ready);
		pthread_cond_wait(&lg.space, &lg.mu);
	}
	memcpy(lg.buf[lg.cur] + lg.len, line, len);
	/* The writer sleeps until a first line comes; after that it waits
	 * for the pace, not for each line. */
	if (lg.len == 0)
		pthread_cond_signal(&lg.ready);
	lg.len += len;
	pthread_mutex_unlock(&lg.mu);
}

int
log_start(void)
{
	pthread_condattr_t monotonic;

	pthread_condattr_init(&monotonic);
	pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
	pthread_cond_init(&lg.ready, &monotonic);
	pthread_cond_init(&lg.space, NULL);
	pthread_condattr_destroy(&monotonic);
	if (pthread_create(&lg.writer, NULL, writer_main, NULL) != 0)
		return -1;
	pthread_mutex_lock(&lg.mu);
	lg.started = 1;
	pthread_mutex_unlock(&lg.mu);
	return 0;
}

/* Writes out what is buffered; later lines are written at once. */
void
log_stop(void)
{
	pthread_mutex_lock(&lg.mu);
	if (!lg.started) {
		pthread_mutex_unlock(&lg.mu);
		return;
	}
	lg.stopping = 1;
	pthread_cond_signal(&lg.ready);
	pthread_mutex_unlock(&lg.mu);
	pthread_join(lg.writer, NULL);
	pthread_mutex_lock(&lg.mu);
	lg.started = 0;
	lg.stopping = 0;
	pthread_mutex_unlock(&lg.mu);
}

void
log_line(enum mr_prio prio, const char *fmt, ...)
{
	char line[1024], at[32];
	va_list ap;
	int n;

	now_rfc3339_ms(at);
	n = snprintf(line, sizeof(line), "%s%s modal-vault serve: ", mr_log_prefix(prio), at);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	n = (int)strlen(line);
	line[n++] = '\n';
	emit(line, (size_t)n);
}

void
log_request(const struct request *r)
{
	struct timespec now;
	char line[1024], at[32], method[40], path[600];
	long long us;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (long long)(now.tv_sec - r->start.tv_sec) * 1000000 +
	     (now.tv_nsec - r->start.tv_nsec) / 1000;
	now_rfc3339_ms(at);
	escape(r->method, method, sizeof(method));
	escape(r->path, path, sizeof(path));
	/* A 5xx is the server failing: journalctl -p err finds it. */
	n = snprintf(line, sizeof(line), "%s%s %s %s %s %d %lld.%03lldms %s\n",
		     mr_log_prefix(r->status >= 500 ? MR_LOG_ERR : MR_LOG_INFO), at, r->client,
		     method, path, r->status, us / 1000, us % 1000,
		     r->token_id[0] != '\0' ? r->token_id : "-");
	if (n > 0 && (size_t)n < sizeof(line))
		emit(line, (size_t)n);
}
