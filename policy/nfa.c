/* nfa.c — the matcher for value patterns: a Thompson NFA run in lock step
 * over the value, so a match costs at most (value bytes x program size)
 * steps in every build. regexec(3) promised no such bound: glibc's
 * backtracks, and one accepted pattern ran over a minute on a 32 KiB value
 * (tests/launch/slow_pattern.sh), while musl's got some answers wrong.
 *
 * It reads only the POSIX ERE subset pattern.c lets through (after regcomp
 * has accepted the pattern too): literals, \-escapes of specials, '.',
 * brackets with ranges and [: :] classes, ^ $ anchors, groups, '|', and the
 * repeats * + ? {m} {m,} {m,n}. Bytes are characters, as in the C locale
 * both builds run in. Matching is whole-value (the pattern as ^(p)$); only
 * whether it matches is answered, so leftmost-longest rules do not arise. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy_impl.h"
#include "secmem.h"

enum op { OP_SET, OP_SPLIT, OP_JMP, OP_BOL, OP_EOL, OP_MATCH };

/* Small, so that a step over a few thousand states stays in cache; the
 * bytes a SET state accepts are kept apart, in bits[pc]. */
struct inst {
	int op;                     /* enum op */
	int x, y;                   /* SPLIT: both; JMP: x */
};

struct nfa {
	struct inst *code;
	uint32_t (*bits)[8];
	int n, cap;
};

/* A compile in progress: the program so far and the first error. */
struct comp {
	struct nfa *prog;
	const char *err;
};

#define MAX_SUFFIXES 8           /* repeats on one atom, as in a+?{2} */

/* Keeps the first error: what follows it is read out of step. */
static void
set_err(struct comp *c, const char *why)
{
	if (c->err == NULL)
		c->err = why;
}

static int
grow(struct nfa *prog)
{
	int cap = prog->cap ? prog->cap * 2 : 32;
	struct inst *code = realloc(prog->code, (size_t)cap * sizeof(*code));
	uint32_t (*bits)[8];

	if (code == NULL)
		return -1;
	prog->code = code;
	if ((bits = realloc(prog->bits, (size_t)cap * sizeof(*bits))) == NULL)
		return -1;
	prog->bits = bits;
	prog->cap = cap;
	return 0;
}

static int
emit(struct comp *c, enum op op)
{
	struct inst *in;

	if (c->err != NULL)
		return -1;
	if (c->prog->n >= NFA_MAX_STATES) {
		set_err(c, "pattern is too complex (it compiles to more than "
			 NFA_MAX_STATES_TEXT " matcher states)");
		return -1;
	}
	if (c->prog->n == c->prog->cap && grow(c->prog) != 0) {
		set_err(c, "out of memory");
		return -1;
	}
	in = &c->prog->code[c->prog->n];
	memset(in, 0, sizeof(*in));
	memset(c->prog->bits[c->prog->n], 0, sizeof(c->prog->bits[0]));
	in->op = op;
	return c->prog->n++;
}

static void
set_bit(uint32_t *bits, unsigned b)
{
	bits[b >> 5] |= 1u << (b & 31);
}

static bool
has_bit(const uint32_t *bits, unsigned b)
{
	return (bits[b >> 5] >> (b & 31)) & 1u;
}

static void
set_range(uint32_t *bits, unsigned lo, unsigned hi)
{
	for (; lo <= hi; lo++)
		set_bit(bits, lo);
}

/* The C locale's classes, spelled out so no setlocale() can change them. */
static bool
in_class(const char *name, size_t len, unsigned b)
{
	bool lower = b >= 'a' && b <= 'z', upper = b >= 'A' && b <= 'Z';
	bool digit = b >= '0' && b <= '9', graph = b >= 0x21 && b <= 0x7e;
	static const struct { const char *n; int id; } names[] = {
		{ "alnum", 0 }, { "alpha", 1 }, { "blank", 2 }, { "cntrl", 3 },
		{ "digit", 4 }, { "graph", 5 }, { "lower", 6 }, { "print", 7 },
		{ "punct", 8 }, { "space", 9 }, { "upper", 10 }, { "xdigit", 11 },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].n) == len && memcmp(names[i].n, name, len) == 0)
			break;
	switch (i < sizeof(names) / sizeof(names[0]) ? names[i].id : -1) {
	case 0:  return lower || upper || digit;
	case 1:  return lower || upper;
	case 2:  return b == ' ' || b == '\t';
	case 3:  return b < 0x20 || b == 0x7f;
	case 4:  return digit;
	case 5:  return graph;
	case 6:  return lower;
	case 7:  return graph || b == ' ';
	case 8:  return graph && !lower && !upper && !digit;
	case 9:  return b == ' ' || (b >= '\t' && b <= '\r');
	case 10: return upper;
	case 11: return digit || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
	default: return false;
	}
}

