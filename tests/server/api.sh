#!/usr/bin/env bash
# The server's API driven with curl: every path of vault/server/openapi.yml,
# its answers and its error statuses, then every answer validated against the
# OpenAPI document and the seed documents.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/server_lib.sh"

vault_init "$TMP/v"
read -r OID OSEC < <(cli_token --name owner-token)
OWNER=$(bearer "$OID" "$OSEC")
start_server

# ---- unauthenticated paths
req GET /healthz
expect 200 "healthz"
body_has "healthz says ok" 'j == {"status": "ok"}'
req GET /v1/vault-key
expect 200 "vault-key"
body_has "vault-key is the key printed at start" "j['public_key'] == '$VAULT_KEY'"
req GET /v1/openapi.yml
expect 200 "openapi.yml"
check "the served document is vault/server/openapi.yml" cmp -s "$BODY" "$SPEC"
check "the document keeps every seed path, field and status" \
	python3 "$HERE/seed_superset.py" "$SPEC" "${SEEDS[@]}"

# ---- workspace and environments
req GET /v1/workspaces/current -H "$OWNER"
expect 200 "workspace current"
body_has "workspace has its default environment" "j['default_environment'] == 'main' and j['plan'] in ('starter','team','enterprise')"
req GET /v1/environments -H "$OWNER"
expect 200 "environments list"
body_has "main is the default" "[e['name'] for e in j['data'] if e['default']] == ['main']"
json POST /v1/environments '{"name":"prod","webhook_suffix":"prodsfx"}' -H "$OWNER"
expect 201 "environment create"
body_has "environment answer" "j['name'] == 'prod' and j['webhook_suffix'] == 'prodsfx'"
json POST /v1/environments '{"name":"prod"}' -H "$OWNER"
expect_error 409 already_exists "environment create twice"
json POST /v1/environments '{"name":"no/slash"}' -H "$OWNER"
expect_error 400 invalid "environment with a bad name"
json POST /v1/environments '{"name":"x","color":"red"}' -H "$OWNER"
expect_error 400 invalid "environment with an unknown field"
json POST /v1/environments '{"name":"empty"}' -H "$OWNER"
expect 201 "environment create (to delete)"
req DELETE /v1/environments/empty -H "$OWNER"
expect 204 "environment delete"
req DELETE /v1/environments/empty -H "$OWNER"
expect_error 404 not_found "environment delete again"
req DELETE /v1/environments/main -H "$OWNER"
expect_error 409 conflict "delete the default environment"

