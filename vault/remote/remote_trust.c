/* remote_trust.c — which public key a vault server is believed to have:
 * the pinned one, the one recorded in the known-vaults file, or on first
 * use the one the server names itself (ssh's trust on first use). The
 * launcher seals its token to that key (remote.c); modal-vault compares it
 * with the server's before sending the token (vault_check_server_key,
 * its check_server_key entry). */
#include "known_vaults.h"
#include "remote.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* GET /v1/vault-key, without the token. */
static int
ask_server(struct remote *r, unsigned char key[WIRE_KEY_LEN], struct mr_err *e)
{
	json_t *answer = NULL;
	const char *hex = NULL;
	int rc = -1;

	if (remote_call(r, "GET", "/v1/vault-key", NULL, REMOTE_IDEMPOTENT | REMOTE_NO_AUTH,
			&answer, e) != 0)
		return -1;
	if (json_unpack(answer, "{s:s}", "public_key", &hex) != 0 ||
	    wire_hex_decode(hex, key, WIRE_KEY_LEN) != 0)
		remote_bad_answer(r, e, "the vault's public key");
	else
		rc = 0;
	json_decref(answer);
	return rc;
}

/* The recorded key of the list's servers; two servers of one list recorded
 * under different keys are not one vault. */
static int
recorded(struct remote *r, struct remote_trust *t, struct mr_err *e)
{
	const char *urls[REMOTE_MAX_SERVERS];
	unsigned char key[WIRE_KEY_LEN];
	size_t i, n = remote_server_urls(r, urls);
	unsigned line;
	int found;

	for (i = 0; i < n; i++) {
		if ((found = known_vaults_find(t->dir, t->file, urls[i], key, &line, e)) < 0)
			return -1;
		if (found == 0) {
			t->missing = 1;
		} else if (t->how == VAULT_KEY_NONE) {
			memcpy(t->key, key, WIRE_KEY_LEN);
			t->how = VAULT_KEY_LEARNED;
			t->line = line;
		} else if (memcmp(key, t->key, WIRE_KEY_LEN) != 0) {
			return mr_fail(e, MR_E_CONFIG,
				       "%s: lines %u and %u record different keys for servers of one vault list (%s)",
				       t->file, t->line, line, remote_urls(r));
		}
	}
	return 0;
}

int
remote_trust_key(struct remote *r, struct remote_trust *t, struct mr_err *e)
{
	const unsigned char *pinned = remote_pinned_key(r);

	memset(t, 0, sizeof(*t));
	if (pinned != NULL) {
		memcpy(t->key, pinned, WIRE_KEY_LEN);
		t->how = VAULT_KEY_PINNED;
		return 0;
	}
	if (known_vaults_path(t->dir, t->file, e) != 0 || recorded(r, t, e) != 0)
		return mr_wrap(e, "vault %s", remote_urls(r));
	if (t->how == VAULT_KEY_LEARNED)
		return 0;
	if (ask_server(r, t->key, e) != 0)
		return -1;
	t->how = VAULT_KEY_FIRST_USE;
	return 0;
}

int
remote_trust_record(struct remote *r, const struct remote_trust *t)
{
	const char *urls[REMOTE_MAX_SERVERS];
	size_t n = remote_server_urls(r, urls);
	struct mr_err e = { 0 };

	if (t->how == VAULT_KEY_PINNED || !t->missing)
		return 0;
	/* The launch has what it fetched; the next one asks again. */
	if (known_vaults_add(t->dir, t->file, urls, n, t->key, &e) == 0)
		return 0;
	mr_log(MR_LOG_WARNING, "%s: warning: vault %s: its key was not recorded: %s",
	       program_invocation_short_name, remote_urls(r), e.msg);
	return -1;
}

int
remote_trust_refuse(const struct remote *r, const struct remote_trust *t,
		    const char *answered_hex, struct mr_err *e)
{
	char want[WIRE_KEY_HEX_LEN + 1];

	wire_hex_encode(t->key, WIRE_KEY_LEN, want);
	switch (t->how) {
	case VAULT_KEY_PINNED:
		return mr_fail(e, MR_E_AUTH,
			       "vault %s answered with public key %s, not the pinned one %s",
			       remote_urls(r), answered_hex, want);
	case VAULT_KEY_LEARNED:
		return mr_fail(e, MR_E_AUTH,
			       "vault %s answered with public key %s, but %s:%u records %s for it: an impostor, or another vault at that address (if so, delete that line)",
			       remote_urls(r), answered_hex, t->file, t->line, want);
	default:
		return mr_fail(e, MR_E_AUTH,
			       "vault %s answered with public key %s, but named %s as its key a moment before (nothing recorded in %s)",
			       remote_urls(r), answered_hex, want, t->file);
	}
}

int
remote_trust_recheck(struct remote *r, const struct remote_trust *t, struct mr_err *e)
{
	unsigned char now[WIRE_KEY_LEN];
	char shown[WIRE_KEY_HEX_LEN + 1];
	struct mr_err asked = { 0 };

	if (e->kind != MR_E_AUTH || t->how == VAULT_KEY_FIRST_USE ||
	    ask_server(r, now, &asked) != 0 || memcmp(now, t->key, WIRE_KEY_LEN) == 0)
		return -1;
	wire_hex_encode(now, WIRE_KEY_LEN, shown);
	return remote_trust_refuse(r, t, shown, e);
}

int
remote_check_server_key(struct vault *base, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	struct remote_trust t;
	unsigned char now[WIRE_KEY_LEN];
	char shown[WIRE_KEY_HEX_LEN + 1];

	if (remote_trust_key(r, &t, e) != 0)
		return -1;
	/* First use: the key was just asked for; nothing to compare. */
	if (t.how != VAULT_KEY_FIRST_USE) {
		if (ask_server(r, now, e) != 0)
			return -1;
		if (memcmp(now, t.key, WIRE_KEY_LEN) != 0) {
			wire_hex_encode(now, WIRE_KEY_LEN, shown);
			return remote_trust_refuse(r, &t, shown, e);
		}
	}
	(void)remote_trust_record(r, &t);   /* a warning: the key is checked */
	return 0;
}
