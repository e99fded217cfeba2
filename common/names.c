/* names.c — validation of names and keys. */
#include "names.h"

#include <stdio.h>
#include <string.h>

static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool
name_is_valid(const char *s)
{
	size_t i;

	if (s == NULL || !is_alnum((unsigned char)s[0]))
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i >= NAME_MAX_LEN)
			return false;
		if (!is_alnum(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

bool
key_is_valid(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i >= KEY_MAX_LEN)
			return false;
		if (!is_alnum(c) && c != '_')
			return false;
	}
	return true;
}

const char *
name_for_msg(const char *s, char *buf, size_t len)
{
	size_t i, o = 0;

	if (len == 0)
		return "";
	for (i = 0; s != NULL && s[i] != '\0' && o + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i >= 80) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f || c == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}
