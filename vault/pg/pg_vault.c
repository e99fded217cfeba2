/* pg_vault.c — a struct vault over the PostgreSQL store: what vault_open
 * makes for a postgres:// URL. Every call on it goes to pg.h. */
#include "local.h"
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