/* A bracket expression starting after its '[' into bits; returns the text
 * after its ']'. regcomp accepted it, so it is well formed. */
static const char *
parse_bracket(struct comp *c, const char *p, uint32_t *bits)
{
	uint32_t set[8] = { 0 };
	bool negate = false, first = true;
	unsigned b, lo;
	size_t i;

	if (*p == '^') {
		negate = true;
		p++;
	}
	for (; *p != '\0' && (first || *p != ']'); first = false) {
		if (p[0] == '[' && p[1] == ':') {
			const char *name = p + 2, *end = strstr(name, ":]");
			if (end == NULL)
				break;
			for (b = 1; b < 256; b++)
				if (in_class(name, (size_t)(end - name), b))
					set_bit(set, b);
			p = end + 2;
			continue;
		}
		if (p[0] == '[' && (p[1] == '=' || p[1] == '.'))
			break;
		lo = (unsigned char)*p++;
		if (p[0] == '-' && p[1] != ']' && p[1] != '\0') {
			if (p[1] == '[')
				break;      /* a range ending in [: :], [. .]: not ours */
			set_range(set, lo, (unsigned char)p[1]);
			p += 2;
		} else {
			set_bit(set, lo);
		}
	}
	if (*p != ']') {
		set_err(c, "pattern: a bracket expression this matcher does not read");
		return p;
	}
	for (i = 0; i < 8; i++)
		bits[i] = negate ? ~set[i] : set[i];
	bits[0] &= ~1u;                   /* never NUL: values hold none */
	return p + 1;
}

static const char *emit_alt(struct comp *c, const char *p);

/* One atom: its code, and the text after it. */
static const char *
emit_atom(struct comp *c, const char *p)
{
	int pc;

	switch (*p) {
	case '(':
		p = emit_alt(c, p + 1);
		if (*p != ')') {
			set_err(c, "pattern has an unmatched (");
			return p;
		}
		return p + 1;
	case '^':
		emit(c, OP_BOL);
		return p + 1;
	case '$':
		emit(c, OP_EOL);
		return p + 1;
	case '*': case '+': case '?': case '{': case '|': case ')': case '\0':
		set_err(c, "pattern: *, +, ? or {} with nothing to repeat");
		return p;
	}
	if ((pc = emit(c, OP_SET)) < 0)
		return p;
	if (*p == '[')
		return parse_bracket(c, p + 1, c->prog->bits[pc]);
	if (*p == '.') {
		set_range(c->prog->bits[pc], 1, 255);
		return p + 1;
	}
	if (p[0] == '\\' && p[1] != '\0')
		p++;
	set_bit(c->prog->bits[pc], (unsigned char)*p);
	return p + 1;
}

struct rep {
	int min, max;               /* max -1: no upper bound */
};

/* The repeat at *pp, if any (*pp advanced past it). */
static bool
parse_rep(const char **pp, struct rep *r)
{
	const char *p = *pp;
	char *end;

	r->min = 0;
	r->max = -1;
	if (*p == '*' || *p == '+' || *p == '?') {
		r->min = *p == '+';
		r->max = *p == '?' ? 1 : -1;
		*pp = p + 1;
		return true;
	}
	if (*p != '{' || p[1] < '0' || p[1] > '9')
		return false;
	r->min = r->max = (int)strtol(p + 1, &end, 10);
	if (*end == ',' && end[1] >= '0' && end[1] <= '9')
		r->max = (int)strtol(end + 1, &end, 10);
	else if (*end == ',')
		r->max = -1, end++;
	if (*end != '}')
		return false;
	*pp = end + 1;
	return true;
}

