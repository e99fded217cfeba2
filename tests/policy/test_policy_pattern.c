/* Value patterns: the matcher answers as regexec(3) does on the same POSIX
 * patterns (a differential check over generated patterns and values), and
 * no accepted pattern takes long on a 32 KiB value, in every build: glibc's
 * backtracking regexec took over a minute on the first of them. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy_impl.h"

#define VALUE_LEN 32768
/* The bound each match must keep, in CPU seconds: every shipped binary is a
 * release build; ASan+UBSan instrumentation costs about four times that. */
#ifdef MODAL_SANITIZED_BUILD
#define MATCH_BOUND_S 2.0
#else
#define MATCH_BOUND_S 0.5
#endif

static int failures;

#define fail(...) (printf("FAIL "), printf(__VA_ARGS__), printf("\n"), failures++)

/* CPU time, so that other work on the machine cannot fail the test. */
static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* regexec's answer for the whole value, as pattern.c used to ask it. */
static int
regexec_whole(const char *pat, const char *value, int *answer)
{
	char wrapped[POLICY_MAX_PATTERN + 8];
	regex_t re;

	snprintf(wrapped, sizeof(wrapped), "^(%s)$", pat);
	if (regcomp(&re, wrapped, REG_EXTENDED | REG_NOSUB) != 0)
		return -1;
	*answer = regexec(&re, value, 0, NULL, 0) == 0 ? 0 : -1;
	regfree(&re);
	return 0;
}

/* A random pattern over a small alphabet, so that random values match it
 * often enough for the comparison to mean something. */
static void
gen_pattern(char *out, size_t cap, int depth)
{
	/* ^ and $ only at the top level: inside a repeated group glibc gets
	 * them wrong (the known answers below check them instead). */
	static const char *const atoms[] = {
		"a", "b", ".", "[ab]", "[^a]", "[[:alpha:]]", "[a-b]", "\\.", "[]a]",
		"[a-]", "[[:digit:].]", "[[:alnum:][:punct:]]", "[^]a-]", "^", "$",
	};
	size_t natoms = sizeof(atoms) / sizeof(atoms[0]) - (depth > 0 ? 2 : 0);
	static const char *const reps[] = { "", "", "", "*", "+", "?", "{2}", "{0,2}", "{1,}", "{2,3}" };
	int i, n = 1 + rand() % 3;

	for (i = 0; i < n && strlen(out) + 40 < cap; i++) {
		if (depth < 3 && rand() % 4 == 0) {
			strcat(out, "(");
			gen_pattern(out, cap, depth + 1);
			if (rand() % 3 == 0) {
				strcat(out, "|");
				gen_pattern(out, cap, depth + 1);
			}
			strcat(out, ")");
		} else {
			strcat(out, atoms[rand() % natoms]);
		}
		if (out[strlen(out) - 1] != '^' && out[strlen(out) - 1] != '$')
			strcat(out, reps[rand() % (sizeof(reps) / sizeof(reps[0]))]);
	}
	if (depth == 0 && rand() % 4 == 0) {
		strcat(out, "|");
		gen_pattern(out, cap, depth + 1);
	}
}

static void
gen_value(char *out, int len)
{
	static const char alphabet[] = "ab.1]-";
	int i;

	for (i = 0; i < len; i++)
		out[i] = alphabet[rand() % 6];
	out[len] = '\0';
}

/* The same answer as regexec on every pattern pattern.c accepts. */
static void
differential(void)
{
	char pat[256], value[16], err[256], both[600];
	int i, j, want, compared = 0, accepted = 0;
	struct nfa *re;

	srand(11);
	for (i = 0; i < 2000; i++) {
		pat[0] = '\0';
		gen_pattern(pat, sizeof(pat), 0);
		if (pattern_compile(pat, &re, err, sizeof(err)) != 0)
			continue;
		accepted++;
		for (j = 0; j < 40; j++) {
			gen_value(value, rand() % 8);
			if (regexec_whole(pat, value, &want) != 0) {
				fail("regcomp refuses '%s' that pattern.c accepted", pat);
				break;
			}
			if (pattern_match(re, (const unsigned char *)value,
					  strlen(value)) != want) {
				snprintf(both, sizeof(both), "'%s' on '%s'", pat, value);
				fail("the matcher and regexec disagree: %s", both);
			}
			compared++;
		}
		nfa_free(re);
	}
	printf("ok   %d generated patterns accepted, %d values compared with regexec\n",
	       accepted, compared);
}

