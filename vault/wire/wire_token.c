/* wire_token.c — sealing the API token to the vault's key for one fetch and
 * opening it there (docs/protocol.md, "The launcher's fetch"). The
 * plaintext, which holds the token secret, exists only in locked memory. Its
 * magic ("MVT1") differs from the answer's ("MVF1"): both boxes are made
 * under the same shared key (launch and vault), so neither may ever be taken
 * for the other. */
#include "wire_token.h"
#include "secmem.h"

#include <endian.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_MAGIC "MVT1"

_Static_assert(WIRE_TOKEN_PLAIN_MAX <= WIRE_LAUNCH_WORK_LEN, "a token is sealed in a launch's work area");
/* magic, binding, issued_at, id length; then the id, the secret length, the secret */
#define TOKEN_HEAD_LEN (4 + WIRE_BINDING_LEN + 8 + 4)

static void
put_le32(unsigned char *p, size_t v)
{
	uint32_t le = htole32((uint32_t)v);

	memcpy(p, &le, 4);
}

static uint32_t
read_le32(const unsigned char *p)
{
	uint32_t le;

	memcpy(&le, p, 4);
	return le32toh(le);
}

static size_t
token_plain_write(const struct wire_request *req, const char *id, size_t id_len,
		  const char *secret, size_t secret_len, int64_t now, unsigned char *p)
{
	uint64_t at = htole64((uint64_t)now);
	unsigned char *start = p;

	memcpy(p, TOKEN_MAGIC, 4);
	wire_binding(req, p + 4);
	memcpy(p + 4 + WIRE_BINDING_LEN, &at, 8);
	p += 4 + WIRE_BINDING_LEN + 8;
	put_le32(p, id_len);
	memcpy(p + 4, id, id_len);
	p += 4 + id_len;
	put_le32(p, secret_len);
	memcpy(p + 4, secret, secret_len);
	return (size_t)(p + 4 + secret_len - start);
}

int
wire_token_seal(const struct wire_request *req, const unsigned char *launch_sk,
		const unsigned char vault_pk[WIRE_KEY_LEN], const char *token_id,
		const char *secret, size_t secret_len, int64_t now, unsigned char *plain,
		char **box, struct mr_err *e)
{
	size_t id_len = strlen(token_id), len, b64_len;
	unsigned char sealed[WIRE_TOKEN_PLAIN_MAX + crypto_box_MACBYTES];
	int rc = -1;

	*box = NULL;
	if (id_len == 0 || id_len > WIRE_TOKEN_ID_MAX || secret_len == 0 ||
	    secret_len > WIRE_TOKEN_SECRET_MAX)
		return mr_fail(e, MR_E_CONFIG,
			       "the token id or secret is longer than a sealed token carries (%d, %d bytes)",
			       WIRE_TOKEN_ID_MAX, WIRE_TOKEN_SECRET_MAX);
	len = token_plain_write(req, token_id, id_len, secret, secret_len, now, plain);
	b64_len = sodium_base64_ENCODED_LEN(len + crypto_box_MACBYTES,
					    sodium_base64_VARIANT_ORIGINAL);
	/* Fails only for a vault key that makes an all-zero shared secret. */
	if (crypto_box_easy(sealed, plain, len, req->nonce, vault_pk, launch_sk) != 0)
		mr_fail(e, MR_E_CONFIG, "the vault's public key is not a usable X25519 key");
	else if ((*box = malloc(b64_len)) == NULL)
		mr_fail(e, MR_E_INTERNAL, "out of memory");
	else {
		sodium_bin2base64(*box, b64_len, sealed, len + crypto_box_MACBYTES,
				  sodium_base64_VARIANT_ORIGINAL);
		rc = 0;
	}
	sodium_memzero(plain, len);
	return rc;
}

/* The fields after the head: id and secret, each a u32 length and bytes,
 * nothing after them. */
