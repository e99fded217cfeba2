/* test_urls.c — vault URL lists (remote_parse_urls, vault_url_is_remote) and
 * the retry policy (remote_classify, remote_backoff_ms), as tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "remote/curl_dl.h"
#include "remote/remote.h"
#include "vault.h"
#include "secmem.h"

static const struct good {
	const char *list;
	size_t n;
	const char *url[3], *base[3], *socket[3];
} goods[] = {
	{ "http://127.0.0.1:8080", 1, { "http://127.0.0.1:8080" }, { "http://127.0.0.1:8080" }, { "" } },
	{ "https://vault.example.com/", 1, { "https://vault.example.com" },
	  { "https://vault.example.com" }, { "" } },
	{ "https://vault.example.com/base//", 1, { "https://vault.example.com/base" },
	  { "https://vault.example.com/base" }, { "" } },
	{ "unix:/run/modal/vault.sock", 1, { "unix:/run/modal/vault.sock" }, { "http://localhost" },
	  { "/run/modal/vault.sock" } },
	{ "https://a:1,https://b:2", 2, { "https://a:1", "https://b:2" },
	  { "https://a:1", "https://b:2" }, { "", "" } },
	{ " http://a , unix:/s ,https://[::1]:9 ", 3, { "http://a", "unix:/s", "https://[::1]:9" },
	  { "http://a", "http://localhost", "https://[::1]:9" }, { "", "/s", "" } },
};

static void
test_good_lists(void **state)
{
	struct remote_server s[REMOTE_MAX_SERVERS];
	struct mr_err e = { 0 };
	size_t i, j, n;

	(void)state;
	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		if (remote_parse_urls(goods[i].list, s, REMOTE_MAX_SERVERS, &n, &e) != 0)
			fail_msg("'%s': %s", goods[i].list, e.msg);
		assert_int_equal(n, goods[i].n);
		for (j = 0; j < n; j++) {
			assert_string_equal(s[j].url, goods[i].url[j]);
			assert_string_equal(s[j].base, goods[i].base[j]);
			assert_string_equal(s[j].socket, goods[i].socket[j]);
		}
	}
}

static const struct bad {
	const char *list, *why;
} bads[] = {
	{ "", "an empty entry" },
	{ "http://a,,http://b", "an empty entry" },
	{ "http://a,", "an empty entry" },
	{ "ftp://a", "expected http(s)://HOST" },
	{ "http://", "expected http(s)://HOST" },
	{ "https:///path", "expected http(s)://HOST" },
	{ "unix:relative.sock", "expected unix:/ABSOLUTE/PATH" },
	{ "unix:", "expected unix:/ABSOLUTE/PATH" },
	{ "http://user:pw@host", "no credentials, query, fragment" },
	{ "https://host/?token=x", "no credentials, query, fragment" },
	{ "https://host#frag", "no credentials, query, fragment" },
	{ "https://host/a\r\nX-Evil: 1", "control characters" },
	{ "https://ho st", "spaces" },
	{ "http://a,file:/tmp/v", "expected http(s)://HOST" },
	{ "http://1,http://2,http://3,http://4,http://5,http://6,http://7,http://8,http://9",
	  "more than 8 servers" },
};

static void
test_bad_lists(void **state)
{
	struct remote_server s[REMOTE_MAX_SERVERS];
	struct mr_err e = { 0 };
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		mr_clear(&e);
		if (remote_parse_urls(bads[i].list, s, REMOTE_MAX_SERVERS, &n, &e) == 0)
			fail_msg("'%s' was accepted", bads[i].list);
		assert_int_equal(e.kind, MR_E_CONFIG);
		if (strstr(e.msg, bads[i].why) == NULL)
			fail_msg("'%s': '%s' lacks '%s'", bads[i].list, e.msg, bads[i].why);
	}
}

static void
test_is_remote(void **state)
{
	(void)state;
	assert_true(vault_url_is_remote("http://a"));
	assert_true(vault_url_is_remote("https://a,https://b"));
	assert_true(vault_url_is_remote("unix:/run/v.sock"));
	assert_false(vault_url_is_remote("file:/tmp/v"));
	assert_false(vault_url_is_remote("/tmp/v"));
	assert_false(vault_url_is_remote("httpx://a"));
}

/* A server URL without a token is a configuration error before any request. */
static void
test_open_needs_token(void **state)
{
	struct vault_options o = { 0 };
	struct vault *v = NULL;
	struct mr_err e = { 0 };

	(void)state;
	assert_int_equal(vault_open_with("http://127.0.0.1:1", &o, &v, &e), -1);
	assert_int_equal(e.kind, MR_E_CONFIG);
	assert_non_null(strstr(e.msg, "no token"));
	o.token_id = "wk-abc";
	o.token_secret = "ws-abcdefghijklmnopqrstuvwxyz";
	o.token_secret_len = strlen(o.token_secret);
	assert_int_equal(vault_open_with("http://127.0.0.1:1", &o, &v, &e), -1);
	assert_non_null(strstr(e.msg, "not an API token id"));
	o.token_id = "ak-abc";
	assert_int_equal(vault_open_with("http://127.0.0.1:1", &o, &v, &e), -1);
	assert_non_null(strstr(e.msg, "not an API token secret"));
	o.token_secret = "as-abcdefghijklmnopqrstuvwxyz";
	o.vault_key = "abcd";
	assert_int_equal(vault_open_with("http://127.0.0.1:1", &o, &v, &e), -1);
	assert_non_null(strstr(e.msg, "pinned vault key"));
	assert_null(v);
}

