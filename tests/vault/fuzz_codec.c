/* fuzz_codec.c — libFuzzer target for the bundle decoder: decrypted data is
 * authenticated, but the decoder must still never read out of bounds. */
#include <stdlib.h>
#include <string.h>

#include "store/codec.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t len)
{
	struct vault_item *items;
	unsigned char *copy;
	size_t n, i;

	if (bundle_count(data, len, &n) != 0)
		return 0;
	/* An exact-size heap copy, so ASan sees any read past the end. */
	copy = malloc(len);
	memcpy(copy, data, len);
	items = calloc(n + 1, sizeof(*items));
	if (bundle_decode(copy, len, items, n) == 0) {
		for (i = 0; i < n; i++)
			if (strlen(items[i].key) == 0 || items[i].value[items[i].value_len] != '\0')
				abort();
		/* A decoded bundle encodes back to the same bytes. */
		if (bundle_encoded_len(items, n) != len)
			abort();
	}
	free(items);
	free(copy);
	return 0;
}