static void
patch(struct comp *c, int pc, int x, int y)
{
	if (c->err == NULL) {
		c->prog->code[pc].x = x;
		c->prog->code[pc].y = y;
	}
}

/* Points every state of a pending list at target. A list is threaded
 * through the states' own y fields (x for jumps), ended by -1, so a
 * thousand branches need no array on the stack. */
static void
patch_list(struct comp *c, int pc, int target)
{
	int next;

	while (pc >= 0 && c->err == NULL) {
		struct inst *in = &c->prog->code[pc];
		if (in->op == OP_JMP) {
			next = in->x;
			in->x = target;
		} else {
			next = in->y;
			in->y = target;
		}
		pc = next;
	}
}

/* The atom at text a with its first k repeats applied: repeating re-emits
 * the inner code, so a{3} is three copies of a (bounded by the weight
 * check in pattern.c and by NFA_MAX_STATES here). */
static void
emit_piece(struct comp *c, const char *a, const struct rep *reps, int k)
{
	int i, split, top, pending = -1;
	const struct rep *r = &reps[k - 1];

	if (k == 0) {
		emit_atom(c, a);
		return;
	}
	for (i = 0; i < r->min - (r->max < 0 && r->min > 0) && c->err == NULL; i++)
		emit_piece(c, a, reps, k - 1);
	if (r->max < 0 && r->min > 0) {            /* x+: x, then back to it */
		top = c->prog->n;
		emit_piece(c, a, reps, k - 1);
		split = emit(c, OP_SPLIT);
		patch(c, split, top, c->prog->n);
	} else if (r->max < 0) {                   /* x*: try x, or go on */
		split = emit(c, OP_SPLIT);
		emit_piece(c, a, reps, k - 1);
		top = emit(c, OP_JMP);
		patch(c, top, split, 0);
		patch(c, split, split + 1, c->prog->n);
	} else {                                   /* up to max-min optional copies */
		for (i = r->min; i < r->max && c->err == NULL; i++) {
			split = emit(c, OP_SPLIT);
			patch(c, split, split + 1, pending);
			pending = split;
			emit_piece(c, a, reps, k - 1);
		}
		patch_list(c, pending, c->prog->n);
	}
}

/* The text after the atom at p, without compiling it. */
static const char *
skip_atom(const char *p)
{
	int depth = 0;

	do {
		if (*p == '\0')
			return p;
		if (*p == '[') {
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p != '\0' && *p != ']') {
				if (p[0] == '[' && p[1] == ':' && strstr(p + 2, ":]") != NULL)
					p = strstr(p + 2, ":]") + 2;
				else
					p++;
			}
			if (*p == ']')
				p++;
			continue;
		}
		if (p[0] == '\\' && p[1] != '\0')
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		p++;
	} while (depth > 0);
	return p;
}

/* One alternative: pieces up to '|', ')' or the end. */
static const char *
emit_seq(struct comp *c, const char *p)
{
	struct rep reps[MAX_SUFFIXES];
	const char *q;
	int k;

	while (*p != '\0' && *p != '|' && *p != ')' && c->err == NULL) {
		q = skip_atom(p);
		for (k = 0; k < MAX_SUFFIXES && parse_rep(&q, &reps[k]); k++)
			;
		if (k == MAX_SUFFIXES) {
			set_err(c, "pattern: too many repeats on one expression");
			return q;
		}
		emit_piece(c, p, reps, k);
		p = q;
	}
	return p;
}

/* Alternatives a|b|c. Each branch starts with a split to it or to the next
 * branch, and ends with a jump past the last; the last branch has no
 * next one, so its split becomes a jump to its first state. */
static const char *
emit_alt(struct comp *c, const char *p)
{
	int split, jmp, pending = -1;

	for (;;) {
		split = emit(c, OP_SPLIT);
		p = emit_seq(c, p);
		if (*p != '|' || c->err != NULL)
			break;
		jmp = emit(c, OP_JMP);
		patch(c, jmp, pending, 0);
		pending = jmp;
		patch(c, split, split + 1, c->prog->n);
		p++;
	}
	if (c->err == NULL) {
		c->prog->code[split].op = OP_JMP;
		c->prog->code[split].x = split + 1;
	}
	patch_list(c, pending, c->prog->n);
	return p;
}

