/* sqlite_vault.h — the embedded store (a SQLite database and a master key
 * file in a 0700 directory), named by file:PATH, file://PATH or file:~/PATH
 * URLs. All the front needs of it; the rest is local.h, private to this
 * folder. */
#ifndef MODAL_VAULT_SQLITE_VAULT_H
#define MODAL_VAULT_SQLITE_VAULT_H

#include "vault_ops.h"

extern const struct vault_kind sqlite_vault_kind;

#endif
