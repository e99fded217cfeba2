/* fuzz_profile_edit.c — libFuzzer target for the profile file's rewrite
 * (profile_edit.h), as `token set --activate` does it: any file the reader
 * accepts must take the edit (unless it already holds the most profiles),
 * give back exactly the values set in the profile, and leave every other
 * profile's values as they were. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile_edit.h"
#include "secmem.h"

static const struct profile_key_value kv[] = {
	{ "token_id", "ak-FUZZ1", 8 },
	{ "token_secret", "as-fuzz1", 8 },
	{ "server_url", "http://vault/\"x\\", 16 },
};

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Profile name's values in before and after agree. */
static void
check_kept(const char *before, size_t blen, const char *after, size_t alen,
	   const char *name)
{
	struct profile p, q;
	struct mr_err e;

	if (profile_parse(before, blen, "b", name, &p, &e) != 0 ||
	    profile_parse(after, alen, "a", name, &q, &e) != 0)
		abort();
	if (!same(p.token_id, q.token_id) || !same(p.token_secret, q.token_secret) ||
	    !same(p.server_url, q.server_url) || !same(p.environment, q.environment) ||
	    !same(p.vault_public_key, q.vault_public_key) || !same(p.policy, q.policy) ||
	    !same(p.cache_dir, q.cache_dir))
		abort();
	profile_clear(&p);
	profile_clear(&q);
}

static void
edit_one(const uint8_t *data, size_t len, const char *name)
{
	struct profile_file f;
	struct mr_err e;
	char *before;
	size_t i;
	int full;

	memset(&f, 0, sizeof(f));
	f.lock_fd = -1;
	f.cap = len + 1;
	f.text = xsecure_alloc(f.cap);
	memcpy(f.text, data, len);
	f.text[len] = '\0';
	f.len = len;
	if (profile_tables(f.text, f.len, "fuzz", &f.tables, &f.ntables, &e) != 0) {
		profile_file_free(&f);
		return;
	}
	full = f.ntables == PROFILE_TABLES_MAX && profile_file_find(&f, name) < 0;
	if ((before = malloc(len + 1)) == NULL)
		abort();
	memcpy(before, data, len);
	before[len] = '\0';
	if (profile_file_edit(&f, name, kv, 3, 1, &e) != 0) {
		if (!full || strcmp(f.text, before) != 0)
			abort();       /* refused only when full, and then unchanged */
	} else {
		for (i = 0; i < f.ntables; i++)
			if (strcmp(f.tables[i].name, name) != 0)
				check_kept(before, len, f.text, f.len, f.tables[i].name);
	}
	free(before);
	profile_file_free(&f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (secmem_init() != 0 || len > PROFILE_FILE_MAX)
		return 0;
	edit_one(data, len, "prod");
	edit_one(data, len, "my.laptop");
	return 0;
}
