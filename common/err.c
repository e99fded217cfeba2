/* err.c — failure records and their mapping to exit codes and HTTP statuses. */
#include "err.h"
#include "exitcodes.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
mr_fail(struct mr_err *e, enum mr_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->kind = kind;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
mr_wrap(struct mr_err *e, const char *fmt, ...)
{
	char prefix[256], old[sizeof(e->msg)];
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	/* Truncation is fine: the message is for a person, the kind is kept. */
	if (snprintf(e->msg, sizeof(e->msg), "%s: %.*s", prefix,
		     (int)(sizeof(e->msg) - strlen(prefix) - 3), old) < 0)
		e->msg[0] = '\0';
	return -1;
}

void
mr_clear(struct mr_err *e)
{
	e->kind = MR_OK;
	e->msg[0] = '\0';
}

int
mr_exit_code(enum mr_kind kind)
{
	switch (kind) {
	case MR_OK:		return 0;
	case MR_E_USAGE:	return EXIT_USAGE;
	case MR_E_INVALID:
	case MR_E_NOTFOUND:
	case MR_E_EXISTS:
	case MR_E_CONFLICT:
	case MR_E_POLICY:
	case MR_E_TOOLARGE:
	case MR_E_CRYPTO:	return EXIT_DATA;
	case MR_E_AUTH:
	case MR_E_FORBIDDEN:	return EXIT_NOPERM;
	case MR_E_UNAVAILABLE:	return EXIT_UNAVAILABLE;
	case MR_E_TIMEOUT:	return EXIT_TEMPFAIL;
	case MR_E_CONFIG:	return EXIT_CONFIG;
	case MR_E_IO:		return EXIT_IOERR;
	case MR_E_INTERNAL:	return EXIT_SOFTWARE;
	}
	return EXIT_SOFTWARE;
}

int
mr_http_status(enum mr_kind kind)
{
	switch (kind) {
	case MR_OK:		return 200;
	case MR_E_USAGE:
	case MR_E_INVALID:
	case MR_E_POLICY:	return 400;
	case MR_E_AUTH:		return 401;
	case MR_E_FORBIDDEN:	return 403;
	case MR_E_NOTFOUND:	return 404;
	case MR_E_EXISTS:
	case MR_E_CONFLICT:	return 409;
	case MR_E_TOOLARGE:	return 413;
	case MR_E_UNAVAILABLE:
	case MR_E_TIMEOUT:	return 503;
	default:		return 500;
	}
}

const char *
mr_kind_code(enum mr_kind kind)
{
	static const char *const codes[] = {
		[MR_OK] = "ok", [MR_E_USAGE] = "bad_request",
		[MR_E_INVALID] = "invalid", [MR_E_NOTFOUND] = "not_found",
		[MR_E_EXISTS] = "already_exists", [MR_E_CONFLICT] = "conflict",
		[MR_E_POLICY] = "policy_violation", [MR_E_AUTH] = "unauthorized",
		[MR_E_FORBIDDEN] = "forbidden", [MR_E_TOOLARGE] = "too_large",
		[MR_E_UNAVAILABLE] = "unavailable", [MR_E_TIMEOUT] = "timeout",
		[MR_E_CONFIG] = "configuration", [MR_E_IO] = "io_error",
		[MR_E_CRYPTO] = "integrity", [MR_E_INTERNAL] = "internal",
	};

	if ((size_t)kind >= sizeof(codes) / sizeof(codes[0]))
		return "internal";
	return codes[kind];
}

/* systemd sets JOURNAL_STREAM to "DEV:INODE" of the stream it connected;
 * a child whose stderr was redirected elsewhere inherits the variable, so it
 * counts only when stderr is still that very stream (sd_journal_stream_fd(3)). */
static int
stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (v == NULL || sscanf(v, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return 0;
	return fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

const char *
mr_log_prefix(enum mr_prio prio)
{
	/* Decided once: every thread computes the same answer, so the race of
	 * two first calls is harmless; the atomics keep it defined. */
	static int journal = -1;
	static const char *const prefixes[] = { [MR_LOG_ERR] = "<3>", [MR_LOG_WARNING] = "<4>",
						[MR_LOG_INFO] = "<6>" };
	int j = __atomic_load_n(&journal, __ATOMIC_RELAXED);

	if (j < 0) {
		j = stderr_is_journal();
		__atomic_store_n(&journal, j, __ATOMIC_RELAXED);
	}
	if (!j || (size_t)prio >= sizeof(prefixes) / sizeof(prefixes[0]) || prefixes[prio] == NULL)
		return "";
	return prefixes[prio];
}

/* Every line of the message gets the prefix (journald reads a priority at
 * the start of each line), and the whole message goes out in one write(2)
 * so lines of two processes sharing the stream never interleave. */
void
mr_log(enum mr_prio prio, const char *fmt, ...)
{
	char msg[2048], out[2048 + 256];
	const char *prefix = mr_log_prefix(prio), *line = msg, *nl;
	size_t o = 0, n, plen = strlen(prefix);
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	do {
		nl = strchr(line, '\n');
		n = nl != NULL ? (size_t)(nl - line) : strlen(line);
		if (o + plen + n + 1 > sizeof(out))
			break;
		memcpy(out + o, prefix, plen);
		memcpy(out + o + plen, line, n);
		o += plen + n;
		out[o++] = '\n';
		line = nl != NULL ? nl + 1 : NULL;
	} while (line != NULL && *line != '\0');
	/* A failed write to stderr has nowhere else to be reported. */
	if (write(STDERR_FILENO, out, o) < 0)
		o = 0;
	errno = saved;
}
