/* input.h — where secret values come from on the command line: KEY=VALUE
 * arguments, KEY=- (stdin), dotenv files and JSON objects. Every value is
 * copied into sodium_malloc'ed memory, wiped by items_free. */
#ifndef MODAL_VAULT_CLI_INPUT_H
#define MODAL_VAULT_CLI_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "vault.h"

struct item_set {
	struct vault_item *items;
	size_t n, cap;
	struct secure_block { void *p; size_t len; } *blocks;
	size_t nblocks;
	int stdin_used;
};

/* Once, before any JSON is made: jansson's memory is wiped when freed. */
void input_init(void);
int items_add_arg(struct item_set *s, const char *arg, struct mr_err *e);
int items_add_dotenv(struct item_set *s, const char *path, struct mr_err *e);
int items_add_json(struct item_set *s, const char *path, struct mr_err *e);
void items_free(struct item_set *s);

/* The dotenv parser, pure for tests and the fuzzer. Decodes keys and values of
 * in[0..len) into out (room for len + 2 bytes, each NUL-terminated) and items
 * (room for maxitems). Errors name "fname:LINE". */
int dotenv_parse(const char *fname, const unsigned char *in, size_t len,
		 unsigned char *out, struct vault_item *items, size_t maxitems,
		 size_t *nitems, struct mr_err *e);
/* Whether it->value holds a ${VAR} or ${VAR:-default}. */
bool dotenv_has_variable(const struct vault_item *it);
/* it->value with each ${VAR} / ${VAR:-default} replaced as python-dotenv's
 * dotenv_values does: by the value of VAR among done[0..ndone) (the file's
 * earlier keys, already expanded), else from the environment, else by the
 * default or "". Writes to out unless NULL; returns the length, at most
 * VALUE_MAX_LEN + 1 (which means too long). */
size_t dotenv_expand(const struct vault_item *done, size_t ndone, const struct vault_item *it,
		     unsigned char *out);

#endif
