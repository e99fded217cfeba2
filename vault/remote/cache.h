/* cache.h — modal-run's encrypted fallback cache (opt-in, SPEC 9): what a
 * launch fetched from a vault server, kept so that a later launch can start
 * while the server is unreachable, for a bounded age.
 *
 * Each entry is sealed exactly as the server seals a fetch (vault/wire.h),
 * under a key pair derived from the token secret, the server URL and the
 * token id: another token, another server or a changed byte cannot open it.
 * The environment and the names asked for are bound into it, and the fetch
 * time is inside the authenticated plaintext. Files are 0600 in a 0700
 * directory of the user's own, written atomically. */
#ifndef MODAL_VAULT_CACHE_H
#define MODAL_VAULT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "vault_types.h"

#define CACHE_MAX_AGE_DEFAULT (24 * 3600)

struct vault_cache {
	const char *dir;                 /* --cache DIR; created 0700 if missing */
	int64_t max_age;                 /* seconds */
	const char *server;              /* the vault URL (list) as configured */
	const char *token_id;
	const char *token_secret;        /* the caller's sodium memory */
	size_t token_secret_len;
};

/* Replaces the entry for (env, names) with f, fetched at now (unix seconds).
 * env is as requested (NULL: the default environment). */
int vault_cache_store(const struct vault_cache *c, const char *env,
		      const char *const *names, size_t n, const struct vault_fetch *f,
		      int64_t now, struct mr_err *e);

/* Opens the entry for (env, names) into out (release with vault_fetch_free)
 * and says when it was fetched. MR_E_NOTFOUND: no entry; MR_E_CRYPTO: it does
 * not open with this token or was changed; MR_E_UNAVAILABLE: older than
 * max_age (or from the future). On failure out is empty. */
int vault_cache_load(const struct vault_cache *c, const char *env,
		     const char *const *names, size_t n, int64_t now,
		     struct vault_fetch *out, int64_t *fetched_at, struct mr_err *e);

/* "45s", "13m 5s", "2h 13m", "3d 4h": how old something is, for people. */
void vault_cache_age_text(int64_t seconds, char *buf, size_t len);

#endif
