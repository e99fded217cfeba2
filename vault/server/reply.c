/* reply.c — answering a request: JSON, errors in the one error shape, empty
 * and static bodies. Every answer goes through queue(), which adds the
 * headers all answers carry. */
#include "internal.h"
#include "secmem.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char json_ctype[] = "application/json";

static void
queue(struct request *r, int status, struct MHD_Response *resp, const char *ctype)
{
	int i;

	if (r->responded) {
		/* A handler bug, never a client's doing: keep the first answer. */
		if (resp != NULL)
			MHD_destroy_response(resp);
		return;
	}
	if (resp == NULL) {
		static const char oom[] =
			"{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";

		status = 500;
		resp = MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom,
						       MHD_RESPMEM_PERSISTENT);
		ctype = json_ctype;
		if (resp == NULL)
			return;
	}
	if (ctype != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	/* Answers may name secrets and carry sealed bundles or a new token's
	 * secret: nothing in between should keep a copy. */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	for (i = 0; i < 2; i++)
		if (r->extra_name[i] != NULL)
			MHD_add_response_header(resp, r->extra_name[i], r->extra_value[i]);
	if (atomic_load(&r->srv->draining) || r->close_after)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	MHD_queue_response(r->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	r->status = status;
	r->responded = 1;
}

void
reply_add_header(struct request *r, const char *name, const char *value)
{
	int i;

	for (i = 0; i < 2; i++)
		if (r->extra_name[i] == NULL) {
			snprintf(r->extra_buf[i], sizeof(r->extra_buf[i]), "%s", value);
			r->extra_name[i] = name;
			r->extra_value[i] = r->extra_buf[i];
			return;
		}
}

static void
jansson_free(void *p)
{
	json_free_t release;

	json_get_alloc_funcs(NULL, &release);
	release(p);
}

void
reply_json(struct request *r, int status, json_t *body)
{
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;

	json_decref(body);
	if (text == NULL) {
		queue(r, 500, NULL, NULL);
		return;
	}
	queue(r, status, MHD_create_response_from_buffer_with_free_callback(
			      strlen(text), text, jansson_free), json_ctype);
}

/* For an answer holding a new token's secret: the text lives in sodium
 * memory until libmicrohttpd has sent it. */
void
reply_json_secret(struct request *r, int status, json_t *body)
{
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL, *locked;
	size_t len;

	json_decref(body);
	if (text == NULL) {
		queue(r, 500, NULL, NULL);
		return;
	}
	len = strlen(text);
	locked = xsecure_alloc(len + 1);
	memcpy(locked, text, len + 1);
	jansson_free(text);
	queue(r, status, MHD_create_response_from_buffer_with_free_callback(len, locked,
									    sodium_free),
	      json_ctype);
}

void
reply_buffer(struct request *r, int status, const char *ctype, char *buf, size_t len,
	     void (*release)(void *))
{
	queue(r, status, MHD_create_response_from_buffer_with_free_callback(len, buf, release),
	      ctype);
}

void
reply_static(struct request *r, int status, const char *ctype, const char *text, size_t len)
{
	queue(r, status, MHD_create_response_from_buffer(len, (void *)text,
							 MHD_RESPMEM_PERSISTENT), ctype);
}

void
reply_empty(struct request *r, int status)
{
	queue(r, status, MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT),
	      NULL);
}

void
reply_error(struct request *r, int status, const char *code, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	reply_json(r, status, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
}

void
reply_fail(struct request *r, const struct mr_err *e)
{
	int status = mr_http_status(e->kind);

	if (status == 503)
		reply_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	reply_error(r, status, mr_kind_code(e->kind), "%s", e->msg);
}

void
request_resource(struct request *r, const char *fmt, ...)
{
	va_list ap;

	unsigned char *p;

	va_start(ap, fmt);
	vsnprintf(r->resource, sizeof(r->resource), fmt, ap);
	va_end(ap);
	for (p = (unsigned char *)r->resource; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
}

const char *
request_env(struct request *r, const char *env)
{
	struct vault_workspace ws;
	struct mr_err e;

	if (env != NULL)
		return env;
	if (r->env_buf[0] == '\0' && vault_workspace_current(r->ctx->v, &ws, &e) == 0)
		snprintf(r->env_buf, sizeof(r->env_buf), "%s", ws.default_env);
	return r->env_buf;
}
