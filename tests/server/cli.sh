#!/usr/bin/env bash
# The project's own programs against the server: modal-vault commands with
# --server http://…, and modal-run launching with secrets fetched over the
# encrypted fetch (pinned vault key, a wrong pin refused).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/server_lib.sh"

# No profile file or default vault of the user running the tests.
export HOME="$TMP/home" XDG_DATA_HOME="$TMP/home/data"
mkdir -p "$HOME"
vault_init "$TMP/v"
read -r OID OSEC < <(cli_token --name owner)
start_server
export MODAL_TOKEN_ID=$OID MODAL_TOKEN_SECRET=$OSEC
V=("$MODAL_VAULT" --server "$URL")

expect_exit 0 "" "${V[@]}" workspace current
expect_exit 0 "" "${V[@]}" environment create prod
expect_exit 0 "" "${V[@]}" secret create db USER=admin "PASS=p@ss word=1"
expect_exit 0 "" "${V[@]}" secret create pdb K=v -e prod
check "secret list over HTTP" bash -c "$(printf '%q ' "${V[@]}") secret list | grep -q '^db '"
check "secret get over HTTP names keys" bash -c "$(printf '%q ' "${V[@]}") secret get db --json | python3 -c 'import json,sys; assert sorted(json.load(sys.stdin)[\"keys\"]) == [\"PASS\",\"USER\"]'"
expect_exit 65 "already exists" "${V[@]}" secret create db A=1
expect_exit 65 "not found" "${V[@]}" secret get nope
expect_exit 0 "" "${V[@]}" environment list --json
expect_exit 65 "" "${V[@]}" environment delete prod -y
expect_exit 0 "" "${V[@]}" workspace members list --json
expect_exit 0 "" "${V[@]}" token list --json
expect_exit 0 "" "${V[@]}" audit --limit 5

# modal-run: a launch through the server, the values byte for byte.
run() { "$MODAL_RUN" --server "$URL" "$@"; }
check "modal-run gets the values over the encrypted fetch" bash -c \
	"$(printf '%q ' "$MODAL_RUN") --server '$URL' --secret db -- /usr/bin/env | grep -qx 'PASS=p@ss word=1'"
check "modal-run with the pinned vault key" bash -c \
	"$(printf '%q ' "$MODAL_RUN") --server '$URL' --vault-key '$VAULT_KEY' --secret pdb -e prod -- /usr/bin/env | grep -qx 'K=v'"
expect_exit 77 "not the pinned one" run --vault-key "$(printf 'ab%.0s' {1..32})" --secret db -- /bin/true
expect_exit 65 "not found" run --secret nope -- /bin/true
MODAL_TOKEN_SECRET="$(wrong "$OSEC")" expect_exit 77 "" run --secret db -- /bin/true

req GET "/v1/audit?action=secret.fetch" -H "$(bearer "$OID" "$OSEC")"
# A token sealed to the wrong key names no one: that refusal's token_id is empty.
body_has "the launches are audited" "len([r for r in j['data'] if r['status'] == 200]) >= 2 and all(r['token_id'] == ('$OID' if r['status'] != 401 or r['token_id'] else '') for r in j['data'])"
expect_exit 0 "" "${V[@]}" secret delete pdb -e prod -y
expect_exit 0 "" "${V[@]}" environment delete prod -y
stop_server
check "SIGTERM exits 0" test "$STOP_STATUS" = 0
check "modal-run links neither libmicrohttpd nor the server" bash -c \
	"! ldd '$MODAL_RUN' | grep -q microhttpd && ! nm '$MODAL_RUN' 2>/dev/null | grep -q serve_main"
validate_responses
finish
