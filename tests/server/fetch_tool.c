/* fetch_tool.c — the launcher's side of POST /v1/fetch for the shell tests,
 * so a test can speak the protocol with curl in between:
 *   fetch_tool request STATE ENV NAME...   prints the request body, keeps the
 *                                          launch key and request in STATE
 *   fetch_tool sealed STATE VAULT_KEY_HEX AGE ENV NAME...
 *                                          the same with the token of
 *                                          MODAL_TOKEN_ID/MODAL_TOKEN_SECRET
 *                                          sealed to VAULT_KEY_HEX in
 *                                          "token_box", dated AGE seconds ago
 *   fetch_tool open STATE [VAULT_KEY_HEX]  reads the answer on stdin, opens
 *                                          it as a launcher would, prints
 *                                          "NAME vVERSION KEY=VALUE" lines
 * ENV "-" sends no environment. Exit status: 0, or mr_exit_code of the
 * failure (65 refused answer, 77 wrong vault key). Test use only: it prints
 * values. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "secmem.h"
#include "wire/wire.h"
#include "wire/wire_token.h"

static unsigned char seal_work[WIRE_TOKEN_PLAIN_MAX];

/* What "sealed" adds to the body: the token sealed to vault_hex, age s old. */
static int
add_token_box(json_t *body, const struct wire_launch_key *k, const char *env, char **names,
	      int n, const char *vault_hex, long age)
{
	const char *id = getenv("MODAL_TOKEN_ID"), *secret = getenv("MODAL_TOKEN_SECRET");
	struct wire_request req = { strcmp(env, "-") == 0 ? NULL : env,
				    (const char *const *)names, (size_t)n, { 0 }, { 0 } };
	unsigned char vault_pk[WIRE_KEY_LEN];
	struct mr_err e;
	char *box = NULL;

	memcpy(req.launch_pk, k->pk, WIRE_KEY_LEN);
	memcpy(req.nonce, k->nonce, WIRE_NONCE_LEN);
	if (id == NULL || secret == NULL || wire_hex_decode(vault_hex, vault_pk, WIRE_KEY_LEN) != 0 ||
	    wire_token_seal(&req, k->sk, vault_pk, id, secret, strlen(secret),
			    (int64_t)time(NULL) - age, seal_work, &box, &e) != 0)
		return -1;
	json_object_set_new(body, "token_box", json_string(box));
	free(box);
	return 0;
}

/* STATE: line 1 secret key hex, 2 public key hex, 3 nonce hex, 4 env, then names. */
static int
request(const char *state, int n, char **args, const char *vault_hex, long age)
{
	struct wire_launch_key k;
	struct mr_err e;
	char skhex[crypto_box_SECRETKEYBYTES * 2 + 1];
	json_t *body, *names = json_array();
	FILE *f = fopen(state, "w");
	int i;

	if (f == NULL || wire_launch_key_new(&k, &e) != 0)
		return 70;
	wire_hex_encode(k.sk, crypto_box_SECRETKEYBYTES, skhex);
	fprintf(f, "%s\n%s\n%s\n%s\n", skhex, k.pk_hex, k.nonce_hex, args[0]);
	for (i = 1; i < n; i++) {
		fprintf(f, "%s\n", args[i]);
		json_array_append_new(names, json_string(args[i]));
	}
	fclose(f);
	body = json_pack("{s:o, s:s, s:s}", "secrets", names, "public_key", k.pk_hex, "nonce",
			 k.nonce_hex);
	if (strcmp(args[0], "-") != 0)
		json_object_set_new(body, "environment", json_string(args[0]));
	if (vault_hex != NULL && add_token_box(body, &k, args[0], args + 1, n - 1, vault_hex, age) != 0) {
		fputs("fetch_tool: cannot seal the token (MODAL_TOKEN_ID, MODAL_TOKEN_SECRET, key)\n",
		      stderr);
		return 70;
	}
	json_dumpf(body, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(body);
	wire_launch_key_clear(&k);
	return 0;
}

static void
print_fetch(const struct vault_fetch *f)
{
	size_t i, j;

	for (i = 0; i < f->nbundles; i++)
		for (j = 0; j < f->bundles[i].nitems; j++)
			printf("%s v%llu %s=%.*s\n", f->bundles[i].name,
			       (unsigned long long)f->bundles[i].version, f->bundles[i].items[j].key,
			       (int)f->bundles[i].items[j].value_len,
			       (const char *)f->bundles[i].items[j].value);
	printf("environment %s\n", f->environment);
}

static int
open_answer(const char *state, const char *pinned_hex)
{
	char lines[WIRE_MAX_NAMES + 4][256], *names[WIRE_MAX_NAMES];
	unsigned char sk[crypto_box_SECRETKEYBYTES], pinned[WIRE_KEY_LEN];
	struct wire_request req = { 0 };
	struct wire_answer a;
	struct vault_fetch f;
	struct mr_err e = { 0 };
	json_error_t jerr;
	json_t *ans = json_loadf(stdin, 0, &jerr);
	FILE *in = fopen(state, "r");
	int n = 0, rc;

	while (in != NULL && n < WIRE_MAX_NAMES + 4 && fgets(lines[n], sizeof(lines[n]), in) != NULL)
		lines[n][strcspn(lines[n], "\n")] = '\0', n++;
	if (in == NULL || n < 5 || ans == NULL || wire_hex_decode(lines[0], sk, sizeof(sk)) != 0 ||
	    wire_hex_decode(lines[1], req.launch_pk, WIRE_KEY_LEN) != 0 ||
	    wire_hex_decode(lines[2], req.nonce, WIRE_NONCE_LEN) != 0 ||
	    (pinned_hex != NULL && wire_hex_decode(pinned_hex, pinned, WIRE_KEY_LEN) != 0)) {
		fputs("fetch_tool: bad state or answer\n", stderr);
		return 70;
	}
	req.environment = strcmp(lines[3], "-") == 0 ? NULL : lines[3];
	for (rc = 4; rc < n; rc++)
		names[rc - 4] = lines[rc];
	req.names = (const char *const *)names;
	req.nnames = (size_t)(n - 4);
	a.vault_public_key = json_string_value(json_object_get(ans, "vault_public_key"));
	a.box_nonce = json_string_value(json_object_get(ans, "box_nonce"));
	a.box = json_string_value(json_object_get(ans, "box"));
	a.box_len = a.box != NULL ? strlen(a.box) : 0;
	rc = wire_fetch_open(&a, &req, sk, pinned_hex != NULL ? pinned : NULL, &f, NULL, &e);
	if (rc == 0) {
		print_fetch(&f);
		vault_fetch_free(&f);
	} else {
		fprintf(stderr, "fetch_tool: %s\n", e.msg);
		rc = mr_exit_code(e.kind);
	}
	json_decref(ans);
	return rc;
}

int
main(int argc, char **argv)
{
	if (secmem_init() != 0)
		return 70;
	if (argc >= 5 && strcmp(argv[1], "request") == 0)
		return request(argv[2], argc - 3, argv + 3, NULL, 0);
	if (argc >= 7 && strcmp(argv[1], "sealed") == 0)
		return request(argv[2], argc - 5, argv + 5, argv[3], strtol(argv[4], NULL, 10));
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "open") == 0)
		return open_answer(argv[2], argc == 4 ? argv[3] : NULL);
	fputs("usage: fetch_tool request STATE ENV NAME... | fetch_tool sealed STATE VAULT_KEY AGE ENV NAME... | fetch_tool open STATE [VAULT_KEY]\n",
	      stderr);
	return 64;
}
