#!/usr/bin/env bash
# Who may do what: every way authentication fails (no token, malformed, wrong
# secret, expired, revoked, a proxy token on the API, an API token at
# proxy-auth, another workspace's token), roles (a token never exceeds its
# member's role, and follows it when it changes), the per-address limit on
# failed authentications, and the proxy-auth answers of SPEC 5. X-Real-IP and
# X-Modal-Environment count only from a --trust-proxy peer: from any other
# they are the client's own claims, and the attacks that used them (rotating
# X-Real-IP past the limit, naming another client to lock it out, naming an
# environment to widen a proxy token) fail.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/server_lib.sh"

vault_init "$TMP/v"
read -r OID OSEC < <(cli_token --name owner)
OWNER=$(bearer "$OID" "$OSEC")
# 127.0.0.2 plays the trusted proxy; everyone else is a client.
start_server --auth-fail-limit 1000 --trust-proxy 127.0.0.2/32

# Members of each role, each with a token made by the CLI for them.
member() {
	json POST /v1/workspaces/current/members "{\"name\":\"$1\",\"role\":\"$2\"}" -H "$OWNER"
	field "j['member_id']"
}
MGR_ID=$(member mia manager)
USR_ID=$(member ulf user)
read -r MID MSEC < <(cli_token --member "$MGR_ID")
read -r UID_ USEC < <(cli_token --member "$USR_ID")
MGR=$(bearer "$MID" "$MSEC")
USR=$(bearer "$UID_" "$USEC")
json POST /v1/secrets '{"name":"db","env":{"A":"1"}}' -H "$OWNER"
expect 201 "owner creates a secret"

# ---- authentication failures: 401 unauthorized, JSON
req GET /v1/secrets
expect_error 401 unauthorized "no token"
check "401 names the scheme" grep -qi '^WWW-Authenticate: Bearer' "$HDRS"
for bad in "Bearer" "Bearer " "Basic $(printf '%s:%s' "$OID" "$OSEC" | base64 -w0)" \
	"Bearer $OID" "Bearer $OID:" "Bearer :$OSEC" "Bearer $OID;$OSEC" "Bearer ${OID}x:$OSEC" \
	"Bearer $OID:${OSEC/as-/xs-}" "Bearer $OID:$OSEC:extra" "Bearer $OID:$OSEC$(printf 'A%.0s' {1..300})" \
	"Bearer $OID:${OSEC:0:20}!!" "bearer-$OID:$OSEC"; do
	req GET /v1/secrets -H "Authorization: $bad"
	expect_error 401 unauthorized "malformed credentials '${bad:0:40}'"
done
req GET /v1/secrets -H "$(bearer "$OID" "$(wrong "$OSEC")")"
expect_error 401 unauthorized "wrong secret"
req GET /v1/secrets -H "$(bearer "$OID" "${OSEC%?}")"
expect_error 401 unauthorized "secret one character short"
req GET /v1/secrets -H "$(bearer "ak-unknownunknownunknown" "$OSEC")"
expect_error 401 unauthorized "unknown token id"
read -r XID XSEC < <(cli_token --name soon-expired)
store_sql "UPDATE tokens SET expires_at = strftime('%s','now') - 1 WHERE id = '$XID'"
req GET /v1/secrets -H "$(bearer "$XID" "$XSEC")"
expect_error 401 unauthorized "expired token"
read -r RID RSEC < <(cli_token --name to-revoke)
req GET /v1/secrets -H "$(bearer "$RID" "$RSEC")"
expect 200 "a token before it is revoked"
MODAL_SERVER_URL=$STORE "$MODAL_VAULT" token revoke "$RID" -y >/dev/null
req GET /v1/secrets -H "$(bearer "$RID" "$RSEC")"
expect_error 401 unauthorized "revoked token (revoked by the CLI while the server runs)"

# Proxy tokens are not API tokens, and API tokens are not proxy tokens.
json POST /v1/proxy-tokens '{"name":"web"}' -H "$OWNER"
WID=$(field "j['token_id']")
WSEC=$(field "j['token_secret']")
req GET /v1/secrets -H "Authorization: Bearer $WID.$WSEC"
expect_error 401 unauthorized "proxy token (Bearer wk-.ws-) on the API"
req GET /v1/secrets -H "Authorization: Bearer $WID:$WSEC"
expect_error 401 unauthorized "proxy token with an API token's separator"
req GET /v1/secrets -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC"
expect_error 401 unauthorized "proxy token headers on the API"