# ---- secrets
json POST /v1/secrets '{"name":"db","env":{"USER":"admin","PASS":"pw-v1"}}' -H "$OWNER"
expect 201 "secret create"
body_has "secret answer names keys, never values" "j['keys'] == ['USER','PASS'] and j['version'] == 1 and 'pw-v1' not in json.dumps(j)"
json POST /v1/secrets '{"name":"pdb","environment":"prod","env":{"K":"v"}}' -H "$OWNER"
expect 201 "secret create in prod"
req DELETE /v1/environments/prod -H "$OWNER"
expect_error 409 conflict "delete an environment that holds secrets"
json POST /v1/secrets '{"name":"db","env":{"A":"1"}}' -H "$OWNER"
expect_error 409 already_exists "secret create twice"
json POST /v1/secrets '{"name":"x","environment":"nope","env":{"A":"1"}}' -H "$OWNER"
expect_error 404 not_found "secret in an unknown environment"
json POST /v1/secrets '{"name":"bad name","env":{"A":"1"}}' -H "$OWNER"
expect_error 400 invalid "secret with a bad name"
json POST /v1/secrets '{"name":"x","env":{"1A":"1"}}' -H "$OWNER"
expect_error 400 invalid "secret with a bad key"
json POST /v1/secrets '{"name":"x","env":{"A":1}}' -H "$OWNER"
expect_error 400 invalid "secret with a number value"
json POST /v1/secrets '{"name":"nokeys","env":{}}' -H "$OWNER"
expect 201 "secret with no keys (the seed schema allows env {})"
req DELETE /v1/secrets/nokeys -H "$OWNER"
expect 204 "secret with no keys deleted"
json POST /v1/secrets '{"name":"x"}' -H "$OWNER"
expect_error 400 invalid "secret without env"
json POST /v1/secrets '{"name":"x","env":{"A":"\u0000"}}' -H "$OWNER"
expect_error 400 invalid "secret with a NUL in a value"
big=$(head -c 32769 /dev/zero | tr '\0' x)
json POST /v1/secrets "{\"name\":\"big\",\"env\":{\"A\":\"$big\"}}" -H "$OWNER"
expect_error 413 too_large "secret with a value over 32768 bytes"
req GET /v1/secrets -H "$OWNER"
expect 200 "secret list (default environment)"
body_has "list names db only" "[s['name'] for s in j['data']] == ['db']"
req GET "/v1/secrets?environment=prod" -H "$OWNER"
expect 200 "secret list ?environment=prod"
body_has "prod lists pdb" "[s['name'] for s in j['data']] == ['pdb']"
req GET "/v1/secrets?environment=nope" -H "$OWNER"
expect_error 404 not_found "secret list of an unknown environment"
req GET /v1/secrets/db -H "$OWNER"
expect 200 "secret get"
req GET /v1/secrets/nope -H "$OWNER"
expect_error 404 not_found "secret get unknown"
json PUT /v1/secrets/db '{"env":{"USER":"admin","PASS":"pw-v2"},"version":1}' -H "$OWNER"
expect 200 "secret update at version 1"
body_has "update made version 2" "j['version'] == 2"
json PUT /v1/secrets/db '{"env":{"USER":"late"},"version":1}' -H "$OWNER"
expect_error 409 conflict "secret update with a stale version"
json PUT /v1/secrets/db '{"env":{"USER":"x"}}' -H "$OWNER"
expect_error 400 invalid "secret update without version"
json PUT /v1/secrets/db '{"env":{"USER":"x"},"version":0}' -H "$OWNER"
expect_error 400 invalid "secret update with version 0"
json PUT /v1/secrets/nope '{"env":{"A":"1"},"version":1}' -H "$OWNER"
expect_error 404 not_found "secret update unknown"
json PUT /v1/secrets/pdb '{"env":{"K":"v2"},"version":1,"environment":"prod"}' -H "$OWNER"
expect 200 "secret update in prod"
req GET /v1/secrets/db/versions -H "$OWNER"
expect 200 "secret versions"
body_has "versions newest first" "[v['version'] for v in j['data']] == [2, 1]"
req GET /v1/secrets/nope/versions -H "$OWNER"
expect_error 404 not_found "versions of an unknown secret"

# ---- the launcher's fetch
"$FETCH_TOOL" request "$TMP/launch" main db >"$TMP/fetch.json"
# The fetch checks its token in the fetch's own snapshot; the token's last
# use is still written (once that snapshot ends).
store_sql "UPDATE tokens SET last_used_at = 0 WHERE id = '$OID'"
json POST /v1/fetch "$(cat "$TMP/fetch.json")" -H "$OWNER"
expect 200 "fetch"
is "$(store_sql "SELECT last_used_at > 0 FROM tokens WHERE id = '$OID'" | sed 's/^t$/1/')" 1 \
	"the fetch wrote its token's last use"
cp "$BODY" "$TMP/answer.json"
check "the answer opens for its launch, with the stored values" bash -c \
	"'$FETCH_TOOL' open '$TMP/launch' '$VAULT_KEY' <'$TMP/answer.json' | grep -qx 'db v2 PASS=pw-v2'"
