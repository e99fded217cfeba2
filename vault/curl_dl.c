/* curl_dl.c — libcurl through dlopen, so that programs which never speak to a
 * vault server never load it (see curl_dl.h). */
#include "curl_dl.h"

#include <dlfcn.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* libcurl copies the Authorization header and request bodies into its own
 * heap: every block it frees is wiped first, whatever it held. */
static void
wiping_free(void *p)
{
	if (p == NULL)
		return;
	sodium_memzero(p, malloc_usable_size(p));
	free(p);
}

/* Never a real realloc: the old block may hold a header with the token. */
static void *
wiping_realloc(void *p, size_t len)
{
	size_t old;
	void *q;

	if (p == NULL)
		return malloc(len);
	old = malloc_usable_size(p);
	if ((q = malloc(len ? len : 1)) == NULL)
		return NULL;
	memcpy(q, p, old < len ? old : len);
	wiping_free(p);
	return q;
}

static char *
wiping_strdup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = malloc(len);

	return p != NULL ? memcpy(p, s, len) : NULL;
}

static struct curl_dl table;
static int loaded;

static int
resolve(void *lib, const char *name, void *slot)
{
	void *sym = dlsym(lib, name);

	if (sym == NULL)
		return -1;
	/* POSIX: a function pointer converts through void * (dlsym's contract). */
	memcpy(slot, &sym, sizeof(sym));
	return 0;
}

static int
resolve_all(void *lib)
{
	CURLcode (*global_init_mem)(long, curl_malloc_callback, curl_free_callback,
				    curl_realloc_callback, curl_strdup_callback,
				    curl_calloc_callback);

	if (resolve(lib, "curl_global_init_mem", &global_init_mem) != 0 ||
	    resolve(lib, "curl_easy_init", &table.easy_init) != 0 ||
	    resolve(lib, "curl_easy_setopt", &table.easy_setopt) != 0 ||
	    resolve(lib, "curl_easy_perform", &table.easy_perform) != 0 ||
	    resolve(lib, "curl_easy_getinfo", &table.easy_getinfo) != 0 ||
	    resolve(lib, "curl_easy_reset", &table.easy_reset) != 0 ||
	    resolve(lib, "curl_easy_cleanup", &table.easy_cleanup) != 0 ||
	    resolve(lib, "curl_easy_strerror", &table.easy_strerror) != 0 ||
	    resolve(lib, "curl_slist_append", &table.slist_append) != 0 ||
	    resolve(lib, "curl_slist_free_all", &table.slist_free_all) != 0)
		return -1;
	return global_init_mem(CURL_GLOBAL_DEFAULT, malloc, wiping_free, wiping_realloc,
			       wiping_strdup, calloc) == CURLE_OK ? 0 : -1;
}

const struct curl_dl *
curl_dl_load(struct mr_err *e)
{
	void *lib;

	if (loaded)
		return &table;
	if ((lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		mr_fail(e, MR_E_CONFIG,
			"vault servers need libcurl, which could not be loaded: %s (install libcurl4)",
			dlerror());
		return NULL;
	}
	if (resolve_all(lib) != 0) {
		mr_fail(e, MR_E_CONFIG, "libcurl.so.4 is too old or incomplete (need 7.88 or later)");
		dlclose(lib);
		return NULL;
	}
	/* Never dlclose'd: libcurl's TLS library keeps state for the process. */
	loaded = 1;
	return &table;
}
