/* pg_vault.c — a struct vault over the PostgreSQL store: what vault_open
 * makes for a postgres:// URL. Every call on it goes to pg.h. */
#include "store/sqlite/local.h"
#include "pg.h"

#include <stdlib.h>

int
pg_vault_open(const char *url, int readonly, struct vault **out, struct mr_err *e)
{
	struct vault *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	if (pg_open(url, readonly, &v->pg, e) != 0) {
		free(v);
		return -1;
	}
	v->readonly = readonly;
	*out = v;
	return 0;
}

int
store_migrate(const char *url, int *from, int *to, struct mr_err *e)
{
	struct vault *v;

	if (pg_url_is(url))
		return pg_migrate(url, from, to, e);
	if (vault_url_is_remote(url))
		return mr_fail(e, MR_E_USAGE,
			       "migrate works on a store (file: or postgres://), not through a vault server");
	/* The embedded store migrates whenever it is opened for writing. */
	if (vault_open(url, &v, e) != 0)
		return -1;
	vault_close(v);
	*from = *to = SCHEMA_VERSION;
	return 0;
}
