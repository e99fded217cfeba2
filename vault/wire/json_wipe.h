/* json_wipe.h — jansson keeps copies of every string it parses or builds,
 * secret values and token secrets included: this allocator wipes them when
 * jansson frees them. Every program of the vault that handles JSON sets it
 * once, before its first jansson call. */
#ifndef MODAL_VAULT_JSON_WIPE_H
#define MODAL_VAULT_JSON_WIPE_H

/* Sets the wiping allocator unless the program already set one of its own. */
void json_wipe_init(void);

/* The kind of fault json_load* reported ("invalid syntax"), never the bytes
 * jansson's text quotes: say this with err->line and err->column. */
#include <jansson.h>
const char *json_fault_kind(const json_error_t *err);

#endif