static int
token_fields(const unsigned char *p, size_t left, struct wire_token *out)
{
	size_t id_len, secret_len;

	if (left < 4 || (id_len = read_le32(p)) == 0 || id_len > WIRE_TOKEN_ID_MAX ||
	    left - 4 < id_len + 4)
		return -1;
	memcpy(out->id, p + 4, id_len);
	out->id[id_len] = '\0';
	if (memchr(out->id, '\0', id_len) != NULL)
		return -1;
	p += 4 + id_len;
	left -= 4 + id_len + 4;
	secret_len = read_le32(p);
	if (secret_len == 0 || secret_len > WIRE_TOKEN_SECRET_MAX || secret_len != left)
		return -1;
	out->secret = (const char *)p + 4;
	out->secret_len = secret_len;
	return 0;
}

static int
token_parse(const unsigned char *plain, size_t len, const struct wire_request *req,
	    struct wire_token *out)
{
	unsigned char binding[WIRE_BINDING_LEN];
	uint64_t at;

	if (len < TOKEN_HEAD_LEN || memcmp(plain, TOKEN_MAGIC, 4) != 0)
		return -1;
	wire_binding(req, binding);
	if (sodium_memcmp(binding, plain + 4, WIRE_BINDING_LEN) != 0)
		return -1;
	memcpy(&at, plain + 4 + WIRE_BINDING_LEN, 8);
	out->issued_at = (int64_t)le64toh(at);
	return token_fields(plain + 4 + WIRE_BINDING_LEN + 8, len - (4 + WIRE_BINDING_LEN + 8),
			    out);
}

/* A sealed token is a credential for one request at one moment: outside the
 * window it is a recording played back (or a clock far off). */
static int
token_in_window(const struct wire_token *t, int64_t now, struct mr_err *e)
{
	int64_t skew;

	/* Both are counted from 1970, so the difference cannot overflow. */
	if (t->issued_at < 0 || now < 0)
		return mr_fail(e, MR_E_AUTH, "the sealed token's date is before 1970");
	skew = now - t->issued_at;
	if (skew > WIRE_TOKEN_WINDOW || skew < -WIRE_TOKEN_WINDOW)
		return mr_fail(e, MR_E_AUTH,
			       "the sealed token was made %lld s %s the vault's clock, outside the %d s window (a replayed request, or clocks apart)",
			       (long long)(skew < 0 ? -skew : skew), skew < 0 ? "ahead of" : "behind",
			       WIRE_TOKEN_WINDOW);
	return 0;
}

int
wire_token_shared_key(const struct wire_request *req, const unsigned char *vault_sk,
		      unsigned char *shared, struct mr_err *e)
{
	if (crypto_box_beforenm(shared, req->launch_pk, vault_sk) != 0)
		return mr_fail(e, MR_E_AUTH, "'public_key' is not a usable X25519 key");
	return 0;
}

int
wire_token_open(const char *box, size_t box_len, const struct wire_request *req,
		const unsigned char *shared, int64_t now, unsigned char *plain,
		struct wire_token *out, struct mr_err *e)
{
	unsigned char sealed[WIRE_TOKEN_PLAIN_MAX + crypto_box_MACBYTES];
	size_t len = 0;
	const char *end = NULL;

	memset(out, 0, sizeof(*out));
	if (box == NULL || box_len == 0 || box_len > WIRE_TOKEN_BOX_MAX ||
	    sodium_base642bin(sealed, sizeof(sealed), box, box_len, NULL, &len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != box + box_len || len <= crypto_box_MACBYTES)
		return mr_fail(e, MR_E_AUTH, "'token_box' is not the base64 of a sealed token");
	if (crypto_box_open_easy_afternm(plain, sealed, len, req->nonce, shared) != 0)
		return mr_fail(e, MR_E_AUTH,
			       "the sealed token does not open with this vault's key (sealed to another vault's key, or altered)");
	if (token_parse(plain, len - crypto_box_MACBYTES, req, out) != 0) {
		sodium_memzero(plain, WIRE_TOKEN_PLAIN_MAX);
		memset(out, 0, sizeof(*out));
		return mr_fail(e, MR_E_AUTH,
			       "the sealed token is not for this request (its environment, secrets, key or nonce differ, or it is malformed)");
	}
	if (token_in_window(out, now, e) != 0) {
		sodium_memzero(plain, WIRE_TOKEN_PLAIN_MAX);
		out->secret = NULL;
		out->secret_len = 0;
		return -1;
	}
	return 0;
}
