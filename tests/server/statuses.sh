#!/usr/bin/env bash
# statuses.sh — every error status vault/server/openapi.yml declares for an
# operation is driven here against the real server, and every answer is
# validated (validate.py fails on a status the operation does not declare);
# then validate.py --cover fails for any declared error status of any
# operation that no request here produced. The generic faults (an unknown
# query parameter, no token, a too-low role, a body too large or not JSON, a
# rate-limited client) are made for every operation from the document
# itself; the rest (404 and 409) by hand, one each.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/server_lib.sh"

vault_init "$TMP/v"
read -r OID OSEC < <(cli_token --name owner-token)
OWNER=$(bearer "$OID" "$OSEC")
# The 401s below are failed authentications: not limited here (429 is
# driven on a server of its own, at the end).
start_server --auth-fail-limit 100000
json POST /v1/workspaces/current/members '{"name":"ulla","role":"user"}' -H "$OWNER"
ULLA=$(field "j['member_id']")
json POST /v1/tokens "{\"name\":\"u\",\"member_id\":\"$ULLA\"}" -H "$OWNER"
USER=$(bearer $(field "j['token_id'] + ' ' + j['token_secret']"))
json POST /v1/secrets '{"name":"db","env":{"A":"1"}}' -H "$OWNER"
json POST /v1/environments '{"name":"prod"}' -H "$OWNER"
json POST /v1/proxy-tokens '{"name":"p"}' -H "$OWNER"
PID_=$(field "j['token_id']")

# ops FILTER: "METHOD PATH BODY?" of every operation, path parameters filled
# with "x" (under /v1 unless the path has servers of its own); FILTER is a python condition on op (the operation's document
# node), m (method) and p (template).
ops() {
	python3 - "$SPEC" "$1" <<'PY'
import re, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
for p, item in doc["paths"].items():
    for m, op in item.items():
        if m in ("get", "post", "put", "patch", "delete") and eval(sys.argv[2]):
            base = "" if "servers" in item or "servers" in op else "/v1"
            print(m.upper(), base + re.sub(r"\{[^}]*\}", "x", p), "requestBody" in op)
PY
}
declared() { echo "'$1' in op['responses']"; }
# What the router does to every request of a kind, whatever is declared: a
# status it answers there and the document omits fails validation below.
AUTHED="op.get('security') != []"
HAS_BODY="'requestBody' in op"

# 400: an unknown query parameter, on every operation.
while read -r m p b; do
	req "$m" "$p?bogus=1" -H "$OWNER"
	expect 400 "$m $p?bogus=1"
done < <(ops True)
# 401: no token.
while read -r m p b; do
	req "$m" "$p"
	expect 401 "$m $p without a token"
done < <(ops "$AUTHED")
# 403: a user's token where a manager or owner is needed.
while read -r m p b; do
	if [ "$b" = True ]; then json "$m" "$p" '{}' -H "$USER"; else req "$m" "$p" -H "$USER"; fi
	expect 403 "$m $p as a user"
done < <(ops "$(declared 403) and p != '/tokens'")
# POST /v1/tokens takes any role; a token for another member needs the owner.
req GET /v1/workspaces/current/members -H "$OWNER"
OWNER_MID=$(field "[m['member_id'] for m in j['data'] if m['role'] == 'owner'][0]")
json POST /v1/tokens "{\"name\":\"t\",\"member_id\":\"$OWNER_MID\"}" -H "$USER"
expect 403 "a user makes a token for the owner"
# 413: a body over the 1 MiB limit; 415: a body that is not JSON.
head -c 1048600 /dev/zero | tr '\0' ' ' >"$TMP/big.json"
while read -r m p b; do
	req "$m" "$p" -H "$OWNER" -H 'Content-Type: application/json' --data-binary @"$TMP/big.json"
	expect 413 "$m $p with a 1 MiB body"
done < <(ops "$HAS_BODY")
while read -r m p b; do
	req "$m" "$p" -H "$OWNER" -H 'Content-Type: text/plain' --data-binary '{}'
	expect 415 "$m $p with a text/plain body"
done < <(ops "$HAS_BODY")

