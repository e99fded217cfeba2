#!/usr/bin/env bash
# cli.sh — every modal-vault command of SPEC 10 against a real vault server:
# listings say exactly what the embedded store says about the same vault
# (tables and --json), changes made through the server are there in the
# store, and refusals keep their exit status and name the server.
. "$(dirname "$0")/remote_lib.sh"

new_token admin
export MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET ADMIN_ID=$TOKEN_ID
serve srv
U=$srv_URL

# via ARGS...: modal-vault through the server.
via() { "$V" --server "$U" "$@"; }

# same DESCRIPTION ARGS...: the server and the store answer alike. The
# server first: its request marks the token used, which a listing shows.
same() {
	local what=$1
	shift
	via "$@" >"$TMP/remote.out" 2>&1
	store "$@" >"$TMP/local.out" 2>&1
	if cmp -s "$TMP/local.out" "$TMP/remote.out"; then ok "$what"; else
		not_ok "$what: $(diff "$TMP/local.out" "$TMP/remote.out" | head -5)"; fi
}

# --- secrets ------------------------------------------------------------------
printf 'from stdin\n' | via secret create web A=1 'B=-' >/dev/null
check "secret create (KEY=VALUE, KEY=- from stdin) lands in the store" \
	sh -c "store() { MODAL_SERVER_URL='$STORE' '$V' \"\$@\"; }; store secret get web | grep -q B"
got=$("$R" --server "$STORE" -s web -- sh -c 'printf "%s|%s" "$A" "$B"')
check "values sent through the server are stored exactly ($got)" test "$got" = '1|from stdin'
printf 'X=1\nexport Y="two words"\n' >"$TMP/app.env"
expect_exit 0 "" via secret create dotenv --from-dotenv "$TMP/app.env"
got=$("$R" --server "$U" -s dotenv -- printenv Y)
check "secret create --from-dotenv" test "$got" = "two words"
expect_exit 65 "already exists" via secret create web A=2
expect_exit 0 "" via secret create web A=3 --force
got=$("$R" --server "$STORE" -s web -- printenv A)
check "secret create --force replaces the values" test "$got" = 3
same "secret list" secret list
same "secret list --json" secret list --json
same "secret get" secret get web
same "secret get --json" secret get web --json
expect_exit 65 "vault $U: secret 'nope' not found in environment 'main'" via secret get nope
expect_exit 0 "" via secret delete dotenv -y
expect_exit 65 "not found" via secret delete dotenv -y
expect_exit 0 "" via secret delete dotenv -y --allow-missing
check "secret delete removed it from the store" sh -c "! MODAL_SERVER_URL='$STORE' '$V' secret list | grep -q dotenv"

# --- environments and the workspace ------------------------------------------
expect_exit 0 "" via environment create staging --webhook-suffix stg
same "environment list" environment list
same "environment list --json" environment list --json
expect_exit 65 "already exists" via environment create staging
via secret create s -e staging K=v >/dev/null
expect_exit 65 "vault $U: environment 'staging' still holds 1 secret" via environment delete staging -y
via secret delete s -e staging -y >/dev/null
expect_exit 0 "" via environment delete staging -y
expect_exit 65 "default" via environment delete main -y
same "workspace current" workspace current
same "workspace current --json" workspace current --json
same "workspace members list" workspace members list
same "workspace members list --json" workspace members list --json
expect_exit 64 "embedded vault" via init

# --- API tokens ---------------------------------------------------------------
out=$(via token create --name deploy --expires 7d)
id=$(sed -n 's/^Token ID: *//p' <<<"$out")
secret=$(sed -n 's/^Token secret: *//p' <<<"$out")
check "token create shows the new id and secret once" test "${id:0:3}${secret:0:3}" = ak-as-
got=$(MODAL_TOKEN_ID=$id MODAL_TOKEN_SECRET=$secret "$R" --server "$U" -s web -- printenv A)
check "the new token works" test "$got" = 3
via token create --name j --json >"$TMP/tok.json"
check "token create --json carries the secret" grep -q '"token_secret": "as-' "$TMP/tok.json"
same "token list" token list
same "token list --json" token list --json
expect_exit 0 "" via token revoke "$id" -y
expect_exit 77 "vault $U: unauthorised" env MODAL_TOKEN_ID="$id" MODAL_TOKEN_SECRET="$secret" \
	"$V" --server "$U" secret list
via token list --json >"$TMP/tokens.json"
check "token list shows the revoked token" grep -q '"revoked": true' "$TMP/tokens.json"
expect_exit 65 "not found" via token revoke ak-000000000000000000000 -y

