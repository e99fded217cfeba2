/* fuzz_dotenv.c — libFuzzer target for the .env parser (untrusted files)
 * and the ${...} expansion --from-dotenv applies after it. */
#include <stdlib.h>
#include <string.h>

#include "input.h"

#define MAX_ITEMS 64

/* items[i]'s value expanded from the ones before it, as input.c does:
 * measuring and writing must agree and the bound must hold. */
static unsigned char *
expand(struct vault_item *items, size_t i)
{
	unsigned char *buf;
	size_t want;

	if (!dotenv_has_variable(&items[i]))
		return NULL;
	want = dotenv_expand(items, i, &items[i], NULL);
	if (want > VALUE_MAX_LEN + 1)
		abort();
	if (want > VALUE_MAX_LEN || (buf = malloc(want + 1)) == NULL)
		return NULL;
	if (dotenv_expand(items, i, &items[i], buf) != want)
		abort();
	buf[want] = '\0';
	items[i].value = buf;
	items[i].value_len = want;
	return buf;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t len)
{
	struct vault_item items[MAX_ITEMS];
	unsigned char *blocks[MAX_ITEMS] = { 0 };
	struct mr_err e;
	unsigned char *out = malloc(len + 2);
	size_t n = 0, i;

	if (dotenv_parse("fuzz", data, len, out, items, MAX_ITEMS, &n, &e) == 0)
		for (i = 0; i < n; i++) {
			if (items[i].value[items[i].value_len] != '\0' || !key_is_valid(items[i].key))
				abort();
			blocks[i] = expand(items, i);
		}
	for (i = 0; i < n; i++)
		free(blocks[i]);
	free(out);
	return 0;
}
