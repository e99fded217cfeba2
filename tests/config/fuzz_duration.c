/* fuzz_duration.c — libFuzzer target for the duration grammar: MODAL_TIMEOUT
 * and MODAL_CACHE_MAX_AGE come from whatever environment a container is
 * started with. Checked against a second, plain reading of duration.h's
 * grammar in 128-bit arithmetic, which cannot overflow where the parser
 * must not: both accept the same texts, with the same value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"

/* Beyond any bound, and far enough from 2^127 that a saturated count times
 * a year (below 2^45 ms) and a saturated sum plus it cannot overflow. */
#define COUNT_SATURATE ((__int128)1 << 62)
#define SATURATE ((__int128)1 << 110)

static __int128
unit_of(const char **p)
{
	switch (**p) {
	case 'm':
		if ((*p)[1] == 's') {
			*p += 2;
			return 1;
		}
		*p += 1;
		return 60000;
	case 's': *p += 1; return 1000;
	case 'h': *p += 1; return 3600000;
	case 'd': *p += 1; return 86400000;
	case 'w': *p += 1; return 7 * (__int128)86400000;
	case 'y': *p += 1; return 365 * (__int128)86400000;
	default: return -1;
	}
}

/* The grammar read plainly: -1 if not a duration, else its value (saturated). */
static __int128
reference(const char *s)
{
	const char *p = s;
	__int128 total = 0, n, unit;
	int bare = *s != '\0' && s[strspn(s, "0123456789")] == '\0';

	if (*s == '\0')
		return -1;
	while (*p != '\0') {
		if (*p < '0' || *p > '9')
			return -1;
		for (n = 0; *p >= '0' && *p <= '9'; p++)
			n = n >= COUNT_SATURATE ? COUNT_SATURATE : n * 10 + (*p - '0');
		if ((unit = bare ? 1000 : unit_of(&p)) < 0)
			return -1;
		total += n * unit;
		if (total > SATURATE)
			total = SATURATE;
	}
	return total;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *text = malloc(len + 1);   /* exact size: ASan sees a read past it */
	__int128 want;
	int64_t ms = -7;
	int rc;

	memcpy(text, data, len);
	text[len] = '\0';
	rc = duration_parse(text, &ms);
	want = reference(text);   /* both read up to the first NUL */
	if (want > DURATION_MAX_MS)
		want = -1;
	if ((rc == 0) != (want >= 0) || (rc == 0 && ms != (int64_t)want) || (rc != 0 && ms != -7))
		abort();
	free(text);
	return 0;
}
