/* remote.h — the vault interface over HTTP: a client of `modal-vault serve`
 * (docs/protocol.md), chosen by an http://, https:// or unix: vault URL, or a
 * comma-separated list of them that fails over in order. Private to this
 * folder (and its tests); the front knows only remote_vault.h. */
#ifndef MODAL_VAULT_REMOTE_H
#define MODAL_VAULT_REMOTE_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "vault_json.h"
#include "vault_ops.h"
#include "wire/wire.h"

#define REMOTE_MAX_SERVERS 8
#define REMOTE_URL_MAX 1024
#define REMOTE_TIMEOUT_DEFAULT_MS 10000
/* Answers larger than this are refused: the largest is a fetch, whose box is
 * at most 16 MiB of plaintext in base64 (docs/protocol.md). */
#define REMOTE_ANSWER_MAX (24u << 20)
/* Attempts per server, when failures are transient (SPEC: bounded retries). */
#define REMOTE_ROUNDS 3

struct remote_server {
	char url[REMOTE_URL_MAX];       /* as configured, for messages */
	char base[REMOTE_URL_MAX];      /* what "/v1/..." is appended to */
	char socket[REMOTE_URL_MAX];    /* unix: the socket path, else "" */
};

struct remote;

/* Splits a vault URL list ("https://a,https://b", "unix:/run/v.sock") into
 * servers. Every entry must be http://, https:// or unix:/ABSOLUTE; no
 * credentials, query or fragment in a URL (they would end up in argv and
 * logs). MR_E_CONFIG naming the bad entry. */
int remote_parse_urls(const char *list, struct remote_server *out, size_t max,
		      size_t *n, struct mr_err *e);

/* What to do after one attempt (remote_http.c). */
enum remote_verdict {
	REMOTE_DONE,       /* an answer to act on: 2xx, or a 4xx that retrying cannot change */
	REMOTE_RETRY,      /* transient: the next server, or another round after a pause */
	REMOTE_STOP,       /* a failure no retry helps (TLS trust, bad URL, ...) */
};
/* curl_code is a CURLcode, status the HTTP status (0: none). sent: the request
 * may have reached the server; a non-idempotent request is then never
 * repeated, since the server may have acted on it. */
enum remote_verdict remote_classify(int curl_code, long status, int idempotent, int sent);
/* The pause before round (1, 2, ...): full jitter over 100 ms * 2^(round-1),
 * at most 2 s; at least retry_after_ms (the server's Retry-After). */
int64_t remote_backoff_ms(unsigned round, int64_t retry_after_ms);

struct remote_options {
	const char *token_id;
	const char *token_secret;       /* read again by each fetch: outlives the remote */
	size_t token_secret_len;
	const char *vault_key;          /* pinned, 64 hex; NULL: any */
	const char *cacert;             /* NULL: the system store */
	int64_t timeout_ms;             /* each operation's total deadline; 0: default */
	void (*notice)(const char *line); /* failover and retries (vault.h); NULL: none */
};

int remote_open(const char *urls, const struct remote_options *o, struct remote **out,
		struct mr_err *e);
void remote_close(struct remote *r);
/* The configured URL list, for messages. */
const char *remote_urls(const struct remote *r);
/* The pinned vault public key, or NULL. */
const unsigned char *remote_pinned_key(const struct remote *r);
/* The URL of each server of the list (REMOTE_MAX_SERVERS at most). */
size_t remote_server_urls(const struct remote *r, const char **urls);
/* The token, for sealing it (the options' copy); -1 if it is longer than a
 * sealed token carries. */
int remote_token(const struct remote *r, const char **id, const char **secret, size_t *len);

/* Which key the vault is believed to have (remote_trust.c, known_vaults.h). */
struct remote_trust {
	enum vault_key_trust how;
	unsigned char key[WIRE_KEY_LEN];
	char dir[PATH_MAX], file[PATH_MAX];   /* the known-vaults file */
	unsigned line;                        /* learned: the line recording it */
	int missing;                          /* a server of the list is not recorded */
};
/* Pinned, else recorded, else asked of the server (GET /v1/vault-key,
 * without the token): first use. */
int remote_trust_key(struct remote *r, struct remote_trust *t, struct mr_err *e);
/* After an answer proved the key (or, for modal-vault, on first use):
 * records it for the servers not yet in the file. A failure is a warning
 * (on stderr) and -1. */
int remote_trust_record(struct remote *r, const struct remote_trust *t);
/* MR_E_AUTH: the vault answered under answered_hex, not t's key; the
 * message names both keys and what to edit. */
int remote_trust_refuse(const struct remote *r, const struct remote_trust *t,
			const char *answered_hex, struct mr_err *e);
/* After a 401 to a sealed token (e, MR_E_AUTH): when the server names a key
 * other than t's, e becomes remote_trust_refuse's. Always -1. */
int remote_trust_recheck(struct remote *r, const struct remote_trust *t, struct mr_err *e);

/* One request, with failover, retries and the deadline. path starts "/v1/" or
 * "/healthz" and is already escaped. body (may be NULL) is a JSON object, sent
 * from sodium memory. On 2xx: 0, and *answer the parsed JSON (NULL for an
 * empty body; NULL answer: not wanted). Otherwise -1 with the server's error
 * mapped to a kind, the message naming the server. */
enum remote_flags { REMOTE_IDEMPOTENT = 1, REMOTE_NO_AUTH = 2 };
int remote_call(struct remote *r, const char *method, const char *path, json_t *body,
		unsigned flags, json_t **answer, struct mr_err *e);

