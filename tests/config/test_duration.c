/* test_duration.c — the one duration grammar (config/duration.h): a table
 * of text and the milliseconds it is, every form either old parser took
 * (--timeout's "1h30m", --expires' "2w"), and a table of what it refuses,
 * malformed or too long to hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "duration.h"

#define S 1000LL
#define MIN (60 * S)
#define H (60 * MIN)
#define D (24 * H)

static const struct { const char *text; int64_t ms; } good[] = {
	/* --timeout and --cache-max-age took these */
	{ "10", 10 * S }, { "0", 0 }, { "10s", 10 * S }, { "500ms", 500 }, { "2m", 2 * MIN },
	{ "1h30m", 90 * MIN }, { "1h30m15s", 90 * MIN + 15 * S }, { "7d", 7 * D },
	{ "24h", 24 * H }, { "1m500ms", MIN + 500 }, { "366d", 366 * D }, { "720h", 30 * D },
	/* --expires and the ages of --since/--until took these */
	{ "12h", 12 * H }, { "90d", 90 * D }, { "2w", 14 * D }, { "1y", 365 * D },
	{ "100000h", 100000 * H }, { "100000y", DURATION_MAX_MS },
	/* and now each takes the other's */
	{ "30m", 30 * MIN }, { "1w1d", 8 * D }, { "1y1ms", 365 * D + 1 }, { "0h", 0 },
	{ "007s", 7 * S }, { "30m1h", 90 * MIN }, { "1s1s", 2 * S }, { "1y99999y", DURATION_MAX_MS },
	/* the bound itself, in the smallest unit */
	{ "3153600000000000ms", DURATION_MAX_MS }, { "3153600000000", DURATION_MAX_MS },
	{ "99999999999", 99999999999 * S },
};

static const char *const bad[] = {
	/* not the grammar */
	"", "s", "ms", "10x", "-1s", "+1s", "1.5s", " 10s", "10s ", "10 s", "1h 30m", "10sm",
	"m10", "10S", "1H", "1e3", "0x10s", "1y1", "10\n", "1\xc2\xb5s", "\xef\xbc\x91s",
	"1hh", "10mss", "inf", "nan",
	/* longer than DURATION_MAX_MS, or than an int64_t */
	"100001y", "100000y1ms", "3153600000000001ms", "3153600000001", "00003153600000001",
	"9223372036854775807ms", "9223372036854775808", "18446744073709551616ms",
	"99999999999999999999999999999999999999h", "52143000w1y", "1y100000y", "1ms100000y",
};

static void
test_good(void **state)
{
	int64_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ms = -1;
		if (duration_parse(good[i].text, &ms) != 0)
			fail_msg("'%s' refused", good[i].text);
		if (ms != good[i].ms)
			fail_msg("'%s' = %lld ms, want %lld", good[i].text, (long long)ms,
				 (long long)good[i].ms);
	}
}

static void
test_bad(void **state)
{
	int64_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = 42;
		if (duration_parse(bad[i], &ms) == 0)
			fail_msg("'%s' accepted as %lld ms", bad[i], (long long)ms);
		if (ms != 42)
			fail_msg("'%s' refused but changed *ms", bad[i]);
	}
	assert_int_equal(duration_parse(NULL, &ms), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
