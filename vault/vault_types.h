/* vault_types.h — what the vault's operations take and give: bundles,
 * fetches, secrets' metadata, environments, the workspace, members, tokens and
 * audit records, and the helpers that free them. Shared by the front (vault.h,
 * access.h), every implementation and their callers; it includes nothing of
 * the vault's own, so that implementations need not include the front. */
#ifndef MODAL_VAULT_TYPES_H
#define MODAL_VAULT_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "names.h"

struct vault;

/* One KEY=VALUE of a bundle. Values are arbitrary bytes (no NUL). */
struct vault_item {
	const char *key;
	const unsigned char *value;
	size_t value_len;
};

struct vault_bundle {
	const char *name;     /* the secret's name */
	uint64_t version;
	size_t nitems;
	struct vault_item *items;
};

/* What one launch fetched. Every pointer in it points into one sodium_malloc'ed
 * arena, wiped and released by vault_fetch_free. */
/* Where a vault server's public key came from (docs/protocol.md, "The
 * launcher's fetch"): flag, variable or profile; the known-vaults file; or
 * the server itself, on first use (recorded, or not: the file could not be
 * written). NONE: not a server's fetch. */
enum vault_key_trust {
	VAULT_KEY_NONE, VAULT_KEY_PINNED, VAULT_KEY_LEARNED, VAULT_KEY_FIRST_USE,
	VAULT_KEY_FIRST_USE_UNRECORDED,
};

struct vault_fetch {
	size_t nbundles;
	struct vault_bundle *bundles;          /* in the order requested */
	char environment[NAME_MAX_LEN + 1];
	unsigned char fingerprint_key[32];     /* the vault's key for --check fingerprints */
	void *arena;
	size_t arena_len;
	enum vault_key_trust key_trust;        /* a server's fetch: how its key was known */
	unsigned char vault_key[32];           /* ... and the key */
};

/* Locked memory a caller keeps from one fetch to the next (a server worker),
 * so that a fetch allocates no locked memory of its own: a sodium_malloc is
 * some ten system calls, and their page-table changes stall every thread of
 * a busy server. Start it zeroed; it is grown by replacing (never realloc'ed)
 * and all zero between fetches. */
struct vault_arena {
	void *p;
	size_t cap;
};

struct vault_secret_meta {
	char secret_id[48];
	char name[NAME_MAX_LEN + 1];
	char environment[NAME_MAX_LEN + 1];
	int64_t created_at;                    /* unix seconds */
	int64_t updated_at;
	uint64_t version;
	size_t nkeys;
	char **keys;                           /* key names only, never values */
};

struct vault_env {
	char name[NAME_MAX_LEN + 1];
	char webhook_suffix[NAME_MAX_LEN + 1];
	char workspace_id[48];
	int64_t created_at;
	int is_default;
};

struct vault_workspace {
	char workspace_id[48];
	char slug[NAME_MAX_LEN + 1];
	char name[NAME_MAX_LEN + 1];
	char plan[16];
	char default_env[NAME_MAX_LEN + 1];
};

/* What reaching a vault server takes (file: vaults ignore all but readonly).
 * Strings are only read during vault_open_with; the token secret is copied
 * into locked memory there and never kept in ordinary memory. */
struct vault_options {
	int readonly;                  /* file: as vault_open_readonly */
	const char *token_id;          /* ak-... */
	const char *token_secret;      /* as-..., token_secret_len bytes; a server reads it
					 * again for each fetch: it outlives the vault */
	size_t token_secret_len;
	const char *vault_key;         /* pinned vault public key, 64 hex; NULL: any */
	const char *cacert;            /* CA bundle for https; NULL: the system store */
	int64_t timeout_ms;            /* total deadline of each call; 0: 10 s */
	/* Told one line each time a server list fails over to the next server
	 * or a round of retries is about to start (names the server and why,
	 * never a token); NULL: silence. A library never prints: the program
	 * decides where the line goes. */
	void (*notice)(const char *line);
};

#define TOKEN_ID_LEN 24          /* "ak-" / "wk-" + 21 base62 */
#define TOKEN_SECRET_LEN 45      /* "as-" / "ws-" + 42 base62 (>= 32, SPEC 5) */
#define TOKEN_TTL_MIN 3600
#define TOKEN_TTL_MAX (366 * 86400)
#define TOKEN_TTL_DEFAULT (90 * 86400)

/* Ordered: a role may do everything the roles below it may (docs/permissions.md). */
enum vault_role { VAULT_ROLE_USER = 1, VAULT_ROLE_MANAGER = 2, VAULT_ROLE_OWNER = 3 };

enum vault_token_kind { VAULT_TOKEN_API, VAULT_TOKEN_PROXY };

struct vault_member {
	char member_id[48];              /* "us-" + base62 */
	char name[NAME_MAX_LEN + 1];     /* a name or e-mail-like handle */
	enum vault_role role;
	int64_t created_at;
};

struct vault_token {
	char token_id[TOKEN_ID_LEN + 1];
	enum vault_token_kind kind;
	char name[NAME_MAX_LEN + 1];
	char workspace_id[48];
	char member_id[48];              /* its owner; API tokens only */
	int64_t created_at, expires_at;  /* unix seconds */
	int64_t last_used_at;            /* 0: never */
	int64_t revoked_at;              /* 0: not revoked */
	size_t nenvs;                    /* proxy tokens: environments allowed */
	char (*envs)[NAME_MAX_LEN + 1];
};

/* Who is calling, once a token has been verified. */
struct vault_identity {
	struct vault_token token;
	struct vault_member member;      /* API tokens: the owning member */
};

struct vault_audit_record {
	int64_t id;                      /* increasing; the pagination cursor */
	int64_t at_ms;                   /* unix milliseconds */
	char token_id[TOKEN_ID_LEN + 1]; /* "" for unauthenticated requests */
	char action[48];                 /* e.g. "secret.create", "token.revoke" */
	char resource[200];              /* e.g. "secret:prod/db" — names only */
	int status;                      /* HTTP status, or 0 for local commands */
	char client[64];                 /* client address, "local" for file: use */
};

struct vault_audit_filter {
	int64_t since_ms, until_ms;      /* 0: unbounded */
	const char *token_id;            /* NULL: any actor */
	const char *action;              /* NULL: any; exact match or "prefix.*" */
	int64_t after_id;                /* cursor: records with id > after_id */
	size_t limit;                    /* 1..1000 */
};

/* Releasing what the operations give (vault_types.c). */
void vault_arena_free(struct vault_arena *a);
void vault_fetch_free(struct vault_fetch *f);
/* Wipes what a fetch of vault_fetch_reuse used, leaving the memory to the
 * arena; a fetch with an arena of its own is released as vault_fetch_free. */
void vault_fetch_return(struct vault_fetch *f, struct vault_arena *arena);
void vault_secret_meta_clear(struct vault_secret_meta *m);
void vault_secret_meta_free(struct vault_secret_meta *m, size_t n);
void vault_token_clear(struct vault_token *t);
void vault_token_free(struct vault_token *t, size_t n);

const char *vault_role_name(enum vault_role r);          /* "owner", ... */
int vault_role_parse(const char *s, enum vault_role *r); /* -1 if unknown */

#endif
