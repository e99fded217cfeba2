/* exitcodes.h — the one exit-code table of modal-run and modal-vault (SPEC 9).
 * Launcher failures use sysexits(3) codes so a supervisor can tell a transient
 * failure from a permanent one; 126/127 are env(1)'s. Mirrored in modal-run(1). */
#ifndef MODAL_EXITCODES_H
#define MODAL_EXITCODES_H

enum {
	EXIT_USAGE = 64,       /* bad flags or arguments */
	EXIT_DATA = 65,        /* bad input data, missing secret/environment, policy violation */
	EXIT_UNAVAILABLE = 69, /* vault unreachable */
	EXIT_SOFTWARE = 70,    /* internal error */
	EXIT_OSERR = 71,       /* a system call failed */
	EXIT_IOERR = 74,       /* reading or writing a file failed */
	EXIT_TEMPFAIL = 75,    /* deadline passed, try again */
	EXIT_NOPERM = 77,      /* unauthorised, revoked, wrong vault key */
	EXIT_CONFIG = 78,      /* bad configuration */
	EXIT_CANNOT_EXEC = 126,
	EXIT_NOT_FOUND = 127,
};

#endif
