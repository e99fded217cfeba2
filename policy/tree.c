/* tree.c — one YAML document to a tree of nodes that remember their line and
 * column, from libyaml's event parser. The policy format needs no anchors,
 * aliases or tags, so they are refused outright: nothing is ever expanded,
 * and a billion-laughs file stops at its first anchor. Depth and node count
 * are bounded too. */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "policy_impl.h"

struct builder {
	struct ynode *stack[POLICY_MAX_DEPTH + 1];
	int depth;
	struct ynode *root;
	size_t nnodes;
	bool seen_doc;
};

const char *
ynode_kind_name(const struct ynode *n)
{
	if (n->kind == YNODE_MAP)
		return "a mapping";
	if (n->kind == YNODE_SEQ)
		return "a sequence";
	return "a scalar";
}

void
tree_free(struct ynode *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		tree_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

static int
add_kid(struct ynode *parent, struct ynode *kid)
{
	struct ynode **k;
	size_t cap;

	if (parent->nkids == parent->cap) {
		cap = parent->cap == 0 ? 4 : parent->cap * 2;
		if ((k = reallocarray(parent->kids, cap, sizeof(*k))) == NULL)
			return -1;
		parent->kids = k;
		parent->cap = cap;
	}
	parent->kids[parent->nkids++] = kid;
	return 0;
}

/* Line and column of a byte offset, for reader errors that carry no mark. */
static void
offset_mark(const char *buf, size_t len, size_t off, unsigned *line, unsigned *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static void
syntax_error(yaml_parser_t *ps, const char *buf, size_t len, struct diags *d)
{
	unsigned line, col;
	const char *problem = ps->problem != NULL ? ps->problem : "cannot parse";

	if (ps->error == YAML_READER_ERROR) {
		offset_mark(buf, len, ps->problem_offset, &line, &col);
		diag_add(d, line, col, "YAML syntax error: %s", problem);
		return;
	}
	line = (unsigned)ps->problem_mark.line + 1;
	col = (unsigned)ps->problem_mark.column + 1;
	if (ps->context != NULL)
		diag_add(d, line, col, "YAML syntax error: %s %s", problem, ps->context);
	else
		diag_add(d, line, col, "YAML syntax error: %s", problem);
}

/* Refuses what the format never needs; 0 if the node may be built. */
static int
refuse_extras(const yaml_event_t *ev, const yaml_char_t *anchor,
	      const yaml_char_t *tag, struct diags *d)
{
	unsigned line = (unsigned)ev->start_mark.line + 1;
	unsigned col = (unsigned)ev->start_mark.column + 1;

	if (anchor != NULL) {
		diag_add(d, line, col, "anchors and aliases are not allowed");
		return -1;
	}
	if (tag != NULL) {
		diag_add(d, line, col, "tags are not allowed");
		return -1;
	}
	return 0;
}

static struct ynode *
node_new(struct builder *b, enum ynode_kind kind, const yaml_event_t *ev,
	 struct diags *d)
{
	struct ynode *n;

	if (++b->nnodes > POLICY_MAX_NODES) {
		diag_add(d, (unsigned)ev->start_mark.line + 1,
			 (unsigned)ev->start_mark.column + 1,
			 "policy has more than %d nodes", POLICY_MAX_NODES);
		return NULL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		d->nomem = true;
		return NULL;
	}
	n->kind = kind;
	n->line = (unsigned)ev->start_mark.line + 1;
	n->column = (unsigned)ev->start_mark.column + 1;
	return n;
}

/* Attaches n under the open collection (or as the root); 0 or -1. */
static int
attach(struct builder *b, struct ynode *n, struct diags *d)
{
	if (b->depth == 0) {
		b->root = n;
		return 0;
	}
	if (add_kid(b->stack[b->depth - 1], n) == -1) {
		tree_free(n);
		d->nomem = true;
		return -1;
	}
	return 0;
}

static int
on_scalar(struct builder *b, const yaml_event_t *ev, struct diags *d)
{
	struct ynode *n;

	if (refuse_extras(ev, ev->data.scalar.anchor, ev->data.scalar.tag, d) == -1)
		return -1;
	if ((n = node_new(b, YNODE_SCALAR, ev, d)) == NULL)
		return -1;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->len = ev->data.scalar.length;
	if ((n->str = malloc(n->len + 1)) == NULL) {
		free(n);
		d->nomem = true;
		return -1;
	}
	memcpy(n->str, ev->data.scalar.value, n->len);
	n->str[n->len] = '\0';
	return attach(b, n, d);
}

static int
on_start(struct builder *b, const yaml_event_t *ev, enum ynode_kind kind,
	 struct diags *d)
{
	const yaml_char_t *anchor, *tag;
	struct ynode *n;

	anchor = kind == YNODE_MAP ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
	tag = kind == YNODE_MAP ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
	if (refuse_extras(ev, anchor, tag, d) == -1)
		return -1;
	if (b->depth >= POLICY_MAX_DEPTH) {
		diag_add(d, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
			 "nesting is deeper than %d levels", POLICY_MAX_DEPTH);
		return -1;
	}
	if ((n = node_new(b, kind, ev, d)) == NULL || attach(b, n, d) == -1)
		return -1;
	b->stack[b->depth++] = n;
	return 0;
}

/* One event into the tree: 1 to go on, 0 at the end, -1 on error. */
static int
on_event(struct builder *b, const yaml_event_t *ev, struct diags *d)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (b->seen_doc) {
			diag_add(d, (unsigned)ev->start_mark.line + 1,
				 (unsigned)ev->start_mark.column + 1,
				 "only one YAML document is allowed");
			return -1;
		}
		b->seen_doc = true;
		return 1;
	case YAML_ALIAS_EVENT:
		diag_add(d, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
			 "anchors and aliases are not allowed");
		return -1;
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev, d) == -1 ? -1 : 1;
	case YAML_SEQUENCE_START_EVENT:
		return on_start(b, ev, YNODE_SEQ, d) == -1 ? -1 : 1;
	case YAML_MAPPING_START_EVENT:
		return on_start(b, ev, YNODE_MAP, d) == -1 ? -1 : 1;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		b->depth--;
		return 1;
	case YAML_STREAM_END_EVENT:
		return 0;
	default:
		return 1;
	}
}

int
tree_parse(const char *buf, size_t len, struct ynode **root, struct diags *d)
{
	struct builder b;
	yaml_parser_t ps;
	yaml_event_t ev;
	int rc = 1;

	memset(&b, 0, sizeof(b));
	*root = NULL;
	if (!yaml_parser_initialize(&ps)) {
		d->nomem = true;
		return -1;
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
	while (rc == 1) {
		if (!yaml_parser_parse(&ps, &ev)) {
			syntax_error(&ps, buf, len, d);
			rc = -1;
			break;
		}
		rc = on_event(&b, &ev, d);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&ps);
	if (rc == -1 || d->nomem) {
		tree_free(b.root);
		return -1;
	}
	*root = b.root;
	return 0;
}
