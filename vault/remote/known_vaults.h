/* known_vaults.h — the vault keys modal-run and modal-vault learned on first
 * use, as ssh's known_hosts: $XDG_STATE_HOME/modal-run/known_vaults (else
 * ~/.local/state/modal-run/known_vaults), the caller's alone (0600 in a 0700
 * directory), one line per vault server:
 *     URL KEY            the URL as configured, the vault's public key in hex
 * Blank lines and lines starting with '#' are ignored. A key found here is
 * trusted as a pinned one is; a server answering under another key is
 * refused, and the user edits the file (docs/configuration.md). */
#ifndef MODAL_VAULT_KNOWN_VAULTS_H
#define MODAL_VAULT_KNOWN_VAULTS_H

#include <limits.h>
#include <stddef.h>

#include "err.h"
#include "wire/wire.h"

#define KNOWN_VAULTS_NAME "known_vaults"

/* The file's directory and full path (PATH_MAX each). MR_E_CONFIG when
 * neither an absolute XDG_STATE_HOME nor HOME is set. */
int known_vaults_path(char *dir, char *file, struct mr_err *e);

/* The key recorded for url: 1 (key and *line set), 0 when the file or the
 * line is not there, -1 when the file is untrusted or malformed (MR_E_CONFIG,
 * naming FILE:LINE). */
int known_vaults_find(const char *dir, const char *file, const char *url,
		      unsigned char key[WIRE_KEY_LEN], unsigned *line, struct mr_err *e);

/* Records key for each of urls not in the file yet: the file is rewritten
 * beside itself and renamed over (a reader sees the old file or the new
 * one), the directory made 0700 if need be. 0, or -1 with e naming the file. */
int known_vaults_add(const char *dir, const char *file, const char *const *urls, size_t n,
		     const unsigned char key[WIRE_KEY_LEN], struct mr_err *e);

#endif