# Another workspace: a token of another vault is unknown here, and back.
vault_b="$TMP/b"
MODAL_SERVER_URL="file:$vault_b" "$MODAL_VAULT" init --name other >/dev/null
read -r BID BSEC < <(MODAL_SERVER_URL="file:$vault_b" "$MODAL_VAULT" token create --json |
	python3 -c 'import json,sys; t=json.load(sys.stdin); print(t["token_id"], t["token_secret"])')
req GET /v1/secrets -H "$(bearer "$BID" "$BSEC")"
expect_error 401 unauthorized "another workspace's token"
req GET /v1/workspaces/current -H "$OWNER"
body_has "this server answers for its own workspace" "j['name'] != 'other'"

# ---- roles: a token has its member's role, never more
req GET /v1/secrets -H "$USR"
expect 200 "user reads secret metadata"
"$FETCH_TOOL" request "$TMP/launch" main db >"$TMP/fetch.json"
json POST /v1/fetch "$(cat "$TMP/fetch.json")" -H "$USR"
expect 200 "user fetches"
json POST /v1/secrets '{"name":"u","env":{"A":"1"}}' -H "$USR"
expect_error 403 forbidden "user creates a secret"
json PUT /v1/secrets/db '{"env":{"A":"2"},"version":1}' -H "$USR"
expect_error 403 forbidden "user updates a secret"
req DELETE /v1/secrets/db -H "$USR"
expect_error 403 forbidden "user deletes a secret"
json POST /v1/environments '{"name":"u"}' -H "$USR"
expect_error 403 forbidden "user creates an environment"
req GET /v1/proxy-tokens -H "$USR"
expect_error 403 forbidden "user lists proxy tokens"
req GET /v1/audit -H "$USR"
expect_error 403 forbidden "user reads the audit log"
json POST /v1/workspaces/current/members '{"name":"z","role":"user"}' -H "$USR"
expect_error 403 forbidden "user adds a member (owner only)"
json POST /v1/tokens '{"name":"mine"}' -H "$USR"
expect 201 "user makes a token for itself"
body_has "the user's new token is the user's" "j['member_id'] == '$USR_ID'"
U2=$(bearer "$(field "j['token_id']")" "$(field "j['token_secret']")")
json POST /v1/secrets '{"name":"u","env":{"A":"1"}}' -H "$U2"
expect_error 403 forbidden "a token made by a user is still a user's"
req GET /v1/tokens -H "$USR"
body_has "a user lists only its own tokens" "j['data'] and all(t['member_id'] == '$USR_ID' for t in j['data'])"
req DELETE "/v1/tokens/$OID" -H "$USR"
expect_error 404 not_found "a user revokes the owner's token"
req GET /v1/secrets -H "$OWNER"
expect 200 "the owner's token still works"

json POST /v1/secrets '{"name":"m","env":{"A":"1"}}' -H "$MGR"
expect 201 "manager creates a secret"
req GET /v1/audit -H "$MGR"
expect 200 "manager reads the audit log"
json POST /v1/proxy-tokens '{"name":"m"}' -H "$MGR"
expect 201 "manager creates a proxy token"
json POST /v1/workspaces/current/members '{"name":"z","role":"user"}' -H "$MGR"
expect_error 403 forbidden "manager adds a member (owner only)"
json PATCH "/v1/workspaces/current/members/$MGR_ID" '{"role":"owner"}' -H "$MGR"
expect_error 403 forbidden "manager promotes itself"
req GET /v1/tokens -H "$OWNER"
body_has "the owner lists every member's tokens" "{'$USR_ID','$MGR_ID'} <= {t['member_id'] for t in j['data']}"

# The role follows the member: demoted, removed.
json PATCH "/v1/workspaces/current/members/$MGR_ID" '{"role":"user"}' -H "$OWNER"
expect 200 "owner demotes the manager"
json POST /v1/secrets '{"name":"m2","env":{"A":"1"}}' -H "$MGR"
expect_error 403 forbidden "the demoted manager's token at once"
req DELETE "/v1/workspaces/current/members/$USR_ID" -H "$OWNER"
expect 204 "owner removes the user"
req GET /v1/secrets -H "$USR"
expect_error 401 unauthorized "a removed member's token"
req GET /v1/secrets -H "$U2"
expect_error 401 unauthorized "a removed member's other token"

