/* kinds.h — which kind of vault a URL names: one table (kinds.c) for open,
 * init, migrate and rekey alike. Private to the front. */
#ifndef MODAL_VAULT_KINDS_H
#define MODAL_VAULT_KINDS_H

#include "vault_ops.h"

/* The kind whose scheme url starts with, or NULL. */
const struct vault_kind *vault_kind_of(const char *url);

/* Every kind's short_lived, for vault_short_lived. */
void vault_kinds_short_lived(void);

#endif
