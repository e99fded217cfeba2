/* check.c — --check: what a launch would set, with a keyed fingerprint of each
 * value so two deployments can be compared without showing either. */
#include "launcher.h"
#include "filetrust.h"
#include "remote/known_vaults.h"
#include "secmem.h"

#include <fcntl.h>
#include <unistd.h>

#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define FINGERPRINT_LEN 16

/* BLAKE2b keyed with the vault's fingerprint key over "KEY\0value": equal for
 * equal values from the same vault, useless for guessing a value without it.
 * With --fingerprint-key the key is the operator's file instead, so vaults
 * compared with the same file compare equal (docs/configuration.md). */
static void
fingerprint(const struct check_line *l, const unsigned char *key, char hex[2 * FINGERPRINT_LEN + 1])
{
	crypto_generichash_state st;
	unsigned char out[FINGERPRINT_LEN];

	crypto_generichash_init(&st, key, 32, sizeof(out));
	crypto_generichash_update(&st, (const unsigned char *)l->key, strlen(l->key) + 1);
	crypto_generichash_update(&st, l->value, l->value_len);
	crypto_generichash_final(&st, out, sizeof(out));
	sodium_bin2hex(hex, 2 * FINGERPRINT_LEN + 1, out, sizeof(out));
	sodium_memzero(&st, sizeof(st));
}

/* How the vault server's key was known (docs/protocol.md): pinned, learned
 * from the known-vaults file, or taken on first use (and recorded there). */
static void
print_key_trust(const struct vault_fetch *f)
{
	char hex[2 * sizeof(f->vault_key) + 1], dir[PATH_MAX], file[PATH_MAX];
	struct mr_err e = { 0 };

	if (f->key_trust == VAULT_KEY_NONE)
		return;
	sodium_bin2hex(hex, sizeof(hex), f->vault_key, sizeof(f->vault_key));
	if (f->key_trust == VAULT_KEY_PINNED)
		printf("vault key %s: pinned\n", hex);
	else if (known_vaults_path(dir, file, &e) != 0)
		printf("vault key %s: first use, not recorded (%s)\n", hex, e.msg);
	else if (f->key_trust == VAULT_KEY_LEARNED)
		printf("vault key %s: learned (%s)\n", hex, file);
	else if (f->key_trust == VAULT_KEY_FIRST_USE)
		printf("vault key %s: first use, recorded in %s\n", hex, file);
	else
		printf("vault key %s: first use, not recorded in %s (the warning says why)\n", hex,
		       file);
}

/* The JSON word for how the key was known. */
static const char *
key_trust_name(int trust)
{
	switch (trust) {
	case VAULT_KEY_PINNED: return "pinned";
	case VAULT_KEY_LEARNED: return "learned";
	default: return "first use";
	}
}

/* Every string here is a key (an environment name), a secret or
 * environment name ([A-Za-z0-9._-]) or hex: none needs JSON escaping. */
static void
check_print_json(const struct child_env *ce, const struct vault_fetch *f)
{
	char hex[2 * FINGERPRINT_LEN + 1 > 2 * sizeof(f->vault_key) + 1 ?
		 2 * FINGERPRINT_LEN + 1 : 2 * sizeof(f->vault_key) + 1];
	size_t i;

	printf("{\"environment\":\"%s\",", f->environment);
	if (f->key_trust != VAULT_KEY_NONE) {
		sodium_bin2hex(hex, sizeof(hex), f->vault_key, sizeof(f->vault_key));
		printf("\"vault_key\":\"%s\",\"vault_key_trust\":\"%s\",", hex,
		       key_trust_name(f->key_trust));
	}
	printf("\"secrets\":[");
	for (i = 0; i < f->nbundles; i++)
		printf("%s\"%s\"", i ? "," : "", f->bundles[i].name);
	printf("],\"keys\":[");
	for (i = 0; i < ce->nlines; i++) {
		fingerprint(&ce->lines[i], f->fingerprint_key, hex);
		printf("%s{\"key\":\"%s\",\"secret\":\"%s\",\"fingerprint\":\"blake2b:%s\","
		       "\"delivery\":\"%s\"}", i ? "," : "", ce->lines[i].key, ce->lines[i].bundle,
		       hex, ce->lines[i].file ? "file" : "env");
	}
	printf("]}\n");
	fflush(stdout);
}

void
check_print(const struct child_env *ce, const struct vault_fetch *f, int json)
{
	char hex[2 * FINGERPRINT_LEN + 1];
	size_t i, width = 3;

	if (json) {
		check_print_json(ce, f);
		return;
	}
	print_key_trust(f);

	for (i = 0; i < ce->nlines; i++)
		if (strlen(ce->lines[i].key) + 5 > width)
			width = strlen(ce->lines[i].key) + 5;
	printf("environment %s: %zu key%s from %zu secret%s\n", f->environment, ce->nlines,
	       ce->nlines == 1 ? "" : "s", f->nbundles, f->nbundles == 1 ? "" : "s");
	for (i = 0; i < ce->nlines; i++) {
		fingerprint(&ce->lines[i], f->fingerprint_key, hex);
		printf("%-*s %-20s blake2b:%s%s%s%s\n", (int)width, ce->lines[i].key,
		       ce->lines[i].bundle, hex, ce->lines[i].file ? "  (delivered as file: $" : "",
		       ce->lines[i].file ? ce->lines[i].key : "", ce->lines[i].file ? "_FILE)" : "");
	}
	fflush(stdout);
}

/* The file is read whole into locked memory: 64 hex digits, one optional
 * newline, nothing else. */
int
check_fingerprint_key(const char *path, unsigned char key[32], struct mr_err *e)
{
	enum { HEX = 64, CAP = HEX + 2 };
	char *buf = xsecure_alloc(CAP + 1);
	struct mr_err why = { 0 };
	size_t len = 0, bin = 0;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = file_open_trusted(AT_FDCWD, path, NULL, TRUST_PRIVATE, 0, NULL, &why)) < 0) {
		mr_fail(e, MR_E_CONFIG, "--fingerprint-key %s: %s", path, why.msg);
		goto out;
	}
	while (len < CAP && (n = read(fd, buf + len, CAP - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len != HEX || sodium_hex2bin(key, 32, buf, len, NULL, &bin, NULL) != 0 || bin != 32)
		mr_fail(e, MR_E_CONFIG, "--fingerprint-key %s: expected 64 hex digits (32 bytes, "
			"e.g. from `head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n'`) and nothing else",
			path);
	else
		rc = 0;
out:
	secure_free(buf, CAP + 1);
	return rc;
}