# ---- proxy-auth answers (SPEC 5), straight to the server
proxy() { req GET /v1/proxy-auth "$@"; }
proxy_text() {   # proxy_text STATUS TEXT WHAT
	if [ "$ST" = "$1" ] && [ "$(cat "$BODY")" = "$2" ] && grep -qi '^Content-Type: text/plain' "$HDRS"; then
		ok "$3 -> $1"
	else
		not_ok "$3 -> $ST '$(head -c 200 "$BODY")', want $1 '$2'"
	fi
}
MISSING="modal-http: missing credentials for proxy authorization"
INVALID="modal-http: invalid credentials for proxy authorization"
proxy
proxy_text 401 "$MISSING" "proxy-auth without credentials"
proxy -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC"
expect 204 "proxy-auth with Modal-Key/Modal-Secret"
proxy -H "Authorization: Bearer $WID.$WSEC"
expect 204 "proxy-auth with Bearer wk-.ws-"
proxy -H "Modal-Key: $WID" -H "Modal-Secret: $(wrong "$WSEC")"
proxy_text 401 "$INVALID" "proxy-auth with a wrong secret"
proxy -H "Modal-Key: $WID"
proxy_text 401 "$INVALID" "proxy-auth with a key and no secret"
proxy -H "Authorization: Bearer $OID:$OSEC"
proxy_text 401 "$INVALID" "an API token at proxy-auth (Bearer)"
proxy -H "Modal-Key: $OID" -H "Modal-Secret: $OSEC"
proxy_text 401 "$INVALID" "an API token at proxy-auth (Modal-Key)"
proxy -H "Authorization: Bearer garbage"
proxy_text 401 "$INVALID" "proxy-auth with garbage"
TRUSTED=(--interface 127.0.0.2)
proxy -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC" -H "X-Modal-Environment: prod" "${TRUSTED[@]}"
proxy_text 401 "$INVALID" "proxy-auth in an environment it is not allowed in (no such environment)"
json POST /v1/environments '{"name":"prod","webhook_suffix":"prodsfx"}' -H "$OWNER"
# A Host names one environment: a webhook suffix is unique in a workspace
# (compared without case, as the Host is), and so is the default suffix (the name).
json POST /v1/environments '{"name":"prod2","webhook_suffix":"PRODSFX"}' -H "$OWNER"
expect_error 409 already_exists "a second environment with prod's webhook suffix"
json POST /v1/environments '{"name":"prodsfx"}' -H "$OWNER"
expect_error 409 already_exists "an environment whose name (its default suffix) is prod's suffix"
req GET /v1/environments -H "$OWNER"
body_has "neither duplicate was made" "not any(e['name'] in ('prod2', 'prodsfx') for e in j['data'])"
proxy -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC" -H "X-Modal-Environment: prod" "${TRUSTED[@]}"
proxy_text 401 "$INVALID" "proxy-auth in prod before it is allowed there"
proxy -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC" -H "Host: shop-prodsfx.example.com"
proxy_text 401 "$INVALID" "prod found from the Host's webhook suffix, not allowed"
req PUT "/v1/proxy-tokens/$WID/environments/prod" -H "$OWNER"
proxy -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC" -H "X-Modal-Environment: prod" "${TRUSTED[@]}"
expect 204 "proxy-auth in prod once allowed (X-Modal-Environment from the trusted proxy)"
proxy -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC" -H "Host: shop-prodsfx--v2.example.com:8080"
expect 204 "prod from Host app-SUFFIX--label"
req DELETE "/v1/proxy-tokens/$WID/environments/main" -H "$OWNER"
proxy -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC" -H "Host: shop.example.com"
proxy_text 401 "$INVALID" "the default environment, revoked"
# The attack: a token allowed only in prod, a client naming prod itself on
# the Host of the default environment's service.
proxy -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC" -H "Host: shop.example.com" -H "X-Modal-Environment: prod"
proxy_text 401 "$INVALID" "X-Modal-Environment from a client (not --trust-proxy) does not choose the environment"
proxy -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC" -H "Host: shop.example.com" -H "X-Modal-Environment: prod" \
	--interface 127.0.0.3
