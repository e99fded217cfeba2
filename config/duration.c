/* duration.c — the duration grammar (duration.h). */
#include "duration.h"

#include <stddef.h>
#include <string.h>

/* The unit at *p, advancing past it ("ms" is tried before "m"); -1 if none. */
static int64_t
unit_ms(const char **p)
{
	static const struct { const char *unit; int64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 }, { "w", 7 * 86400000LL }, { "y", DURATION_YEAR_MS },
	};
	size_t i, len;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		len = strlen(units[i].unit);
		if (strncmp(*p, units[i].unit, len) == 0) {
			*p += len;
			return units[i].ms;
		}
	}
	return -1;
}

/* The digits at *p as a count, advancing past them; -1 if there are none or
 * the count alone is beyond any duration. */
static int64_t
count_at(const char **p)
{
	const char *q = *p;
	int64_t n = 0;

	if (*q < '0' || *q > '9')
		return -1;
	for (; *q >= '0' && *q <= '9'; q++) {
		if (n > DURATION_MAX_MS / 10)
			return -1;
		n = n * 10 + (*q - '0');
	}
	*p = q;
	return n;
}

int
duration_parse(const char *s, int64_t *ms)
{
	const char *p = s;
	int64_t total = 0, n, unit;
	int bare;

	if (s == NULL || *s == '\0')
		return -1;
	bare = s[strspn(s, "0123456789")] == '\0';
	while (*p != '\0') {
		if ((n = count_at(&p)) < 0 || (unit = bare ? 1000 : unit_ms(&p)) < 0)
			return -1;
		/* Checked before it is added: the sum stays within the bound. */
		if (n > (DURATION_MAX_MS - total) / unit)
			return -1;
		total += n * unit;
	}
	*ms = total;
	return 0;
}
