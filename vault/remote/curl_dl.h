/* curl_dl.h — libcurl behind a table of the few functions the vault client
 * calls. Two implementations, one per kind of program:
 *  - curl_linked.c, modal-run's static musl flavour: libcurl and wolfSSL
 *    linked in, built by scripts/musl-deps.sh with HTTP/1.1, HTTPS and Unix
 *    sockets only; nothing to load, so a remote launch costs about what an
 *    embedded one does (docs/benchmarks.md).
 *  - curl_dl.c, the dynamic programs (modal-vault, the sanitizer and fuzz
 *    builds of modal-run): the system's libcurl through dlopen, so that a
 *    command on a file: vault never pays for loading it and its 30-odd
 *    libraries. Private to the vault library. */
#ifndef MODAL_VAULT_CURL_DL_H
#define MODAL_VAULT_CURL_DL_H

/* The header is for the types and constants only: the calls go through the
 * table, where the typecheck macros cannot follow. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "err.h"

struct curl_dl {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_reset)(CURL *);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	long tls_min;            /* CURLOPT_SSLVERSION for "TLS 1.2 or later" */
	const char *tls_groups;  /* CURLOPT_SSL_EC_CURVES, or NULL: the TLS library's */
};

/* Makes libcurl ready once per process, initialised with allocation functions
 * that wipe what they free: libcurl keeps its own copies of the Authorization
 * header and of request bodies. tls: the URLs include an https one; without
 * it the linked flavour never initialises its TLS library. Returns NULL with
 * the reason (MR_E_CONFIG: libcurl is not installed). */
const struct curl_dl *curl_dl_load(int tls, struct mr_err *e);

/* curl_global_init_mem with the wiping allocator (curl_wipe.c). */
typedef CURLcode (*curl_global_init_mem_fn)(long, curl_malloc_callback, curl_free_callback,
					    curl_realloc_callback, curl_strdup_callback,
					    curl_calloc_callback);
int curl_wiping_global_init(curl_global_init_mem_fn init_mem);

#endif
