/* curl_dl.h — libcurl, loaded at run time. A program linked against libcurl
 * pays for loading it and its dependencies (TLS, HTTP/2, IDN, ...) on every
 * start, several milliseconds: more than a whole `env /bin/true`. modal-run
 * only needs it for a vault server, so it is dlopen'ed then, and the few
 * functions used are called through this table. Private to the vault library. */
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
};

/* Loads libcurl.so.4 once per process and initialises it with allocation
 * functions that wipe what they free: libcurl keeps its own copies of the
 * Authorization header and of request bodies. Returns NULL with the reason
 * (MR_E_CONFIG: libcurl is not installed). */
const struct curl_dl *curl_dl_load(struct mr_err *e);

#endif
