/* test_policy_corpus.c — the table of policies on disk: every bad/NAME.yaml
 * must fail with exactly the lines of bad/NAME.err, every good/NAME.yaml and
 * every ```yaml block of docs/policy.md must load.
 * Usage: test_policy_corpus TESTS_POLICY_DIR DOCS_POLICY_MD */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static int failures;

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	rewind(f);
	if ((buf = malloc((size_t)n + 1)) == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
		exit(2);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Every diagnostic of loading buf, one per line. */
static char *
load_errors(const char *name, const char *buf, size_t len)
{
	struct policy_report rep;
	struct policy *p;
	char line[1024], *out;
	size_t i, o = 0;

	if (policy_load_buffer(name, buf, len, &p, &rep) == 0) {
		policy_free(p);
		return NULL;
	}
	out = calloc(rep.ndiags + 1, sizeof(line));
	for (i = 0; i < rep.ndiags; i++)
		o += (size_t)sprintf(out + o, "%s\n",
				     policy_diag_format(&rep.diags[i], line, sizeof(line)));
	policy_report_free(&rep);
	return out;
}

static void
check_bad(const char *dir, const char *name)
{
	char path[4096];
	char *buf, *want, *got;
	size_t len, wlen;

	snprintf(path, sizeof(path), "%s/bad/%s", dir, name);
	buf = slurp(path, &len);
	snprintf(path, sizeof(path), "%s/bad/%.*s.err", dir, (int)(strlen(name) - 5), name);
	want = slurp(path, &wlen);
	got = load_errors(name, buf, len);
	if (got == NULL || strcmp(got, want) != 0) {
		printf("FAIL bad/%s\n  want:\n%s  got:\n%s", name, want, got ? got : "(loaded)\n");
		failures++;
	}
	free(buf);
	free(want);
	free(got);
}

static void
check_good(const char *what, const char *buf, size_t len)
{
	char *got = load_errors(what, buf, len);

	if (got != NULL) {
		printf("FAIL %s must load:\n%s", what, got);
		failures++;
	}
	free(got);
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
is_yaml(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0;
}

/* Runs check on every .yaml file of dir/sub; returns how many. */
static int
each_yaml(const char *dir, const char *sub, void (*check)(const char *, const char *))
{
	struct dirent **v;
	char path[4096];
	int i, n;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if ((n = scandir(path, &v, is_yaml, by_name)) < 0) {
		fprintf(stderr, "cannot list %s\n", path);
		exit(2);
	}
	for (i = 0; i < n; i++) {
		check(dir, v[i]->d_name);
		free(v[i]);
	}
	free(v);
	return n;
}

static void
check_good_file(const char *dir, const char *name)
{
	char path[4096];
	size_t len;
	char *buf;

	snprintf(path, sizeof(path), "%s/good/%s", dir, name);
	buf = slurp(path, &len);
	check_good(name, buf, len);
	free(buf);
}

/* The documentation's examples are policies too: they must stay valid. */
static int
check_docs(const char *md)
{
	char *buf, *p, *end, what[64];
	size_t len;
	int n = 0;

	buf = slurp(md, &len);
	for (p = buf; (p = strstr(p, "```yaml\n")) != NULL; p = end + 4) {
		p += 8;
		if ((end = strstr(p, "\n```")) == NULL)
			break;
		end[1] = '\0';
		snprintf(what, sizeof(what), "policy.md block %d", ++n);
		check_good(what, p, (size_t)(end + 1 - p));
	}
	free(buf);
	return n;
}

int
main(int argc, char **argv)
{
	int nbad, ngood, ndocs;

	if (argc != 3) {
		fprintf(stderr, "usage: test_policy_corpus TESTS_POLICY_DIR POLICY_MD\n");
		return 2;
	}
	nbad = each_yaml(argv[1], "bad", check_bad);
	ngood = each_yaml(argv[1], "good", check_good_file);
	ndocs = check_docs(argv[2]);
	printf("%d bad, %d good, %d doc examples: %d failures\n", nbad, ngood, ndocs, failures);
	if (nbad < 40 || ngood < 1 || ndocs < 1)
		return 1;
	return failures == 0 ? 0 : 1;
}
