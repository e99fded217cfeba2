/* cmd_rekey.c — modal-vault rekey: a new master key for the store, every
 * data key rewrapped under it, the old key destroyed (rekey.h). Only where
 * the store and its key file are: a vault server's key stays with it. */
#include "cli.h"
#include "admin.h"

#include <stdio.h>
#include <string.h>

int
cmd_rekey(struct cli *c)
{
	struct rekey_report r;
	struct vault *v = NULL;

	if (vault_url_is_remote(c->url)) {
		mr_fail(&c->err, MR_E_USAGE,
			"rekey needs the master key file: run it where the store is (a file: or postgres:// URL), not through a vault server");
		return cli_fail(c);
	}
	if (cli_confirm(c, "Replace the vault's master key (the old one is destroyed)?") != 0 ||
	    vault_rekey(c->url, NULL, &r, &c->err) != 0)
		return cli_fail(c);
	if (vault_open(c->url, &v, &c->err) == 0)
		cli_audit(v, "vault.rekey", "key:%u", (unsigned)r.to);
	vault_close(v);
	if (c->json)
		return print_json(json_pack("{s:i, s:I, s:I, s:b}", "key_id", (int)r.to,
					    "rewrapped", (json_int_t)r.rewrapped,
					    "retired", (json_int_t)r.retired, "resumed", r.resumed));
	printf("%s: %zu data key%s rewrapped under master key %u, %zu old key%s destroyed\n",
	       r.resumed ? "Finished an interrupted rekey" : "Rekeyed the vault", r.rewrapped,
	       r.rewrapped == 1 ? "" : "s", (unsigned)r.to, r.retired, r.retired == 1 ? "" : "s");
	return 0;
}