static const struct verdict_case {
	int code;
	long status;
	int idempotent, sent;
	enum remote_verdict want;
} verdicts[] = {
	{ CURLE_OK, 200, 1, 1, REMOTE_DONE },
	{ CURLE_OK, 204, 0, 1, REMOTE_DONE },
	{ CURLE_OK, 400, 1, 1, REMOTE_DONE },      /* never retried: 4xx */
	{ CURLE_OK, 401, 1, 1, REMOTE_DONE },
	{ CURLE_OK, 403, 1, 1, REMOTE_DONE },
	{ CURLE_OK, 404, 1, 1, REMOTE_DONE },
	{ CURLE_OK, 409, 0, 1, REMOTE_DONE },
	{ CURLE_OK, 429, 1, 1, REMOTE_RETRY },     /* rate limited: refused before acting */
	{ CURLE_OK, 429, 0, 1, REMOTE_RETRY },
	{ CURLE_OK, 503, 0, 1, REMOTE_RETRY },
	{ CURLE_OK, 500, 1, 1, REMOTE_RETRY },
	{ CURLE_OK, 502, 1, 1, REMOTE_RETRY },
	{ CURLE_OK, 500, 0, 1, REMOTE_DONE },      /* a write may have happened */
	{ CURLE_COULDNT_CONNECT, 0, 0, 0, REMOTE_RETRY },
	{ CURLE_COULDNT_RESOLVE_HOST, 0, 0, 0, REMOTE_RETRY },
	{ CURLE_OPERATION_TIMEDOUT, 0, 1, 1, REMOTE_RETRY },
	{ CURLE_OPERATION_TIMEDOUT, 0, 0, 0, REMOTE_RETRY },
	{ CURLE_OPERATION_TIMEDOUT, 0, 0, 1, REMOTE_STOP },
	{ CURLE_GOT_NOTHING, 0, 1, 1, REMOTE_RETRY },
	{ CURLE_RECV_ERROR, 0, 0, 1, REMOTE_STOP },
	{ CURLE_PEER_FAILED_VERIFICATION, 0, 1, 0, REMOTE_STOP },   /* TLS trust: never */
	{ CURLE_SSL_CONNECT_ERROR, 0, 1, 0, REMOTE_STOP },
	{ CURLE_URL_MALFORMAT, 0, 1, 0, REMOTE_STOP },
	{ CURLE_WRITE_ERROR, 0, 1, 1, REMOTE_STOP },
};

static void
test_classify(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		if (remote_classify(verdicts[i].code, verdicts[i].status, verdicts[i].idempotent,
				    verdicts[i].sent) != verdicts[i].want)
			fail_msg("case %zu (curl %d, HTTP %ld, idempotent %d, sent %d)", i,
				 verdicts[i].code, verdicts[i].status, verdicts[i].idempotent,
				 verdicts[i].sent);
}

static void
test_backoff(void **state)
{
	static const int64_t caps[] = { 0, 100, 200, 400, 800, 1600, 2000, 2000 };
	int64_t p, lo, hi;
	unsigned round;
	int i;

	(void)state;
	assert_int_equal(secmem_init(), 0);
	for (round = 1; round < 8; round++) {
		lo = INT64_MAX;
		hi = 0;
		for (i = 0; i < 2000; i++) {
			p = remote_backoff_ms(round, 0);
			assert_true(p >= 0 && p <= caps[round]);
			lo = p < lo ? p : lo;
			hi = p > hi ? p : hi;
		}
		/* Jitter: the pauses spread over the whole interval. */
		assert_true(lo < caps[round] / 4);
		assert_true(hi > caps[round] * 3 / 4);
	}
	for (i = 0; i < 100; i++)
		assert_true(remote_backoff_ms(1, 1500) >= 1500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_lists),
		cmocka_unit_test(test_bad_lists),
		cmocka_unit_test(test_is_remote),
		cmocka_unit_test(test_open_needs_token),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
