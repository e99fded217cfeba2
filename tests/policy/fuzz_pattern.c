/* fuzz_pattern.c — libFuzzer target for the value matcher (policy/nfa.c):
 * input is PATTERN NUL VALUE. Every pattern the loader accepts is matched,
 * and its answer compared with glibc's regexec(3) on ^(PATTERN)$, except
 * where glibc is known wrong (an anchor inside a group: see the known
 * answers in test_policy_pattern.c). A disagreement aborts. */
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_impl.h"

/* Whether ^ or $ appears inside a group, outside brackets. */
static bool
anchor_in_group(const char *p)
{
	int depth = 0;

	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '[') {
			p += 1 + (p[1] == '^');
			p += 1 + strcspn(p + 1, "]");   /* a ']' first is a member */
			if (*p == '\0')
				break;
		}
		else if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if ((*p == '^' || *p == '$') && depth > 0)
			return true;
	}
	return false;
}

static int
regexec_whole(const char *pat, const char *value)
{
	char wrapped[POLICY_MAX_PATTERN + 8];
	regex_t re;
	int rc;

	snprintf(wrapped, sizeof(wrapped), "^(%s)$", pat);
	if (regcomp(&re, wrapped, REG_EXTENDED | REG_NOSUB) != 0)
		return 1;
	rc = regexec(&re, value, 0, NULL, 0) == 0 ? 0 : -1;
	regfree(&re);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *value, err[256];
	struct nfa *re;
	size_t plen;
	int want;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	plen = strlen(buf);
	value = plen < size ? buf + plen + 1 : buf + size;
	/* Short values: glibc's backtracking must not time the fuzzer out. */
	if (strlen(value) <= 64 && pattern_compile(buf, &re, err, sizeof(err)) == 0) {
		int got = pattern_match(re, (const unsigned char *)value, strlen(value));
		if (!anchor_in_group(buf) && (want = regexec_whole(buf, value)) != 1 &&
		    got != want)
			abort();
		nfa_free(re);
	}
	free(buf);
	return 0;
}
