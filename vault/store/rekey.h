/* rekey.h — modal-vault rekey (SPEC 7): a new master key, every data key
 * rewrapped under it, the old key retired, while launches go on. Private to
 * the vault library and its CLI (through admin.h's vault_rekey); each store
 * runs the steps over its own rows (sqlite/sqlite_rekey.c, pg/pg_rekey.c).
 *
 * The steps, each safe to be killed after:
 *  1. every row's data key opens under the keyring (else nothing changes);
 *  2. a new key joins the keyring file (atomic replace), unless the file
 *     already holds two keys: then an interrupted rekey is finished, to the
 *     newest key;
 *  3. the store records the new id: new versions are wrapped under it;
 *  4. rows still under older ids are rewrapped, a batch a transaction;
 *  5. once no row needs them (the store's kek_ids refuses otherwise), the
 *     older ids leave the store, then the keyring file. */
#ifndef MODAL_VAULT_REKEY_H
#define MODAL_VAULT_REKEY_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "err.h"

#define REKEY_BATCH_DEFAULT 256

struct rekey_options {
	size_t batch;                          /* rows a transaction; 0: the default */
	/* After each committed batch (tests stop a rekey midway with it). */
	void (*progress)(void *arg, size_t rewrapped);
	void *arg;
};

struct rekey_report {
	uint32_t to;                           /* the key id every row is under now */
	size_t rewrapped;                      /* rows rewrapped by this run */
	size_t retired;                        /* keys removed from the keyring */
	int resumed;                           /* finished an interrupted rekey */
};

/* What both stores share: one row as a rekey sees it, and the checks. */
struct rekey_row {
	char workspace_id[48], environment[72], name[72], secret_id[48];
	uint64_t version;
	uint32_t kek_version;
	unsigned char wrapped[WRAPPED_KEY_LEN];
};

/* MR_E_CRYPTO naming the row (its secret, version, environment) and what. */
int rekey_row_fail(const struct rekey_row *r, const char *what, struct mr_err *e);
/* The row's data key opens under the keyring; else an error naming it. */
int rekey_row_check(struct keyring *kr, const struct rekey_row *r, struct mr_err *e);
/* Rewraps r->wrapped to key id to, in place. */
int rekey_row_rewrap(struct keyring *kr, struct rekey_row *r, uint32_t to, struct mr_err *e);
/* The keyring file must be one we may replace (not a systemd credential);
 * then an exclusive lock on its directory, held in *fd until closed. */
int rekey_lock(const char *keypath, int *fd, struct mr_err *e);
/* Step 2: a new key in the keyring file, or resume: *to the newest id. */
int rekey_add_key(struct keyring *kr, struct rekey_report *out, struct mr_err *e);
/* After the store forgot the other ids: the keyring file keeps only to. */
int rekey_retire_keys(struct keyring *kr, uint32_t to, struct rekey_report *out,
		      struct mr_err *e);

#endif
