/* credential.h — the token as a systemd credential (SPEC 4): the file
 * modal-token in $CREDENTIALS_DIRECTORY (LoadCredential=), one line
 * "ak-...:as-..." or token_id = / token_secret = lines (docs/configuration.md).
 * It ranks above the profile file's token and replaces it in the same
 * struct profile. */
#ifndef MODAL_CONFIG_CREDENTIAL_H
#define MODAL_CONFIG_CREDENTIAL_H

#include <stddef.h>

#include "err.h"

#define CREDENTIAL_MAX 4096     /* bytes: a token is one short line */

struct profile;

/* Both need secmem_init() first and return 0, or -1 with e set: MR_E_CONFIG
 * in one line "FILE:LINE: what" or "FILE: what" that never holds a value,
 * MR_E_IO when the file cannot be read. */

/* Reads creds_dir/modal-token (creds_dir from $CREDENTIALS_DIRECTORY) and
 * replaces out's token_id and token_secret with it. No creds_dir, or no such
 * file, leaves out as it was. */
int profile_load_credential(const char *creds_dir, struct profile *out, struct mr_err *e);
/* Its parser alone, on len bytes, for tests and the fuzzer. */
int profile_parse_credential(const char *text, size_t len, const char *display_path,
			     struct profile *out, struct mr_err *e);

#endif
