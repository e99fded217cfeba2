/* pattern.c — per-key value patterns: POSIX extended regexes that must match
 * the whole value. Patterns come from the policy file, so their cost is
 * bounded before regcomp(3) sees them: glibc expands a{n} into n copies,
 * nested counts multiply, and repeated empty matches explode.
 *
 * modal-run is built against musl and modal-vault and the test builds
 * against glibc, whose regcomp(3) judges a pattern's syntax, so a pattern
 * must mean the same to both: only what POSIX defines is accepted (no GNU
 * escapes such as \w or \b, counts within RE_DUP_MAX's portable 255), and
 * regcomp's errors are reported in our own words. Matching is not left to
 * regexec(3): nfa.c matches in linear time, the same code in every build. */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "policy_impl.h"

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

/* What scanning a pattern found. glibc's compile time explodes on an
 * expression that can match nothing repeated by *, + or {} (epsilon
 * closures: (()+)+ nested a few times takes minutes), so that is refused,
 * as is a ')' glibc would take as a literal where we would not, and a
 * count that one C library accepts and the other refuses. */
struct scan {
	bool empty_repeat;
	bool big_count;
	bool bad_brace;      /* a '{' that starts no bound */
	bool collation;      /* [= =] or [. .] in a bracket */
	bool anchor_repeat;  /* ^? or $?: glibc refuses it, musl misreads it */
};

/* A {m}, {m,} or {m,n} bound at *pp: the most copies it asks for (and *pp
 * advanced past it), or 0 when the '{' starts no bound, which the caller
 * refuses: the C libraries read such braces differently (glibc takes {,n}
 * as {0,n}, musl refuses it). */
static long
bound(const char **pp, struct scan *sc)
{
	const char *p = *pp + 1;
	long m = 0, n = -1;

	if (*p < '0' || *p > '9')
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
	if (m > PORTABLE_DUP_MAX || n > PORTABLE_DUP_MAX)
		sc->big_count = true;
	return n > m ? n : (m > 0 ? m : 1);
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
		const char *end = skip_bracket(p + 1);
		for (; p + 1 < end; p++)
			if (p[0] == '[' && (p[1] == '=' || p[1] == '.'))
				sc->collation = true;
		p = end;
	} else if (*p == '{') {
		sc->bad_brace = true;
		p++;
	} else if (*p == '^' || *p == '$') {
		*nullable = true;
		p++;
	} else if (p[0] == '\\' && p[1] != '\0') {
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
	const char *p = *pp, *atom;
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
		atom = p;
		w = weight_atom(&p, depth, &atom_null, sc);
		for (;;) {
			const char *q = p;
			if (*p == '?' && (*atom == '^' || *atom == '$'))
				sc->anchor_repeat = true;
			if (*p == '?') {
				p++;
				atom_null = true;
				continue;
			}
			if (*p == '*')
				p++;
			else if (*p == '+')
				p++, w = cap(w * 2);
			else if (*p == '{' && (f = bound(&p, sc)) > 0)
				w = cap(w * f);
			else {
				if (*p == '{') {
					sc->bad_brace = true;
					p++;
				}
				break;
			}
			if (atom_null)
				sc->empty_repeat = true;
			atom_null = atom_null || *q == '*' || (*q == '{' && q[1] == '0');
		}
		seq_null = seq_null && atom_null;
		sum = cap(sum + w);
	}
	*nullable = *nullable || seq_null;
	*pp = p;
	return sum;
}

/* The first backslash escape outside brackets of a character that is not
 * special, or 0. POSIX defines only escapes of . [ ] \ ( ) * + ? { } | ^ $
 * in an extended regex; glibc reads \1-\9 as back-references and \w \s
 * \b \< \` and others as GNU classes and anchors, musl only some of them. */
static char
bad_escape(const char *p)
{
	for (; *p != '\0'; p++) {
		if (*p == '[') {
			p = skip_bracket(p + 1) - 1;
			continue;
		}
		if (p[0] == '\\' && p[1] != '\0') {
			if (strchr(".[]\\()*+?{}|^$", p[1]) == NULL)
				return p[1];
			p++;
		}
	}
	return 0;
}

