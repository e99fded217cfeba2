/* fuzz_answers.c — libFuzzer target for what a vault server sends back, the
 * remote client's untrusted input: every reader of remote_answers.c on
 * arbitrary JSON (alone and as the elements of a listing), and the URL list
 * and duration parsers on arbitrary text. The first byte picks the reader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "remote/remote.h"
#include "settings.h"

static void
read_one(unsigned which, json_t *j)
{
	struct vault_secret_meta m;
	struct vault_env env;
	struct vault_member member;
	struct vault_token t;
	struct vault_audit_record a;

	switch (which % 5) {
	case 0:
		if (answer_meta(j, "main", "db", &m) == 0 && m.nkeys > 0 && m.keys[m.nkeys - 1] == NULL)
			abort();
		vault_secret_meta_clear(&m);
		break;
	case 1: (void)answer_env(j, &env); break;
	case 2: (void)answer_member(j, &member); break;
	case 3:
		memset(&t, 0, sizeof(t));
		(void)token_from_json(j, &t);
		vault_token_clear(&t);
		break;
	case 4: (void)answer_audit(j, &a); break;
	}
}

static void
read_json(unsigned which, const char *text, size_t len)
{
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL), *data;
	size_t i;

	if (j == NULL)
		return;
	read_one(which, j);
	data = remote_data(j);
	for (i = 0; i < json_array_size(data); i++)
		read_one(which, json_array_get(data, i));
	json_decref(j);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t len)
{
	struct remote_server servers[REMOTE_MAX_SERVERS];
	struct mr_err e = { 0 };
	char *text;
	int64_t ms;
	size_t n;

	if (len < 1)
		return 0;
	/* An exact-size heap copy, so ASan sees any read past the end. */
	text = malloc(len);
	memcpy(text, data + 1, len - 1);
	text[len - 1] = '\0';
	if (data[0] < 200)
		read_json(data[0], text, len - 1);
	else if (data[0] < 228)
		(void)remote_parse_urls(text, servers, REMOTE_MAX_SERVERS, &n, &e);
	else if (settings_parse_duration(text, &ms) == 0 && ms < 0)
		abort();
	free(text);
	return 0;
}
