/* json_time.c — the API's times: RFC 3339 in UTC, written with seconds or
 * milliseconds, read with any fraction and any numeric offset. */
#include "vault_json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define RFC3339_MIN_MS (-62135596800000LL)   /* 0001-01-01T00:00:00Z */
#define RFC3339_MAX_MS 253402300799999LL      /* 9999-12-31T23:59:59.999Z */

/* Division rounding down, so a time before 1970 keeps a fraction in 0..999. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int
utc_seconds(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	return gmtime_r(&tt, &tm) != NULL && strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm) != 0
		       ? 0 : -1;
}

void
rfc3339_format(int64_t t, char out[32])
{
	char sec[24];

	if (utc_seconds(t, sec, sizeof(sec)) != 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
	else
		snprintf(out, 32, "%sZ", sec);
}

void
rfc3339_format_ms(int64_t ms, char out[32])
{
	int64_t secs = floor_div(ms, 1000);
	char sec[24];

	if (utc_seconds(secs, sec, sizeof(sec)) != 0)
		snprintf(out, 32, "1970-01-01T00:00:00.000Z");
	else
		snprintf(out, 32, "%s.%03dZ", sec, (int)(ms - secs * 1000));
}

static int
two_digits(const char *p, int *out)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return -1;
	*out = (p[0] - '0') * 10 + (p[1] - '0');
	return 0;
}

/* "Z", or "+HH:MM" / "-HH:MM" as seconds east of UTC; -1 for anything else. */
static int
utc_offset(const char *p, int64_t *off)
{
	int oh, om;

	*off = 0;
	if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0')
		return 0;
	if ((p[0] != '+' && p[0] != '-') || two_digits(p + 1, &oh) != 0 || p[3] != ':' ||
	    two_digits(p + 4, &om) != 0 || p[6] != '\0' || oh > 23 || om > 59)
		return -1;
	*off = (p[0] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
	return 0;
}

int
rfc3339_parse_ms(const char *s, int64_t *ms)
{
	struct tm tm;
	const char *p;
	int64_t frac = 0, scale = 1000, off, t;
	int n = 0;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || s[0] < '0' || s[0] > '9' ||
	    (p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.') {
		/* Past milliseconds the digits are read and dropped. */
		for (p++; *p >= '0' && *p <= '9'; p++, n++)
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		if (n == 0)
			return -1;
	}
	if (utc_offset(p, &off) != 0 || tm.tm_year > 9999 - 1900)
		return -1;
	t = ((int64_t)timegm(&tm) - off) * 1000 + frac;
	/* Only what rfc3339_format_ms writes back: years 0001 to 9999 in UTC. */
	if (t < RFC3339_MIN_MS || t > RFC3339_MAX_MS)
		return -1;
	*ms = t;
	return 0;
}
