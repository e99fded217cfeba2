/* settings.h — the settings of a vault connection, resolved the same
 * way by modal-run and modal-vault (SPEC 4, docs/configuration.md): for each
 * setting the first of flag > environment variable > systemd credential
 * (token only) > profile file > default. */
#ifndef MODAL_CONFIG_SETTINGS_H
#define MODAL_CONFIG_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "vault.h"

#define SETTINGS_TIMEOUT_MAX_MS (3600 * 1000LL)
/* A cache entry outlives a revoked token (the holder can still decrypt it),
 * so how long one may serve is bounded: a month. */
#define SETTINGS_CACHE_AGE_MAX (30 * 86400LL)

/* The command line's values; NULL: not given. */
struct settings_flags {
	const char *server, *token_id, *env, *profile, *config, *vault_key, *cacert,
		   *timeout, *cache_dir, *cache_max_age, *policy;
};

/* Every string points into argv, the environment, the profile or url_buf,
 * and lives until settings_clear. */
struct vault_settings {
	const char *url;
	const char *env;                  /* NULL: the vault's default */
	const char *token_id;             /* NULL: none */
	const char *token_secret;         /* locked memory; NULL: none */
	size_t token_secret_len;
	const char *vault_key, *cacert, *cache_dir, *policy;
	int64_t timeout_ms;
	int64_t cache_max_age;            /* seconds */
	const char *profile_warning;      /* "" or why the profile file is unsafe */
	char url_buf[4096];               /* the default file: URL */
	char *env_secret;                 /* our locked copy of MODAL_TOKEN_SECRET */
	size_t env_secret_cap;
	struct profile profile;
};

/* Resolves everything. MR_E_USAGE for a bad flag or variable (the message
 * names it), MR_E_CONFIG for a bad profile file or credential. */
int settings_resolve(const struct settings_flags *f, struct vault_settings *s,
		     struct mr_err *e);
/* Wipes our copies of the token secret and releases the profile; the
 * environment is left as it was (a program may exec another with it). */
void settings_clear(struct vault_settings *s);
/* Once the vault no longer needs it: wipes the token secret, and every copy
 * of the MODAL_TOKEN_SECRET and MODAL_TOKEN_ID variables, in place (whether
 * or not this vault took them). */
void settings_wipe_token(struct vault_settings *s);
/* The options vault_open_with takes. */
void settings_vault_options(const struct vault_settings *s, int readonly,
			    struct vault_options *o);

/* No setting takes more than a year. */
#define SETTINGS_DURATION_MAX_MS (400 * 86400000LL)

/* A duration of the one grammar (duration.h: "10", "500ms", "1h30m", "7d")
 * → milliseconds; -1 unless it is one, of at most SETTINGS_DURATION_MAX_MS. */
int settings_parse_duration(const char *s, int64_t *ms);

#endif
