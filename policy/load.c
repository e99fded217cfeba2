/* load.c — YAML policy file to struct policy (stub: the loader follows). */
#include <stdlib.h>
#include <string.h>

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
			if (p->secrets[i].keys[j].has_pattern)
				regfree(&p->secrets[i].keys[j].re);
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

int
policy_load_buffer(const char *name, const char *buf, size_t len,
		   struct policy **out, struct policy_report *rep)
{
	(void)name; (void)buf; (void)len; (void)out;
	rep->ndiags = 0;
	rep->diags = NULL;
	return -1;
}

int
policy_load_file(const char *path, struct policy **out, struct policy_report *rep)
{
	return policy_load_buffer(path, "", 0, out, rep);
}
