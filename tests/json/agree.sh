#!/usr/bin/env bash
# The CLI's --json and the API's answers are one mapping (vault/json): against
# the real server, `modal-vault token list --json` (on the store directly and
# through the server) and GET /v1/tokens give every token with the same
# fields and the same values; so do a secret, an environment, the workspace
# and a new proxy token. Answers are validated against the OpenAPI document
# at the end.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../server/server_lib.sh"

export HOME="$TMP/home" XDG_DATA_HOME="$TMP/home/data"
mkdir -p "$HOME"
vault_init "$TMP/v"
read -r OID OSEC < <(cli_token --name owner)
OWNER=$(bearer "$OID" "$OSEC")
L=("$MODAL_VAULT" --server "$STORE")
"${L[@]}" workspace members add ann --role user --json >"$TMP/ann.json"
ann=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["member_id"])' "$TMP/ann.json")
"${L[@]}" token create --name ci --expires 12h >/dev/null
"${L[@]}" token create --name ann-ci --member "$ann" >/dev/null
old=$("${L[@]}" token create --name old --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["token_id"])')
"${L[@]}" token revoke "$old" -y >/dev/null
"${L[@]}" secret create db USER=admin PASS=pw >/dev/null
"${L[@]}" environment create prod --webhook-suffix prodsfx --json >"$TMP/env-cli.json"
"${L[@]}" workspace proxy-tokens create --name edge --json |
	python3 -c 'import json,sys; t=json.load(sys.stdin); del t["token_secret"]; print(json.dumps(t))' \
	>"$TMP/proxy-cli.json"
start_server
export MODAL_TOKEN_ID=$OID MODAL_TOKEN_SECRET=$OSEC
R=("$MODAL_VAULT" --server "$URL")

# The owner's token is used now, and its last use stays put for a minute
# (TOKEN_TOUCH_INTERVAL): every listing below sees the same one.
req GET /v1/tokens -H "$OWNER"
expect 200 "GET /v1/tokens"
"${L[@]}" token list --json >"$TMP/tokens-local.json"
"${R[@]}" token list --json >"$TMP/tokens-remote.json"
req GET /v1/tokens -H "$OWNER"
expect 200 "GET /v1/tokens again"
cp "$BODY" "$TMP/tokens-api.json"

# same_rows WHAT CLI_FILE API_FILE KEY: the same objects, keyed by KEY.
same_rows() {
	if python3 - "$2" "$3" "$4" <<'PY'; then ok "$1"; else not_ok "$1"; fi
import json, sys
cli, api, key = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
api = api.get("data", api) if isinstance(api, dict) and "data" in api else api
cli = cli if isinstance(cli, list) else [cli]
api = api if isinstance(api, list) else [api]
a = {o[key]: o for o in api}
c = {o[key]: o for o in cli}
if set(a) != set(c):
    sys.exit(f"  ids differ: cli {sorted(c)} api {sorted(a)}")
bad = [(k, f, c[k].get(f, "<absent>"), a[k].get(f, "<absent>"))
       for k in a for f in sorted(set(a[k]) | set(c[k])) if c[k].get(f, "<absent>") != a[k].get(f, "<absent>")]
for b in bad:
    print("  %s %s: cli %r, api %r" % b)
sys.exit(1 if bad else 0)
PY
}
same_rows "token list --json on the store = GET /v1/tokens, every field" \
	"$TMP/tokens-local.json" "$TMP/tokens-api.json" token_id
same_rows "token list --json through the server = GET /v1/tokens, every field" \
	"$TMP/tokens-remote.json" "$TMP/tokens-api.json" token_id

# tokens_have WHAT CONDITION: a check on t, the API's tokens by name.
tokens_have() {
	if python3 -c "import json,sys; t={o['name']: o for o in json.load(open(sys.argv[1]))['data']}; sys.exit(0 if ($2) else 1)" \
		"$TMP/tokens-api.json"; then ok "$1"; else not_ok "$1"; fi
}
tokens_have "the used token has its last use" "'last_used_at' in t['owner']"
tokens_have "a token never used has no last_used_at" "'last_used_at' not in t['ci'] and 'last_used_at' not in t['ann-ci']"
tokens_have "a revoked token says so, the others not" "t['old']['revoked'] is True and t['ci']['revoked'] is False"
tokens_have "an expiring token has its time" "isinstance(t['ci']['expires_at'], str)"
tokens_have "a member's token names the member" "t['ann-ci']['member_id'] == '$ann'"

req GET /v1/proxy-tokens -H "$OWNER"
expect 200 "GET /v1/proxy-tokens"
same_rows "proxy-tokens create --json (but its secret) = GET /v1/proxy-tokens, every field" \
	"$TMP/proxy-cli.json" "$BODY" token_id

req GET /v1/secrets/db -H "$OWNER"
expect 200 "GET /v1/secrets/db"
"${L[@]}" secret get db --json >"$TMP/secret-local.json"
"${R[@]}" secret get db --json >"$TMP/secret-remote.json"
same_rows "secret get --json on the store = GET /v1/secrets/db" "$TMP/secret-local.json" "$BODY" secret_id
same_rows "secret get --json through the server = GET /v1/secrets/db" "$TMP/secret-remote.json" "$BODY" secret_id

req GET /v1/environments -H "$OWNER"
expect 200 "GET /v1/environments"
python3 -c 'import json,sys; print(json.dumps([e for e in json.load(open(sys.argv[1]))["data"] if e["name"] == "prod"]))' \
	"$BODY" >"$TMP/env-api.json"
same_rows "environment create --json = its element of GET /v1/environments" \
	"$TMP/env-cli.json" "$TMP/env-api.json" name

req GET /v1/workspaces/current -H "$OWNER"
expect 200 "GET /v1/workspaces/current"
"${L[@]}" workspace current --json >"$TMP/ws-local.json"
"${R[@]}" workspace current --json >"$TMP/ws-remote.json"
same_rows "workspace current --json on the store = GET /v1/workspaces/current" \
	"$TMP/ws-local.json" "$BODY" workspace_id
same_rows "workspace current --json through the server = GET /v1/workspaces/current" \
	"$TMP/ws-remote.json" "$BODY" workspace_id

stop_server
validate_responses
finish