/* Anchors inside repeated groups, where both C libraries' regexec answer
 * wrongly (glibc matches (^a?b){2} on "bb", musl matches ((a{0,2}b+){2}-+){0,2}
 * on "b-"); these are POSIX's answers, which the matcher must give. */
static void
known_answers(void)
{
	static const struct { const char *pat, *value; int want; } cases[] = {
		{ "(^[a-b]?([^a]+b*)){2}.", "-]b.", -1 },
		{ "\\.{0,2}(.$[a-b]){0,2}", ".b", -1 },
		{ "[a-b]+(^\\.|.{2}){0,2}", "b-].", -1 },
		{ "(^a){2}", "a", -1 },
		{ "(^a?b){2}", "bb", -1 },
		{ "((a{0,2}b+){2}-+){0,2}", "b-", -1 },
		{ "((a{0,2}b+){2}-+){0,2}", "abb--", 0 },
		{ "a(^b)?", "a", 0 },
		{ "(^a|b)+", "abb", 0 },
		{ "(^a|b)+", "bab", -1 },
		{ "(a$|b)+", "bba", 0 },
		{ "(a$|b)+", "bab", -1 },
		{ "(([a-b]{0,2}[ab]{1,}){2}[a-]{1,}){0,2}", "a-", -1 },
		{ "(([a-b]{0,2}[ab]{1,}){2}[a-]{1,}){0,2}", "ab-", 0 },
		{ "(((..{0,2}[a-b]){1,})*\\.|\\.{2,3}){0,2}", ".]-.", -1 },
		{ "[ab][[:alpha:]]{2}(([^a]{2,3}[[:digit:].]{1,}(.{2}){2})+[[:alpha:]]{0,2})+", "bab..a", -1 },
		{ "x*", "", 0 },
		{ "(a|b|)c", "c", 0 },
		{ "[^a]", "\n", 0 },
		{ ".", "\n", 0 },
		{ "\xc3\xa9+", "\xc3\xa9\xa9", 0 },
		{ "\xc3\xa9+", "\xc3\xa9\xc3\xa9", -1 },
	};
	char err[256];
	struct nfa *re;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (pattern_compile(cases[i].pat, &re, err, sizeof(err)) != 0) {
			fail("'%s' is refused: %s", cases[i].pat, err);
			continue;
		}
		if (pattern_match(re, (const unsigned char *)cases[i].value,
				  strlen(cases[i].value)) != cases[i].want)
			fail("'%s' on '%s': want %s", cases[i].pat, cases[i].value,
			     cases[i].want == 0 ? "a match" : "no match");
		nfa_free(re);
	}
	printf("ok   %zu known answers\n", i);
}

struct slow_case {
	const char *name;
	const char *pattern;    /* NULL: built by build_p1 */
	char fill;              /* the value's bytes: 'r' random a/b */
	char last;              /* its last byte, so that it just fails (or 0) */
};

/* The pattern: alternating [ab]*X[ab]{30} units, 30 of them. */
static void
build_p1(char *out, size_t cap)
{
	int i;

	out[0] = '\0';
	for (i = 0; i < 30 && strlen(out) + 16 < cap; i++)
		strcat(out, i % 2 ? "[ab]*b[ab]{30}" : "[ab]*a[ab]{30}");
}

/* [ab]*, a? 500 times, [ab]*c: on a's every state stays live. */
static void
build_optionals(char *out, size_t cap)
{
	size_t i;

	snprintf(out, cap, "[ab]*");
	for (i = 0; i < 500 && strlen(out) + 8 < cap; i++)
		strcat(out, "a?");
	strcat(out, "[ab]*c");
}

