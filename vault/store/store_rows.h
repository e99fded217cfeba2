/* store_rows.h — what both stores (SQLite, PostgreSQL) do alike with the rows
 * they read and write: open sealed versions into a fetch's locked arena, seal
 * a new version, and keep a version's key names as one newline-joined
 * column. Private to the stores. */
#ifndef MODAL_VAULT_STORE_ROWS_H
#define MODAL_VAULT_STORE_ROWS_H

#include "crypto.h"
#include "vault_types.h"

/* One sealed version as read from the database (ciphertext: not secret). */
struct sealed_row {
	char secret_id[48];
	uint64_t version;
	uint32_t kek_version;
	unsigned char *sealed;
	size_t sealed_len;
	unsigned char wrapped[WRAPPED_KEY_LEN];
};

/* Bytes of locked memory sealed_rows_open needs for these rows. */
size_t sealed_rows_size(const struct sealed_row *rows, size_t n);
/* Opens rows[i] (the version of names[i] in env of workspace ws_id) into
 * out->arena, which holds sealed_rows_size bytes: bundles[n] | items of every
 * bundle | plaintexts. MR_E_CRYPTO if any was tampered with. */
int sealed_rows_open(struct keyring *kr, const char *ws_id, const char *env,
		     const char *const *names, const struct sealed_row *rows, size_t n,
		     struct vault_fetch *out, struct mr_err *e);

/* A secret's new version on its way to the database: the bundle encoded in
 * locked memory, room for it sealed, and its key names. */
struct sealed_write {
	unsigned char *plain;
	size_t plain_len;
	unsigned char *sealed;                 /* sealed_len bytes, once sealed */
	size_t sealed_len;
	unsigned char wrapped[WRAPPED_KEY_LEN];
	char *keys;                            /* keys_join of the items */
};

/* Encodes items (checked by the front) into w; MR_E_INTERNAL when out of
 * memory, w cleared. */
int sealed_write_prepare(const struct vault_item *items, size_t n, struct sealed_write *w,
			 struct mr_err *e);
/* Seals w->plain for ctx (the secret's id and version decided) under key id
 * kek; MR_E_INTERNAL naming the secret on failure. */
int sealed_write_seal(struct keyring *kr, uint32_t kek, const struct seal_context *ctx,
		      struct sealed_write *w, struct mr_err *e);
/* Wipes and frees what prepare took. */
void sealed_write_clear(struct sealed_write *w);

/* Key names joined by newlines, which a key cannot contain (malloc'ed). */
char *keys_join(const struct vault_item *items, size_t n);
/* Into m->keys and m->nkeys, in one allocation, as vault_secret_meta_clear
 * frees it; -1 when out of memory. */
int keys_split(const char *joined, struct vault_secret_meta *m);

#endif
