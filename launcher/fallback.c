/* fallback.c — modal-run's encrypted fallback cache (--cache, SPEC 9) around
 * a fetch from a vault server: each successful fetch is kept, sealed under
 * the token (vault/cache.h); a later launch uses it only while the server is
 * unreachable or failing (5xx, deadline), never after it refused the token
 * or the request (401, 403, 404, a wrong vault key), and only within
 * --cache-max-age. */
#include "launcher.h"
#include "remote/cache.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static struct vault_cache
cache_of(const struct launch_opts *o)
{
	const struct vault_settings *s = &o->settings;

	return (struct vault_cache){ s->cache_dir, s->cache_max_age, s->url, s->token_id,
				     s->token_secret, s->token_secret_len };
}

/* The server answered: keep the answer. A cache that cannot be written
 * does not stop a launch that has its secrets; it is worth one line. */
static void
store(const struct launch_opts *o, const struct vault_fetch *f, int64_t now)
{
	struct vault_cache c = cache_of(o);
	struct mr_err ce = { 0 };

	if (vault_cache_store(&c, o->env, o->secrets, o->nsecrets, f, now, &ce) != 0)
		mr_log(MR_LOG_WARNING, "modal-run: warning: fetched secrets not cached: %s", ce.msg);
}

/* Appends "; cache not used: why" to the fetch's own error. */
static void
add_reason(struct mr_err *e, const struct mr_err *ce)
{
	size_t used = strlen(e->msg);

	snprintf(e->msg + used, sizeof(e->msg) - used, "; cache not used: %s", ce->msg);
}

static int
load(const struct launch_opts *o, struct vault_fetch *f, int64_t now, struct mr_err *e)
{
	struct vault_cache c = cache_of(o);
	struct mr_err ce = { 0 };
	int64_t at = 0;
	char age[32];

	if (vault_cache_load(&c, o->env, o->secrets, o->nsecrets, now, f, &at, &ce) != 0) {
		add_reason(e, &ce);
		return -1;
	}
	vault_cache_age_text(now - at, age, sizeof(age));
	mr_log(MR_LOG_WARNING, "modal-run: vault %s unreachable; using cached secrets from %s ago",
		o->settings.url, age);
	mr_clear(e);
	return 0;
}

int
fallback_after_fetch(const struct launch_opts *o, int rc, struct vault_fetch *f,
		     struct mr_err *e)
{
	int64_t now = (int64_t)time(NULL);

	if (o->settings.cache_dir == NULL || !vault_url_is_remote(o->settings.url))
		return rc;
	if (rc == 0)
		store(o, f, now);
	else if (e->kind == MR_E_UNAVAILABLE || e->kind == MR_E_TIMEOUT)
		rc = load(o, f, now, e);
	return rc;
}
