/* pg_vault.h — the vault store on PostgreSQL: the interface of vault.h and access.h
 * over libpq, so that several stateless vault servers share one database
 * (docs/scaling.md). Rows are sealed exactly as in the embedded store
 * (crypto.h, codec.h); the master key stays in a 0600 file that every server
 * of a cluster shares, and no key or plaintext ever reaches the database.
 * Named by postgres:// and postgresql:// URLs: all the front needs of it is
 * the kind below; the rest is pg_int.h, private to this folder. */
#ifndef MODAL_VAULT_PG_VAULT_H
#define MODAL_VAULT_PG_VAULT_H

#include "vault_ops.h"

/* The schema this program knows; a database at a newer one is refused. */
#define PG_SCHEMA_VERSION 4
/* The master key file: this variable names it, else the systemd credential
 * $CREDENTIALS_DIRECTORY/KEY_CREDENTIAL (store/crypto.h). */
#define PG_KEY_ENV "MODAL_VAULT_MASTER_KEY"

extern const struct vault_kind pg_vault_kind;

#endif
