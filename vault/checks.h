/* checks.h — the rules on arguments that the front (vault.c, front_*.c,
 * access.c) checks once for every kind of vault, so that no implementation
 * checks them again; and the one rule on an environment's state that both
 * databases apply alike. Each failure is MR_E_INVALID (MR_E_USAGE,
 * MR_E_CONFLICT where said) with one line naming what and why. Private to
 * the vault library; it includes nothing of the vault's but its types. */
#ifndef MODAL_VAULT_CHECKS_H
#define MODAL_VAULT_CHECKS_H

#include "vault_types.h"

/* A valid name (names.h), what naming it in the message. */
int name_check(const char *what, const char *name, struct mr_err *e);
/* env NULL (the default environment) or a valid environment name. */
int env_arg_check(const char *env, struct mr_err *e);
/* A webhook suffix: "" (none) or a valid name. */
int webhook_suffix_check(const char *suffix, struct mr_err *e);
/* vault_env_update's arguments: the names valid, the suffix valid or "",
 * something to change (MR_E_USAGE otherwise). */
int env_update_check(const char *name, const char *new_name, const char *new_suffix,
		     struct mr_err *e);
/* MR_E_CONFLICT if the update renames the workspace's default environment:
 * every open vault keeps the default's name. For the stores, which know it. */
int env_default_rename_check(const char *name, const char *new_name,
			     const char *default_env, struct mr_err *e);
int access_role_check(enum vault_role role, struct mr_err *e);
/* [A-Za-z0-9._@+-], at most NAME_MAX_LEN, starting alphanumeric. */
int access_member_name_check(const char *name, struct mr_err *e);
/* The fields of a record to append: a valid action, every string fitting. */
int access_audit_record_check(const struct vault_audit_record *r, struct mr_err *e);
/* Actions are dotted lower-case words ("secret.create"), shorter than max. */
int access_action_is_valid(const char *s, size_t max);

#endif