/* The operations of vault_ops.h, in remote.c (vault.h's) and remote_access.c
 * (access.h's); remote_vault.c makes the table. The front has checked their
 * arguments; the server checks them again, being another program. */
extern const struct vault_ops remote_vault_ops;
int remote_fetch(struct vault *base, const char *env, const char *const *names,
		 size_t nnames, struct vault_fetch *out, struct mr_err *e);
int remote_secret_put(struct vault *base, const char *env, const char *name,
		      const struct vault_item *items, size_t nitems, int replace,
		      struct vault_secret_meta *out, struct mr_err *e);
int remote_secret_update(struct vault *base, const char *env, const char *name,
			 const struct vault_item *items, size_t nitems,
			 uint64_t expected_version, struct vault_secret_meta *out,
			 struct mr_err *e);
int remote_secret_versions(struct vault *base, const char *env, const char *name,
			   struct vault_secret_meta **out, size_t *n, struct mr_err *e);
int remote_secret_get(struct vault *base, const char *env, const char *name,
		      struct vault_secret_meta *out, struct mr_err *e);
int remote_secret_list(struct vault *base, const char *env,
		       struct vault_secret_meta **out, size_t *n, struct mr_err *e);
int remote_secret_delete(struct vault *base, const char *env, const char *name,
			 struct mr_err *e);
int remote_env_create(struct vault *base, const char *name, const char *webhook_suffix,
		      struct vault_env *out, struct mr_err *e);
int remote_env_list(struct vault *base, struct vault_env **out, size_t *n, struct mr_err *e);
int remote_env_delete(struct vault *base, const char *name, struct mr_err *e);
int remote_env_update(struct vault *base, const char *name, const char *new_name,
		      const char *new_suffix, struct vault_env *out, struct mr_err *e);
int remote_workspace_current(struct vault *base, struct vault_workspace *out,
			     struct mr_err *e);

int remote_owner(struct vault *base, struct vault_member *out, struct mr_err *e);
int remote_member_list(struct vault *base, struct vault_member **out, size_t *n,
		       struct mr_err *e);
int remote_member_add(struct vault *base, const char *name, enum vault_role role,
		      struct vault_member *out, struct mr_err *e);
int remote_member_set_role(struct vault *base, const char *member_id,
			   enum vault_role role, struct mr_err *e);
int remote_member_remove(struct vault *base, const char *member_id, struct mr_err *e);
int remote_token_create(struct vault *base, enum vault_token_kind kind,
			const char *member_id, const char *name, int64_t ttl_seconds,
			struct vault_token *out, char *secret, struct mr_err *e);
int remote_token_list(struct vault *base, enum vault_token_kind kind,
		      const char *member_id, const char *env,
		      struct vault_token **out, size_t *n, struct mr_err *e);
int remote_token_get(struct vault *base, const char *token_id,
		     struct vault_token *out, struct mr_err *e);
int remote_token_revoke(struct vault *base, const char *token_id, struct mr_err *e);
int remote_token_allow_env(struct vault *base, const char *token_id, const char *env,
			   int allow, struct mr_err *e);
int remote_token_verify(struct vault *base, enum vault_token_kind kind,
			const char *token_id, const char *secret, size_t secret_len,
			struct vault_identity *who, struct mr_err *e);
int remote_audit_append(struct vault *base, const struct vault_audit_record *rec,
			struct mr_err *e);
int remote_audit_list(struct vault *base, const struct vault_audit_filter *f,
		      struct vault_audit_record **out, size_t *n, struct mr_err *e);
/* vault_check_server_key (remote_trust.c). */
int remote_check_server_key(struct vault *base, struct mr_err *e);
int remote_box_keypair(struct vault *base, unsigned char pk[32], unsigned char *sk,
		       struct mr_err *e);

/* Reading answers (remote_answers.c, through vault_json.h): 0, or -1 if the
 * JSON is not what the API gives. answer_meta fills name and environment
 * from the arguments when the answer leaves them out (versions); the void *
 * readers take one element of an array of vault_env, vault_member or
 * vault_audit_record. */
int answer_meta(json_t *j, const char *env, const char *name, struct vault_secret_meta *m);
int answer_env(json_t *j, void *elem);
int answer_member(json_t *j, void *elem);
int answer_audit(json_t *j, void *elem);
enum vault_token_kind remote_token_kind(const char *id);   /* by its prefix */

/* Helpers shared by remote.c and remote_access.c (remote_json.c). */
/* Makes jansson wipe what it frees, unless the program chose an allocator. */
json_t *remote_data(json_t *answer);         /* a listing's "data" array, or NULL */
int remote_bad_answer(struct remote *r, struct mr_err *e, const char *what);
/* GETs a listing and reads its "data" array into a calloc'ed array of
 * elements of size bytes, each filled by one() (which owns no memory). */
int remote_get_list(struct remote *r, const char *path, size_t size,
		    int (*one)(json_t *j, void *elem), void **out, size_t *n,
		    const char *what, struct mr_err *e);
/* Anything put into a path: only [A-Za-z0-9._-]. MR_E_INVALID otherwise. */
int remote_check_id(const char *what, const char *id, struct mr_err *e);
/* Appends ?name=value or &name=value, percent-encoded; NULL value: nothing. */
int query_add(char *buf, size_t len, const char *name, const char *value);

#endif
