/* test_policy_load.c — loading itself: the checks on the policy file (owner,
 * mode, type), the bounds on size, depth, node count and error count, and
 * inputs a corpus file cannot hold well. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "policy.h"

static char dir[] = "/tmp/policy-test-XXXXXX";

/* The only (or first) diagnostic of a failed load, formatted. */
static const char *
first_error(int rc, struct policy_report *rep, char *buf, size_t len)
{
	assert_int_equal(rc, -1);
	assert_true(rep->ndiags >= 1);
	policy_diag_format(&rep->diags[0], buf, len);
	policy_report_free(rep);
	return buf;
}

static const char *
write_policy(const char *name, const char *text, mode_t mode)
{
	static char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void
file_loads(void **state)
{
	struct policy_report rep;
	struct policy *p;
	const char *path = write_policy("ok.yaml", "version: 1\n", 0644);

	(void)state;
	assert_int_equal(policy_load_file(path, &p, &rep), 0);
	assert_int_equal(rep.ndiags, 0);
	policy_free(p);
}

static void
file_refused(void **state)
{
	struct policy_report rep;
	struct policy *p = (struct policy *)1;
	char buf[1024], want[1024];
	const char *path;

	(void)state;
	path = write_policy("gw.yaml", "version: 1\n", 0664);
	snprintf(want, sizeof(want), "%s: writable by group or others (mode 0664)", path);
	assert_string_equal(first_error(policy_load_file(path, &p, &rep), &rep, buf,
					sizeof(buf)), want);
	assert_null(p);
	path = write_policy("ow.yaml", "version: 1\n", 0602);
	snprintf(want, sizeof(want), "%s: writable by group or others (mode 0602)", path);
	assert_string_equal(first_error(policy_load_file(path, &p, &rep), &rep, buf,
					sizeof(buf)), want);
	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	assert_string_equal(first_error(policy_load_file(dir, &p, &rep), &rep, buf,
					sizeof(buf)), want);
	assert_string_equal(first_error(policy_load_file("/nonexistent/p.yaml", &p, &rep), &rep,
					buf, sizeof(buf)),
			    "/nonexistent/p.yaml: cannot open: No such file or directory");
	path = write_policy("bad.yaml", "version: 1\nsecrets: {}\n", 0600);
	snprintf(want, sizeof(want), "%s:2:10: secrets is empty, so no secret could be used",
		 path);
	assert_string_equal(first_error(policy_load_file(path, &p, &rep), &rep, buf,
					sizeof(buf)), want);
}

static char *
big_policy(size_t size)
{
	char *s = malloc(size + 1);

	memset(s, ' ', size);
	memcpy(s, "version: 1\n#", 12);
	s[size] = '\0';
	return s;
}

static void
size_bounded(void **state)
{
	struct policy_report rep;
	struct policy *p;
	char buf[1024];
	char *s = big_policy(1024 * 1024);
	const char *path;

	(void)state;
	assert_int_equal(policy_load_buffer("big", s, strlen(s), &p, &rep), 0);
	policy_free(p);
	s[1024 * 1024 - 1] = ' ';
	assert_string_equal(first_error(policy_load_buffer("big", s, 1024 * 1024 + 1, &p, &rep),
					&rep, buf, sizeof(buf)),
			    "big:1:1: policy is larger than 1048576 bytes");
	free(s);
	s = big_policy(1024 * 1024 + 1);
	path = write_policy("big.yaml", s, 0600);
	free(s);
	assert_string_equal(strstr(first_error(policy_load_file(path, &p, &rep), &rep, buf,
					       sizeof(buf)), ":1:1:"),
			    ":1:1: policy is larger than 1048576 bytes");
}

/* A billion-laughs file is refused at its first anchor, long before any
 * expansion could cost anything. */
static void
laughs_refused_quickly(void **state)
{
	struct policy_report rep;
	struct policy *p;
	char *s = malloc(64 * 1024), buf[1024];
	size_t o = 0;
	int i;
	clock_t t0 = clock();

	(void)state;
	o += (size_t)sprintf(s + o, "version: 1\nx0: &a0 [lol, lol, lol, lol, lol, lol]\n");
	for (i = 1; i < 40; i++)
		o += (size_t)sprintf(s + o, "x%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i,
				     i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	assert_string_equal(first_error(policy_load_buffer("lol", s, o, &p, &rep), &rep, buf,
					sizeof(buf)),
			    "lol:2:5: anchors and aliases are not allowed");
	assert_true(clock() - t0 < CLOCKS_PER_SEC / 10);
	free(s);
}

static void
node_count_bounded(void **state)
{
	struct policy_report rep;
	struct policy *p;
	size_t n = 100001, o = 0, i;
	char *s = malloc(n * 3 + 64), buf[1024];

	(void)state;
	o += (size_t)sprintf(s + o, "version: 1\ndeny: [");
	for (i = 0; i < n; i++)
		o += (size_t)sprintf(s + o, "A,");
	o += (size_t)sprintf(s + o, "]\n");
	assert_string_equal(first_error(policy_load_buffer("n", s, o, &p, &rep), &rep, buf,
					sizeof(buf)),
			    "n:2:199998: policy has more than 100000 nodes");
	free(s);
}

/* Every error is reported, up to a bound, and the last line says so. */
static void
errors_bounded(void **state)
{
	struct policy_report rep;
	struct policy *p;
	char *s = malloc(64 * 1024), buf[1024];
	size_t o = 0;
	int i;

	(void)state;
	o += (size_t)sprintf(s + o, "version: 1\n");
	for (i = 0; i < 150; i++)
		o += (size_t)sprintf(s + o, "bogus%d: 1\n", i);
	assert_int_equal(policy_load_buffer("e", s, o, &p, &rep), -1);
	assert_int_equal(rep.ndiags, 100);
	assert_string_equal(policy_diag_format(&rep.diags[0], buf, sizeof(buf)),
			    "e:2:1: unknown field 'bogus0' (expected version, environments, "
			    "unknown_keys, on_conflict, pass_through, deny, allow_denied or secrets)");
	assert_string_equal(rep.diags[99].message, "too many errors, stopping");
	policy_report_free(&rep);
	free(s);
}

/* Bytes a YAML file cannot carry as text, and strings with a NUL inside. */
static void
binary_input(void **state)
{
	struct policy_report rep;
	struct policy *p;
	char buf[1024];
	const char nul[] = "version: 1\0\n";

	(void)state;
	assert_string_equal(first_error(policy_load_buffer("b", nul, sizeof(nul) - 1, &p, &rep),
					&rep, buf, sizeof(buf)),
			    "b:1:11: YAML syntax error: control characters are not allowed");
	assert_string_equal(first_error(policy_load_buffer("b", "version: 1\ndeny: [\"A\\0B\"]\n",
							   26, &p, &rep), &rep, buf, sizeof(buf)),
			    "b:2:8: an entry contains a NUL byte");
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(file_loads),
		cmocka_unit_test(file_refused),
		cmocka_unit_test(size_bounded),
		cmocka_unit_test(laughs_refused_quickly),
		cmocka_unit_test(node_count_bounded),
		cmocka_unit_test(errors_bounded),
		cmocka_unit_test(binary_input),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
