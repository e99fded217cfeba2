/* test_front.c — the front of vault.h and access.h against a kind of vault
 * made here (a table of operations that counts its calls): arguments are
 * checked once, before any implementation sees them; a NULL entry is one
 * clear error naming the operation and the kind; and the entries the front
 * may do without (read_begin, fetch_reuse, audit_append_batch) are done
 * another way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "access.h"
#include "vault.h"
#include "vault_ops.h"

struct fake {
	struct vault base;      /* first, as in every implementation */
	int calls;              /* entries reached */
	int appended;           /* audit_append calls */
};

static int
fake_secret_get(struct vault *v, const char *env, const char *name,
		struct vault_secret_meta *out, struct mr_err *e)
{
	(void)env, (void)name, (void)e;
	((struct fake *)v)->calls++;
	memset(out, 0, sizeof(*out));
	return 0;
}

static int
fake_fetch(struct vault *v, const char *env, const char *const *names, size_t nnames,
	   struct vault_fetch *out, struct mr_err *e)
{
	(void)env, (void)names, (void)nnames, (void)e;
	((struct fake *)v)->calls++;
	memset(out, 0, sizeof(*out));
	return 0;
}

static int
fake_secret_put(struct vault *v, const char *env, const char *name,
		const struct vault_item *items, size_t nitems, int replace,
		struct vault_secret_meta *out, struct mr_err *e)
{
	(void)env, (void)name, (void)items, (void)nitems, (void)replace, (void)out, (void)e;
	((struct fake *)v)->calls++;
	return 0;
}

static int
fake_member_add(struct vault *v, const char *name, enum vault_role role,
		struct vault_member *out, struct mr_err *e)
{
	(void)name, (void)role, (void)out, (void)e;
	((struct fake *)v)->calls++;
	return 0;
}

static int
fake_audit_append(struct vault *v, const struct vault_audit_record *r, struct mr_err *e)
{
	(void)r, (void)e;
	((struct fake *)v)->calls++;
	((struct fake *)v)->appended++;
	return 0;
}

/* Everything else NULL: this kind cannot. */
static const struct vault_ops fake_ops = {
	.what = "the test's vault",
	.fetch = fake_fetch,
	.secret_get = fake_secret_get,
	.secret_put = fake_secret_put,
	.member_add = fake_member_add,
	.audit_append = fake_audit_append,
};

static struct fake
fake_new(void)
{
	return (struct fake){ .base = { &fake_ops } };
}

static void
test_null_entry_is_one_error(void **state)
{
	struct fake f = fake_new();
	struct mr_err e = { 0 };
	struct vault_env *envs = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(vault_env_list(&f.base, &envs, &n, &e), -1);
	assert_int_equal(e.kind, MR_E_USAGE);
	assert_string_equal(e.msg, "the test's vault cannot do env_list");
	assert_int_equal(vault_token_revoke(&f.base, "ak-x", &e), -1);
	assert_string_equal(e.msg, "the test's vault cannot do token_revoke");
	assert_int_equal(f.calls, 0);
}

static void
test_names_checked_before_the_kind(void **state)
{
	static const char *const bad_names[] = { "a b", "" };
	struct fake f = fake_new();
	struct vault_secret_meta m;
	struct vault_fetch out;
	struct mr_err e = { 0 };

	(void)state;
	assert_int_equal(vault_secret_get(&f.base, NULL, "bad name", &m, &e), -1);
	assert_int_equal(e.kind, MR_E_INVALID);
	assert_non_null(strstr(e.msg, "invalid secret name 'bad name'"));
	assert_int_equal(vault_secret_get(&f.base, "prod/x", "db", &m, &e), -1);
	assert_non_null(strstr(e.msg, "invalid environment name 'prod/x'"));
	assert_int_equal(vault_fetch(&f.base, NULL, bad_names, 2, &out, &e), -1);
	assert_int_equal(e.kind, MR_E_INVALID);
	assert_int_equal(f.calls, 0);
	/* Valid arguments reach the kind, once. */
	assert_int_equal(vault_secret_get(&f.base, NULL, "db", &m, &e), 0);
	assert_int_equal(f.calls, 1);
}

static void
test_limits_and_roles_checked_before_the_kind(void **state)
{
	const unsigned char v[] = "x";
	struct vault_item twice[] = { { "K", v, 1 }, { "K", v, 1 } };
	struct vault_item badkey[] = { { "1K", v, 1 } };
	struct vault_audit_record rec = { .action = "Not.An.Action" };
	struct fake f = fake_new();
	struct mr_err e = { 0 };

	(void)state;
	assert_int_equal(vault_secret_put(&f.base, NULL, "db", twice, 2, 0, NULL, &e), -1);
	assert_string_equal(e.msg, "secret 'db': key K given twice");
	assert_int_equal(vault_secret_put(&f.base, NULL, "db", badkey, 1, 0, NULL, &e), -1);
	assert_int_equal(e.kind, MR_E_INVALID);
	assert_int_equal(vault_member_add(&f.base, "ann", (enum vault_role)9, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "invalid role 9"));
	assert_int_equal(vault_member_add(&f.base, "-ann", VAULT_ROLE_USER, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "invalid member name"));
	assert_int_equal(vault_audit_append(&f.base, &rec, &e), -1);
	assert_non_null(strstr(e.msg, "invalid action"));
	assert_int_equal(f.calls, 0);
}

static void
test_entries_done_another_way(void **state)
{
	static const char *const names[] = { "db" };
	struct vault_audit_record recs[3];
	struct vault_arena arena = { 0 };
	struct vault_fetch out;
	struct fake f = fake_new();
	struct mr_err e = { 0 };
	size_t i;

	(void)state;
	assert_int_equal(vault_read_begin(&f.base, &e), 0);
	vault_read_end(&f.base, 0);
	assert_int_equal(vault_fetch_reuse(&f.base, NULL, names, 1, &arena, &out, &e), 0);
	assert_int_equal(f.calls, 1);
	for (i = 0; i < 3; i++)
		recs[i] = (struct vault_audit_record){ .action = "secret.read" };
	/* One bad record refuses the batch before any append. */
	recs[1].action[0] = '.';
	assert_int_equal(vault_audit_append_batch(&f.base, recs, 3, &e), -1);
	assert_non_null(strstr(e.msg, "audit record 2 of 3"));
	assert_int_equal(f.appended, 0);
	recs[1] = recs[0];
	assert_int_equal(vault_audit_append_batch(&f.base, recs, 3, &e), 0);
	assert_int_equal(f.appended, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_entry_is_one_error),
		cmocka_unit_test(test_names_checked_before_the_kind),
		cmocka_unit_test(test_limits_and_roles_checked_before_the_kind),
		cmocka_unit_test(test_entries_done_another_way),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