proxy_text 401 "$INVALID" "nor from another loopback address"
proxy -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC" -H "Host: shop.example.com" -H "X-Modal-Environment: prod" "${TRUSTED[@]}"
expect 204 "X-Modal-Environment from the --trust-proxy peer counts"
req DELETE "/v1/proxy-tokens/$WID" -H "$OWNER"
proxy -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC" -H "X-Modal-Environment: prod"
proxy_text 401 "$INVALID" "a deleted proxy token"

# ---- every failure is in the audit log, with the claimed id and address
req GET "/v1/audit?limit=1000" -H "$OWNER"
body_has "failed authentications are audited" "sum(1 for r in j['data'] if r['status'] == 401) >= 20"
body_has "the claimed token id of a wrong secret is kept" "any(r['status'] == 401 and r['token_id'] == '$OID' for r in j['data'])"
body_has "proxy checks are audited" "any(r['action'] == 'proxy_auth.check' and r['status'] == 204 and r['resource'] == 'environment:prod' for r in j['data'])"
body_has "forbidden attempts are audited" "any(r['status'] == 403 and r['token_id'] == '$UID_' for r in j['data'])"
stop_server

# ---- the limit on failed authentications, per client address
start_server --auth-fail-limit 3 --auth-fail-window 60 --trust-proxy 127.0.0.3/32 \
	--trust-proxy 127.0.0.4 --trust-proxy unix --listen "unix:$TMP/vault.sock"
for i in $(seq 10); do req GET /v1/secrets -H "$OWNER"; done
expect 200 "successful requests do not count"
for i in 1 2 3; do
	req GET /v1/secrets -H "$(bearer "$OID" "$(wrong "$OSEC")")"
	expect_error 401 unauthorized "failure $i of 3"
done
req GET /v1/secrets -H "$(bearer "$OID" "$(wrong "$OSEC")")"
expect_error 429 rate_limited "the fourth failure"
retry=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$HDRS")
check "429 says when to retry ($retry s)" test "${retry:-0}" -ge 1 -a "${retry:-0}" -le 60
req GET /v1/secrets -H "$OWNER"
expect_error 429 rate_limited "even a good token from that address"
req GET /v1/secrets -H "$OWNER" --interface 127.0.0.2
expect 200 "another address is not limited"
req GET /healthz
expect 200 "unauthenticated paths are not limited"
# Behind a trusted proxy, failures count against the end client it names.
for i in 1 2 3; do req GET /v1/secrets -H "X-Real-IP: 10.0.0.5" --interface 127.0.0.4; done
req GET /v1/secrets -H "$OWNER" -H "X-Real-IP: 10.0.0.5" --interface 127.0.0.4
expect_error 429 rate_limited "the end client a local proxy names is limited"
req GET /v1/secrets -H "$OWNER" -H "X-Real-IP: 10.0.0.6" --interface 127.0.0.4
expect 200 "another end client behind that proxy is not"
# From a peer that is not --trust-proxy, X-Real-IP is the client's claim:
# rotating it does not escape the limit ...
for i in 1 2 3; do req GET /v1/secrets -H "X-Real-IP: 10.1.0.$i" --interface 127.0.0.5; done
req GET /v1/secrets -H "$OWNER" -H "X-Real-IP: 10.1.0.9" --interface 127.0.0.5
expect_error 429 rate_limited "X-Real-IP rotation from an untrusted peer: still limited"
check "the log shows the peer, not the claimed address" bash -c "! grep -q '10\.1\.0\.' '$TMP/serve.log'"
# ... and naming a real client does not lock that client out.
for i in 1 2 3 4; do req GET /v1/secrets -H "X-Real-IP: 127.0.0.7" --interface 127.0.0.6; done
req GET /v1/secrets -H "$OWNER" --interface 127.0.0.7
expect 200 "a spoofed X-Real-IP does not lock out the client it names"
# Unix-socket peers are trusted with --trust-proxy unix (as this server is).
for i in 1 2 3; do
	curl -s -o /dev/null --unix-socket "$TMP/vault.sock" -H "X-Real-IP: 10.2.0.1" "http://v/v1/secrets"