check "no value in the answer on the wire" bash -c "! grep -q 'pw-v2' '$TMP/answer.json'"
expect_exit 77 "not the pinned one" bash -c "'$FETCH_TOOL' open '$TMP/launch' $(printf '0%.0s' {1..64}) <'$TMP/answer.json'"
"$FETCH_TOOL" request "$TMP/other" main db >/dev/null
expect_exit 65 "failed authentication" bash -c "'$FETCH_TOOL' open '$TMP/other' <'$TMP/answer.json'"
python3 - "$TMP/answer.json" >"$TMP/tampered.json" <<'PY'
import base64, json, sys
a = json.load(open(sys.argv[1]))
box = bytearray(base64.b64decode(a["box"])); box[40] ^= 1
a["box"] = base64.b64encode(box).decode(); print(json.dumps(a))
PY
expect_exit 65 "failed authentication" bash -c "'$FETCH_TOOL' open '$TMP/launch' <'$TMP/tampered.json'"
"$FETCH_TOOL" request "$TMP/two" prod pdb >"$TMP/fetch2.json"
json POST /v1/fetch "$(cat "$TMP/fetch2.json")" -H "$OWNER"
expect 200 "fetch from prod"
check "prod's bundle at version 2" bash -c "'$FETCH_TOOL' open '$TMP/two' <'$BODY' | grep -qx 'pdb v2 K=v2'"
"$FETCH_TOOL" request "$TMP/dflt" - db >"$TMP/fetch3.json"
json POST /v1/fetch "$(cat "$TMP/fetch3.json")" -H "$OWNER"
expect 200 "fetch without an environment"
check "the default environment answered" bash -c "'$FETCH_TOOL' open '$TMP/dflt' <'$BODY' | grep -qx 'environment main'"
pk=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["public_key"])' "$TMP/fetch.json")
nonce=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nonce"])' "$TMP/fetch.json")
json POST /v1/fetch "{\"secrets\":[\"db\",\"nope\"],\"public_key\":\"$pk\",\"nonce\":\"$nonce\"}" -H "$OWNER"
expect_error 404 not_found "fetch with a missing secret"
body_has "the error names the missing secret" "'nope' in j['error']['message']"
json POST /v1/fetch "{\"environment\":\"nope\",\"secrets\":[\"db\"],\"public_key\":\"$pk\",\"nonce\":\"$nonce\"}" -H "$OWNER"
expect_error 404 not_found "fetch from an unknown environment"
json POST /v1/fetch "{\"secrets\":[],\"public_key\":\"$pk\",\"nonce\":\"$nonce\"}" -H "$OWNER"
expect_error 400 invalid "fetch of no secrets"
many=$(python3 -c 'print(",".join("\"s%d\"" % i for i in range(65)))')
json POST /v1/fetch "{\"secrets\":[$many],\"public_key\":\"$pk\",\"nonce\":\"$nonce\"}" -H "$OWNER"
expect_error 400 invalid "fetch of 65 secrets"
json POST /v1/fetch "{\"secrets\":[\"db\",\"db\"],\"public_key\":\"$pk\",\"nonce\":\"$nonce\"}" -H "$OWNER"
expect_error 400 invalid "fetch naming a secret twice"
json POST /v1/fetch "{\"secrets\":[\"bad name\"],\"public_key\":\"$pk\",\"nonce\":\"$nonce\"}" -H "$OWNER"
expect_error 400 invalid "fetch of a bad name"
json POST /v1/fetch "{\"secrets\":[\"db\"],\"public_key\":\"${pk:0:62}\",\"nonce\":\"$nonce\"}" -H "$OWNER"
expect_error 400 invalid "fetch with a short public key"
json POST /v1/fetch "{\"secrets\":[\"db\"],\"public_key\":\"$(printf '0%.0s' {1..64})\",\"nonce\":\"$nonce\"}" -H "$OWNER"
expect_error 400 invalid "fetch to a low-order public key"
json POST /v1/fetch "{\"secrets\":[\"db\"],\"public_key\":\"$pk\",\"nonce\":\"zz${nonce:2}\"}" -H "$OWNER"
expect_error 400 invalid "fetch with a non-hex nonce"
json POST /v1/fetch "{\"secrets\":[\"db\"],\"public_key\":\"$pk\"}" -H "$OWNER"
expect_error 400 invalid "fetch without a nonce"

# ---- API tokens
json POST /v1/tokens '{"name":"ci","expires_in":7200}' -H "$OWNER"
expect 201 "token create"
body_has "the new token's secret is shown" "j['token_id'].startswith('ak-') and j['token_secret'].startswith('as-')"
TID=$(field "j['token_id']")
TSEC=$(field "j['token_secret']")
json POST /v1/tokens '{"name":"x","expires_in":60}' -H "$OWNER"
expect_error 400 invalid "token expiring in under an hour"
json POST /v1/tokens '{"name":"x","expires_in":31622401}' -H "$OWNER"
expect_error 400 invalid "token expiring after a year"
json POST /v1/tokens '{"expires_in":7200}' -H "$OWNER"
expect_error 400 invalid "token without a name"
req GET /v1/tokens -H "$(bearer "$TID" "$TSEC")"
expect 200 "token list with the new token"
body_has "no secret in a token list" "all('token_secret' not in t for t in j['data']) and '$TSEC' not in json.dumps(j)"
req DELETE "/v1/tokens/$TID" -H "$OWNER"
expect 204 "token revoke"
req GET /v1/tokens -H "$(bearer "$TID" "$TSEC")"
expect_error 401 unauthorized "a revoked token"
req DELETE "/v1/tokens/$TID" -H "$OWNER"
expect_error 409 conflict "revoking a revoked token again"
req DELETE /v1/tokens/ak-doesnotexist000000000 -H "$OWNER"
expect_error 404 not_found "token revoke unknown"

