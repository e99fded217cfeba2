/* when.c — times on the command line: lifetimes ("90d") for --expires and
 * points in time (RFC 3339, a date, or an age) for --since and --until. */
#include "cli.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Large enough for any lifetime we accept, small enough never to overflow. */
#define DURATION_MAX_COUNT 100000

int
when_parse_duration(const char *s, int64_t *seconds)
{
	static const struct { char unit; int64_t seconds; } units[] = {
		{ 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 }, { 'y', 365 * 86400 },
	};
	char *end;
	long n;
	size_t i;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	n = strtol(s, &end, 10);
	if (n <= 0 || n > DURATION_MAX_COUNT || end[0] == '\0' || end[1] != '\0')
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (units[i].unit == end[0]) {
			*seconds = n * units[i].seconds;
			return 0;
		}
	return -1;
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
	if (when_parse_duration(s, &age) != 0)
		return -1;
	*out = now - age;
	return 0;
}
