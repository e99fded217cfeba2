/* log.c — one line per request on stderr: time, client, method, path,
 * status, duration, token id. Never a body, a header, a value or a secret;
 * paths are escaped so a hostile name cannot forge a line. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static void
now_rfc3339_ms(char out[32])
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	time_rfc3339_ms((int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000, out);
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

/* One write(2) per line: lines from several workers never interleave. */
static void
emit(const char *line, size_t len)
{
	ssize_t n = write(STDERR_FILENO, line, len);

	(void)n;
}

void
log_line(const char *fmt, ...)
{
	char line[1024], at[32];
	va_list ap;
	int n;

	now_rfc3339_ms(at);
	n = snprintf(line, sizeof(line), "%s modal-vault serve: ", at);
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
	double ms;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (double)(now.tv_sec - r->start.tv_sec) * 1e3 +
	     (double)(now.tv_nsec - r->start.tv_nsec) / 1e6;
	now_rfc3339_ms(at);
	escape(r->method, method, sizeof(method));
	escape(r->path, path, sizeof(path));
	n = snprintf(line, sizeof(line), "%s %s %s %s %d %.3fms %s\n", at, r->client, method, path,
		     r->status, ms, r->token_id[0] != '\0' ? r->token_id : "-");
	if (n > 0 && (size_t)n < sizeof(line))
		emit(line, (size_t)n);
}
