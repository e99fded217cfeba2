/* front.h — what the front's files (vault.c, front_secrets.c, access.c)
 * share: forwarding one operation through a vault's table. Private to the
 * front. */
#ifndef MODAL_VAULT_FRONT_H
#define MODAL_VAULT_FRONT_H

#include "vault_ops.h"

/* The one answer for an operation a kind of vault does not have. */
int vault_cannot(const struct vault *v, const char *operation, struct mr_err *e);

/* v->ops->op(v, ...), or vault_cannot when the kind has no op. */
#define VAULT_FORWARD(v, op, e, ...)                                              \
	((v)->ops->op != NULL ? (v)->ops->op((v), __VA_ARGS__)                    \
			      : vault_cannot((v), #op, (e)))

#endif
