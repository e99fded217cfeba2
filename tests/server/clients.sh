#!/usr/bin/env bash
# clients.sh — the API as its clients see it (issue 15): a proxy token that
# never expires says so with a null expires_at, in the API and the CLI; an
# expiring proxy token and a token for another member can be made over the
# API; a secret with no keys is accepted; environments are renamed and their
# webhook suffix changed (PATCH /v1/environments/{name},
# `environment update`), on the store itself and through the server alike.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/server_lib.sh"

vault_init "$TMP/v"
read -r OID OSEC < <(cli_token --name owner-token)
OWNER=$(bearer "$OID" "$OSEC")
start_server
export MODAL_TOKEN_ID=$OID MODAL_TOKEN_SECRET=$OSEC
NOW=$(date +%s)

# ---- the API
json POST /v1/proxy-tokens '{"name":"forever"}' -H "$OWNER"
expect 201 "proxy token without expiry"
body_has "a never-expiring proxy token has expires_at null" "j.get('expires_at') is None"
json POST /v1/proxy-tokens '{"name":"week","expires_in":604800}' -H "$OWNER"
expect 201 "proxy token with expires_in"
body_has "its expires_at is a week away" \
	"abs(__import__('calendar').timegm(__import__('time').strptime(j['expires_at'],'%Y-%m-%dT%H:%M:%SZ')) - $NOW - 604800) < 120"
json POST /v1/proxy-tokens '{"name":"short","expires_in":60}' -H "$OWNER"
expect_error 400 invalid "proxy token living a minute"
req GET /v1/proxy-tokens -H "$OWNER"
expect 200 "proxy token list"
body_has "the list says null for the never-expiring one" \
	"[t.get('expires_at') for t in j['data'] if t['name'] == 'forever'] == [None]"
json POST /v1/workspaces/current/members '{"name":"bob","role":"user"}' -H "$OWNER"
expect 201 "member add"
BOB=$(field "j['member_id']")
json POST /v1/tokens "{\"name\":\"for-bob\",\"member_id\":\"$BOB\"}" -H "$OWNER"
expect 201 "owner makes a token for another member"
body_has "the token is bob's" "j['member_id'] == '$BOB'"
read -r BID BSEC < <(field "j['token_id'] + ' ' + j['token_secret']")
BOBH=$(bearer "$BID" "$BSEC")
req GET /v1/workspaces/current/members -H "$OWNER"
OWNER_MID=$(field "[m['member_id'] for m in j['data'] if m['role'] == 'owner'][0]")
json POST /v1/tokens "{\"name\":\"steal\",\"member_id\":\"$OWNER_MID\"}" -H "$BOBH"
expect_error 403 forbidden "a user makes a token for the owner"
json POST /v1/tokens "{\"name\":\"own\",\"member_id\":\"$BOB\"}" -H "$BOBH"
expect 201 "a user names himself as member"
json POST /v1/tokens '{"name":"ghost","member_id":"mb-nobody"}' -H "$OWNER"
expect_error 404 not_found "a token for an unknown member"
json POST /v1/secrets '{"name":"empty","env":{}}' -H "$OWNER"
expect 201 "secret with env {}"
body_has "it has no keys" "j['keys'] == [] and j['version'] == 1"
expect_exit 0 "" "$MODAL_RUN" --server "$URL" --secret empty -- true
expect_exit 0 "" "$MODAL_VAULT" --server "$URL" secret list
json PUT /v1/secrets/empty '{"env":{},"version":1}' -H "$OWNER"
expect 200 "secret update to env {}"
json POST /v1/environments '{"name":"stage","webhook_suffix":"stg"}' -H "$OWNER"
expect 201 "environment create"
json POST /v1/environments '{"name":"prod","webhook_suffix":"prd"}' -H "$OWNER"
expect 201 "environment create (second)"
req GET /v1/proxy-tokens -H "$OWNER"
FID=$(field "[t['token_id'] for t in j['data'] if t['name'] == 'forever'][0]")
req PUT "/v1/proxy-tokens/$FID/environments/stage" -H "$OWNER"
expect 204 "proxy token allowed in stage"
json PATCH /v1/environments/stage '{"name":"staging"}' -H "$OWNER"
expect 200 "environment rename"
body_has "renamed, suffix kept" "j['name'] == 'staging' and j['webhook_suffix'] == 'stg' and not j['default']"
req GET /v1/proxy-tokens -H "$OWNER"
body_has "a proxy token's grant follows the rename" \
	"[sorted(t['environments']) for t in j['data'] if t['name'] == 'forever'] == [['main','staging']]"
