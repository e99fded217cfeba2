/* policy_impl.h — the loaded policy, private to policy/: load.c fills it in,
 * check.c decides with it, deny.c holds the built-in denylist. */
#ifndef MODAL_POLICY_IMPL_H
#define MODAL_POLICY_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

struct nfa;                     /* a compiled value pattern (nfa.c) */

/* Bounds on what a policy may be, so a hostile file costs little to refuse. */
#define POLICY_MAX_BYTES (1024 * 1024)
#define POLICY_MAX_DEPTH 16
#define POLICY_MAX_NODES 100000
#define POLICY_MAX_DIAGS 100
#define POLICY_MAX_PATTERN 1024
/* Copies of atoms a regex may expand to: glibc compiles a{n} as n copies. */
#define POLICY_MAX_PATTERN_WEIGHT 1000
/* POSIX's smallest RE_DUP_MAX: musl's, where glibc allows 32767. */
#define PORTABLE_DUP_MAX 255
/* States a compiled pattern may have: matching costs at most this many
 * steps per value byte (nfa.c), about 0.35 s of CPU for a 32 KiB value on
 * a 2020s core. The weight bound does not cover empty alternatives, which
 * cost states but no weight: ((||||)a){255}. */
#define NFA_MAX_STATES 4096
#define NFA_MAX_STATES_TEXT "4096"
#define POLICY_MAX_VALUE_LEN 32768

enum policy_unknown {
	POLICY_UNKNOWN_UNSET,       /* a secret without its own: the top level's */
	POLICY_UNKNOWN_REJECT,
	POLICY_UNKNOWN_DROP,
};

/* The rule for one key name, or for a glob of key names. */
struct pol_key {
	char *name;
	bool glob;
	bool required;
	bool multiline;
	struct nfa *re;             /* the value pattern, or NULL */
	size_t max_length;          /* 0: no limit of its own */
	enum policy_override override;
	enum policy_delivery delivery;
	unsigned line, column;      /* of its name, for load-time contradictions */
};

/* The rules for one secret name, or for a glob of secret names. */
struct pol_secret {
	char *name;
	bool glob;
	enum policy_unknown unknown;
	struct pol_key *keys;       /* in file order: exact names win, then the first glob */
	size_t nkeys;
};

struct pol_list {
	char **v;
	size_t n;
};

struct policy {
	bool has_envs;              /* without it every environment is allowed */
	struct pol_list envs;
	bool has_secrets;           /* without it every secret and key is allowed */
	struct pol_secret *secrets;
	size_t nsecrets;
	enum policy_unknown unknown;
	enum policy_conflict conflict;
	struct pol_list pass;       /* names and globs of inherited variables */
	struct pol_list deny;       /* the policy's own, on top of the default */
	struct pol_list lift;       /* exact names taken out of the default denylist */
};

/* A YAML node with where it starts; mappings hold keys and values
 * alternately in kids. */
enum ynode_kind {
	YNODE_SCALAR,
	YNODE_SEQ,
	YNODE_MAP,
};

struct ynode {
	enum ynode_kind kind;
	unsigned line, column;      /* 1-based */
	bool plain;                 /* scalar written without quotes */
	char *str;                  /* scalar, NUL-terminated */
	size_t len;
	struct ynode **kids;
	size_t nkids, cap;
};

/* Where load errors go; at most POLICY_MAX_DIAGS are kept. */
struct diags {
	const char *file;
	struct policy_report *rep;
	bool nomem;
};

/* load.c */
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);
void diag_add(struct diags *d, unsigned line, unsigned column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* tree.c */
/* Parses one YAML document into *root (NULL for an empty document); -1 after
 * reporting a syntax error or a limit. */
int tree_parse(const char *buf, size_t len, struct ynode **root, struct diags *d);
void tree_free(struct ynode *n);
const char *ynode_kind_name(const struct ynode *n);

/* schema.c */
/* Builds p from the document's root, reporting every error found. */
void schema_build(const struct ynode *root, struct policy *p, struct diags *d);

/* deny.c */
/* The default denylist pattern name matches, or NULL. */
const char *deny_default_match(const char *name);
/* The pattern (default or the policy's) that denies name, or NULL. */
const char *deny_match(const struct policy *p, const char *name);
/* extra: characters besides [A-Za-z0-9_] a name may hold ("" for keys,
 * ".-" for secret names). */
bool glob_is_valid(const char *glob, const char *extra);
bool is_glob(const char *s);

/* pattern.c */
int pattern_compile(const char *pat, struct nfa **re, char *err, size_t errlen);
int pattern_match(const struct nfa *re, const unsigned char *value, size_t len);

/* nfa.c: the linear-time matcher pattern.c compiles checked patterns to. */
struct nfa *nfa_compile(const char *pat, const char **err);
int nfa_match(const struct nfa *prog, const unsigned char *value, size_t len);
void nfa_free(struct nfa *prog);
int nfa_states(const struct nfa *prog);

/* check.c */
const struct pol_secret *policy_find_secret(const struct policy *p, const char *name);
const struct pol_key *policy_find_key(const struct pol_secret *s, const char *key);

#endif
