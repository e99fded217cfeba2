/* err.c — failure records and their mapping to exit codes and HTTP statuses. */
#include "err.h"
#include "exitcodes.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