# --- proxy tokens -------------------------------------------------------------
out=$(via workspace proxy-tokens create --name hook)
wid=$(sed -n 's/^Token ID: *//p' <<<"$out")
check "proxy-tokens create gives a wk- token" test "${wid:0:3}" = wk-
via environment create prod >/dev/null
same "proxy-tokens list" workspace proxy-tokens list
same "proxy-tokens list --json" workspace proxy-tokens list --json
expect_exit 0 "" via workspace proxy-tokens allow "$wid" prod
check "proxy-tokens list -e prod shows it once allowed" \
	sh -c "'$V' --server '$U' workspace proxy-tokens list -e prod | grep -q '$wid'"
same "proxy-tokens list -e prod --json" workspace proxy-tokens list -e prod --json
expect_exit 0 "" via workspace proxy-tokens revoke "$wid" prod
check "proxy-tokens list -e prod no longer shows it" \
	sh -c "! '$V' --server '$U' workspace proxy-tokens list -e prod | grep -q '$wid'"
expect_exit 78 "is not an API token id" via secret list --token-id "$wid"
expect_exit 0 "" via workspace proxy-tokens delete "$wid" -y
check "proxy-tokens delete removed it" sh -c "! MODAL_SERVER_URL='$STORE' '$V' workspace proxy-tokens list | grep -q '$wid'"

# --- roles: a user's token never does a manager's work -------------------------
via workspace members add bob --role user --json >"$TMP/bob.json"
bob=$(sed -n 's/.*"member_id": "\(us-[A-Za-z0-9]*\)".*/\1/p' "$TMP/bob.json")
new_token bobs --member "$bob"
expect_exit 0 "" env MODAL_TOKEN_ID="$TOKEN_ID" MODAL_TOKEN_SECRET="$TOKEN_SECRET" \
	"$V" --server "$U" secret list
expect_exit 77 "vault $U:" env MODAL_TOKEN_ID="$TOKEN_ID" MODAL_TOKEN_SECRET="$TOKEN_SECRET" \
	"$V" --server "$U" environment create nope
expect_exit 0 "" via workspace members update "$bob" --role manager
expect_exit 0 "" env MODAL_TOKEN_ID="$TOKEN_ID" MODAL_TOKEN_SECRET="$TOKEN_SECRET" \
	"$V" --server "$U" environment create bobs-env
expect_exit 0 "" via workspace members remove "$bob" -y
same "members after remove" workspace members list --json

# --- the audit log ------------------------------------------------------------
via audit --json --action 'secret.*' >"$TMP/audit.json"
check "audit --json lists the server's records of this client" \
	grep -q '"client": "127.0.0.1"' "$TMP/audit.json"
check "audit --action filters" sh -c "! grep -q '\"action\": \"token' '$TMP/audit.json'"
check "audit names the token that acted" grep -q "\"token_id\": \"$ADMIN_ID\"" "$TMP/audit.json"
via audit --limit 2 --json >"$TMP/page.json"
check "audit --limit pages" test "$(grep -c '"id":' "$TMP/page.json")" = 2
after=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[-1]["id"])' "$TMP/page.json")
via audit --limit 2 --after "$after" --json >"$TMP/page2.json"
first=$(grep -m1 '"id":' "$TMP/page2.json" | tr -dc 0-9)
check "audit --after continues after the cursor ($after -> $first)" test "$first" -gt "$after"
expect_exit 0 "" via audit --actor "$ADMIN_ID" --since 2020-01-01T00:00:00Z
check "audit table" sh -c "'$V' --server '$U' audit | grep -q 'secret.create'"

# --- settings -----------------------------------------------------------------
expect_exit 0 "" "$V" secret list --server "$U" --timeout 5s --vault-key "$VAULT_KEY"
expect_exit 64 "--timeout" "$V" secret list --server "$U" --timeout never
cat >"$TMP/modal.toml" <<EOF
[ci]
token_id = "$MODAL_TOKEN_ID"
token_secret = "$MODAL_TOKEN_SECRET"
server_url = "$U"
EOF
chmod 600 "$TMP/modal.toml"
expect_exit 0 "" env -u MODAL_TOKEN_ID -u MODAL_TOKEN_SECRET \
	"$V" secret list --config "$TMP/modal.toml" --profile ci
expect_exit 78 "profile \"nope\" not found" "$V" secret list --config "$TMP/modal.toml" --profile nope

finish
