/* values.c — the value rules of the profile and the credential (values.h). */
#include "values.h"
#include "names.h"

#include <string.h>

static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
is_token(const char *v, size_t n, const char *prefix)
{
	size_t i;

	if (n < 4 || n > VALUE_TOKEN_MAX || memcmp(v, prefix, 3) != 0)
		return false;
	for (i = 3; i < n; i++)
		if (!is_alnum((unsigned char)v[i]))
			return false;
	return true;
}

bool
value_is_token_id(const char *v, size_t n)
{
	return is_token(v, n, "ak-");
}

bool
value_is_token_secret(const char *v, size_t n)
{
	return is_token(v, n, "as-");
}

bool
value_is_environment(const char *v, size_t n)
{
	(void)n;
	return name_is_valid(v);
}

bool
value_has_control(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return true;
	return false;
}

bool
value_is_url(const char *v, size_t n)
{
	return n > 0 && !value_has_control(v, n) && memchr(v, ' ', n) == NULL;
}

bool
value_is_path(const char *v, size_t n)
{
	return n > 0 && v[0] == '/' && !value_has_control(v, n);
}

bool
value_is_hex_key(const char *v, size_t n)
{
	size_t i;

	if (n != 64)
		return false;
	for (i = 0; i < n; i++)
		if (strchr("0123456789abcdefABCDEF", v[i]) == NULL || v[i] == '\0')
			return false;
	return true;
}
