/* values.h — what a value in the profile file or the systemd credential may
 * be (SPEC 4, 5; docs/configuration.md). Each check takes len bytes, no NUL
 * needed, and never prints the value; the RULE_ strings say what a valid
 * one is, for errors. */
#ifndef MODAL_CONFIG_VALUES_H
#define MODAL_CONFIG_VALUES_H

#include <stdbool.h>
#include <stddef.h>

#define VALUE_TOKEN_MAX 128     /* "ak-"/"as-" and base62: Modal's are 25 */

#define RULE_TOKEN(p) "must be \"" p "\" followed by 1 to 125 letters and digits"
#define RULE_ENVIRONMENT \
	"must be 1 to 64 characters of [A-Za-z0-9._-], starting with a letter or digit"
#define RULE_URL "must be a non-empty URL without spaces or control characters"
#define RULE_PATH "must be an absolute path without control characters"
#define RULE_HEX_KEY "must be 64 hexadecimal characters (a 32-byte key)"

bool value_is_token_id(const char *v, size_t n);      /* ak-... */
bool value_is_token_secret(const char *v, size_t n);  /* as-... */
bool value_is_environment(const char *v, size_t n);   /* a name (names.h), NUL-terminated */
bool value_is_url(const char *v, size_t n);
bool value_is_path(const char *v, size_t n);
bool value_is_hex_key(const char *v, size_t n);
/* A byte below 0x20, or DEL. */
bool value_has_control(const char *v, size_t n);

#endif
