/* store_rows.c — sealed rows into a fetch, a new version sealed, key name
 * columns (store_rows.h). */
#include "store_rows.h"
#include "codec.h"
#include "secmem.h"

#include <stdlib.h>
#include <string.h>

/* The most items a plaintext of this size can hold (each at least 10 bytes
 * after the 8-byte header): the arena reserves that many. */
static size_t
items_bound(size_t plain_len)
{
	size_t n = (plain_len - 8) / 10;

	return n > BUNDLE_MAX_ITEMS ? BUNDLE_MAX_ITEMS : n;
}

size_t
sealed_rows_size(const struct sealed_row *rows, size_t n)
{
	size_t i, total = n * sizeof(struct vault_bundle);

	for (i = 0; i < n; i++)
		total += rows[i].sealed_len - SEAL_OVERHEAD +
			 items_bound(rows[i].sealed_len - SEAL_OVERHEAD) * sizeof(struct vault_item);
	return total;
}

/* Every row's key id in the keyring: one the keyring lacks means a rekey
 * moved rows on since it was read, so it is read again, once. Costs a launch
 * nothing when no rekey intervened: the ids come with the rows. */
static int
keys_present(struct keyring *kr, const char *env, const char *const *names,
	     const struct sealed_row *rows, size_t n, struct mr_err *e)
{
	size_t i;
	int reloaded = 0;

	for (i = 0; i < n; i++) {
		if (keyring_has(kr, rows[i].kek_version))
			continue;
		if (!reloaded && keyring_reload(kr, e) != 0)
			return -1;
		reloaded = 1;
		if (!keyring_has(kr, rows[i].kek_version))
			return mr_fail(e, MR_E_CONFIG,
				       "secret '%s' in '%s' is wrapped under master key %u, which %s does not hold",
				       names[i], env, (unsigned)rows[i].kek_version, kr->path);
	}
	return 0;
}

int
sealed_rows_open(struct keyring *kr, const char *ws_id, const char *env,
		 const char *const *names, const struct sealed_row *rows, size_t n,
		 struct vault_fetch *out, struct mr_err *e)
{
	size_t i, nitems = 0;
	unsigned char *plain;
	struct vault_item *items;
	struct seal_context ctx;

	if (keys_present(kr, env, names, rows, n, e) != 0)
		return -1;
	for (i = 0; i < n; i++)
		nitems += items_bound(rows[i].sealed_len - SEAL_OVERHEAD);
	out->bundles = out->arena;
	items = (struct vault_item *)(out->bundles + n);
	plain = (unsigned char *)(items + nitems);
	for (i = 0; i < n; i++) {
		size_t plen = rows[i].sealed_len - SEAL_OVERHEAD, count;

		ctx = (struct seal_context){ ws_id, env, names[i], rows[i].secret_id,
					     rows[i].version };
		if (bundle_open(kr, rows[i].kek_version, &ctx, rows[i].sealed,
				rows[i].sealed_len, rows[i].wrapped, plain) != 0)
			return mr_fail(e, MR_E_CRYPTO,
				       "secret '%s' in '%s' failed authentication: the vault was tampered with or damaged",
				       names[i], env);
		if (bundle_count(plain, plen, &count) != 0 || count > items_bound(plen) ||
		    bundle_decode(plain, plen, items, count) != 0)
			return mr_fail(e, MR_E_CRYPTO, "secret '%s': malformed bundle", names[i]);
		out->bundles[i] = (struct vault_bundle){ names[i], rows[i].version, count, items };
		items += count;
		plain += plen;
	}
	return 0;
}

char *
keys_join(const struct vault_item *items, size_t n)
{
	size_t i, len = 1;
	char *s, *p;

	for (i = 0; i < n; i++)
		len += strlen(items[i].key) + 1;
	if ((s = p = malloc(len)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		p = stpcpy(stpcpy(p, items[i].key), i + 1 < n ? "\n" : "");
	*p = '\0';
	return s;
}

int
keys_split(const char *joined, struct vault_secret_meta *m)
{
	size_t n = *joined ? 1 : 0, len = strlen(joined), i;
	const char *c;
	char *copy, *q;

	for (c = joined; *c; c++)
		n += *c == '\n';
	if ((m->keys = malloc(n * sizeof(char *) + len + 1)) == NULL)
		return -1;
	copy = (char *)(m->keys + n);
	memcpy(copy, joined, len + 1);
	for (i = 0, q = copy; i < n; i++) {
		m->keys[i] = q;
		q += strcspn(q, "\n");
		*q++ = '\0';
	}
	m->nkeys = n;
	return 0;
}

int
sealed_write_prepare(const struct vault_item *items, size_t n, struct sealed_write *w,
		     struct mr_err *e)
{
	memset(w, 0, sizeof(*w));
	w->plain_len = bundle_encoded_len(items, n);
	w->plain = xsecure_alloc(w->plain_len);
	bundle_encode(items, n, w->plain);
	w->sealed_len = w->plain_len + SEAL_OVERHEAD;
	w->sealed = malloc(w->sealed_len);
	w->keys = keys_join(items, n);
	if (w->sealed == NULL || w->keys == NULL) {
		sealed_write_clear(w);
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	}
	return 0;
}

int
sealed_write_seal(struct keyring *kr, uint32_t kek, const struct seal_context *ctx,
		  struct sealed_write *w, struct mr_err *e)
{
	if (bundle_seal(kr, kek, ctx, w->plain, w->plain_len, w->sealed, w->wrapped) != 0)
		return mr_fail(e, MR_E_INTERNAL, "sealing secret '%s' failed", ctx->name);
	return 0;
}

void
sealed_write_clear(struct sealed_write *w)
{
	secure_free(w->plain, w->plain_len);
	free(w->sealed);
	free(w->keys);
	memset(w, 0, sizeof(*w));
}