int
nfa_states(const struct nfa *prog)
{
	return prog->n;
}

void
nfa_free(struct nfa *prog)
{
	if (prog != NULL) {
		free(prog->code);
		free(prog->bits);
		free(prog);
	}
}

/* The program for pat, or NULL with the reason in *err. */
struct nfa *
nfa_compile(const char *pat, const char **err)
{
	struct comp c = { calloc(1, sizeof(struct nfa)), NULL };
	const char *end;

	if (c.prog == NULL) {
		*err = "out of memory";
		return NULL;
	}
	end = emit_alt(&c, pat);
	if (c.err == NULL && *end != '\0')
		c.err = "pattern has an unmatched ')' (write \\) for a literal one)";
	emit(&c, OP_MATCH);
	if (c.err != NULL) {
		*err = c.err;
		nfa_free(c.prog);
		return NULL;
	}
	return c.prog;
}

/* The work area of one match. It is derived from the value (which states
 * are live says something about its bytes), so it lives in secret memory. */
struct run {
	int *cur, *next, *stack;
	uint32_t *seen;             /* generation each state was last added in */
	int ncur, nnext;
	uint32_t gen;
};

/* Adds pc and every state reachable from it without reading a byte (at
 * position pos of a value of len bytes) to the next list, each once: a
 * state seen in this step is not followed again, which is what bounds a
 * step by the program's size. Jumps are followed in place and only a
 * split's second branch is stacked (at most one entry per split). */
static void
add_state(const struct nfa *prog, struct run *r, int pc, size_t pos, size_t len)
{
	int sp = 0;

	for (;;) {
		while (r->seen[pc] != r->gen) {
			const struct inst *in = &prog->code[pc];
			r->seen[pc] = r->gen;
			if (in->op == OP_JMP) {
				pc = in->x;
			} else if (in->op == OP_SPLIT) {
				r->stack[sp++] = in->y;
				pc = in->x;
			} else if (in->op == OP_BOL || in->op == OP_EOL) {
				if (pos != (in->op == OP_BOL ? 0 : len))
					break;
				pc++;
			} else {
				r->next[r->nnext++] = pc;
				break;
			}
		}
		if (sp == 0)
			return;
		pc = r->stack[--sp];
	}
}

/* Swaps the lists after a step: next becomes cur, next is empty. */
static void
advance(struct run *r)
{
	int *t = r->cur;

	r->cur = r->next;
	r->next = t;
	r->ncur = r->nnext;
	r->nnext = 0;
	r->gen++;
}

/* Whether the whole value matches: every live state reads each byte once. */
int
nfa_match(const struct nfa *prog, const unsigned char *value, size_t len)
{
	size_t n = (size_t)prog->n, bytes = n * (3 * sizeof(int) + sizeof(uint32_t));
	struct run r = { 0 };
	bool matched = false;
	size_t pos;
	int i;
	char *area;

	if (secmem_init() == -1)
		return -1;
	area = xsecure_alloc(bytes);
	memset(area, 0, bytes);
	r.cur = (int *)area;
	r.next = r.cur + n;
	r.stack = r.next + n;
	r.seen = (uint32_t *)(r.stack + n);
	r.gen = 1;
	add_state(prog, &r, 0, 0, len);
	advance(&r);
	for (pos = 0; pos < len && r.ncur > 0; pos++) {
		for (i = 0; i < r.ncur; i++) {
			int pc = r.cur[i];
			if (prog->code[pc].op == OP_SET && has_bit(prog->bits[pc], value[pos]))
				add_state(prog, &r, pc + 1, pos + 1, len);
		}
		advance(&r);
	}
	for (i = 0; i < r.ncur && pos == len; i++)
		matched = matched || prog->code[r.cur[i]].op == OP_MATCH;
	secure_free(area, bytes);
	return matched ? 0 : -1;
}
