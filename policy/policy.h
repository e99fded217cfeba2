/* policy.h — the YAML policy of allowed secrets, keys and values (SPEC 8).
 * Pure: it parses and decides; the only I/O is reading the policy file.
 * Every "why" it writes names the rule broken, never a value. */
#ifndef MODAL_POLICY_H
#define MODAL_POLICY_H

#include <stdbool.h>
#include <stddef.h>

struct policy;

/* One load error: where it is and what is wrong. */
struct policy_diag {
	char *file;
	unsigned line, column;   /* 1-based */
	char *message;
};

struct policy_report {
	size_t ndiags;
	struct policy_diag *diags;
};

/* Loads and validates a policy file; on failure returns -1 and every error
 * found in rep (freed with policy_report_free). */
int policy_load_file(const char *path, struct policy **out, struct policy_report *rep);
/* Same, from memory; name is used in diagnostics (tests and the fuzzer). */
int policy_load_buffer(const char *name, const char *buf, size_t len,
		       struct policy **out, struct policy_report *rep);
void policy_report_free(struct policy_report *rep);
/* One diagnostic as "file:line:column: message" ("file: message" for errors
 * about the whole file, with line 0); returns buf. */
const char *policy_diag_format(const struct policy_diag *d, char *buf, size_t len);
/* The secure default used when no policy is given: every secret, key and
 * environment allowed, but variables that change how programs load or run
 * (LD_*, PATH, PYTHON*, ...) denied. */
int policy_default(struct policy **out);
void policy_free(struct policy *p);

enum policy_conflict {
	POLICY_CONFLICT_UNSET,       /* the policy says nothing: the flag decides */
	POLICY_CONFLICT_ERROR,
	POLICY_CONFLICT_FIRST_WINS,
	POLICY_CONFLICT_LAST_WINS,
};

enum policy_delivery {
	POLICY_DELIVER_ENV,
	POLICY_DELIVER_FILE,        /* sealed memfd; the child gets KEY_FILE=/proc/self/fd/N */
};

enum policy_override {
	POLICY_OVERRIDE_UNSET,       /* the policy says nothing: --preserve-env decides */
	POLICY_OVERRIDE_ALLOW,
	POLICY_OVERRIDE_DENY,        /* an inherited variable of that name is kept */
};

/* What the launcher must do with one allowed key. */
struct policy_key_rule {
	bool drop;                   /* unknown key under unknown_keys: drop */
	enum policy_delivery delivery;
	enum policy_override override;
};

/* Each returns 0 when allowed, else -1 with a one-line reason in why. */
int policy_check_environment(const struct policy *p, const char *env,
			     char *why, size_t whylen);
int policy_check_secret(const struct policy *p, const char *secret,
			char *why, size_t whylen);
int policy_check_key(const struct policy *p, const char *secret, const char *key,
		     const unsigned char *value, size_t value_len,
		     struct policy_key_rule *rule, char *why, size_t whylen);
/* keys: every key the secret holds; fails if a required key is missing. */
int policy_check_required(const struct policy *p, const char *secret,
			  const char *const *keys, size_t nkeys,
			  char *why, size_t whylen);
enum policy_conflict policy_conflict_mode(const struct policy *p);
/* Whether an inherited variable passes through under --clean-env. */
bool policy_pass_through(const struct policy *p, const char *var);

#endif