# ---- members
req GET /v1/workspaces/current/members -H "$OWNER"
expect 200 "members list"
OWNER_MEMBER=$(field "[m['member_id'] for m in j['data'] if m['role'] == 'owner'][0]")
json POST /v1/workspaces/current/members '{"name":"bob","role":"manager"}' -H "$OWNER"
expect 201 "member add"
BOB=$(field "j['member_id']")
json POST /v1/workspaces/current/members '{"name":"bob","role":"user"}' -H "$OWNER"
expect_error 409 already_exists "member add twice"
json POST /v1/workspaces/current/members '{"name":"eve","role":"admin"}' -H "$OWNER"
expect_error 400 invalid "member with an unknown role"
json PATCH "/v1/workspaces/current/members/$BOB" '{"role":"user"}' -H "$OWNER"
expect 200 "member role change"
body_has "bob is a user now" "j['role'] == 'user' and j['name'] == 'bob'"
json PATCH "/v1/workspaces/current/members/$OWNER_MEMBER" '{"role":"manager"}' -H "$OWNER"
expect_error 409 conflict "demoting the last owner"
json PATCH /v1/workspaces/current/members/us-nobody '{"role":"user"}' -H "$OWNER"
expect_error 404 not_found "role change of an unknown member"
req DELETE "/v1/workspaces/current/members/$OWNER_MEMBER" -H "$OWNER"
expect_error 409 conflict "removing the last owner"
req DELETE "/v1/workspaces/current/members/$BOB" -H "$OWNER"
expect 204 "member remove"
req DELETE "/v1/workspaces/current/members/$BOB" -H "$OWNER"
expect_error 404 not_found "member remove again"

# ---- proxy tokens
json POST /v1/proxy-tokens '{"name":"web"}' -H "$OWNER"
expect 201 "proxy token create"
body_has "a new proxy token is allowed in the default environment" "j['token_id'].startswith('wk-') and j['token_secret'].startswith('ws-') and j['environments'] == ['main']"
WID=$(field "j['token_id']")
req GET /v1/proxy-tokens -H "$OWNER"
expect 200 "proxy token list"
body_has "listed, without its secret" "[t['token_id'] for t in j['data']] == ['$WID'] and 'token_secret' not in j['data'][0]"
req GET "/v1/proxy-tokens?environment=prod" -H "$OWNER"
expect 200 "proxy token list ?environment=prod"
body_has "not allowed in prod yet" "j['data'] == []"
req PUT "/v1/proxy-tokens/$WID/environments/prod" -H "$OWNER"
expect 204 "proxy token allow prod"
req PUT "/v1/proxy-tokens/$WID/environments/prod" -H "$OWNER"
expect 204 "proxy token allow prod twice"
req GET "/v1/proxy-tokens?environment=prod" -H "$OWNER"
body_has "allowed in prod" "[t['token_id'] for t in j['data']] == ['$WID'] and sorted(j['data'][0]['environments']) == ['main','prod']"
req PUT "/v1/proxy-tokens/$WID/environments/nope" -H "$OWNER"
expect_error 404 not_found "proxy token allow in an unknown environment"
req DELETE "/v1/proxy-tokens/$WID/environments/prod" -H "$OWNER"
expect 204 "proxy token revoke prod"
req DELETE "/v1/proxy-tokens/$WID/environments/prod" -H "$OWNER"
expect_error 404 not_found "proxy token revoke where it was not allowed"
req PUT /v1/proxy-tokens/wk-doesnotexist000000000/environments/prod -H "$OWNER"
expect_error 404 not_found "allow an unknown proxy token"
req DELETE "/v1/proxy-tokens/$OID" -H "$OWNER"
expect_error 404 not_found "an API token is not a proxy token"
req DELETE "/v1/tokens/$WID" -H "$OWNER"
expect_error 404 not_found "a proxy token is not an API token"
req DELETE "/v1/proxy-tokens/$WID" -H "$OWNER"
expect 204 "proxy token delete"
req DELETE "/v1/proxy-tokens/$WID" -H "$OWNER"
expect_error 404 not_found "proxy token delete again"

