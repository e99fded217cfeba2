/* cmd_migrate.c — `modal-vault migrate`: brings a store's schema up to date
 * (both stores also do so when a server or command opens them; this is for
 * doing it once, before starting several servers of a new version). */
#include "cli.h"
#include "admin.h"

#include <stdio.h>

int
cmd_migrate(struct cli *c)
{
	int from = 0, to = 0;

	if (vault_migrate(c->url, &from, &to, &c->err) != 0)
		return cli_fail(c);
	if (c->json)
		return print_json(json_pack("{s:s, s:i, s:i}", "url", c->url, "from", from, "to", to));
	if (from == to)
		printf("Schema of %s is current (version %d)\n", c->url, to);
	else
		printf("Migrated %s from schema %d to %d\n", c->url, from, to);
	return 0;
}
