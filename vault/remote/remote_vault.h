/* remote_vault.h — a client of vault servers (modal-vault serve), named by
 * http://, https:// and unix: URLs or a comma-separated list of them. All the
 * front needs of it; the rest is remote.h. */
#ifndef MODAL_VAULT_REMOTE_VAULT_H
#define MODAL_VAULT_REMOTE_VAULT_H

#include "vault_ops.h"

extern const struct vault_kind remote_vault_kind;

#endif