# ---- audit log
req GET /v1/audit -H "$OWNER"
expect 200 "audit list"
body_has "records have every field" "all(set(r) == {'id','time','token_id','action','resource','status','client'} for r in j['data'])"
body_has "the secret's creation is there" "any(r['action'] == 'secret.create' and r['resource'] == 'secret:main/db' and r['status'] == 201 and r['token_id'] == '$OID' and r['client'] == '127.0.0.1' for r in j['data'])"
body_has "the fetch is there" "any(r['action'] == 'secret.fetch' and r['resource'] == 'fetch:main/db' for r in j['data'])"
body_has "a failed request is there" "any(r['status'] == 409 and r['action'] == 'secret.create' for r in j['data'])"
req GET "/v1/audit?action=secret.update" -H "$OWNER"
expect 200 "audit ?action="
body_has "only secret.update" "j['data'] and all(r['action'] == 'secret.update' for r in j['data'])"
req GET "/v1/audit?action=proxy_token.*" -H "$OWNER"
body_has "action prefix" "len(set(r['action'] for r in j['data'])) >= 4 and all(r['action'].startswith('proxy_token.') for r in j['data'])"
req GET "/v1/audit?actor=$TID" -H "$OWNER"
body_has "only that token's records" "j['data'] and all(r['token_id'] == '$TID' for r in j['data'])"
req GET "/v1/audit?limit=2" -H "$OWNER"
body_has "a full page has a cursor" "len(j['data']) == 2 and j['next_cursor'] is not None"
CUR=$(field "j['next_cursor']")
LAST=$(field "j['data'][-1]['id']")
req GET "/v1/audit?limit=2&cursor=$CUR" -H "$OWNER"
body_has "the next page follows" "j['data'][0]['id'] > $LAST"
req GET "/v1/audit?since=2999-01-01T00:00:00Z" -H "$OWNER"
body_has "nothing since the future" "j['data'] == [] and j['next_cursor'] is None"
req GET "/v1/audit?until=2000-01-01T00:00:00Z" -H "$OWNER"
body_has "nothing until the past" "j['data'] == []"
req GET "/v1/audit?since=$(date -u -d '1 hour ago' +%Y-%m-%dT%H:%M:%SZ)&limit=1000" -H "$OWNER"
body_has "everything since an hour ago" "len(j['data']) > 50"
req GET "/v1/audit?limit=0" -H "$OWNER"
expect_error 400 invalid "audit limit 0"
req GET "/v1/audit?limit=1001" -H "$OWNER"
expect_error 400 invalid "audit limit 1001"
req GET "/v1/audit?since=yesterday" -H "$OWNER"
expect_error 400 invalid "audit since not a time"
req GET "/v1/audit?cursor=abc" -H "$OWNER"
expect_error 400 invalid "audit cursor not a number"

# ---- what any request may get wrong
req GET /v1/nope -H "$OWNER"
expect_error 404 not_found "unknown path"
req GET /v1/secrets/a/b -H "$OWNER"
expect_error 404 not_found "too many segments"
req PATCH /v1/secrets -H "$OWNER"
expect_error 405 method_not_allowed "unknown method"
check "405 says what is allowed" grep -qi '^Allow: GET, HEAD, POST' "$HDRS"

