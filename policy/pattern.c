/* pattern.c — per-key value patterns: POSIX extended regexes that must match
 * the whole value. Patterns come from the policy file, so their cost is
 * bounded before regcomp(3) sees them: glibc expands a{n} into n copies,
 * nested counts multiply, and repeated empty matches explode. */
#include <stdio.h>
#include <string.h>

#include "policy_impl.h"
#include "secmem.h"

#define WEIGHT_CAP (POLICY_MAX_PATTERN_WEIGHT + 1L)

static long
cap(long w)
{
	return w > WEIGHT_CAP ? WEIGHT_CAP : w;
}

/* Skips a bracket expression starting after its '['. */
static const char *
skip_bracket(const char *p)
{
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p != '\0' && *p != ']'; p++) {
		if (p[0] == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
			char end = p[1];
			for (p += 2; *p != '\0' && !(p[0] == end && p[1] == ']'); p++)
				;
			if (*p == '\0')
				return p;
			p++;
		}
	}
	return *p == ']' ? p + 1 : p;
}

/* A {m}, {m,} or {m,n} bound: the most copies it asks for, or 0 if p is
 * not a bound (then regcomp decides what it is). */
static long
bound(const char **pp)
{
	const char *p = *pp + 1;
	long m = 0, n = -1;

	/* glibc reads {,n} as {0,n}. */
	if ((*p < '0' || *p > '9') && *p != ',')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++)
		m = cap(m * 10 + (*p - '0'));
	if (*p == ',') {
		p++;
		if (*p >= '0' && *p <= '9')
			for (n = 0; *p >= '0' && *p <= '9'; p++)
				n = cap(n * 10 + (*p - '0'));
		else
			n = m + 1;
	}
	if (*p != '}')
		return 0;
	*pp = p + 1;
	return n > m ? n : (m > 0 ? m : 1);
}

/* What scanning a pattern found. glibc's compile time explodes on an
 * expression that can match nothing repeated by *, + or {} (epsilon
 * closures: (()+)+ nested a few times takes minutes), so that is refused,
 * as is a ')' glibc would take as a literal where we would not. */
struct scan {
	bool empty_repeat;
};

/* GNU zero-width escapes: word boundaries and buffer anchors. */
static bool
zero_width_escape(char c)
{
	return c != '\0' && strchr("bB<>`'", c) != NULL;
}

/* Weight of one atom at *pp (advanced past it) and whether it can match
 * the empty string. */
static long weight_alt(const char **pp, int depth, bool *nullable, struct scan *sc);

static long
weight_atom(const char **pp, int depth, bool *nullable, struct scan *sc)
{
	const char *p = *pp;
	long w = 1;

	*nullable = false;
	if (*p == '(') {
		p++;
		w = weight_alt(&p, depth + 1, nullable, sc);
		/* An empty group still costs a node per copy. */
		w = w > 0 ? w : 1;
		if (*p == ')')
			p++;
	} else if (*p == '[') {
		p = skip_bracket(p + 1);
	} else if (*p == '^' || *p == '$') {
		*nullable = true;
		p++;
	} else if (p[0] == '\\' && p[1] != '\0') {
		*nullable = zero_width_escape(p[1]);
		p += 2;
	} else {
		p++;
	}
	*pp = p;
	return w;
}

/* Alternatives up to ')' or the end: weights add up; nullable if any
 * alternative is. */
static long
weight_alt(const char **pp, int depth, bool *nullable, struct scan *sc)
{
	const char *p = *pp;
	long sum = 0, w, f;
	bool seq_null = true, atom_null;

	*nullable = false;
	if (depth > POLICY_MAX_DEPTH)
		return WEIGHT_CAP;
	while (*p != '\0' && *p != ')') {
		if (*p == '|') {
			*nullable = *nullable || seq_null;
			seq_null = true;
			p++;
			continue;
		}
		w = weight_atom(&p, depth, &atom_null, sc);
		for (;;) {
			const char *q = p;
			if (*p == '?') {
				p++;
				atom_null = true;
				continue;
			}
			if (*p == '*')
				p++;
			else if (*p == '+')
				p++, w = cap(w * 2);
			else if (*p == '{' && (f = bound(&p)) > 0)
				w = cap(w * f);
			else
				break;
			if (atom_null)
				sc->empty_repeat = true;
			atom_null = atom_null || *q == '*' || (*q == '{' && q[1] == ',') ||
			    (*q == '{' && q[1] == '0');
		}
		seq_null = seq_null && atom_null;
		sum = cap(sum + w);
	}
	*nullable = *nullable || seq_null;
	*pp = p;
	return sum;
}

static bool
has_backref(const char *p)
{
	for (; *p != '\0'; p++) {
		if (*p == '[') {
			p = skip_bracket(p + 1) - 1;
			continue;
		}
		if (p[0] == '\\' && p[1] != '\0') {
			if (p[1] >= '1' && p[1] <= '9')
				return true;
			p++;
		}
	}
	return false;
}

/* 0, or -1 with the reason in err. The pattern must match the whole value,
 * so it is compiled as ^(pattern)$; it is compiled alone first so that
 * parentheses in it cannot pair with ours. */
int
pattern_compile(const char *pat, regex_t *re, char *err, size_t errlen)
{
	char wrapped[POLICY_MAX_PATTERN + 8];
	struct scan sc = { false };
	const char *p = pat;
	bool nullable;
	long weight;
	int rc;

	if (strlen(pat) > POLICY_MAX_PATTERN) {
		snprintf(err, errlen, "pattern is longer than %d bytes", POLICY_MAX_PATTERN);
		return -1;
	}
	if (has_backref(pat)) {
		snprintf(err, errlen, "pattern: back-references are not allowed");
		return -1;
	}
	weight = weight_alt(&p, 0, &nullable, &sc);
	if (*p == ')') {
		snprintf(err, errlen, "pattern has an unmatched ')' (write \\) for a literal one)");
		return -1;
	}
	if (sc.empty_repeat) {
		snprintf(err, errlen,
			 "pattern repeats an expression that can match nothing (as in (a*)+)");
		return -1;
	}
	if (weight > POLICY_MAX_PATTERN_WEIGHT) {
		snprintf(err, errlen, "pattern is too complex (repetition counts multiply past %d)",
			 POLICY_MAX_PATTERN_WEIGHT);
		return -1;
	}
	if ((rc = regcomp(re, pat, REG_EXTENDED | REG_NOSUB)) != 0) {
		char msg[128];
		regerror(rc, re, msg, sizeof(msg));
		snprintf(err, errlen, "pattern is not a valid extended regex: %s", msg);
		return -1;
	}
	regfree(re);
	snprintf(wrapped, sizeof(wrapped), "^(%s)$", pat);
	if ((rc = regcomp(re, wrapped, REG_EXTENDED | REG_NOSUB)) != 0) {
		char msg[128];
		regerror(rc, re, msg, sizeof(msg));
		snprintf(err, errlen, "pattern is not a valid extended regex: %s", msg);
		return -1;
	}
	return 0;
}

/* 0 on a match. The value is secret: its NUL-terminated copy lives in
 * guarded memory and is wiped at once. */
int
pattern_match(const regex_t *re, const unsigned char *value, size_t len)
{
	char *copy;
	int rc;

	if (secmem_init() == -1)
		return -1;
	copy = xsecure_alloc(len + 1);
	if (len > 0)
		memcpy(copy, value, len);
	copy[len] = '\0';
	rc = regexec(re, copy, 0, NULL, 0);
	secure_free(copy, len + 1);
	return rc == 0 ? 0 : -1;
}
