/* codec.h — the plaintext form of a bundle, as it is sealed at rest and sent
 * in an encrypted fetch:
 *   "MVB1" u32 count, then count × (u32 klen, key, NUL, u32 vlen, value, NUL)
 * big-endian. The NULs let a decoder hand out pointers into the buffer. */
#ifndef MODAL_VAULT_CODEC_H
#define MODAL_VAULT_CODEC_H

#include <stddef.h>

#include "vault_types.h"

#define BUNDLE_MAX_ITEMS 1000
#define BUNDLE_MAX_BYTES (4u << 20)

/* 0, or -1 with the reason (bad key, value too large, duplicate key, ...). */
int bundle_validate(const struct vault_item *items, size_t n, struct mr_err *e);
size_t bundle_encoded_len(const struct vault_item *items, size_t n);
void bundle_encode(const struct vault_item *items, size_t n, unsigned char *out);
/* Reads the item count of an encoded bundle; -1 if malformed. */
int bundle_count(const unsigned char *buf, size_t len, size_t *n);
/* Fills items (room for bundle_count() of them) with pointers into buf;
 * -1 if anything is malformed. */
int bundle_decode(const unsigned char *buf, size_t len, struct vault_item *items,
		  size_t n);

#endif
