/* profile_edit.h — rewriting the profile file (~/.modal.toml), as
 * `modal-vault token set` and `profile activate` do: one profile's keys set,
 * the active mark moved, and every other profile, key, comment and blank
 * line kept as written (Modal's client rewrites the whole file and loses its
 * comments). The file is replaced atomically: a private temporary file in
 * the same directory, fsync, rename. */
#ifndef MODAL_PROFILE_EDIT_H
#define MODAL_PROFILE_EDIT_H

#include <limits.h>
#include <stddef.h>

#include "err.h"
#include "profile.h"

#define PROFILE_EDIT_KEYS_MAX 4

/* The file as read: its text in sodium memory (it holds token secrets). */
struct profile_file {
	char real[PATH_MAX];          /* what is replaced: symlinks resolved */
	char shown[PATH_MAX];         /* as messages name it */
	int exists;
	char *text;                   /* sodium memory, NUL-terminated; NULL if empty */
	size_t len, cap;
	struct profile_table *tables; /* profile_tables of text */
	size_t ntables;
	int lock_fd;                  /* for_update: the file, locked; else not above 2 */
};

/* Reads path (NULL or "": $HOME/.modal.toml) if it exists, trusted as the
 * reader trusts it (filetrust.h TRUST_NOT_OTHERS, on the opened file), and
 * checks all of it (profile_tables). A missing file is empty, exists 0.
 * for_update: the file stays locked (flock) until profile_file_free, so
 * that two rewrites at once never lose one's change. MR_E_CONFIG for an
 * untrusted or malformed file, MR_E_IO otherwise. */
int profile_file_read(const char *path, int for_update, struct profile_file *f,
		      struct mr_err *e);

/* One string key to set in a profile; value (value_len bytes, may be a
 * secret) must be valid for the key as profile.h reads it. */
struct profile_key_value {
	const char *key;
	const char *value;
	size_t value_len;
};

/* In f's text: sets the keys of profile name (made at the end of the file
 * if it has no such table) and, with activate, marks it active and removes
 * every other profile's active key. The result is read back with
 * profile_parse and must give exactly what was set, or nothing changes. */
int profile_file_edit(struct profile_file *f, const char *name,
		      const struct profile_key_value *kv, size_t nkv, int activate,
		      struct mr_err *e);

/* Replaces the file with f's text: mode 0600, written and synced before
 * the rename, the directory synced after it. */
int profile_file_write(const struct profile_file *f, struct mr_err *e);

/* Index of profile name in f->tables, or -1. */
long profile_file_find(const struct profile_file *f, const char *name);

/* Wipes the text and releases everything, the lock too. */
void profile_file_free(struct profile_file *f);

#endif
