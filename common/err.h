/* err.h — how libraries report failure: a kind the caller can act on, and one
 * line to print. Libraries never print and never exit; programs do. */
#ifndef MODAL_ERR_H
#define MODAL_ERR_H

#include <stddef.h>

enum mr_kind {
	MR_OK = 0,
	MR_E_USAGE,       /* caller misuse: bad arguments */
	MR_E_INVALID,     /* bad data: names, values, formats */
	MR_E_NOTFOUND,
	MR_E_EXISTS,
	MR_E_CONFLICT,    /* state changed under us / refused by current state */
	MR_E_POLICY,
	MR_E_AUTH,        /* unauthenticated, revoked, expired, wrong key */
	MR_E_FORBIDDEN,
	MR_E_TOOLARGE,
	MR_E_UNAVAILABLE,
	MR_E_TIMEOUT,
	MR_E_CONFIG,
	MR_E_IO,
	MR_E_CRYPTO,      /* authentication of stored or received data failed */
	MR_E_INTERNAL,
};

struct mr_err {
	enum mr_kind kind;
	char msg[512];
};

/* Records the failure and returns -1, so callers can `return mr_fail(...)`. */
int mr_fail(struct mr_err *e, enum mr_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Adds context in front of an existing message: "CONTEXT: old message". */
int mr_wrap(struct mr_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mr_clear(struct mr_err *e);
int mr_exit_code(enum mr_kind kind);
int mr_http_status(enum mr_kind kind);
const char *mr_kind_code(enum mr_kind kind); /* "not_found", ... for JSON errors */

/* The one place modal-run and modal-vault write a message line to stderr.
 * Under journald (JOURNAL_STREAM names stderr's device and inode) each line
 * starts with its syslog priority, "<3>" and so on, so `journalctl -p err`
 * finds failures; anywhere else the line is written as it is. */
enum mr_prio { MR_LOG_ERR = 3, MR_LOG_WARNING = 4, MR_LOG_INFO = 6 };
void mr_log(enum mr_prio prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "<N>" under journald, else "": for writers that batch their own lines. */
const char *mr_log_prefix(enum mr_prio prio);

#endif
