/* cmd_config.c — modal-vault config show: every setting as resolved
 * (SPEC 4: flag > environment variable > systemd credential > profile >
 * default) and where it came from, so a surprising value can be traced to
 * the layer that set it. The token secret is never shown, only whether and
 * where it is set. */
#include "cli.h"
#include "exitcodes.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct shown_setting {
	const char *name, *value;
	char source[PATH_MAX + 80];
};

/* Whether systemd's credential holds the token: it then replaced the
 * profile's (profile_load_credential). */
static int
credential_present(void)
{
	const char *dir = secure_getenv("CREDENTIALS_DIRECTORY");
	char path[PATH_MAX];

	return dir != NULL && dir[0] == '/' &&
	       snprintf(path, sizeof(path), "%s/modal-token", dir) < (int)sizeof(path) &&
	       access(path, F_OK) == 0;
}

/* The layer a value came from: the same order remote_settings.c takes. */
static void
source_of(const struct cli *c, struct shown_setting *s, const char *flag_value,
	  const char *flag, const char *var, int in_profile, int credential)
{
	const struct profile *p = &c->settings.profile;

	if (s->value == NULL)
		snprintf(s->source, sizeof(s->source), "unset");
	else if (flag != NULL && flag_value != NULL && *flag_value != '\0')
		snprintf(s->source, sizeof(s->source), "flag %s", flag);
	else if (var != NULL && cli_flag_or_env(NULL, var) != NULL)
		snprintf(s->source, sizeof(s->source), "environment %s", var);
	else if (credential)
		snprintf(s->source, sizeof(s->source), "credential $CREDENTIALS_DIRECTORY/modal-token");
	else if (in_profile)
		snprintf(s->source, sizeof(s->source), "profile \"%s\" in %s", p->name, p->path);
	else
		snprintf(s->source, sizeof(s->source), "default");
}

static size_t
collect(const struct cli *c, struct shown_setting *s, char *timeout, size_t tlen)
{
	const struct vault_settings *v = &c->settings;
	const struct profile *p = &v->profile;
	int cred = credential_present();
	size_t n = 0;

	snprintf(timeout, tlen, "%lldms", (long long)v->timeout_ms);
	s[n] = (struct shown_setting){ "server_url", v->url, "" };
	source_of(c, &s[n++], c->server, "--server", "MODAL_SERVER_URL", p->server_url != NULL, 0);
	s[n] = (struct shown_setting){ "token_id", v->token_id, "" };
	source_of(c, &s[n++], c->flags.token_id, "--token-id", "MODAL_TOKEN_ID",
		  p->token_id != NULL, cred);
	s[n] = (struct shown_setting){ "token_secret", v->token_secret != NULL ? "***" : NULL, "" };
	source_of(c, &s[n++], NULL, NULL,
		  v->env_secret != NULL ? "MODAL_TOKEN_SECRET" : NULL, p->token_secret != NULL, cred);
	s[n] = (struct shown_setting){ "environment", v->env, "" };
	source_of(c, &s[n++], c->flags.env, "-e/--env", "MODAL_ENVIRONMENT",
		  p->environment != NULL, 0);
	s[n] = (struct shown_setting){ "profile", p->name[0] ? p->name : NULL, "" };
	source_of(c, &s[n++], c->flags.profile, "--profile", "MODAL_PROFILE", 1, 0);
	if (s[n - 1].value != NULL && strncmp(s[n - 1].source, "profile", 7) == 0)
		snprintf(s[n - 1].source, sizeof(s[n - 1].source), "%s in %s",
			 p->name[0] && strcmp(p->name, "default") == 0 ? "[default]" : "active = true",
			 p->path);
	s[n] = (struct shown_setting){ "config_path", p->path[0] ? p->path : NULL, "" };
	source_of(c, &s[n++], c->flags.config, "--config", "MODAL_CONFIG_PATH", 0, 0);
	s[n] = (struct shown_setting){ "vault_public_key", v->vault_key, "" };
	source_of(c, &s[n++], c->flags.vault_key, "--vault-key", "MODAL_VAULT_PUBLIC_KEY",
		  p->vault_public_key != NULL, 0);
	s[n] = (struct shown_setting){ "cacert", v->cacert, "" };
	source_of(c, &s[n++], c->flags.cacert, "--cacert", "MODAL_CACERT", 0, 0);
	s[n] = (struct shown_setting){ "timeout", timeout, "" };
	source_of(c, &s[n++], c->flags.timeout, "--timeout", "MODAL_TIMEOUT", 0, 0);
	s[n] = (struct shown_setting){ "policy", v->policy, "" };
	source_of(c, &s[n++], NULL, NULL, "MODAL_POLICY", p->policy != NULL, 0);
	s[n] = (struct shown_setting){ "cache_dir", v->cache_dir, "" };
	source_of(c, &s[n++], NULL, NULL, "MODAL_CACHE_DIR", p->cache_dir != NULL, 0);
	return n;
}

int
cmd_config_show(struct cli *c)
{
	struct shown_setting s[16];
	char timeout[32];
	size_t n = collect(c, s, timeout, sizeof(timeout)), i;
	json_t *j;

	if (c->json) {
		j = json_object();
		for (i = 0; i < n; i++)
			json_object_set_new(j, s[i].name, json_pack("{s:o, s:s}", "value",
				s[i].value != NULL ? json_string(s[i].value) : json_null(),
				"source", s[i].source));
		return print_json(j);
	}
	for (i = 0; i < n; i++)
		printf("%-17s %-40s %s\n", s[i].name, s[i].value != NULL ? s[i].value : "-",
		       s[i].source);
	return fflush(stdout) == 0 ? 0 : EXIT_IOERR;
}