/* [ab]*((|||...)[ab]){k}[ab]*c: as many states as NFA_MAX_STATES allows,
 * made of empty alternatives (which the weight bound does not count). */
static void
build_cap(char *out, size_t cap)
{
	char unit[64] = "((";
	int k, bars = 14;
	struct nfa *re;
	char err[256];

	for (k = 0; k < bars; k++)
		strcat(unit, "|");
	strcat(unit, ")[ab])");
	for (k = 1; k < 255; k++) {
		snprintf(out, cap, "[ab]*%s{%d}[ab]*c", unit, k + 1);
		if (pattern_compile(out, &re, err, sizeof(err)) != 0)
			break;
		nfa_free(re);
	}
	snprintf(out, cap, "[ab]*%s{%d}[ab]*c", unit, k);
}

static void
fill_value(unsigned char *v, const struct slow_case *c)
{
	size_t i;

	srand(1);
	for (i = 0; i < VALUE_LEN; i++)
		v[i] = (unsigned char)(c->fill == 'r' ? "ab"[rand() % 2] : c->fill);
	if (c->last != 0)
		v[VALUE_LEN - 1] = (unsigned char)c->last;
}

static void
timing(void)
{
	static const struct slow_case cases[] = {
		{ "issue 11's [ab]*a[ab]{30}... on random a/b", NULL, 'r', 0 },
		{ "issue 11's [ab]*a[ab]{30}... on a's", "", 'a', 0 },
		{ "nested (.+)+x on a's", "(.+)+x", 'a', 0 },
		{ "(a|aa)+b on a's", "(a|aa)+b", 'a', 0 },
		{ "([ab]+)+c on random a/b", "([ab]+)+c", 'r', 0 },
		{ "overlapping alternatives", "(a|b|ab|ba|aa|bb)+c", 'r', 0 },
		{ "counted optionals on a's", "[ab]{0,255}[ab]{0,255}[ab]{0,255}[ab]{0,200}x", 'a', 0 },
		{ "the most states the weight bound allows", ".*(a|b|c|d|e|f|g|h|.|a){0,99}x", 'a', 0 },
		{ "a?a?a?... (every state live, each step walks them all)", NULL, 'a', 'b' },
		{ "empty alternatives up to the state cap, all live", NULL, 'b', 0 },
		{ ".* chains that all stay live", "(.*a){25}.*b(.*a){25}", 'a', 'c' },
	};
	char pat[POLICY_MAX_PATTERN + 1], err[256], figure[64];
	unsigned char *v = malloc(VALUE_LEN);
	double t, worst = 0;
	struct nfa *re;
	size_t i;

	for (i = 0; v != NULL && i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct slow_case *c = &cases[i];
		if (i <= 1)
			build_p1(pat, sizeof(pat));
		else if (c->pattern == NULL && c->fill == 'a')
			build_optionals(pat, sizeof(pat));
		else if (c->pattern == NULL)
			build_cap(pat, sizeof(pat));
		else
			snprintf(pat, sizeof(pat), "%s", c->pattern);
		if (pattern_compile(pat, &re, err, sizeof(err)) != 0) {
			fail("%s: the loader refuses it: %s", c->name, err);
			continue;
		}
		fill_value(v, c);
		t = now();
		(void)pattern_match(re, v, VALUE_LEN);
		t = now() - t;
		worst = t > worst ? t : worst;
		snprintf(figure, sizeof(figure), "%.3f s (%d states)", t, nfa_states(re));
		if (t > MATCH_BOUND_S)
			fail("%s took %s on 32 KiB", c->name, figure);
		else
			printf("ok   %s: %s on 32 KiB\n", c->name, figure);
		nfa_free(re);
	}
	printf("worst match: %.3f s (bound %.1f s)\n", worst, MATCH_BOUND_S);
	free(v);
}

int
main(void)
{
	timing();
	known_answers();
	differential();
	return failures == 0 ? 0 : 1;
}
