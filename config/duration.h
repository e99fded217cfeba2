/* duration.h — the one duration grammar of modal-run and modal-vault, for
 * --timeout and --cache-max-age (and MODAL_TIMEOUT, MODAL_CACHE_MAX_AGE),
 * --expires, and the ages of --since and --until (docs/configuration.md):
 * one or more COUNT UNIT parts, or a bare COUNT of seconds.
 *
 *     duration = 1*DIGIT / 1*( 1*DIGIT unit )
 *     unit     = "ms" / "s" / "m" / "h" / "d" / "w" / "y"     ; y: 365 days
 *
 * "10", "500ms", "90m", "1h30m", "7d", "2w", "1y". No sign, fraction, space
 * or upper case. Which range a flag takes is its own rule, checked by its
 * caller with its own message; the grammar bounds only the total, so that no
 * count or sum can overflow. */
#ifndef MODAL_CONFIG_DURATION_H
#define MODAL_CONFIG_DURATION_H

#include <stdint.h>

#define DURATION_YEAR_MS (365 * 86400000LL)
/* 100000 years: more than any flag takes, less than INT64_MAX milliseconds. */
#define DURATION_MAX_MS (100000 * DURATION_YEAR_MS)

/* s as milliseconds in *ms: 0, or -1 if s is NULL, not the grammar, or longer
 * than DURATION_MAX_MS (*ms is then left as it was). */
int duration_parse(const char *s, int64_t *ms);

#endif
