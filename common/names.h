/* names.h — what a secret name, environment name and key may be (SPEC 4). */
#ifndef MODAL_NAMES_H
#define MODAL_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define NAME_MAX_LEN 64        /* secret and environment names, as Modal */
#define KEY_MAX_LEN 16384
#define VALUE_MAX_LEN 32768    /* bytes, Modal's default limit */

/* [A-Za-z0-9._-]{1,64}, starting alphanumeric. */
bool name_is_valid(const char *s);
/* [A-Za-z_][A-Za-z0-9_]*, at most KEY_MAX_LEN: a valid environment name. */
bool key_is_valid(const char *s);
/* Prints s for an error message with control characters escaped and long
 * names cut, so a hostile name cannot forge log lines. */
const char *name_for_msg(const char *s, char *buf, size_t len);

#endif
