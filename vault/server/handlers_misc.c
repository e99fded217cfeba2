/* handlers_misc.c — what monitoring and clients read without a token: the
 * health check, Prometheus metrics and the OpenAPI document. */
#include "internal.h"

#include <stdlib.h>

void
h_healthz(struct request *r)
{
	struct vault_env *list = NULL;
	struct thread_ctx *ctx;
	struct mr_err e;
	size_t n = 0;

	/* A real read: an open but broken store must not look healthy. */
	if ((ctx = thread_ctx_get(r->srv, &e)) == NULL ||
	    vault_env_list(ctx->v, &list, &n, &e) != 0) {
		reply_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
		reply_error(r, 503, "unavailable", "the store is not answering: %s", e.msg);
		return;
	}
	free(list);
	reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

void
h_metrics(struct request *r)
{
	size_t len = 0;
	char *text = metrics_render(r->srv, &len);

	if (text == NULL)
		reply_error(r, 500, "internal", "out of memory");
	else
		reply_buffer(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len, free);
}

void
h_openapi(struct request *r)
{
	reply_static(r, 200, "application/yaml", openapi_yml, openapi_yml_len);
}
