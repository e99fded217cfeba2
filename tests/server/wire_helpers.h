/* wire_helpers.h — a fixed fetch, request and key pairs shared by the wire
 * tests, the fuzz target and its corpus generator. */
#ifndef MODAL_TESTS_WIRE_HELPERS_H
#define MODAL_TESTS_WIRE_HELPERS_H

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire.h"

static const char *const fixture_names[] = { "db", "api.keys" };

static struct vault_item fixture_db[] = {
	{ "USER", (const unsigned char *)"admin", 5 },
	{ "PASS", (const unsigned char *)"hunter2\nline2=x", 15 },
};
static struct vault_item fixture_api[] = {
	{ "TOKEN", (const unsigned char *)"", 0 },
};

/* Deterministic keys, so the fuzz corpus stays valid between runs. */
struct fixture_keys {
	unsigned char vault_pk[32], vault_sk[32], launch_pk[32], launch_sk[32];
};

static inline void
fixture_keys_make(struct fixture_keys *k)
{
	unsigned char seed[32];

	memset(seed, 'v', sizeof(seed));
	crypto_box_seed_keypair(k->vault_pk, k->vault_sk, seed);
	memset(seed, 'l', sizeof(seed));
	crypto_box_seed_keypair(k->launch_pk, k->launch_sk, seed);
}

static inline void
fixture_fetch(struct vault_fetch *f, struct vault_bundle b[2])
{
	memset(f, 0, sizeof(*f));
	b[0] = (struct vault_bundle){ "db", 3, 2, fixture_db };
	b[1] = (struct vault_bundle){ "api.keys", 1, 1, fixture_api };
	f->nbundles = 2;
	f->bundles = b;
	strcpy(f->environment, "prod");
	memset(f->fingerprint_key, 0x5a, sizeof(f->fingerprint_key));
}

static inline void
fixture_request(struct wire_request *r, const struct fixture_keys *k)
{
	memset(r, 0, sizeof(*r));
	r->environment = "prod";
	r->names = fixture_names;
	r->nnames = 2;
	memcpy(r->launch_pk, k->launch_pk, 32);
	memset(r->nonce, 'n', sizeof(r->nonce));
}

/* A corpus file DIR/NAME: the mode byte, then len bytes of p; exits on
 * failure (the corpus generators). */
static inline void
corpus_write(const char *dir, const char *name, unsigned char mode, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(&mode, 1, 1, f) != 1 ||
	    fwrite(p, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

#endif
