/* pg_dl.h — libpq behind a table of the few functions the PostgreSQL store
 * calls. In the dynamic programs it is loaded at run time (pg_dl.c): the
 * system's libpq brings OpenSSL, Kerberos and LDAP with it, a dozen shared
 * libraries that every command would load for nothing (the same reasoning as
 * curl_dl.h). modal-run's static flavour links its own (pg_linked.c).
 * Private to vault/pg. */
#ifndef MODAL_VAULT_PG_DL_H
#define MODAL_VAULT_PG_DL_H

#include <libpq-fe.h>

#include "err.h"

struct pg_dl {
	PGconn *(*connectdbParams)(const char *const *, const char *const *, int);
	ConnStatusType (*status)(const PGconn *);
	PGTransactionStatusType (*transactionStatus)(const PGconn *);
	char *(*errorMessage)(const PGconn *);
	void (*finish)(PGconn *);
	void (*reset)(PGconn *);
	int (*consumeInput)(PGconn *);
	PQnoticeProcessor (*setNoticeProcessor)(PGconn *, PQnoticeProcessor, void *);
	int (*sendQuery)(PGconn *, const char *);
	int (*sendQueryParams)(PGconn *, const char *, int, const Oid *,
			       const char *const *, const int *, const int *, int);
	int (*sendPrepare)(PGconn *, const char *, const char *, int, const Oid *);
	int (*sendQueryPrepared)(PGconn *, const char *, int, const char *const *,
				 const int *, const int *, int);
	PGresult *(*getResult)(PGconn *);
	int (*isBusy)(PGconn *);
	int (*flush)(PGconn *);
	int (*setnonblocking)(PGconn *, int);
	int (*socket)(const PGconn *);
	ExecStatusType (*resultStatus)(const PGresult *);
	char *(*resultErrorField)(const PGresult *, int);
	char *(*resultErrorMessage)(const PGresult *);
	void (*clear)(PGresult *);
	int (*ntuples)(const PGresult *);
	char *(*getvalue)(const PGresult *, int, int);
	int (*getlength)(const PGresult *, int, int);
	int (*getisnull)(const PGresult *, int, int);
	char *(*cmdTuples)(PGresult *);
};

/* Makes libpq ready (loads libpq.so.5 once per process in the dynamic
 * programs). NULL with the reason (MR_E_CONFIG: libpq is not installed). */
const struct pg_dl *pg_dl_load(struct mr_err *e);

#endif
