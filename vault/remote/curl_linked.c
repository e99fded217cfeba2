/* curl_linked.c — libcurl linked into modal-run's static musl flavour
 * (curl_dl.h), with wolfSSL, both built by scripts/musl-deps.sh.
 *
 * libcurl initialises its TLS backend in curl_global_init whatever the URL
 * (Curl_ssl_init: wolfSSL_Init, and the SSLKEYLOGFILE it may open). A launch
 * from an http or unix: vault should not touch TLS at all, so the link wraps
 * that call (-Wl,--wrap=Curl_ssl_init, vault/CMakeLists.txt): curl's global
 * init skips it, and it is made here, once, when the URLs include an https
 * one, before the first request. */
#include "curl_dl.h"

#include <stdbool.h>

bool __real_Curl_ssl_init(void);
bool __wrap_Curl_ssl_init(void);

bool
__wrap_Curl_ssl_init(void)
{
	return true;
}

static const struct curl_dl table = {
	.easy_init = curl_easy_init,
	.easy_setopt = curl_easy_setopt,
	.easy_perform = curl_easy_perform,
	.easy_getinfo = curl_easy_getinfo,
	.easy_reset = curl_easy_reset,
	.easy_cleanup = curl_easy_cleanup,
	.easy_strerror = curl_easy_strerror,
	.slist_append = curl_slist_append,
	.slist_free_all = curl_slist_free_all,
	/* curl's wolfSSL backend reads CURL_SSLVERSION_TLSv1_2 as "1.2 only";
	 * this wolfSSL has nothing older than 1.2 (musl-deps.sh: --disable-oldtls),
	 * so its default is 1.2 or 1.3, and 1.3 when the server has it. */
	.tls_min = CURL_SSLVERSION_DEFAULT,
	/* wolfSSL offers P-521 first and a P-256 key share: a server that follows
	 * the client's order (GnuTLS, modal-vault serve's) answers with a
	 * HelloRetryRequest and the handshake costs a P-521 exchange and a round
	 * trip more. P-256 is TLS 1.3's mandatory group; P-384 for servers
	 * that insist on more. */
	.tls_groups = "P-256:P-384",
};

const struct curl_dl *
curl_dl_load(int tls, struct mr_err *e)
{
	static int curl_ready, tls_ready;

	if (!curl_ready) {
		if (curl_wiping_global_init(curl_global_init_mem) != 0) {
			mr_fail(e, MR_E_INTERNAL, "libcurl failed to initialise");
			return NULL;
		}
		curl_ready = 1;
	}
	if (tls && !tls_ready) {
		if (!__real_Curl_ssl_init()) {
			mr_fail(e, MR_E_INTERNAL, "libcurl's TLS library (wolfSSL) failed to initialise");
			return NULL;
		}
		tls_ready = 1;
	}
	return &table;
}
