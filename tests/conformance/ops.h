/* ops.h — what ops.c and ops_access.c share: appending to a rendering, and
 * access.h's half of op_run. */
#ifndef MODAL_TEST_CONFORM_OPS_H
#define MODAL_TEST_CONFORM_OPS_H

#include "conform.h"

void out_add(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int op_access(struct conform_run *run, const struct conform_case *c, const char *env,
	      const char *name, const char *arg, char *out, size_t len, struct mr_err *e);

#endif
