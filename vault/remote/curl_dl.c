/* curl_dl.c — the system's libcurl through dlopen, for the dynamic programs:
 * those that never speak to a vault server never load it (see curl_dl.h). */
#include "curl_dl.h"

#include <dlfcn.h>
#include <string.h>

static struct curl_dl table = { .tls_min = CURL_SSLVERSION_TLSv1_2 };
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
	curl_global_init_mem_fn global_init_mem;

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
	return curl_wiping_global_init(global_init_mem);
}

/* tls is not ours to defer here: the system's libcurl initialises its TLS
 * library in curl_global_init, and these programs are not the launch path. */
const struct curl_dl *
curl_dl_load(int tls, struct mr_err *e)
{
	void *lib;

	(void)tls;
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
