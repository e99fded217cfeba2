/* input.c — gathering KEY=VALUE items from arguments, stdin, dotenv and JSON
 * files into wiped-on-free memory. */
#include "input.h"
#include "store/codec.h"
#include "fdio.h"
#include "wire/json_wipe.h"
#include "secmem.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INPUT_FILE_MAX (8u << 20)

static void *
block_new(struct item_set *s, size_t len)
{
	struct secure_block *grown = realloc(s->blocks, (s->nblocks + 1) * sizeof(*grown));

	if (grown == NULL)
		return NULL;
	s->blocks = grown;
	s->blocks[s->nblocks].p = xsecure_alloc(len);
	s->blocks[s->nblocks].len = len;
	return s->blocks[s->nblocks++].p;
}

/* Keeps a buffer that was already sodium_malloc'ed elsewhere. */
static int
block_adopt(struct item_set *s, void *p, size_t len)
{
	struct secure_block *grown = realloc(s->blocks, (s->nblocks + 1) * sizeof(*grown));

	if (grown == NULL) {
		secure_free(p, len);
		return -1;
	}
	s->blocks = grown;
	s->blocks[s->nblocks++] = (struct secure_block){ p, len };
	return 0;
}

static int
item_push(struct item_set *s, const char *key, const unsigned char *value,
	  size_t len, struct mr_err *e)
{
	struct vault_item *grown;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		if ((grown = realloc(s->items, s->cap * sizeof(*grown))) == NULL)
			return mr_fail(e, MR_E_INTERNAL, "out of memory");
		s->items = grown;
	}
	s->items[s->n++] = (struct vault_item){ key, value, len };
	return 0;
}