done
check "unix proxy: the named end client is limited" test "$(curl -s -o /dev/null -w '%{http_code}' \
	--unix-socket "$TMP/vault.sock" -H "X-Real-IP: 10.2.0.1" -H "$OWNER" http://v/v1/secrets)" = 429
check "unix proxy: another end client is not" test "$(curl -s -o /dev/null -w '%{http_code}' \
	--unix-socket "$TMP/vault.sock" -H "X-Real-IP: 10.2.0.2" -H "$OWNER" http://v/v1/secrets)" = 200
# proxy-auth: limited per end client named by the proxy in front
for i in 1 2 3; do req GET /v1/proxy-auth -H "X-Real-IP: 10.0.0.1" --interface 127.0.0.3; done
req GET /v1/proxy-auth -H "X-Real-IP: 10.0.0.1" --interface 127.0.0.3
check "proxy-auth: the fourth failure of one end client is 429" test "$ST" = 429
req GET /v1/proxy-auth -H "X-Real-IP: 10.0.0.2" --interface 127.0.0.3
proxy_text 401 "$MISSING" "another end client behind the same proxy is not limited"
for i in 1 2 3; do req GET /v1/proxy-auth -H "X-Real-IP: 10.3.0.$i" --interface 127.0.0.8; done
req GET /v1/proxy-auth -H "X-Real-IP: 10.3.0.9" --interface 127.0.0.8
check "proxy-auth: X-Real-IP rotation from an untrusted peer is still 429" test "$ST" = 429
stop_server

# Without --trust-proxy, no peer is trusted, the Unix socket's neither.
start_server --auth-fail-limit 2 --listen "unix:$TMP/vault2.sock"
for i in 1 2; do
	curl -s -o /dev/null --unix-socket "$TMP/vault2.sock" -H "X-Real-IP: 10.4.0.$i" "http://v/v1/secrets"
done
check "unix peer without --trust-proxy unix: X-Real-IP rotation still limited" test "$(curl -s -o /dev/null \
	-w '%{http_code}' --unix-socket "$TMP/vault2.sock" -H "X-Real-IP: 10.4.0.9" -H "$OWNER" http://v/v1/secrets)" = 429
stop_server

# IPv6 peers: a prefix trusts the addresses it covers, and no other.
v6_rotation() {   # v6_rotation: the status of a good request after 2 failures, each a new X-Real-IP
	local u i
	u=$(sed -n 's/^modal-vault serve: listening on \(http:\/\/\[.*\)$/\1/p' "$TMP/serve.out")
	for i in 1 2; do curl -s -o /dev/null -H "X-Real-IP: 10.6.0.$i" "$u/v1/secrets"; done
	curl -s -o /dev/null -w '%{http_code}' -H "X-Real-IP: 10.6.0.9" -H "$OWNER" "$u/v1/secrets"
}
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	start_server --auth-fail-limit 2 --trust-proxy 10.0.0.0/8 --trust-proxy ::1/128 --listen "[::1]:0"
	check "IPv6: X-Real-IP from a trusted ::1 counts per end client" test "$(v6_rotation)" = 200
	stop_server
	start_server --auth-fail-limit 2 --trust-proxy fd00::/8 --trust-proxy 127.0.0.0/8 --listen "[::1]:0"
	check "IPv6: ::1 outside fd00::/8 is not trusted: rotation still limited" test "$(v6_rotation)" = 429
	stop_server
else
	ok "IPv6 loopback unavailable here: IPv6 peers not tried"
fi

# --trust-proxy values: IPv4 and IPv6 addresses and prefixes, "unix"; any
# other is a one-line error, exit 64, and nothing starts.
for good in 10.0.0.1 10.0.0.0/8 0.0.0.0/0 ::1 fd00::/8 ::ffff:127.0.0.1 unix; do
	expect_exit 0 "" "$MODAL_VAULT" serve --trust-proxy "$good" --help
done
for bad in "" 10.0.0.0/33 ::1/129 10.0.0.0/ 10.0.0.0/-1 10.0.0.0/8x 10.0.0 example.com /8 UNIX "10.0.0.1 "; do
	expect_exit 64 "--trust-proxy '$bad'" "$MODAL_VAULT" serve --store "$STORE" --listen 127.0.0.1:0 --trust-proxy "$bad"
done
validate_responses
finish
