/* vault_types.c — releasing what the vault's operations give, and the names
 * of roles: the same for every kind of vault (vault_types.h). */
#include "vault_types.h"
#include "secmem.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_names[] = {
	[VAULT_ROLE_USER] = "user", [VAULT_ROLE_MANAGER] = "manager",
	[VAULT_ROLE_OWNER] = "owner",
};

const char *
vault_role_name(enum vault_role r)
{
	if (r < VAULT_ROLE_USER || r > VAULT_ROLE_OWNER)
		return "unknown";
	return role_names[r];
}

int
vault_role_parse(const char *s, enum vault_role *r)
{
	int i;

	for (i = VAULT_ROLE_USER; s != NULL && i <= VAULT_ROLE_OWNER; i++)
		if (strcmp(s, role_names[i]) == 0) {
			*r = (enum vault_role)i;
			return 0;
		}
	return -1;
}

void
vault_arena_free(struct vault_arena *a)
{
	secure_free(a->p, a->cap);
	a->p = NULL;
	a->cap = 0;
}

void
vault_fetch_free(struct vault_fetch *f)
{
	secure_free(f->arena, f->arena_len);
	sodium_memzero(f, sizeof(*f));
}

void
vault_fetch_return(struct vault_fetch *f, struct vault_arena *arena)
{
	if (arena != NULL && f->arena != NULL && f->arena == arena->p) {
		sodium_memzero(f->arena, f->arena_len);
		sodium_memzero(f, sizeof(*f));
	} else {
		vault_fetch_free(f);
	}
}

void
vault_secret_meta_clear(struct vault_secret_meta *m)
{
	free(m->keys);
	m->keys = NULL;
	m->nkeys = 0;
}

void
vault_secret_meta_free(struct vault_secret_meta *m, size_t n)
{
	size_t i;

	for (i = 0; m != NULL && i < n; i++)
		vault_secret_meta_clear(&m[i]);
	free(m);
}

void
vault_token_clear(struct vault_token *t)
{
	free(t->envs);
	t->envs = NULL;
	t->nenvs = 0;
}

void
vault_token_free(struct vault_token *t, size_t n)
{
	size_t i;

	for (i = 0; t != NULL && i < n; i++)
		vault_token_clear(&t[i]);
	free(t);
}
