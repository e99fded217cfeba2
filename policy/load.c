/* load.c — the entry points of loading: reading the file with the checks a
 * file that grants permissions needs, bounding its size, collecting every
 * error in order, and freeing what was built. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filetrust.h"
#include "policy_impl.h"

static void
list_free(struct pol_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

void
policy_free(struct policy *p)
{
	size_t i, j;

	if (p == NULL)
		return;
	for (i = 0; i < p->nsecrets; i++) {
		for (j = 0; j < p->secrets[i].nkeys; j++) {
			free(p->secrets[i].keys[j].name);
			nfa_free(p->secrets[i].keys[j].re);
		}
		free(p->secrets[i].keys);
		free(p->secrets[i].name);
	}
	free(p->secrets);
	list_free(&p->envs);
	list_free(&p->pass);
	list_free(&p->deny);
	list_free(&p->lift);
	free(p);
}

void
policy_report_free(struct policy_report *rep)
{
	size_t i;

	for (i = 0; i < rep->ndiags; i++) {
		free(rep->diags[i].file);
		free(rep->diags[i].message);
	}
	free(rep->diags);
	rep->diags = NULL;
	rep->ndiags = 0;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size);

	if (p == NULL)
		abort();
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		abort();
	return p;
}

void
diag_add(struct diags *d, unsigned line, unsigned column, const char *fmt, ...)
{
	struct policy_report *rep = d->rep;
	struct policy_diag *g;
	char msg[600];
	va_list ap;

	if (rep->ndiags >= POLICY_MAX_DIAGS)
		return;
	if (rep->ndiags == 0)
		rep->diags = xcalloc(POLICY_MAX_DIAGS, sizeof(*rep->diags));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	g = &rep->diags[rep->ndiags++];
	g->file = xstrdup(d->file);
	g->line = line;
	g->column = column;
	g->message = xstrdup(rep->ndiags == POLICY_MAX_DIAGS ? "too many errors, stopping" : msg);
}

const char *
policy_diag_format(const struct policy_diag *d, char *buf, size_t len)
{
	if (d->line == 0)
		snprintf(buf, len, "%s: %s", d->file, d->message);
	else
		snprintf(buf, len, "%s:%u:%u: %s", d->file, d->line, d->column, d->message);
	return buf;
}

/* File order reads best; the walk reports some errors out of order. */
static int
cmp_diag(const void *a, const void *b)
{
	const struct policy_diag *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return 0;
}

int
policy_load_buffer(const char *name, const char *buf, size_t len,
		   struct policy **out, struct policy_report *rep)
{
	struct diags d = { name, rep, false };
	struct ynode *root = NULL;
	struct policy *p;

	*out = NULL;
	rep->ndiags = 0;
	rep->diags = NULL;
	if (len > POLICY_MAX_BYTES) {
		diag_add(&d, 1, 1, "policy is larger than %d bytes", POLICY_MAX_BYTES);
		return -1;
	}
	if (tree_parse(buf, len, &root, &d) == -1) {
		if (rep->ndiags == 0)
			diag_add(&d, 0, 0, "out of memory");
		return -1;
	}
	if (root == NULL) {
		diag_add(&d, 1, 1, "policy is empty");
		return -1;
	}
	p = xcalloc(1, sizeof(*p));
	p->unknown = POLICY_UNKNOWN_REJECT;
	p->conflict = POLICY_CONFLICT_UNSET;
	schema_build(root, p, &d);
	tree_free(root);
	if (rep->ndiags > 0) {
		/* Stable enough: equal positions keep the order they came in. */
		qsort(rep->diags, rep->ndiags - (rep->ndiags == POLICY_MAX_DIAGS),
		      sizeof(*rep->diags), cmp_diag);
		policy_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

/* A policy grants permissions, so it is trusted only when no one else could
 * have written it: the shared check on the opened descriptor (filetrust.h),
 * opened non-blocking so a FIFO or device is refused instead of hanging us.
 * Symlinks are followed: the check is on what was opened. */
static int
open_trusted(const char *path, struct diags *d)
{
	struct mr_err e = { 0 };
	struct stat st;
	int fd;

	fd = file_open_trusted(AT_FDCWD, path, NULL, TRUST_NOT_OTHERS, 0, &st, &e);
	if (fd < 0) {
		diag_add(d, 0, 0, "%s%s", e.kind == MR_E_CONFIG ? "" : "cannot open: ", e.msg);
		return -1;
	}
	if (st.st_size > POLICY_MAX_BYTES) {
		diag_add(d, 1, 1, "policy is larger than %d bytes", POLICY_MAX_BYTES);
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads at most POLICY_MAX_BYTES + 1, so growth after fstat is caught too. */
static int
read_all(int fd, char *buf, size_t *len, struct diags *d)
{
	ssize_t n;

	*len = 0;
	while (*len <= POLICY_MAX_BYTES) {
		n = read(fd, buf + *len, POLICY_MAX_BYTES + 1 - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			diag_add(d, 0, 0, "cannot read: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		*len += (size_t)n;
	}
	return 0;
}

int
policy_load_file(const char *path, struct policy **out, struct policy_report *rep)
{
	struct diags d = { path, rep, false };
	char *buf = NULL;
	size_t len;
	int fd, rc = -1;

	*out = NULL;
	rep->ndiags = 0;
	rep->diags = NULL;
	if ((fd = open_trusted(path, &d)) == -1)
		return -1;
	buf = xcalloc(POLICY_MAX_BYTES + 1, 1);
	if (read_all(fd, buf, &len, &d) == 0)
		rc = policy_load_buffer(path, buf, len, out, rep);
	free(buf);
	close(fd);
	return rc;
}