int
items_add_arg(struct item_set *s, const char *arg, struct mr_err *e)
{
	const char *eq = strchr(arg, '=');
	size_t klen, vlen, buflen;
	unsigned char *copy, *in;
	char shown[128];

	if (eq == NULL || eq == arg)
		return mr_fail(e, MR_E_USAGE, "'%s': expected KEY=VALUE (or KEY=- to read the value from stdin)",
			       name_for_msg(arg, shown, sizeof(shown)));
	klen = (size_t)(eq - arg);
	if (strcmp(eq + 1, "-") != 0) {
		vlen = strlen(eq + 1);
		if ((copy = block_new(s, klen + vlen + 2)) == NULL)
			return mr_fail(e, MR_E_INTERNAL, "out of memory");
		memcpy(copy, arg, klen + 1 + vlen + 1);
		copy[klen] = '\0';
		return item_push(s, (char *)copy, copy + klen + 1, vlen, e);
	}
	if (s->stdin_used)
		return mr_fail(e, MR_E_USAGE, "only one KEY=- can read its value from stdin");
	s->stdin_used = 1;
	if (isatty(STDIN_FILENO))
		fputs("Enter the value, then Ctrl-D: ", stderr);
	if (read_fd_secret(STDIN_FILENO, VALUE_MAX_LEN + 1, &in, &vlen, "value from stdin", e) != 0)
		return -1;
	buflen = vlen + 1;
	if (block_adopt(s, in, buflen) != 0 || (copy = block_new(s, klen + 1)) == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	/* One trailing newline is the end of the line typed or echoed, not the value. */
	if (vlen > 0 && in[vlen - 1] == '\n')
		in[--vlen] = '\0';
	memcpy(copy, arg, klen);
	copy[klen] = '\0';
	return item_push(s, (char *)copy, in, vlen, e);
}

/* "expanded ${...} in A, B": which keys, never what they became. */
static void
note_expanded(const char *path, const struct vault_item *items, const bool *took, size_t n)
{
	size_t i, shown = 0, more = 0;

	for (i = 0; i < n; i++) {
		if (!took[i])
			continue;
		if (shown == 16) {
			more++;
			continue;
		}
		if (shown++ == 0)
			fprintf(stderr, "modal-vault: %s: expanded ${...} in %.64s", path, items[i].key);
		else
			fprintf(stderr, ", %.64s", items[i].key);
	}
	if (more > 0)
		fprintf(stderr, " and %zu more keys", more);
	if (shown > 0)
		fputs(" (from earlier lines and the environment, as python-dotenv)\n", stderr);
}

/* ${VAR} and ${VAR:-default} in file order, each value from the ones before
 * it, into new locked blocks (the parsed ones are wiped with the set). */
static int
expand_all(struct item_set *s, const char *path, struct vault_item *items, size_t n,
	   struct mr_err *e)
{
	bool *took = calloc(n + 1, sizeof(*took));
	unsigned char *buf;
	size_t i, len;
	int rc = 0;

	/* A secret holds at most BUNDLE_MAX_ITEMS keys: say so before any
	 * expansion, which looks each ${VAR} up among the keys before it. */
	if (n > BUNDLE_MAX_ITEMS)
		rc = mr_fail(e, MR_E_TOOLARGE, "%s: %zu keys: at most %d per secret", path, n,
			     BUNDLE_MAX_ITEMS);
	if (took == NULL && rc == 0)
		rc = mr_fail(e, MR_E_INTERNAL, "out of memory");
	for (i = 0; i < n && rc == 0; i++) {
		if (!(took[i] = dotenv_has_variable(&items[i])))
			continue;
		if ((len = dotenv_expand(items, i, &items[i], NULL)) > VALUE_MAX_LEN)
			rc = mr_fail(e, MR_E_INVALID, "%s: %.64s: longer than %d bytes once ${...} "
				     "are expanded", path, items[i].key, VALUE_MAX_LEN);
		else if ((buf = block_new(s, len + 1)) == NULL)
			rc = mr_fail(e, MR_E_INTERNAL, "out of memory");
		else {
			dotenv_expand(items, i, &items[i], buf);
			buf[len] = '\0';
			items[i].value = buf;
			items[i].value_len = len;
		}
	}
	if (rc == 0)
		note_expanded(path, items, took, n);
	free(took);
	return rc;
}

int
items_add_dotenv(struct item_set *s, const char *path, struct mr_err *e)
{
	unsigned char *in, *out;
	struct vault_item *parsed;
	size_t len, n, max, i;
	int rc = -1;

	if (read_file_secret(path, INPUT_FILE_MAX, 0, &in, &len, e) != 0)
		return -1;
	max = len / 2 + 1;
	parsed = calloc(max, sizeof(*parsed));
	out = block_new(s, len + 2);
	if (parsed == NULL || out == NULL) {
		mr_fail(e, MR_E_INTERNAL, "out of memory");
		goto out;
	}
	if (dotenv_parse(path, in, len, out, parsed, max, &n, e) != 0)
		goto out;
	if (n == 0) {
		mr_fail(e, MR_E_INVALID, "%s: no KEY=VALUE in the file", path);
		goto out;
	}
	if (expand_all(s, path, parsed, n, e) != 0)
		goto out;
	for (i = 0, rc = 0; i < n && rc == 0; i++)
		rc = item_push(s, parsed[i].key, parsed[i].value, parsed[i].value_len, e);
out:
	free(parsed);
	secure_free(in, len + 1);
	return rc;
}

void
input_init(void)
{
	json_wipe_init();
}

static int
json_copy_items(struct item_set *s, const char *path, json_t *root, struct mr_err *e)
{
	const char *key;
	json_t *val;
	unsigned char *copy;
	size_t klen, vlen;

	json_object_foreach(root, key, val) {
		if (!json_is_string(val))
			return mr_fail(e, MR_E_INVALID, "%s: value of '%s' is not a string",
				       path, key_is_valid(key) ? key : "?");
		klen = strlen(key);
		vlen = json_string_length(val);
		if ((copy = block_new(s, klen + vlen + 2)) == NULL)
			return mr_fail(e, MR_E_INTERNAL, "out of memory");
		memcpy(copy, key, klen + 1);
		memcpy(copy + klen + 1, json_string_value(val), vlen);
		copy[klen + 1 + vlen] = '\0';
		if (item_push(s, (char *)copy, copy + klen + 1, vlen, e) != 0)
			return -1;
	}
	return 0;
}

int
items_add_json(struct item_set *s, const char *path, struct mr_err *e)
{
	unsigned char *in;
	size_t len;
	json_error_t jerr;
	json_t *root;
	int rc;

	if (read_file_secret(path, INPUT_FILE_MAX, 0, &in, &len, e) != 0)
		return -1;
	root = json_loadb((const char *)in, len, JSON_REJECT_DUPLICATES, &jerr);
	secure_free(in, len + 1);
	if (root == NULL)
		return mr_fail(e, MR_E_INVALID, "%s:%d:%d: malformed JSON: %s", path, jerr.line,
			       jerr.column, json_fault_kind(&jerr));
	if (!json_is_object(root))
		rc = mr_fail(e, MR_E_INVALID, "%s: expected a JSON object of KEY: \"value\"", path);
	else
		rc = json_copy_items(s, path, root, e);
	json_decref(root);
	return rc;
}

void
items_free(struct item_set *s)
{
	size_t i;

	for (i = 0; i < s->nblocks; i++)
		secure_free(s->blocks[i].p, s->blocks[i].len);
	free(s->blocks);
	free(s->items);
	memset(s, 0, sizeof(*s));
}
