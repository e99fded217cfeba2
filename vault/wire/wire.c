/* wire.c — sealing a fetch to one launch's key and opening it there
 * (docs/protocol.md, "The launcher's fetch"). The plaintext exists only in
 * sodium memory at both ends. The parser trusts no length even after the box
 * authenticated: a stolen vault key must not also buy a memory-safety bug in
 * every launcher. */
#include "wire.h"
#include "store/codec.h"
#include "secmem.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIRE_MAGIC "MVF1"
#define BINDING_LEN 32
#define FPKEY_LEN 32
/* magic, binding, fetched_at, fingerprint key, environment length, count */
#define PLAIN_HEAD_LEN (4 + BINDING_LEN + 8 + FPKEY_LEN + 4 + 4)
/* per bundle: name length, version, bundle length */
#define BUNDLE_HEAD_LEN (4 + 8 + 4)

static void
put_u32(unsigned char *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void
put_u64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int
wire_hex_decode(const char *hex, unsigned char *bin, size_t len)
{
	size_t got = 0;
	const char *end = NULL;

	/* sodium_hex2bin stops quietly at the first non-hex byte: insist that it
	 * consumed exactly the whole string. */
	if (hex == NULL || strlen(hex) != 2 * len)
		return -1;
	if (sodium_hex2bin(bin, len, hex, 2 * len, NULL, &got, &end) != 0 || got != len ||
	    end != hex + 2 * len)
		return -1;
	return 0;
}

void
wire_hex_encode(const unsigned char *bin, size_t len, char *hex)
{
	sodium_bin2hex(hex, 2 * len + 1, bin, len);
}

int
wire_launch_key_new(struct wire_launch_key *k, struct mr_err *e)
{
	memset(k, 0, sizeof(*k));
	if (secmem_init() != 0)
		return mr_fail(e, MR_E_INTERNAL, "libsodium failed to initialise");
	k->sk = xsecure_alloc(crypto_box_SECRETKEYBYTES + WIRE_LAUNCH_WORK_LEN);
	k->work = k->sk + crypto_box_SECRETKEYBYTES;
	crypto_box_keypair(k->pk, k->sk);
	randombytes_buf(k->nonce, sizeof(k->nonce));
	wire_hex_encode(k->pk, sizeof(k->pk), k->pk_hex);
	wire_hex_encode(k->nonce, sizeof(k->nonce), k->nonce_hex);
	return 0;
}

void
wire_launch_key_clear(struct wire_launch_key *k)
{
	secure_free(k->sk, crypto_box_SECRETKEYBYTES + WIRE_LAUNCH_WORK_LEN);
	sodium_memzero(k, sizeof(*k));
}

/* BLAKE2b-256 of launch_pk || nonce || environment NUL || each name NUL: the
 * NULs keep ("ab","c") and ("a","bc") apart. */
static void
binding_compute(const struct wire_request *r, unsigned char out[BINDING_LEN])
{
	crypto_generichash_state st;
	const char *env = r->environment != NULL ? r->environment : "";
	size_t i;

	crypto_generichash_init(&st, NULL, 0, BINDING_LEN);
	crypto_generichash_update(&st, r->launch_pk, WIRE_KEY_LEN);
	crypto_generichash_update(&st, r->nonce, WIRE_NONCE_LEN);
	crypto_generichash_update(&st, (const unsigned char *)env, strlen(env) + 1);
	for (i = 0; i < r->nnames; i++)
		crypto_generichash_update(&st, (const unsigned char *)r->names[i],
					  strlen(r->names[i]) + 1);
	crypto_generichash_final(&st, out, BINDING_LEN);
}

void
wire_binding(const struct wire_request *r, unsigned char out[WIRE_BINDING_LEN])
{
	binding_compute(r, out);
}

/* ---- sealing (server) ---- */

static size_t
plain_size(const struct vault_fetch *f, const struct wire_request *req)
{
	size_t i, len = PLAIN_HEAD_LEN + strlen(f->environment);

	for (i = 0; i < f->nbundles; i++)
		len += BUNDLE_HEAD_LEN + strlen(req->names[i]) +
		       bundle_encoded_len(f->bundles[i].items, f->bundles[i].nitems);
	return len;
}

static void
plain_write(const struct vault_fetch *f, const struct wire_request *req, int64_t now,
	    unsigned char *p)
{
	size_t i, len;

	memcpy(p, WIRE_MAGIC, 4);
	binding_compute(req, p + 4);
	p += 4 + BINDING_LEN;
	put_u64(p, (uint64_t)now);
	memcpy(p + 8, f->fingerprint_key, FPKEY_LEN);
	p += 8 + FPKEY_LEN;
	len = strlen(f->environment);
	put_u32(p, (uint32_t)len);
	memcpy(p + 4, f->environment, len);
	p += 4 + len;
	put_u32(p, (uint32_t)f->nbundles);
	p += 4;
	for (i = 0; i < f->nbundles; i++) {
		const struct vault_bundle *b = &f->bundles[i];

		len = strlen(req->names[i]);
		put_u32(p, (uint32_t)len);
		memcpy(p + 4, req->names[i], len);
		p += 4 + len;
		put_u64(p, b->version);
		len = bundle_encoded_len(b->items, b->nitems);
		put_u32(p + 8, (uint32_t)len);
		bundle_encode(b->items, b->nitems, p + 12);
		p += 12 + len;
	}
}

/* Base64 (RFC 4648, padded) by table lookup. The box is ciphertext that
 * goes on the wire as it is, so indexing a table with its bytes leaks
 * nothing; sodium_bin2base64's constant-time encoding, which anything secret
 * needs, took a busy server ~3 µs a fetch. */
static size_t
base64_encode_public(const unsigned char *in, size_t len, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *o = out;
	uint32_t v;
	size_t i;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = tab[v & 63];
	}
	if (i < len) {
		v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return (size_t)(o - out);
}

static int
box_to_base64(const unsigned char *box, size_t len, struct wire_sealed *out,
	      struct mr_err *e)
{
	if ((out->box = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	out->box_len = base64_encode_public(box, len, out->box);
	return 0;
}

void
wire_scratch_free(struct wire_scratch *s)
{
	secure_free(s->p, s->cap);
	s->p = NULL;
	s->cap = 0;
}

/* Room for len bytes of plaintext: the scratch, grown if need be, or a
 * buffer of its own when there is no scratch. */
static unsigned char *
plain_buffer(struct wire_scratch *s, size_t len)
{
	if (s == NULL)
		return xsecure_alloc(len);
	if (s->cap < len) {
		wire_scratch_free(s);
		s->cap = len < 4096 ? 4096 : len;
		s->p = xsecure_alloc(s->cap);
		sodium_memzero(s->p, s->cap);   /* all zero between uses */
	}
	return s->p;
}

/* One of vault_sk (the box's key computed here) and shared (computed once
 * for the request, crypto_box_beforenm) seals. */
static int
fetch_seal(const struct vault_fetch *f, const struct wire_request *req,
	   const unsigned char vault_pk[WIRE_KEY_LEN], const unsigned char *vault_sk,
	   const unsigned char *shared, int64_t now, struct wire_scratch *scratch,
	   struct wire_sealed *out, struct mr_err *e)
{
	unsigned char nonce[WIRE_NONCE_LEN], *plain = NULL, *box = NULL;
	size_t len = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (req->nnames != f->nbundles || req->nnames == 0 || req->nnames > WIRE_MAX_NAMES)
		return mr_fail(e, MR_E_INTERNAL, "fetch of %zu bundles for %zu names",
			       f->nbundles, req->nnames);
	len = plain_size(f, req);
	if (len > WIRE_PLAIN_MAX)
		return mr_fail(e, MR_E_TOOLARGE,
			       "the secrets asked for take %zu bytes, more than one fetch carries (%u)",
			       len, WIRE_PLAIN_MAX);
	plain = plain_buffer(scratch, len);
	plain_write(f, req, now, plain);
	if ((box = malloc(len + crypto_box_MACBYTES)) == NULL) {
		mr_fail(e, MR_E_INTERNAL, "out of memory");
		goto out;
	}
	randombytes_buf(nonce, sizeof(nonce));
	/* Fails only for a public key that makes an all-zero shared secret. */
	if ((shared != NULL ? crypto_box_easy_afternm(box, plain, len, nonce, shared)
			    : crypto_box_easy(box, plain, len, nonce, req->launch_pk, vault_sk)) != 0) {
		mr_fail(e, MR_E_INVALID, "public_key is not a usable X25519 key");
		goto out;
	}
	if (box_to_base64(box, len + crypto_box_MACBYTES, out, e) != 0)
		goto out;
	wire_hex_encode(vault_pk, WIRE_KEY_LEN, out->vault_public_key);
	wire_hex_encode(nonce, WIRE_NONCE_LEN, out->box_nonce);
	rc = 0;
out:
	if (scratch != NULL)
		sodium_memzero(plain, len);
	else
		secure_free(plain, len);
	free(box);
	return rc;
}

int
wire_fetch_seal_scratch(const struct vault_fetch *f, const struct wire_request *req,
			const unsigned char vault_pk[WIRE_KEY_LEN], const unsigned char *vault_sk,
			int64_t now, struct wire_scratch *scratch, struct wire_sealed *out,
			struct mr_err *e)
{
	return fetch_seal(f, req, vault_pk, vault_sk, NULL, now, scratch, out, e);
}

int
wire_fetch_seal_shared(const struct vault_fetch *f, const struct wire_request *req,
		       const unsigned char vault_pk[WIRE_KEY_LEN], const unsigned char *shared,
		       int64_t now, struct wire_scratch *scratch, struct wire_sealed *out,
		       struct mr_err *e)
{
	return fetch_seal(f, req, vault_pk, NULL, shared, now, scratch, out, e);
}

int
wire_fetch_seal(const struct vault_fetch *f, const struct wire_request *req,
		const unsigned char vault_pk[WIRE_KEY_LEN], const unsigned char *vault_sk,
		int64_t now, struct wire_sealed *out, struct mr_err *e)
{
	return fetch_seal(f, req, vault_pk, vault_sk, NULL, now, NULL, out, e);
}

void
wire_sealed_free(struct wire_sealed *s)
{
	free(s->box);
	memset(s, 0, sizeof(*s));
}

/* ---- opening (client) ---- */

/* A cursor over the plaintext; every take checks what is left. */
struct reader {
	const unsigned char *p;
	size_t left;
};

static const unsigned char *
take(struct reader *r, size_t n)
{
	const unsigned char *p = r->p;

	if (r->left < n)
		return NULL;
	r->p += n;
	r->left -= n;
	return p;
}

static int
take_int(struct reader *r, int n, uint64_t *v)
{
	const unsigned char *p = take(r, (size_t)n);

	if (p == NULL)
		return -1;
	*v = get_le(p, n);
	return 0;
}

/* One bundle as found in the plaintext (pointers into it). */
struct wire_part {
	const unsigned char *name;
	size_t name_len;
	uint64_t version;
	const unsigned char *bundle;
	size_t bundle_len, nitems;
};

/* What the head says, checked against what was sent. */
static int
parse_head(struct reader *r, const struct wire_request *sent, struct vault_fetch *out,
	   int64_t *fetched_at, size_t *count)
{
	unsigned char binding[BINDING_LEN];
	const unsigned char *magic = take(r, 4), *bound = take(r, BINDING_LEN), *fpkey, *env;
	uint64_t at, env_len, n;
	const char *want = sent->environment != NULL ? sent->environment : "";

	if (magic == NULL || bound == NULL || memcmp(magic, WIRE_MAGIC, 4) != 0)
		return -1;
	binding_compute(sent, binding);
	if (sodium_memcmp(binding, bound, BINDING_LEN) != 0)
		return -1;
	if (take_int(r, 8, &at) != 0 || (fpkey = take(r, FPKEY_LEN)) == NULL ||
	    take_int(r, 4, &env_len) != 0 || env_len > NAME_MAX_LEN ||
	    (env = take(r, env_len)) == NULL || take_int(r, 4, &n) != 0)
		return -1;
	memcpy(out->environment, env, env_len);
	out->environment[env_len] = '\0';
	if (!name_is_valid(out->environment) || (*want != '\0' && strcmp(want, out->environment) != 0))
		return -1;
	if (n != sent->nnames)
		return -1;
	memcpy(out->fingerprint_key, fpkey, FPKEY_LEN);
	if (fetched_at != NULL)
		*fetched_at = (int64_t)at;
	*count = (size_t)n;
	return 0;
}

static int
parse_part(struct reader *r, const char *want_name, struct wire_part *part)
{
	uint64_t name_len, blen;

	if (take_int(r, 4, &name_len) != 0 || name_len != strlen(want_name) ||
	    (part->name = take(r, name_len)) == NULL ||
	    memcmp(part->name, want_name, name_len) != 0)
		return -1;
	part->name_len = name_len;
	if (take_int(r, 8, &part->version) != 0 || take_int(r, 4, &blen) != 0 ||
	    blen > BUNDLE_MAX_BYTES || (part->bundle = take(r, blen)) == NULL)
		return -1;
	part->bundle_len = blen;
	return bundle_count(part->bundle, blen, &part->nitems);
}

/* Arena: bundles[n] | items of every bundle | names, NUL-terminated | bundles
 * in the codec (whose own NULs end each key and value). */
static void
fill_arena(const struct wire_part *parts, size_t n, size_t nitems, size_t bytes,
	   struct vault_fetch *out)
{
	struct vault_item *items;
	unsigned char *data;
	size_t i;

	out->arena_len = n * sizeof(struct vault_bundle) + nitems * sizeof(struct vault_item) +
			 bytes;
	out->arena = xsecure_alloc(out->arena_len);
	out->bundles = out->arena;
	items = (struct vault_item *)(out->bundles + n);
	data = (unsigned char *)(items + nitems);
	for (i = 0; i < n; i++) {
		memcpy(data, parts[i].name, parts[i].name_len);
		data[parts[i].name_len] = '\0';
		out->bundles[i] = (struct vault_bundle){ (const char *)data, parts[i].version,
							 parts[i].nitems, items };
		data += parts[i].name_len + 1;
		memcpy(data, parts[i].bundle, parts[i].bundle_len);
		/* Decoded once already; this only repoints the items into the copy. */
		(void)bundle_decode(data, parts[i].bundle_len, items, parts[i].nitems);
		data += parts[i].bundle_len;
		items += parts[i].nitems;
	}
	out->nbundles = n;
}

/* Checks the whole plaintext before anything is allocated for it, then copies
 * it into the arena. */
static int
parse_plain(const unsigned char *plain, size_t len, const struct wire_request *sent,
	    struct vault_fetch *out, int64_t *fetched_at)
{
	struct reader r = { plain, len };
	struct wire_part parts[WIRE_MAX_NAMES];
	struct vault_item *scratch = NULL;
	size_t count, i, nitems = 0, bytes = 0;
	int rc = -1;

	if (sent->nnames == 0 || sent->nnames > WIRE_MAX_NAMES ||
	    parse_head(&r, sent, out, fetched_at, &count) != 0)
		return -1;
	scratch = malloc(BUNDLE_MAX_ITEMS * sizeof(*scratch));
	for (i = 0; scratch != NULL && i < count; i++) {
		if (parse_part(&r, sent->names[i], &parts[i]) != 0 ||
		    bundle_decode(parts[i].bundle, parts[i].bundle_len, scratch,
				  parts[i].nitems) != 0)
			goto out;
		nitems += parts[i].nitems;
		bytes += parts[i].name_len + 1 + parts[i].bundle_len;
	}
	if (scratch == NULL || r.left != 0)
		goto out;
	fill_arena(parts, count, nitems, bytes, out);
	rc = 0;
out:
	/* The items pointed at values in the plaintext; pointers only, but clear. */
	if (scratch != NULL)
		sodium_memzero(scratch, BUNDLE_MAX_ITEMS * sizeof(*scratch));
	free(scratch);
	return rc;
}

static int
decode_box(const struct wire_answer *a, unsigned char **box, size_t *len, struct mr_err *e)
{
	size_t max = WIRE_PLAIN_MAX + crypto_box_MACBYTES;
	const char *end = NULL;

	if (a->box == NULL || a->box_len == 0 ||
	    a->box_len > sodium_base64_ENCODED_LEN(max, sodium_base64_VARIANT_ORIGINAL))
		return mr_fail(e, MR_E_CRYPTO, "the vault's answer has no box or one too large");
	if ((*box = malloc(a->box_len / 4 * 3 + 3)) == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	if (sodium_base642bin(*box, a->box_len / 4 * 3 + 3, a->box, a->box_len, NULL, len,
			      &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != a->box + a->box_len || *len <= crypto_box_MACBYTES) {
		free(*box);
		*box = NULL;
		return mr_fail(e, MR_E_CRYPTO, "the vault's answer holds malformed base64");
	}
	return 0;
}

static int
check_vault_key(const struct wire_answer *a, const unsigned char *pinned,
		unsigned char pk[WIRE_KEY_LEN], unsigned char nonce[WIRE_NONCE_LEN],
		struct mr_err *e)
{
	char shown[WIRE_KEY_HEX_LEN + 1];

	if (wire_hex_decode(a->vault_public_key, pk, WIRE_KEY_LEN) != 0 ||
	    wire_hex_decode(a->box_nonce, nonce, WIRE_NONCE_LEN) != 0)
		return mr_fail(e, MR_E_CRYPTO,
			       "the vault's answer has a malformed vault_public_key or box_nonce");
	if (pinned != NULL && sodium_memcmp(pk, pinned, WIRE_KEY_LEN) != 0) {
		wire_hex_encode(pk, WIRE_KEY_LEN, shown);
		return mr_fail(e, MR_E_AUTH,
			       "the vault answered with public key %s, not the pinned one", shown);
	}
	return 0;
}

int
wire_fetch_open(const struct wire_answer *a, const struct wire_request *sent,
		const unsigned char *launch_sk, const unsigned char *pinned_vault_pk,
		struct vault_fetch *out, int64_t *fetched_at, struct mr_err *e)
{
	unsigned char pk[WIRE_KEY_LEN], nonce[WIRE_NONCE_LEN], *box = NULL, *plain = NULL;
	size_t len = 0, plain_len = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (secmem_init() != 0)
		return mr_fail(e, MR_E_INTERNAL, "libsodium failed to initialise");
	if (check_vault_key(a, pinned_vault_pk, pk, nonce, e) != 0 || decode_box(a, &box, &len, e) != 0)
		return -1;
	plain_len = len - crypto_box_MACBYTES;
	plain = xsecure_alloc(plain_len);
	if (crypto_box_open_easy(plain, box, len, nonce, pk, launch_sk) != 0)
		mr_fail(e, MR_E_CRYPTO,
			"the vault's answer failed authentication (tampered with, or sealed for another launch)");
	else if (parse_plain(plain, plain_len, sent, out, fetched_at) != 0)
		mr_fail(e, MR_E_CRYPTO,
			"the vault's answer does not answer this launch's request (binding, names, order or environment differ, or it is malformed)");
	else
		rc = 0;
	secure_free(plain, plain_len);
	free(box);
	if (rc != 0)
		vault_fetch_free(out);
	return rc;
}
