/* vault_json.h — the vault's structs (vault.h, access.h) as the API's JSON
 * objects, the schemas of vault/server/openapi.yml, and back. One table of
 * field names per struct (json_structs.c) serves the server's answers, the
 * CLI's --json and the remote client's reading of answers, so the three
 * cannot disagree. Reading is for untrusted input, a server's answer: each
 * field is checked for its type, a string must fit its buffer whole, and a
 * refused object leaves the struct zeroed with nothing allocated. No secret
 * value passes through here; a token's secret only at its creation
 * (token_created_*), under json_wipe.h's allocator. This folder includes
 * vault_types.h and jansson, nothing of the front or of any implementation
 * (tests/vault/include_graph.py). */
#ifndef MODAL_VAULT_JSON_H
#define MODAL_VAULT_JSON_H

#include <jansson.h>
#include <stdint.h>

#include "vault_types.h"

/* RFC 3339 UTC: "2026-11-23T12:00:00Z", and "...:00.123Z" with milliseconds. */
void rfc3339_format(int64_t unix_seconds, char out[32]);
void rfc3339_format_ms(int64_t unix_ms, char out[32]);
/* "YYYY-MM-DDTHH:MM:SS", an optional fraction, then "Z" or "+HH:MM" /
 * "-HH:MM", and nothing after: 0, or -1 for anything else. */
int rfc3339_parse_ms(const char *s, int64_t *unix_ms);

/* Writers: a new object, NULL only when out of memory. */
json_t *secret_meta_to_json(const struct vault_secret_meta *m);     /* Secret */
json_t *secret_version_to_json(const struct vault_secret_meta *m);  /* SecretVersion */
json_t *env_to_json(const struct vault_env *env);                   /* Environment */
json_t *workspace_to_json(const struct vault_workspace *ws);        /* Workspace */
json_t *member_to_json(const struct vault_member *m);               /* Member */
json_t *token_to_json(const struct vault_token *t);   /* Token or ProxyToken, by kind */
/* TokenWithSecret / ProxyTokenWithSecret: the secret (TOKEN_SECRET_LEN
 * bytes) is copied into the object, which the caller serialises into locked
 * memory; jansson's copy is wiped when freed (json_wipe.h). */
json_t *token_created_to_json(const struct vault_token *t, const char *secret);
json_t *audit_record_to_json(const struct vault_audit_record *a);   /* AuditRecord */

/* Readers: 0, or -1 if j is not the object the API gives. A token's kind is
 * its id's prefix; "revoked" says whether, not when (revoked_at 1). */
int secret_meta_from_json(const json_t *j, struct vault_secret_meta *m);
int env_from_json(const json_t *j, struct vault_env *env);
int workspace_from_json(const json_t *j, struct vault_workspace *ws);
int member_from_json(const json_t *j, struct vault_member *m);
int token_from_json(const json_t *j, struct vault_token *t);
/* secret: TOKEN_SECRET_LEN + 1 bytes of the caller's sodium memory, filled
 * only if the answer's secret has the kind's prefix and length. */
int token_created_from_json(const json_t *j, struct vault_token *t, char *secret);
int audit_record_from_json(const json_t *j, struct vault_audit_record *a);

#endif
