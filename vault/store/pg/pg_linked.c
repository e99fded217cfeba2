/* pg_linked.c — libpq linked into modal-run's static musl flavour (pg_dl.h),
 * built by scripts/musl-deps.sh from Debian's PostgreSQL source without a TLS
 * library: a connection that asks for TLS (sslmode=require and above) fails
 * with libpq's own error rather than going on in the clear. */
#include "pg_dl.h"

static const struct pg_dl table = {
	.connectdbParams = PQconnectdbParams,
	.status = PQstatus,
	.transactionStatus = PQtransactionStatus,
	.errorMessage = PQerrorMessage,
	.finish = PQfinish,
	.reset = PQreset,
	.consumeInput = PQconsumeInput,
	.setNoticeProcessor = PQsetNoticeProcessor,
	.sendQuery = PQsendQuery,
	.sendQueryParams = PQsendQueryParams,
	.sendPrepare = PQsendPrepare,
	.sendQueryPrepared = PQsendQueryPrepared,
	.getResult = PQgetResult,
	.isBusy = PQisBusy,
	.flush = PQflush,
	.setnonblocking = PQsetnonblocking,
	.socket = PQsocket,
	.resultStatus = PQresultStatus,
	.resultErrorField = PQresultErrorField,
	.resultErrorMessage = PQresultErrorMessage,
	.clear = PQclear,
	.ntuples = PQntuples,
	.getvalue = PQgetvalue,
	.getlength = PQgetlength,
	.getisnull = PQgetisnull,
	.cmdTuples = PQcmdTuples,
};

const struct pg_dl *
pg_dl_load(struct mr_err *e)
{
	(void)e;
	return &table;
}
