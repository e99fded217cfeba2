/* fuzz_policy.c — libFuzzer target for the policy loader (a policy file is
 * input we must refuse cleanly however it is broken), then every decision
 * on what loaded, so check.c runs on every policy shape the fuzzer finds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static void
decide(const struct policy *p)
{
	static const char *const keys[] = { "A", "DB_PASSWORD", "LD_PRELOAD", "PATH", "X_FILE" };
	static const unsigned char value[] = "sk_test_0123\nabc";
	struct policy_key_rule r;
	char why[256];
	size_t i;

	(void)policy_check_environment(p, "prod", why, sizeof(why));
	(void)policy_check_secret(p, "db", why, sizeof(why));
	for (i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		(void)policy_check_key(p, "db", keys[i], value, 12, &r, why, sizeof(why));
		(void)policy_check_key(p, "db", keys[i], value, sizeof(value) - 1, &r, why,
				       sizeof(why));
	}
	(void)policy_check_required(p, "db", keys, 2, why, sizeof(why));
	(void)policy_pass_through(p, "HOME");
	(void)policy_conflict_mode(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct policy_report rep;
	struct policy *p;
	char line[1024];
	size_t i;

	if (policy_load_buffer("fuzz", (const char *)data, len, &p, &rep) == 0) {
		if (rep.ndiags != 0)
			abort();
		decide(p);
		policy_free(p);
		return 0;
	}
	/* A refusal always says why. */
	if (rep.ndiags == 0)
		abort();
	for (i = 0; i < rep.ndiags; i++)
		policy_diag_format(&rep.diags[i], line, sizeof(line));
	policy_report_free(&rep);
	return 0;
}
