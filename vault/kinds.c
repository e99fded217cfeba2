/* kinds.c — every kind of vault, by the URL schemes it takes. A fourth kind
 * adds its folder, its struct vault_kind and one line here
 * (docs/architecture.md). */
#include "kinds.h"
#include "remote/remote_vault.h"
#include "store/pg/pg_vault.h"
#include "store/sqlite/sqlite_vault.h"

#include <string.h>

static const struct vault_kind *const kinds[] = {
	&sqlite_vault_kind,
	&pg_vault_kind,
	&remote_vault_kind,
};

void
vault_kinds_short_lived(void)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i]->short_lived != NULL)
			kinds[i]->short_lived();
}

const struct vault_kind *
vault_kind_of(const char *url)
{
	const char *const *scheme;
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		for (scheme = kinds[i]->schemes; *scheme != NULL; scheme++)
			if (strncmp(url, *scheme, strlen(*scheme)) == 0)
				return kinds[i];
	return NULL;
}
