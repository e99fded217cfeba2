/* launch.c — one launch, start to exec: policy, fetch, child environment,
 * wiping, hygiene, exec. Returns the exit status when it does not exec. */
#include "launcher.h"
#include "exitcodes.h"
#include "secmem.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int
fail(const struct mr_err *e)
{
	mr_log(MR_LOG_ERR, "modal-run: %s", e->msg);
	return mr_exit_code(e->kind);
}

/* Loads the policy (or the built-in default), printing every load error. */
static int
policy_open(const char *path, struct policy **pol)
{
	struct policy_report rep = { 0 };
	char line[1024];
	size_t i;
	int code;

	if (path == NULL)
		return policy_default(pol) == 0 ? 0 : EXIT_SOFTWARE;
	if (policy_load_file(path, pol, &rep) == 0)
		return 0;
	/* A policy that cannot be read is configuration; one that is wrong is data. */
	code = rep.ndiags > 0 && rep.diags[0].line == 0 ? EXIT_CONFIG : EXIT_DATA;
	for (i = 0; i < rep.ndiags; i++)
		mr_log(MR_LOG_ERR, "modal-run: %s",
			policy_diag_format(&rep.diags[i], line, sizeof(line)));
	policy_report_free(&rep);
	return code;
}

int
policy_check_command(const char *path)
{
	struct policy *pol = NULL;
	int code = policy_open(path, &pol);

	if (code == 0)
		printf("%s: ok\n", path);
	policy_free(pol);
	return code;
}

static int
check_names(const struct policy *pol, const struct launch_opts *o, const char *env,
	    struct mr_err *e)
{
	char why[512];
	size_t i;

	if (env != NULL && policy_check_environment(pol, env, why, sizeof(why)) != 0)
		return mr_fail(e, MR_E_POLICY, "policy: %s", why);
	for (i = 0; i < o->nsecrets; i++)
		if (policy_check_secret(pol, o->secrets[i], why, sizeof(why)) != 0)
			return mr_fail(e, MR_E_POLICY, "policy: %s", why);
	return 0;
}

/* A server list failing over, or a retry: one line each, so a slow launch
 * says why (vault.h: it never holds a token). */
static void
say_retry(const char *line)
{
	mr_log(MR_LOG_WARNING, "modal-run: %s", line);
}

/* The fetch, from whichever vault the URL names; then the token is no
 * longer needed, and goes before anything else happens. */
static int
fetch(struct launch_opts *o, struct vault_fetch *f, struct mr_err *e)
{
	struct vault_options vo;
	struct vault *v = NULL;
	int rc = -1;

	settings_vault_options(&o->settings, 1, &vo);
	vo.notice = say_retry;
	if (vault_open_with(o->settings.url, &vo, &v, e) == 0)
		rc = vault_fetch(v, o->env, o->secrets, o->nsecrets, f, e);
	vault_close(v);
	rc = fallback_after_fetch(o, rc, f, e);
	settings_wipe_token(&o->settings);
	return rc;
}

int
launch(struct launch_opts *o, const struct inherited *in)
{
	struct policy *pol = NULL;
	struct vault_fetch f = { 0 };
	struct child_env ce = { 0 };
	struct mr_err e = { 0 };
	unsigned char fpk[32];
	char why[512];
	int code;

	if ((code = policy_open(o->policy_path, &pol)) != 0)
		return code;
	/* A bad key file is said before the vault is asked anything. */
	if (o->fingerprint_key != NULL && check_fingerprint_key(o->fingerprint_key, fpk, &e) != 0)
		goto fail;
	if (check_names(pol, o, o->env, &e) != 0 || fetch(o, &f, &e) != 0)
		goto fail;
	if (o->fingerprint_key != NULL)
		memcpy(f.fingerprint_key, fpk, sizeof(f.fingerprint_key));
	/* The vault chose the default environment: the policy sees it too. */
	if (o->env == NULL && policy_check_environment(pol, f.environment, why, sizeof(why)) != 0) {
		mr_fail(&e, MR_E_POLICY, "policy: %s", why);
		goto fail;
	}
	if (child_env_build(&ce, environ, &f, pol, o, &e) != 0 ||
	    child_env_check_size(&ce, o->argv, &e) != 0)
		goto fail;
	if (o->check) {
		check_print(&ce, &f, o->check_json);
		code = 0;
		goto out;
	}
	/* Every value is copied into the child's environment: wipe the bundles. */
	vault_fetch_free(&f);
	policy_free(pol);
	pol = NULL;
	if (getpid() == 1 || o->subreaper)
		return pid1_run(o, &ce, in);
	if (hygiene_before_exec(in, &ce, o->reset_signals) != 0) {
		mr_fail(&e, MR_E_INTERNAL, "preparing the target's descriptors and signals failed");
		goto fail;
	}
	/* After the hygiene: it reads /proc/self/fd, which is root's while we
	 * are not dumpable. */
	if (user_drop(&o->user, &e) != 0) {
		mr_log(MR_LOG_ERR, "modal-run: %s", e.msg);
		code = EXIT_OSERR;
		goto out;
	}
	code = exec_target(o->argv, ce.envp, &e);
	mr_log(MR_LOG_ERR, "modal-run: %s", e.msg);
	goto out;
fail:
	code = fail(&e);
out:
	sodium_memzero(fpk, sizeof(fpk));
	child_env_free(&ce);
	vault_fetch_free(&f);
	policy_free(pol);
	return code;
}