# ---- HEAD is GET without the body (RFC 9110), refused where GET is
# head_raw PATH [HEADER]: the whole answer to a HEAD, read to the end.
head_raw() {
	python3 - "${URL#http://}" "$1" "${2:-}" <<'PY'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
extra = (sys.argv[3] + "\r\n") if sys.argv[3] else ""
s.sendall(("HEAD %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n" % (sys.argv[2], extra)).encode())
data = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
sys.stdout.write(data.decode("latin-1"))
PY
}
# headers_only FILE [LENGTH]: the answer ends with its headers (and says
# Content-Length: LENGTH, the length GET's body has).
headers_only() {
	python3 - "$1" "${2:-}" <<'PY'
import sys
head, sep, body = open(sys.argv[1], "rb").read().partition(b"\r\n\r\n")
assert sep and body == b"", body
assert not sys.argv[2] or (b"\r\nContent-Length: %s\r\n" % sys.argv[2].encode()) in head + b"\r\n", head
PY
}
head_raw /healthz >"$TMP/head.out"
check "HEAD /healthz: 200" grep -q '^HTTP/1.1 200' "$TMP/head.out"
check "HEAD /healthz: the length GET's body has, and no body" headers_only "$TMP/head.out" 15
head_raw /v1/secrets "$OWNER" >"$TMP/head.out"
check "HEAD of an authenticated GET path: 200" grep -q '^HTTP/1.1 200' "$TMP/head.out"
check "... and no body" headers_only "$TMP/head.out"
head_raw /v1/secrets >"$TMP/head.out"
check "HEAD without credentials: 401" grep -q '^HTTP/1.1 401' "$TMP/head.out"
head_raw /v1/fetch "$OWNER" >"$TMP/head.out"
check "HEAD where there is no GET: 405" grep -q '^HTTP/1.1 405' "$TMP/head.out"
check "... Allow: POST" grep -qi '^Allow: POST' "$TMP/head.out"
req POST /v1/secrets -H "$OWNER" -H 'Content-Type: text/plain' --data-binary '{"name":"x","env":{"A":"1"}}'
expect_error 415 unsupported_media_type "a body that is not JSON"
req POST /v1/secrets -H "$OWNER" --data-binary '{"name":"x","env":{"A":"1"}}'
expect_error 415 unsupported_media_type "a body without a content type"
json POST /v1/secrets '{"name":"x","env":{"A":"1"}' -H "$OWNER"
expect_error 400 invalid "malformed JSON"
json POST /v1/secrets '{"name":"x","name":"y","env":{"A":"1"}}' -H "$OWNER"
expect_error 400 invalid "duplicate keys"
json POST /v1/secrets '{"name":"x","env":{"A":"1","A":"2"}}' -H "$OWNER"
expect_error 400 invalid "duplicate keys inside env"
json POST /v1/secrets '["name"]' -H "$OWNER"
expect_error 400 invalid "a JSON array body"
json POST /v1/secrets '' -H "$OWNER"
expect_error 400 invalid "an empty body"
json POST /v1/secrets '{"name":"x","env":{"A":"1"},"extra":true}' -H "$OWNER"
expect_error 400 invalid "an unknown field"
json POST /v1/secrets '{"name":7,"env":{"A":"1"}}' -H "$OWNER"
expect_error 400 invalid "a wrong type"
json POST /v1/secrets $'\xff\xfe' -H "$OWNER"
expect_error 400 invalid "bytes that are not UTF-8"
req GET /v1/secrets/db -H "$OWNER" -H 'Content-Type: application/json' --data-binary '{}'
expect_error 400 invalid "a body on a GET"
req GET "/v1/secrets?environment=main&env=prod" -H "$OWNER"
expect_error 400 invalid "an unknown query parameter"
check "nothing named x was created" bash -c "MODAL_SERVER_URL='$STORE' '$MODAL_VAULT' secret list | grep -vq '^x '"

# ---- metrics count what happened
req GET /metrics
expect 200 "metrics"
check "metrics count requests by route and status" \
	grep -q 'modal_vault_requests_total{method="POST",route="/v1/secrets",status="201"}' "$BODY"
check "metrics count fetched bundles" grep -q '^modal_vault_bundles_fetched_total 3$' "$BODY"
check "metrics have the latency histogram" grep -q 'modal_vault_request_duration_seconds_bucket{le="+Inf"}' "$BODY"

# ---- the CLI reads what the API wrote
check "modal-vault sees the secret the API updated" bash -c \
	"MODAL_SERVER_URL='$STORE' '$MODAL_VAULT' secret get db --json | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"version\"] == 2'"

stop_server
check "SIGTERM exits 0" test "$STOP_STATUS" = 0
check "one log line per request" bash -c "[ \$(grep -c ' /v1/\| /healthz\| /metrics' '$TMP/serve.log') -ge $nresp ]"
validate_responses
finish
