/* fuzz_vault_json.c — libFuzzer target for the readers of vault/json, which
 * take what a vault server answers. The first byte picks the reader, the
 * rest is the JSON. Beyond no crash and no leak: a refused object leaves the
 * struct all zero, and an accepted one is a fixed point, written and read
 * again to the same JSON (the mapping loses nothing it accepted). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vault_json.h"

#define SECRET "as-0123456789abcdefghijklmnopqrstuvwxyzABCDEF"

union any {
	struct vault_secret_meta m;
	struct vault_env env;
	struct vault_workspace ws;
	struct vault_member member;
	struct vault_token t;
	struct vault_audit_record a;
};

static int
all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* Reads j as reader `which`; NULL if refused, else the struct written back. */
static json_t *
read_and_write(unsigned which, const json_t *j, union any *u)
{
	char secret[TOKEN_SECRET_LEN + 1];
	json_t *out = NULL;

	switch (which) {
	case 0:
		if (secret_meta_from_json(j, &u->m) != 0)
			return all_zero(&u->m, sizeof(u->m)) ? NULL : (abort(), NULL);
		out = secret_meta_to_json(&u->m);
		vault_secret_meta_clear(&u->m);
		return out;
	case 1:
		if (env_from_json(j, &u->env) != 0)
			return all_zero(&u->env, sizeof(u->env)) ? NULL : (abort(), NULL);
		return env_to_json(&u->env);
	case 2:
		if (workspace_from_json(j, &u->ws) != 0)
			return all_zero(&u->ws, sizeof(u->ws)) ? NULL : (abort(), NULL);
		return workspace_to_json(&u->ws);
	case 3:
		if (member_from_json(j, &u->member) != 0)
			return all_zero(&u->member, sizeof(u->member)) ? NULL : (abort(), NULL);
		return member_to_json(&u->member);
	case 4:
		if (token_from_json(j, &u->t) != 0)
			return all_zero(&u->t, sizeof(u->t)) ? NULL : (abort(), NULL);
		out = token_to_json(&u->t);
		vault_token_clear(&u->t);
		return out;
	case 5:
		if (token_created_from_json(j, &u->t, secret) != 0)
			return all_zero(&u->t, sizeof(u->t)) ? NULL : (abort(), NULL);
		if (strlen(secret) != TOKEN_SECRET_LEN)
			abort();
		out = token_created_to_json(&u->t, secret);
		vault_token_clear(&u->t);
		return out;
	default:
		if (audit_record_from_json(j, &u->a) != 0)
			return all_zero(&u->a, sizeof(u->a)) ? NULL : (abort(), NULL);
		return audit_record_to_json(&u->a);
	}
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t len)
{
	union any u;
	json_t *j, *once, *twice;
	unsigned which;

	if (len < 1)
		return 0;
	which = data[0] % 7;
	j = json_loadb((const char *)data + 1, len - 1, JSON_REJECT_DUPLICATES, NULL);
	if (j == NULL)
		return 0;
	once = read_and_write(which, j, &u);
	if (once != NULL) {
		twice = read_and_write(which, once, &u);
		if (twice == NULL || !json_equal(once, twice))
			abort();
		json_decref(twice);
	}
	json_decref(once);
	json_decref(j);
	return 0;
}
