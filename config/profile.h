/* profile.h — the profile file (~/.modal.toml, SPEC 4), the lowest layer of
 * configuration but the default, below the systemd credential (credential.h,
 * which fills the same struct), MODAL_* variables and flags (settings.h).
 * Parsed strictly: the file carries the token secret and chooses the server
 * and its pinned key, so a malformed line is an error, never a guess; keys
 * Modal defines and we do not use are ignored, unknown keys are a warning.
 * The syntax (toml.h), the keys (values.h) and the checks are in
 * docs/configuration.md. */
#ifndef MODAL_PROFILE_H
#define MODAL_PROFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "credential.h"   /* profile_load_credential: the same struct, read together */
#include "err.h"
#include "names.h"

#define PROFILE_FILE_MAX (1024 * 1024) /* bytes: a profile file is a few lines */
#define PROFILE_LINE_MAX 4096          /* bytes in one line, newline excluded (TOML_LINE_MAX) */
#define PROFILE_TABLES_MAX 256         /* profiles in one file */

struct profile {
	char name[NAME_MAX_LEN + 1];   /* the profile chosen; "" if none */
	/* malloc'ed, NULL when unset; validated (docs/configuration.md) */
	char *server_url, *token_id, *environment, *policy, *vault_public_key, *cache_dir;
	/* sodium memory, NUL-terminated, NULL when unset: the file is read
	 * into sodium memory too, so the secret never sits in ordinary heap */
	char *token_secret;
	size_t token_secret_len;
	char path[PATH_MAX];           /* file read, as in messages; "" if none */
	/* "" or, for the program to print after "NAME: warning: ", why the file
	 * is unsafe and where its unknown keys are, one line each separated by
	 * '\n': a library never prints, a program decides where it goes */
	char warning[PATH_MAX + 64];
};

/* All need secmem_init() first and return 0, or -1 with e set: MR_E_CONFIG
 * for what the user must fix, in one line "FILE:LINE:COLUMN: what" or
 * "FILE: what" that never holds a value; MR_E_IO when a file cannot be read. */

/* Reads the profile file and chooses a profile. path: --config or
 * MODAL_CONFIG_PATH, NULL or "" for $HOME/.modal.toml (a missing default
 * file is an empty profile; a missing named file is an error).
 * profile_name: --profile or MODAL_PROFILE, NULL or "" to take the active
 * profile, else [default]; a file with profiles of which none applies is
 * MR_E_CONFIG (a file without any is no profile). Symlinks are followed (dotfile managers make
 * them); trust is decided by fstat on the opened file. On failure *out is
 * empty. */
int profile_load(const char *path, const char *profile_name, struct profile *out,
		 struct mr_err *e);

/* True when nothing names a file or a profile and ~/.modal.toml does not
 * exist: profile_load would give no profile, but only after taking locked
 * memory, some ten system calls that every embedded launch would pay for
 * nothing. False when in doubt (profile_load then decides). */
bool profile_file_absent(const char *path, const char *profile_name);

/* The parser and profile choice alone, on text of len bytes (no NUL needed),
 * for tests and the fuzzer. display_path names the file in messages. */
int profile_parse(const char *text, size_t len, const char *display_path,
		  const char *profile_name, struct profile *out, struct mr_err *e);

/* One profile of a file, as profile_tables lists it. */
struct profile_table {
	char name[NAME_MAX_LEN + 1];
	unsigned line;                 /* of its [header] */
	unsigned active_line;          /* of its active = true; 0 if none */
};
/* Checks all of text as profile_parse does, without choosing a profile, and
 * lists the profiles in file order: *out is malloc'ed, *n long (free it).
 * For the commands that list or rewrite the file (profile list, token set). */
int profile_tables(const char *text, size_t len, const char *display_path,
		   struct profile_table **out, size_t *n, struct mr_err *e);

/* Frees the fields and wipes the secret; out is empty afterwards. */
void profile_clear(struct profile *p);

#endif
