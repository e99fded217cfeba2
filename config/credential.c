/* credential.c — the systemd credential (credential.h). Not TOML: systemd
 * passes the file as it was written, and a one-line "ak-...:as-..." is what
 * people put in a unit. An unknown key is an error here, not a warning: the
 * file holds nothing but the token, so a mangled line may be the secret. */
#include "credential.h"
#include "fdio.h"
#include "profile.h"
#include "secmem.h"
#include "values.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Where the token is in the credential: pointers into its buffer. */
struct cred {
	const char *id, *secret;
	size_t id_len, secret_len;
	bool pair;                    /* given as one ak-...:as-... line */
};

static const char *
trim_end(const char *p, const char *end)
{
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	return end;
}

/* "ak-...:as-..." on one line. */
static int
cred_pair(const char *path, unsigned line, const char *p, const char *colon,
	  const char *end, struct cred *c, struct mr_err *e)
{
	const char *s = skip_ws(colon + 1, end);

	if (c->id != NULL || c->secret != NULL)
		return mr_fail(e, MR_E_CONFIG, "%s:%u: more than one token", path, line);
	c->pair = true;
	c->id = p;
	c->id_len = (size_t)(trim_end(p, colon) - p);
	c->secret = s;
	c->secret_len = (size_t)(end - s);
	return 0;
}

/* token_id = ak-... or token_secret = as-..., the value bare or quoted. */
static int
cred_keyval(const char *path, unsigned line, const char *p, const char *eq,
	    const char *end, struct cred *c, struct mr_err *e)
{
	const char *k_end = trim_end(p, eq), *v = skip_ws(eq + 1, end);
	bool is_id = k_end - p == 8 && memcmp(p, "token_id", 8) == 0;
	bool is_secret = k_end - p == 12 && memcmp(p, "token_secret", 12) == 0;

	if (!is_id && !is_secret)   /* not named: a mangled line may hold the secret */
		return mr_fail(e, MR_E_CONFIG, "%s:%u: unknown key (expected token_id or "
			       "token_secret)", path, line);
	if (c->pair)
		return mr_fail(e, MR_E_CONFIG, "%s:%u: more than one token", path, line);
	if (is_id ? c->id != NULL : c->secret != NULL)
		return mr_fail(e, MR_E_CONFIG, "%s:%u: duplicate %s", path, line,
			       is_id ? "token_id" : "token_secret");
	if (end - v >= 2 && (*v == '"' || *v == '\'') && end[-1] == *v) {
		v++;
		end--;
	}
	*(is_id ? &c->id : &c->secret) = v;
	*(is_id ? &c->id_len : &c->secret_len) = (size_t)(end - v);
	return 0;
}

static int
cred_line(const char *path, unsigned line, const char *p, const char *end,
	  struct cred *c, struct mr_err *e)
{
	const char *q, *sep;

	p = skip_ws(p, end);
	end = trim_end(p, end);
	if (p == end || *p == '#')
		return 0;
	for (q = p; q < end; q++)
		if (((unsigned char)*q < 0x20 && *q != '\t') || (unsigned char)*q >= 0x7f)
			return mr_fail(e, MR_E_CONFIG, "%s:%u: control character or non-ASCII "
				       "byte", path, line);
	if ((sep = memchr(p, '=', (size_t)(end - p))) != NULL)
		return cred_keyval(path, line, p, sep, end, c, e);
	if ((sep = memchr(p, ':', (size_t)(end - p))) != NULL)
		return cred_pair(path, line, p, sep, end, c, e);
	return mr_fail(e, MR_E_CONFIG, "%s:%u: expected ak-...:as-... or token_id = / "
		       "token_secret = lines", path, line);
}

static int
cred_parse(const char *path, const char *text, size_t len, struct cred *c,
	   struct mr_err *e)
{
	const char *p = text, *end = text + len, *nl;
	unsigned line = 0;
	int rc = 0;

	while (rc == 0 && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		rc = cred_line(path, ++line, p, nl != NULL ? nl : end, c, e);
		p = nl != NULL ? nl + 1 : end;
	}
	if (rc == 0 && c->id == NULL && c->secret == NULL)
		rc = mr_fail(e, MR_E_CONFIG, "%s: no token (expected ak-...:as-... or "
			     "token_id = / token_secret = lines)", path);
	else if (rc == 0 && (c->id == NULL || c->secret == NULL))
		rc = mr_fail(e, MR_E_CONFIG, "%s: no %s line", path,
			     c->id == NULL ? "token_id" : "token_secret");
	else if (rc == 0 && !value_is_token_id(c->id, c->id_len))
		rc = mr_fail(e, MR_E_CONFIG, "%s: token id %s", path, RULE_TOKEN("ak-"));
	else if (rc == 0 && !value_is_token_secret(c->secret, c->secret_len))
		rc = mr_fail(e, MR_E_CONFIG, "%s: token secret %s", path, RULE_TOKEN("as-"));
	return rc;
}

static int
cred_install(const struct cred *c, struct profile *out, struct mr_err *e)
{
	char *id = strndup(c->id, c->id_len);

	if (id == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	free(out->token_id);
	out->token_id = id;
	secure_free(out->token_secret, out->token_secret_len + 1);
	out->token_secret = xsecure_alloc(c->secret_len + 1);
	memcpy(out->token_secret, c->secret, c->secret_len);
	out->token_secret[c->secret_len] = '\0';
	out->token_secret_len = c->secret_len;
	return 0;
}

int
profile_parse_credential(const char *text, size_t len, const char *display_path,
			 struct profile *out, struct mr_err *e)
{
	struct cred c = { 0 };

	if (cred_parse(display_path, text, len, &c, e) != 0)
		return -1;
	return cred_install(&c, out, e);
}

int
profile_load_credential(const char *creds_dir, struct profile *out, struct mr_err *e)
{
	char path[PATH_MAX];
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	if (creds_dir == NULL || creds_dir[0] == '\0')
		return 0;
	if (creds_dir[0] != '/')   /* as systemd: a relative one was not set by it */
		return mr_fail(e, MR_E_CONFIG, "$CREDENTIALS_DIRECTORY is not an absolute path");
	if (snprintf(path, sizeof(path), "%s/modal-token", creds_dir) >= (int)sizeof(path))
		return mr_fail(e, MR_E_CONFIG, "$CREDENTIALS_DIRECTORY is too long");
	rc = read_file_secret(path, CREDENTIAL_MAX, 0, &buf, &len, e);
	if (rc == 0) {
		rc = profile_parse_credential((const char *)buf, len, path, out, e);
	} else if (e->kind == MR_E_NOTFOUND) {
		mr_clear(e);           /* no LoadCredential=modal-token: not ours to judge */
		rc = 0;
	} else if (e->kind == MR_E_TOOLARGE) {
		e->kind = MR_E_CONFIG;
	}
	secure_free(buf, len + 1);
	return rc;
}
