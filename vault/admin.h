/* admin.h — what an administrator does to a vault by its URL, beside
 * vault_init: apply schema migrations, and move every secret to a new master
 * key (store/rekey.h says how). The front forwards both to the URL's kind. */
#ifndef MODAL_VAULT_ADMIN_H
#define MODAL_VAULT_ADMIN_H

#include "store/rekey.h"
#include "vault_types.h"

/* The schema version found and the one reached (the embedded store, which
 * migrates whenever it is opened for writing, reports the latter in both). */
int vault_migrate(const char *url, int *from, int *to, struct mr_err *e);
/* MR_E_USAGE through a vault server: the master key is where the store is. */
int vault_rekey(const char *url, const struct rekey_options *o, struct rekey_report *out,
		struct mr_err *e);

#endif
