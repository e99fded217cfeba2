/* when.c — times on the command line: lifetimes ("90d") for --expires and
 * points in time (RFC 3339, a date, or an age) for --since and --until. Both
 * lifetimes and ages are the one duration grammar (config/duration.h). */
#include "cli.h"
#include "duration.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
when_parse_duration(const char *s, int64_t *seconds)
{
	int64_t ms;

	if (duration_parse(s, &ms) != 0)
		return -1;
	*seconds = ms / 1000;
	return 0;
}

/* strptime with the whole string consumed, read as UTC. */
static int
parse_utc(const char *s, const char *fmt, int64_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, fmt, &tm);
	if (end == NULL || *end != '\0')
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

int
when_parse_time(const char *s, int64_t now, int64_t *out)
{
	int64_t age;

	if (parse_utc(s, "%Y-%m-%dT%H:%M:%SZ", out) == 0 || parse_utc(s, "%Y-%m-%d", out) == 0)
		return 0;
	/* A bare count is seconds in the grammar, but beside dates "2026"
	 * reads as a year: an age needs its unit here. */
	if (s[strspn(s, "0123456789")] == '\0' || when_parse_duration(s, &age) != 0)
		return -1;
	*out = now - age;
	return 0;
}
