/* pg_dl.c — libpq through dlopen, so that programs which never speak to
 * PostgreSQL never load it (see pg_dl.h). */
#include "pg_dl.h"

#include <dlfcn.h>
#include <stddef.h>
#include <pthread.h>
#include <string.h>

static struct pg_dl table;
static int loaded;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

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
	static const struct { const char *name; size_t offset; } syms[] = {
#define SYM(f) { "PQ" #f, offsetof(struct pg_dl, f) }
		SYM(connectdbParams), SYM(status), SYM(transactionStatus),
		SYM(errorMessage), SYM(finish), SYM(reset), SYM(consumeInput),
		SYM(setNoticeProcessor), SYM(sendQuery), SYM(sendQueryParams),
		SYM(sendPrepare), SYM(sendQueryPrepared), SYM(getResult), SYM(isBusy),
		SYM(flush), SYM(setnonblocking), SYM(socket), SYM(resultStatus), SYM(resultErrorField),
		SYM(resultErrorMessage), SYM(clear), SYM(ntuples), SYM(getvalue),
		SYM(getlength), SYM(getisnull), SYM(cmdTuples),
#undef SYM
	};
	int (*is_threadsafe)(void);
	size_t i;

	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		if (resolve(lib, syms[i].name, (char *)&table + syms[i].offset) != 0)
			return -1;
	/* The server gives each worker thread its own connection; that is safe
	 * only with a thread-safe build (Debian's is). */
	return resolve(lib, "PQisthreadsafe", &is_threadsafe) == 0 && is_threadsafe() ? 0 : -1;
}

const struct pg_dl *
pg_dl_load(struct mr_err *e)
{
	const struct pg_dl *rc = &table;
	void *lib;

	pthread_mutex_lock(&load_lock);
	if (!loaded) {
		if ((lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL)) == NULL) {
			mr_fail(e, MR_E_CONFIG,
				"a PostgreSQL store needs libpq, which could not be loaded: %s (install libpq5)",
				dlerror());
			rc = NULL;
		} else if (resolve_all(lib) != 0) {
			mr_fail(e, MR_E_CONFIG, "libpq.so.5 is too old, incomplete or not thread-safe");
			dlclose(lib);
			rc = NULL;
		} else {
			/* Never dlclose'd: libpq's TLS library keeps state for the process. */
			loaded = 1;
		}
	}
	pthread_mutex_unlock(&load_lock);
	return rc;
}