/* regcomp's error in words that do not depend on the C library. */
static const char *
regcomp_reason(int rc)
{
	switch (rc) {
	case REG_ECOLLATE: return "invalid collating element in [[. .]]";
	case REG_ECTYPE:   return "unknown character class in [[: :]]";
	case REG_EESCAPE:  return "trailing backslash";
	case REG_EBRACK:   return "unmatched [";
	case REG_EPAREN:   return "unmatched (";
	case REG_EBRACE:   return "unmatched {";
	case REG_BADBR:    return "invalid count in {}";
	case REG_ERANGE:   return "invalid range in [] (its end sorts before its start)";
	case REG_ESPACE:   return "out of memory";
	case REG_BADRPT:   return "*, +, ? or {} with nothing to repeat";
	default:           return "invalid regular expression";
	}
}

/* regcomp(3) judges the syntax, as before, so both C libraries must accept
 * a pattern; nfa.c then compiles it for matching, which regexec(3) cannot
 * be trusted with (glibc's backtracks). */
static int
compile(const char *pat, struct nfa **out, char *err, size_t errlen)
{
	const char *why = NULL;
	regex_t re;
	int rc = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB);

	if (rc != 0) {
		snprintf(err, errlen, "pattern is not a valid extended regex: %s", regcomp_reason(rc));
		return -1;
	}
	regfree(&re);
	if ((*out = nfa_compile(pat, &why)) == NULL)
		snprintf(err, errlen, "%s", why);
	return *out == NULL ? -1 : 0;
}

/* 0, or -1 with the reason in err. The pattern must match the whole value:
 * nfa.c starts at the value's first byte and accepts only at its end. */
int
pattern_compile(const char *pat, struct nfa **re, char *err, size_t errlen)
{
	struct scan sc = { false };
	const char *p = pat;
	bool nullable;
	long weight;
	char c;
	if (strlen(pat) > POLICY_MAX_PATTERN) {
		snprintf(err, errlen, "pattern is longer than %d bytes", POLICY_MAX_PATTERN);
		return -1;
	}
	if ((c = bad_escape(pat)) >= '1' && c <= '9') {
		snprintf(err, errlen, "pattern: back-references are not allowed");
		return -1;
	}
	if (c != 0) {
		snprintf(err, errlen, c > ' ' && c < 0x7f ?
			 "pattern: \\%c is not a POSIX extended regex escape (escape only .[]\\()*+?{}|^$; classes are written [[:alnum:]], [[:space:]], ...)" :
			 "pattern: \\ before byte 0x%02x is not a POSIX extended regex escape (escape only .[]\\()*+?{}|^$)",
			 (unsigned char)c);
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
	if (sc.anchor_repeat) {
		snprintf(err, errlen, "pattern: ^ and $ cannot be repeated (as in ^?)");
		return -1;
	}
	if (sc.bad_brace) {
		snprintf(err, errlen,
			 "pattern: a '{' that starts no count {m}, {m,} or {m,n} (write \\{ for a literal one)");
		return -1;
	}
	if (sc.collation) {
		snprintf(err, errlen,
			 "pattern: [= =] and [. .] in a bracket are not supported (list the characters)");
		return -1;
	}
	if (sc.big_count) {
		snprintf(err, errlen, "pattern: a count in {} above %d (POSIX's RE_DUP_MAX, as musl's)",
			 PORTABLE_DUP_MAX);
		return -1;
	}
	if (weight > POLICY_MAX_PATTERN_WEIGHT) {
		snprintf(err, errlen, "pattern is too complex (repetition counts multiply past %d)",
			 POLICY_MAX_PATTERN_WEIGHT);
		return -1;
	}
	return compile(pat, re, err, errlen);
}

/* 0 on a match. The value is secret: nfa_match reads it in place and keeps
 * its work area in guarded memory. */
int
pattern_match(const struct nfa *re, const unsigned char *value, size_t len)
{
	return nfa_match(re, value, len);
}