req GET /v1/environments -H "$OWNER"
body_has "the old name is gone" "sorted(e['name'] for e in j['data']) == ['main','prod','staging']"
json PATCH /v1/environments/staging '{"webhook_suffix":"stage2"}' -H "$OWNER"
expect 200 "environment new suffix"
body_has "suffix changed" "j['name'] == 'staging' and j['webhook_suffix'] == 'stage2'"
json PATCH /v1/environments/staging '{"name":"stage","webhook_suffix":"stg"}' -H "$OWNER"
expect 200 "rename and suffix at once"
body_has "both changed" "j['name'] == 'stage' and j['webhook_suffix'] == 'stg'"
json PATCH /v1/environments/stage '{"name":"prod"}' -H "$OWNER"
expect_error 409 already_exists "rename onto a name in use"
json PATCH /v1/environments/stage '{"webhook_suffix":"PRD"}' -H "$OWNER"
expect_error 409 already_exists "a suffix in use (without case)"
json PATCH /v1/environments/stage '{"name":"other","webhook_suffix":"prd"}' -H "$OWNER"
expect_error 409 already_exists "rename with a suffix in use"
req GET /v1/environments -H "$OWNER"
body_has "a refused update changed nothing" \
	"sorted((e['name'], e['webhook_suffix']) for e in j['data'] if e['name'] != 'main') == [('prod','prd'),('stage','stg')]"
json PATCH /v1/environments/nope '{"name":"x"}' -H "$OWNER"
expect_error 404 not_found "update an unknown environment"
json PATCH /v1/environments/stage '{"name":"bad/name"}' -H "$OWNER"
expect_error 400 invalid "rename to a bad name"
json PATCH /v1/environments/stage '{"color":"red"}' -H "$OWNER"
expect_error 400 invalid "an unknown field"
json PATCH /v1/environments/stage '{}' -H "$OWNER"
expect 400 "nothing to change"
json PATCH /v1/environments/stage '{"name":"x"}' -H "$BOBH"
expect_error 403 forbidden "a user renames"
json PATCH /v1/environments/main '{"name":"primary"}' -H "$OWNER"
expect_error 409 conflict "the default environment is not renamed"
json PATCH /v1/environments/main '{"webhook_suffix":"primary"}' -H "$OWNER"
expect 200 "the default environment's suffix changes"
json POST /v1/secrets '{"name":"p","environment":"prod","env":{"A":"1"}}' -H "$OWNER"
json PATCH /v1/environments/prod '{"name":"production"}' -H "$OWNER"
expect_error 409 conflict "an environment holding secrets is not renamed"
got=$("$MODAL_RUN" --server "$URL" --secret p -e prod -- printenv A)
check "its secret still opens ($got)" test "$got" = 1

# ---- the CLI, against the store itself and through the server
for S in "$STORE" "$URL"; do
	k=${S%%:*}
	vv() { "$MODAL_VAULT" --server "$S" "$@"; }
	vv workspace proxy-tokens create --name "pt-$k" --json >"$TMP/pt.json" 2>"$TMP/err"
	check "$k: proxy-tokens create --json says expires_at null" python3 -c \
		'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j.get("expires_at", None) is None else 1)' "$TMP/pt.json"
	expect_exit 0 "" vv workspace proxy-tokens create --name "pt7-$k" --expires 7d --json
	check "$k: proxy-tokens create --expires 7d" python3 -c \
		'import json,sys,time,calendar; j=json.load(open(sys.argv[1])); t=calendar.timegm(time.strptime(j["expires_at"][:19],"%Y-%m-%dT%H:%M:%S")); sys.exit(0 if abs(t-time.time()-7*86400) < 120 else 1)' "$TMP/out"
	vv workspace proxy-tokens list --json >"$TMP/pl.json"
	check "$k: proxy-tokens list --json says null" python3 -c \
		'import json,sys; j=json.load(open(sys.argv[1])); d=j["data"] if isinstance(j,dict) else j; sys.exit(0 if [t["Expires at"] for t in d if t["Name"]==sys.argv[2]] == [None] else 1)' "$TMP/pl.json" "pt-$k"
	expect_exit 0 "" vv token create --name "bob-$k" --member "$BOB" --json
	check "$k: token create --member" python3 -c \
		'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["member_id"] == sys.argv[2] else 1)' "$TMP/out" "$BOB"
	expect_exit 0 "" vv environment create "e-$k" --webhook-suffix "es-$k"
	expect_exit 0 "" vv environment create "o-$k"
	expect_exit 0 "" vv environment update "e-$k" --set-name "f-$k"
	expect_exit 0 "" vv environment update "f-$k" --set-web-suffix "fs-$k"
	vv environment list --json >"$TMP/el.json"
	check "$k: environment update renamed and re-suffixed" python3 -c \
		'import json,sys; j=json.load(open(sys.argv[1])); d=j["data"] if isinstance(j,dict) else j; sys.exit(0 if any(e["name"]==sys.argv[2] and e["web suffix"]==sys.argv[3] for e in d) else 1)' "$TMP/el.json" "f-$k" "fs-$k"
	expect_exit 65 "o-$k" vv environment update "f-$k" --set-name "o-$k"
	expect_exit 65 "O-$k" vv environment update "f-$k" --set-web-suffix "O-$k"
	expect_exit 65 "not found" vv environment update "nope-$k" --set-name "x-$k"
	expect_exit 64 "--set-name" vv environment update "f-$k"
	expect_exit 65 "invalid" vv environment update "f-$k" --set-name "bad/name"
done

validate_responses
stop_server
finish
