/* fuzz_profile.c — libFuzzer target for the profile parser and the
 * credential parser: the files hold the token and may be written by
 * anything the user runs, so every input must end in a profile that obeys
 * the value rules or in one error line that leaves nothing behind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "secmem.h"

static int
token_shaped(const char *t, const char *prefix)
{
	size_t i, n = strlen(t);

	if (n < 4 || n > 128 || strncmp(t, prefix, 3) != 0)
		return 0;
	for (i = 3; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') ||
		      (t[i] >= '0' && t[i] <= '9')))
			return 0;
	return 1;
}

/* What was kept obeys the rules of docs/configuration.md. */
static void
check(const struct profile *p)
{
	if (p->token_id != NULL && !token_shaped(p->token_id, "ak-"))
		abort();
	if (p->token_secret != NULL && (!token_shaped(p->token_secret, "as-") ||
					strlen(p->token_secret) != p->token_secret_len))
		abort();
	if (p->vault_public_key != NULL && strlen(p->vault_public_key) != 64)
		abort();
	if ((p->policy != NULL && p->policy[0] != '/') ||
	    (p->cache_dir != NULL && p->cache_dir[0] != '/'))
		abort();
	if (p->environment != NULL && !name_is_valid(p->environment))
		abort();
	if (p->server_url != NULL && (p->server_url[0] == '\0' || strchr(p->server_url, ' ')))
		abort();
}

static void
refused(const struct profile *p, const struct mr_err *e)
{
	if (e->msg[0] == '\0' || strchr(e->msg, '\n') != NULL || e->kind != MR_E_CONFIG ||
	    p->token_secret != NULL || p->token_id != NULL)
		abort();
}

static void
credential(const uint8_t *data, size_t len)
{
	struct profile p;
	struct mr_err e;

	memset(&p, 0, sizeof(p));
	mr_clear(&e);
	if (profile_parse_credential((const char *)data, len, "cred", &p, &e) != 0) {
		refused(&p, &e);
		return;
	}
	if (p.token_id == NULL || p.token_secret == NULL)
		abort();
	check(&p);
	profile_clear(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const wants[] = { NULL, "prod", "default" };
	struct profile p;
	struct mr_err e;
	size_t i;

	if (secmem_init() != 0)
		abort();
	credential(data, len);
	for (i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		mr_clear(&e);
		if (profile_parse((const char *)data, len, "fuzz", wants[i], &p, &e) == 0) {
			check(&p);
			profile_clear(&p);
			continue;
		}
		refused(&p, &e);      /* one line saying why, nothing left */
	}
	return 0;
}
