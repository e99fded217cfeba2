/* codec.c — encoding and strict decoding of bundle plaintext. */
#include "codec.h"

#include <stdint.h>
#include <string.h>

static void
put_u32(unsigned char *p, size_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static size_t
get_u32(const unsigned char *p)
{
	return (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
}

int
bundle_validate(const struct vault_item *items, size_t n, struct mr_err *e)
{
	char shown[128];
	size_t i, j;

	/* No keys is a valid secret (the seed schema allows "env": {} and Modal's
	 * SDK makes such secrets); the CLI asks for at least one itself. */
	if (n > BUNDLE_MAX_ITEMS)
		return mr_fail(e, MR_E_TOOLARGE, "%zu keys: at most %d per secret",
			       n, BUNDLE_MAX_ITEMS);
	for (i = 0; i < n; i++) {
		if (!key_is_valid(items[i].key))
			return mr_fail(e, MR_E_INVALID,
				       "invalid key '%s': keys are [A-Za-z_][A-Za-z0-9_]*, at most %d characters",
				       name_for_msg(items[i].key, shown, sizeof(shown)),
				       KEY_MAX_LEN);
		if (items[i].value_len > VALUE_MAX_LEN)
			return mr_fail(e, MR_E_TOOLARGE,
				       "value of %s: %zu bytes, at most %d",
				       items[i].key, items[i].value_len, VALUE_MAX_LEN);
		if (memchr(items[i].value, '\0', items[i].value_len) != NULL)
			return mr_fail(e, MR_E_INVALID,
				       "value of %s contains a NUL byte", items[i].key);
		for (j = 0; j < i; j++)
			if (strcmp(items[i].key, items[j].key) == 0)
				return mr_fail(e, MR_E_INVALID, "key %s given twice",
					       items[i].key);
	}
	if (bundle_encoded_len(items, n) > BUNDLE_MAX_BYTES)
		return mr_fail(e, MR_E_TOOLARGE, "secret larger than %u bytes",
			       BUNDLE_MAX_BYTES);
	return 0;
}

size_t
bundle_encoded_len(const struct vault_item *items, size_t n)
{
	size_t i, len = 8;

	for (i = 0; i < n; i++)
		len += 10 + strlen(items[i].key) + items[i].value_len;
	return len;
}

void
bundle_encode(const struct vault_item *items, size_t n, unsigned char *out)
{
	size_t i, klen;

	memcpy(out, "MVB1", 4);
	put_u32(out + 4, n);
	out += 8;
	for (i = 0; i < n; i++) {
		klen = strlen(items[i].key);
		put_u32(out, klen);
		memcpy(out + 4, items[i].key, klen + 1);
		out += 4 + klen + 1;
		put_u32(out, items[i].value_len);
		memcpy(out + 4, items[i].value, items[i].value_len);
		out[4 + items[i].value_len] = '\0';
		out += 4 + items[i].value_len + 1;
	}
}

int
bundle_count(const unsigned char *buf, size_t len, size_t *n)
{
	if (len < 8 || memcmp(buf, "MVB1", 4) != 0)
		return -1;
	*n = get_u32(buf + 4);
	/* Each item takes at least 10 bytes: a count that cannot fit is a lie. */
	if (*n > BUNDLE_MAX_ITEMS || *n > (len - 8) / 10)
		return -1;
	return 0;
}

/* One length-prefixed, NUL-terminated field at *off. */
static const unsigned char *
field(const unsigned char *buf, size_t len, size_t *off, size_t max, size_t *flen)
{
	const unsigned char *p;

	if (len - *off < 4)
		return NULL;
	*flen = get_u32(buf + *off);
	if (*flen > max || len - *off - 4 < *flen + 1)
		return NULL;
	p = buf + *off + 4;
	if (p[*flen] != '\0' || memchr(p, '\0', *flen) != NULL)
		return NULL;
	*off += 4 + *flen + 1;
	return p;
}

int
bundle_decode(const unsigned char *buf, size_t len, struct vault_item *items,
	      size_t n)
{
	size_t count, off = 8, i, klen;

	if (bundle_count(buf, len, &count) != 0 || count != n)
		return -1;
	for (i = 0; i < n; i++) {
		items[i].key = (const char *)field(buf, len, &off, KEY_MAX_LEN, &klen);
		if (items[i].key == NULL || !key_is_valid(items[i].key))
			return -1;
		items[i].value = field(buf, len, &off, VALUE_MAX_LEN, &items[i].value_len);
		if (items[i].value == NULL)
			return -1;
	}
	return off == len ? 0 : -1;
}
