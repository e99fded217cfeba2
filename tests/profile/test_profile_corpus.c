/* test_profile_corpus.c — the table of profile files on disk: every
 * bad/NAME.toml must fail with exactly the line in bad/NAME.err, every
 * ```toml block of docs/configuration.md must parse. A bad file whose
 * first line is "# profile=NAME" is parsed as if --profile NAME was given.
 * Usage: test_profile_corpus TESTS_PROFILE_DIR CONFIGURATION_MD */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "secmem.h"

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

/* "# profile=NAME\n" at the top: the profile the case asks for. */
static const char *
wanted_profile(const char *buf, char *name, size_t len)
{
	const char *nl;

	if (strncmp(buf, "# profile=", 10) != 0 || (nl = strchr(buf, '\n')) == NULL)
		return NULL;
	snprintf(name, len, "%.*s", (int)(nl - buf - 10), buf + 10);
	return name;
}

static void
check_bad(const char *dir, const char *name)
{
	char path[4096], want_profile[128];
	char *buf, *want;
	struct profile p;
	struct mr_err e;
	size_t len, wlen;
	int rc;

	snprintf(path, sizeof(path), "%s/bad/%s", dir, name);
	buf = slurp(path, &len);
	snprintf(path, sizeof(path), "%s/bad/%.*s.err", dir, (int)(strlen(name) - 5), name);
	want = slurp(path, &wlen);
	if (wlen > 0 && want[wlen - 1] == '\n')
		want[--wlen] = '\0';
	mr_clear(&e);
	rc = profile_parse(buf, len, "~/.modal.toml",
			   wanted_profile(buf, want_profile, sizeof(want_profile)), &p, &e);
	if (rc == 0 || strcmp(e.msg, want) != 0 || e.kind != MR_E_CONFIG) {
		printf("FAIL bad/%s\n  want: %s\n  got:  %s\n", name, want,
		       rc == 0 ? "(parsed)" : e.msg);
		failures++;
	}
	if (rc == 0)
		profile_clear(&p);
	free(buf);
	free(want);
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
is_toml(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 5 && strcmp(d->d_name + n - 5, ".toml") == 0;
}

static int
check_bad_dir(const char *dir)
{
	struct dirent **v;
	char path[4096];
	int i, n;

	snprintf(path, sizeof(path), "%s/bad", dir);
	if ((n = scandir(path, &v, is_toml, by_name)) < 0) {
		fprintf(stderr, "cannot list %s\n", path);
		exit(2);
	}
	for (i = 0; i < n; i++) {
		check_bad(dir, v[i]->d_name);
		free(v[i]);
	}
	free(v);
	return n;
}

/* The documentation's examples are profile files too: they must parse. */
static int
check_docs(const char *md)
{
	char *buf, *p, *end, what[64];
	struct profile prof;
	struct mr_err e;
	size_t len;
	int n = 0;

	buf = slurp(md, &len);
	for (p = buf; (p = strstr(p, "```toml\n")) != NULL; p = end + 4) {
		p += 8;
		if ((end = strstr(p, "\n```")) == NULL)
			break;
		snprintf(what, sizeof(what), "configuration.md block %d", ++n);
		if (profile_parse(p, (size_t)(end + 1 - p), what, NULL, &prof, &e) != 0) {
			printf("FAIL %s must parse: %s\n", what, e.msg);
			failures++;
			continue;
		}
		profile_clear(&prof);
	}
	free(buf);
	return n;
}

int
main(int argc, char **argv)
{
	int nbad, ndocs;

	if (argc != 3 || secmem_init() != 0) {
		fprintf(stderr, "usage: test_profile_corpus TESTS_PROFILE_DIR CONFIGURATION_MD\n");
		return 2;
	}
	nbad = check_bad_dir(argv[1]);
	ndocs = check_docs(argv[2]);
	printf("%d bad, %d doc examples: %d failures\n", nbad, ndocs, failures);
	if (nbad < 25 || ndocs < 1)
		return 1;
	return failures == 0 ? 0 : 1;
}
