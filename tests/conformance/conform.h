/* conform.h — one table of cases for every kind of vault (file:, postgres://,
 * http://), run in order against one fresh vault by one runner (run.c).
 * A case is an operation of vault.h or access.h, its arguments, and the
 * answer: the rendered result (ops.c says how each is rendered) or the
 * error kind and a substring of its message. After every failing case the
 * whole observable state (state.c) must be what it was before. Where a kind
 * legitimately differs, the table has a row per kind, marked by its mask;
 * where one differs by mistake, the row says so (diverges) and why. */
#ifndef MODAL_TEST_CONFORM_H
#define MODAL_TEST_CONFORM_H

#include <stddef.h>
#include <stdint.h>

#include "access.h"
#include "vault.h"

enum conform_kind {
	K_FILE = 1,          /* the embedded store */
	K_PG = 2,            /* the PostgreSQL store */
	K_HTTP = 4,          /* a client of modal-vault serve, as the owner's API token */
	K_STORE = K_FILE | K_PG,
	K_ALL = K_FILE | K_PG | K_HTTP,
};

enum conform_op {
	OP_PUT,              /* env, name, arg items, num replace */
	OP_UPDATE,           /* env, name, arg items, num expected version */
	OP_GET,              /* env, name */
	OP_VERSIONS,         /* env, name */
	OP_LIST,             /* env */
	OP_DELETE,           /* env, name */
	OP_FETCH,            /* env, arg names "a,b" */
	OP_ENV_CREATE,       /* name, arg suffix (NULL: default) */
	OP_ENV_LIST,
	OP_ENV_DELETE,       /* name */
	OP_ENV_UPDATE,       /* name, arg new name, arg2 new suffix (NULL: keep) */
	OP_WORKSPACE,
	OP_OWNER,
	OP_MEMBER_ADD,       /* name, num role; save */
	OP_MEMBER_LIST,
	OP_MEMBER_ROLE,      /* name member id, num role */
	OP_MEMBER_REMOVE,    /* name member id */
	OP_API_CREATE,       /* name, arg member id, num ttl; save (id and secret) */
	OP_PROXY_CREATE,     /* name, num ttl; save */
	OP_API_LIST,         /* arg member id */
	OP_PROXY_LIST,       /* env */
	OP_TOKEN_GET,        /* name token id */
	OP_TOKEN_REVOKE,     /* name token id */
	OP_ALLOW_ENV,        /* name token id, env, num allow */
	OP_API_VERIFY,       /* name token id, arg slot of the secret, num mangle */
	OP_PROXY_VERIFY,     /* as OP_API_VERIFY */
	OP_AUTH,             /* http: a second client opened with that token calls */
	OP_AUDIT_APPEND,     /* name token id, arg action, num at_ms */
	OP_AUDIT_LIST,       /* arg filter "action=..,actor=..,since=..,until=..,limit=.." */
	OP_AUDIT_PAGES,      /* arg filter, num page size */
	OP_BOX_KEY,          /* num 1: ask for the secret half too */
	OP_BACKDOOR_SQL,     /* arg SQL run on the store's database, where only time can */
};

/* How OP_*_VERIFY and OP_AUTH change the slot's secret before using it. */
enum conform_mangle { SECRET_AS_IS, SECRET_ONE_CHAR, SECRET_SHORT, SECRET_EMPTY, SECRET_NULL };

struct conform_case {
	const char *what;
	enum conform_op op;
	unsigned kinds;                  /* enum conform_kind mask; 0: every kind */
	const char *env, *name, *arg, *arg2;
	int64_t num;
	const char *save;                /* slot receiving the id the case makes */
	const char *as;                  /* http: call as this slot's token (a second
					  * client), not the owner's; only a server
					  * has callers, so such rows are K_HTTP */
	/* Kinds that answer otherwise today, against the interface's promise:
	 * the row is run and its result printed ("DIVERGES" or "CONVERGED"),
	 * never counted as a failure, until the kind is fixed (issue 12). */
	unsigned diverges;
	enum mr_kind want;               /* MR_OK: the case succeeds */
	const char *expect;              /* MR_OK: the rendered answer (NULL: any);
					  * else a substring of the message */
	int whole;                       /* file: and postgres:// give exactly expect
					  * (a server and its client add context) */
	const char *http_msg;            /* http: the server's words instead (its API's
					  * field names), NULL: expect */
};

extern const struct conform_case conform_cases[];
extern const size_t conform_ncases;

/* The vault under test and what the cases made (state.c). "$slot" in a
 * case's strings stands for the id saved under that name. */
struct conform_run {
	struct vault *v;
	unsigned kind;
	const char *url;
	const char *token_id, *token_secret;   /* http: the owner's API token */
	const char *sql_cmd;                   /* reads SQL on stdin */
	int64_t started;                       /* unix seconds: "now" for the renderings */
	char auth_msg[512];                    /* every MR_E_AUTH of a run says the same */
};

int slot_save(const char *name, const char *id, const char *secret);
const char *slot_secret(const char *name);
/* s with every "$slot" replaced; static, valid until the next call with the same buf. */
const char *slot_expand(const char *s, char *buf, size_t len);
void slots_clear(void);

/* Everything a client can observe, as text: environments, secrets with
 * versions, keys and a hash of the values, members, tokens. NULL on error. */
char *state_digest(struct vault *v, struct mr_err *e);

/* Runs one case: 0 or -1 as the operation; on success out holds the rendering. */
int op_run(struct conform_run *run, const struct conform_case *c, char *out, size_t len,
	   struct mr_err *e);

#endif
