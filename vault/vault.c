/* vault.c — the front's door: which kind of vault a URL names (kinds.c),
 * and what is done to a URL (open, init, migrate, rekey) or to a whole open
 * vault (close, a read snapshot), forwarded to that kind. */
#include "admin.h"
#include "front.h"
#include "kinds.h"
#include "secmem.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
vault_default_url(char *buf, size_t len, struct mr_err *e)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;

	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, len, "file:%s/modal-vault", xdg);
	else if (home != NULL && home[0] == '/')
		n = snprintf(buf, len, "file:%s/.local/share/modal-vault", home);
	else
		return mr_fail(e, MR_E_CONFIG,
			       "no vault configured and neither XDG_DATA_HOME nor HOME is set: use --server or MODAL_SERVER_URL");
	if (n < 0 || (size_t)n >= len)
		return mr_fail(e, MR_E_CONFIG, "default vault path too long");
	return 0;
}

int
vault_url_is_remote(const char *url)
{
	const struct vault_kind *k = vault_kind_of(url);

	/* A list is a list of servers: file: vaults cannot fail over. */
	return k != NULL && k->server;
}

/* The kind url names, secret memory ready for it; NULL and e set if none. */
static const struct vault_kind *
kind_for(const char *url, struct mr_err *e)
{
	const struct vault_kind *k = vault_kind_of(url);
	char shown[128];

	if (k == NULL) {
		mr_fail(e, MR_E_CONFIG,
			"vault URL '%s': expected file:PATH, http(s)://HOST, unix:PATH or a comma-separated list of servers",
			name_for_msg(url, shown, sizeof(shown)));
		return NULL;
	}
	if (secmem_init() != 0) {
		mr_fail(e, MR_E_INTERNAL, "libsodium failed to initialise");
		return NULL;
	}
	return k;
}

void
vault_short_lived(void)
{
	vault_kinds_short_lived();
}

int
vault_open_with(const char *url, const struct vault_options *o, struct vault **out,
		struct mr_err *e)
{
	static const struct vault_options none;
	const struct vault_kind *k;

	*out = NULL;
	if ((k = kind_for(url, e)) == NULL)
		return -1;
	return k->open(url, o != NULL ? o : &none, out, e);
}

int
vault_open(const char *url, struct vault **out, struct mr_err *e)
{
	return vault_open_with(url, NULL, out, e);
}

int
vault_open_readonly(const char *url, struct vault **out, struct mr_err *e)
{
	struct vault_options o = { .readonly = 1 };

	return vault_open_with(url, &o, out, e);
}

void
vault_close(struct vault *v)
{
	if (v != NULL)
		v->ops->close(v);
}

int
vault_read_begin(struct vault *v, struct mr_err *e)
{
	return v->ops->read_begin != NULL ? v->ops->read_begin(v, e) : 0;
}

void
vault_read_end(struct vault *v, int began)
{
	if (began == 1 && v->ops->read_end != NULL)
		v->ops->read_end(v, began);
}

int
vault_cannot(const struct vault *v, const char *operation, struct mr_err *e)
{
	return mr_fail(e, MR_E_USAGE, "%s cannot do %s", v->ops->what, operation);
}

/* Of the URL operations only a vault server lacks any today: these say
 * where to run them instead. */
int
vault_init(const char *url, const char *workspace_name, struct vault_workspace *ws,
	   struct mr_err *e)
{
	const struct vault_kind *k;

	if ((k = kind_for(url, e)) == NULL)
		return -1;
	if (k->init == NULL)
		return mr_fail(e, MR_E_USAGE,
			       "init makes an embedded vault (a file: URL); a server's vault is made where it runs");
	if (!name_is_valid(workspace_name))
		return mr_fail(e, MR_E_INVALID, "invalid workspace name '%s'", workspace_name);
	return k->init(url, workspace_name, ws, e);
}

int
vault_migrate(const char *url, int *from, int *to, struct mr_err *e)
{
	const struct vault_kind *k;

	if ((k = kind_for(url, e)) == NULL)
		return -1;
	if (k->migrate == NULL)
		return mr_fail(e, MR_E_USAGE,
			       "migrate works on a store (file: or postgres://), not through a vault server");
	return k->migrate(url, from, to, e);
}

int
vault_rekey(const char *url, const struct rekey_options *o, struct rekey_report *out,
	    struct mr_err *e)
{
	const struct vault_kind *k;

	memset(out, 0, sizeof(*out));
	if ((k = kind_for(url, e)) == NULL)
		return -1;
	if (k->rekey == NULL)
		return mr_fail(e, MR_E_USAGE,
			       "rekey needs the master key file: run it where the store is (a file: or postgres:// URL), not through a vault server");
	return k->rekey(url, o, out, e);
}

int
vault_check_server_key(struct vault *v, struct mr_err *e)
{
	return v->ops->check_server_key == NULL ? 0 : v->ops->check_server_key(v, e);
}