# 404, one by one.
json POST /v1/tokens '{"name":"t","member_id":"us-nobody"}' -H "$OWNER"; expect 404 "token for an unknown member"
req DELETE /v1/tokens/ak-nope -H "$OWNER"; expect 404 "revoke an unknown token"
json PATCH /v1/environments/nope '{"name":"y"}' -H "$OWNER"; expect 404 "update an unknown environment"
req DELETE /v1/environments/nope -H "$OWNER"; expect 404 "delete an unknown environment"
json PATCH /v1/workspaces/current/members/us-nope '{"role":"user"}' -H "$OWNER"; expect 404 "update an unknown member"
req DELETE /v1/workspaces/current/members/us-nope -H "$OWNER"; expect 404 "remove an unknown member"
req GET "/v1/secrets?environment=nope" -H "$OWNER"; expect 404 "secrets of an unknown environment"
json POST /v1/secrets '{"name":"s","environment":"nope","env":{}}' -H "$OWNER"; expect 404 "secret in an unknown environment"
req GET /v1/secrets/nope -H "$OWNER"; expect 404 "an unknown secret"
json PUT /v1/secrets/nope '{"env":{},"version":1}' -H "$OWNER"; expect 404 "update an unknown secret"
req DELETE /v1/secrets/nope -H "$OWNER"; expect 404 "delete an unknown secret"
req GET /v1/secrets/nope/versions -H "$OWNER"; expect 404 "versions of an unknown secret"
req GET "/v1/proxy-tokens?environment=nope" -H "$OWNER"; expect 404 "proxy tokens of an unknown environment"
req DELETE /v1/proxy-tokens/wk-nope -H "$OWNER"; expect 404 "delete an unknown proxy token"
req PUT /v1/proxy-tokens/wk-nope/environments/main -H "$OWNER"; expect 404 "allow an unknown proxy token"
req DELETE "/v1/proxy-tokens/$PID_/environments/nope" -H "$OWNER"; expect 404 "revoke an unknown environment"
"$FETCH_TOOL" request "$TMP/f" main nope >"$TMP/fetch.json"
json POST /v1/fetch "$(cat "$TMP/fetch.json")" -H "$OWNER"; expect 404 "fetch an unknown secret"

# 409, one by one.
json POST /v1/tokens '{"name":"gone"}' -H "$OWNER"
GONE=$(field "j['token_id']")
req DELETE "/v1/tokens/$GONE" -H "$OWNER"
req DELETE "/v1/tokens/$GONE" -H "$OWNER"; expect 409 "revoke a revoked token"
json POST /v1/environments '{"name":"prod"}' -H "$OWNER"; expect 409 "an environment twice"
json PATCH /v1/environments/prod '{"name":"main"}' -H "$OWNER"; expect 409 "rename onto a name in use"
req DELETE /v1/environments/main -H "$OWNER"; expect 409 "delete the default environment"
json POST /v1/workspaces/current/members '{"name":"ulla","role":"user"}' -H "$OWNER"; expect 409 "a member twice"
json PATCH "/v1/workspaces/current/members/$OWNER_MID" '{"role":"user"}' -H "$OWNER"; expect 409 "demote the last owner"
req DELETE "/v1/workspaces/current/members/$OWNER_MID" -H "$OWNER"; expect 409 "remove the last owner"
json POST /v1/secrets '{"name":"db","env":{"A":"1"}}' -H "$OWNER"; expect 409 "a secret twice"
json PUT /v1/secrets/db '{"env":{"A":"2"},"version":7}' -H "$OWNER"; expect 409 "update from a stale version"

# 429: past --auth-fail-limit every authenticated request from the client.
stop_server
start_server --auth-fail-limit 1
req GET /v1/secrets -H "$(bearer "$OID" "$(wrong "$OSEC")")"
req GET /v1/secrets -H "$(bearer "$OID" "$(wrong "$OSEC")")"
while read -r m p b; do
	if [ "$b" = True ]; then json "$m" "$p" '{}' -H "$OWNER"; else req "$m" "$p" -H "$OWNER"; fi
	expect 429 "$m $p from a rate-limited client"
done < <(ops "$AUTHED and p != '/proxy-auth'")
req GET /v1/proxy-auth -H "Modal-Key: $PID_" -H "Modal-Secret: ws-x"
expect 429 "proxy-auth from a rate-limited client"
stop_server

validate_responses
out=$(python3 "$HERE/validate.py" --cover "$TMP/responses.tsv" "$SPEC")
echo "$out"
passed=$((passed + $(grep -c '^ok ' <<<"$out")))
failed=$((failed + $(grep -c '^FAIL ' <<<"$out")))
finish
