/* fuzz_dotenv.c — libFuzzer target for the .env parser (untrusted files). */
#include <stdlib.h>
#include <string.h>

#include "input.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t len)
{
	struct vault_item items[64];
	struct mr_err e;
	unsigned char *out = malloc(len + 2);
	size_t n, i;

	if (dotenv_parse("fuzz", data, len, out, items, 64, &n, &e) == 0)
		for (i = 0; i < n; i++)
			if (items[i].value[items[i].value_len] != '\0' || !key_is_valid(items[i].key))
				abort();
	free(out);
	return 0;
}
