/* settings.c — one resolution of the vault settings for both programs
 * (settings.h): flag > variable > credential > profile > default. */
#include "settings.h"
#include "duration.h"
#include "secmem.h"
#include "wire/wire.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote/cache.h"

extern char **environ;

/* The grammar bounds a duration at 100000 years, a setting at 400 days;
 * each flag's own range, tighter still, is resolve_durations', in its words. */
int
settings_parse_duration(const char *s, int64_t *ms)
{
	int64_t v;

	if (duration_parse(s, &v) != 0 || v > SETTINGS_DURATION_MAX_MS)
		return -1;
	*ms = v;
	return 0;
}

/* An empty variable counts as unset, as for most tools. */
static const char *
variable(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* flag, else variable, else the profile's value (may be NULL). */
static const char *
first(const char *flag, const char *var, const char *from_profile)
{
	const char *v;

	if (flag != NULL && *flag != '\0')
		return flag;
	if (var != NULL && (v = variable(var)) != NULL)
		return v;
	return from_profile;
}

/* MODAL_TOKEN_SECRET into locked memory. The variable itself is wiped only
 * by settings_wipe_token, once the vault is done with it. */
static void
take_env_secret(struct vault_settings *s)
{
	char *v = getenv("MODAL_TOKEN_SECRET");
	size_t len;

	if (v == NULL || *v == '\0')
		return;
	len = strlen(v);
	s->env_secret_cap = len + 1;
	s->env_secret = xsecure_alloc(s->env_secret_cap);
	memcpy(s->env_secret, v, len + 1);
	s->token_secret = s->env_secret;
	s->token_secret_len = len;
}

/* A bad value names where it came from: the flag, or the variable. */
static int
bad_value(const char *flag_value, const char *flag, const char *var, const char *what,
	  const char *value, struct mr_err *e)
{
	char shown[128];

	name_for_msg(value, shown, sizeof(shown));
	return mr_fail(e, MR_E_USAGE, "%s: %s, not '%s'",
		       flag_value != NULL && *flag_value != '\0' ? flag : var, what, shown);
}

static int
resolve_durations(const struct settings_flags *f, struct vault_settings *s, struct mr_err *e)
{
	const char *timeout = first(f->timeout, "MODAL_TIMEOUT", NULL);
	const char *age = first(f->cache_max_age, "MODAL_CACHE_MAX_AGE", NULL);

	s->timeout_ms = 10000;
	s->cache_max_age = CACHE_MAX_AGE_DEFAULT;
	if (timeout != NULL && (settings_parse_duration(timeout, &s->timeout_ms) != 0 ||
				s->timeout_ms <= 0 || s->timeout_ms > SETTINGS_TIMEOUT_MAX_MS))
		return bad_value(f->timeout, "--timeout", "MODAL_TIMEOUT",
				 "expected a duration from 1ms to 1h such as 10s or 500ms", timeout, e);
	if (age != NULL && (settings_parse_duration(age, &s->cache_max_age) != 0 ||
			    s->cache_max_age > SETTINGS_CACHE_AGE_MAX * 1000))
		return bad_value(f->cache_max_age, "--cache-max-age", "MODAL_CACHE_MAX_AGE",
				 "expected a duration up to 30d such as 24h or 90m", age, e);
	if (age != NULL)
		s->cache_max_age /= 1000;
	return 0;
}

static int
resolve_checked(const struct settings_flags *f, struct vault_settings *s, struct mr_err *e)
{
	unsigned char key[WIRE_KEY_LEN];
	const struct profile *p = &s->profile;

	s->env = first(f->env, "MODAL_ENVIRONMENT", p->environment);
	if (s->env != NULL && !name_is_valid(s->env))
		return bad_value(f->env, "--env", "MODAL_ENVIRONMENT",
				 "expected an environment name", s->env, e);
	s->vault_key = first(f->vault_key, "MODAL_VAULT_PUBLIC_KEY", p->vault_public_key);
	if (s->vault_key != NULL && wire_hex_decode(s->vault_key, key, sizeof(key)) != 0)
		return bad_value(f->vault_key, "--vault-key", "MODAL_VAULT_PUBLIC_KEY",
				 "expected the vault's public key as 64 hex digits", s->vault_key, e);
	return resolve_durations(f, s, e);
}

int
settings_resolve(const struct settings_flags *f, struct vault_settings *s, struct mr_err *e)
{
	const char *config = first(f->config, "MODAL_CONFIG_PATH", NULL);
	const char *name = first(f->profile, "MODAL_PROFILE", NULL);
	const char *creds = secure_getenv("CREDENTIALS_DIRECTORY");

	memset(s, 0, sizeof(*s));
	s->profile_warning = "";
	/* The profile and the token secret go to locked memory. */
	if (secmem_init() != 0)
		return mr_fail(e, MR_E_INTERNAL, "libsodium failed to initialise");
	if (!profile_file_absent(config, name) && profile_load(config, name, &s->profile, e) != 0)
		return -1;
	s->profile_warning = s->profile.warning;
	/* The credential's token ranks above the file's: it replaces it. */
	if (creds != NULL && *creds != '\0' && profile_load_credential(creds, &s->profile, e) != 0)
		return -1;
	s->url = first(f->server, "MODAL_SERVER_URL", s->profile.server_url);
	if (s->url == NULL && vault_default_url(s->url_buf, sizeof(s->url_buf), e) != 0)
		return -1;
	if (s->url == NULL)
		s->url = s->url_buf;
	s->token_id = first(f->token_id, "MODAL_TOKEN_ID", s->profile.token_id);
	/* Only a server takes the token: an embedded launch leaves it alone. */
	if (vault_url_is_remote(s->url))
		take_env_secret(s);
	if (s->token_secret == NULL && s->profile.token_secret != NULL) {
		s->token_secret = s->profile.token_secret;
		s->token_secret_len = s->profile.token_secret_len;
	}
	s->cacert = first(f->cacert, "MODAL_CACERT", NULL);
	s->cache_dir = first(f->cache_dir, "MODAL_CACHE_DIR", s->profile.cache_dir);
	s->policy = first(f->policy, "MODAL_POLICY", s->profile.policy);
	return resolve_checked(f, s, e);
}

/* Our copies of the token secret, gone. */
static void
forget_token(struct vault_settings *s)
{
	secure_free(s->env_secret, s->env_secret_cap);
	s->env_secret = NULL;
	s->env_secret_cap = 0;
	secure_free(s->profile.token_secret, s->profile.token_secret_len + 1);
	s->profile.token_secret = NULL;
	s->profile.token_secret_len = 0;
	s->token_secret = NULL;
	s->token_secret_len = 0;
}

void
settings_clear(struct vault_settings *s)
{
	forget_token(s);
	profile_clear(&s->profile);
	sodium_memzero(s, sizeof(*s));
}

/* Every copy of the variables the token came from, in place: they stay
 * readable in /proc/PID/environ for as long as the process runs otherwise
 * (modal-run as PID 1 runs for the container's life). An environment may
 * hold a name twice; getenv finds only the first, so walk environ. The names
 * stay, with empty values. */
static void
wipe_env_copies(const char *name)
{
	size_t len = strlen(name), i;
	char *v;

	for (i = 0; environ[i] != NULL; i++)
		if (strncmp(environ[i], name, len) == 0 && environ[i][len] == '=') {
			v = environ[i] + len + 1;
			sodium_memzero(v, strlen(v));
		}
}

void
settings_wipe_token(struct vault_settings *s)
{
	wipe_env_copies("MODAL_TOKEN_SECRET");
	wipe_env_copies("MODAL_TOKEN_ID");
	s->token_id = NULL;
	forget_token(s);
}

void
settings_vault_options(const struct vault_settings *s, int readonly, struct vault_options *o)
{
	*o = (struct vault_options){ readonly, s->token_id, s->token_secret, s->token_secret_len,
				     s->vault_key, s->cacert, s->timeout_ms, NULL };
}
