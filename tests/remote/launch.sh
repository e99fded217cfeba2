#!/usr/bin/env bash
# launch.sh — modal-run against a real vault server: the same child as the
# embedded vault, the token's sources and its absence from the child, the
# pinned vault key, each failure's exit status and one-line message, and the
# encrypted fallback cache (warm, stale, refused after 401/404, other token).
. "$(dirname "$0")/remote_lib.sh"

nl=$'\n'
store environment create prod >/dev/null
store secret create db USER=app "PASS=p=w;\"x\"${nl}line2" 'EMPTY=' >/dev/null
store secret create api API_KEY=k-123 >/dev/null
store secret create db -e prod USER=prod-app >/dev/null
new_token ci
export MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET
serve srv
URL=$srv_URL

# dump ARGS...: the child's environment, NUL-separated, sorted.
dump() { "$R" "$@" -- env -0 | sort -z | tr '\0' '\n'; }

# --- the same launch as the embedded vault -----------------------------------
dump --server "$STORE" -s db -s api >"$TMP/local.env"
dump --server "$URL" -s db -s api >"$TMP/remote.env"
check "the child's environment equals the embedded vault's, byte for byte" \
	cmp -s "$TMP/local.env" "$TMP/remote.env"
check "a value with a newline, '=' and quotes arrives intact" \
	grep -qxF 'PASS=p=w;"x"' "$TMP/remote.env"
check "the token secret never reaches the child" \
	sh -c "! grep -q MODAL_TOKEN '$TMP/remote.env'"
check "the token secret is not in the child's environment even as a value" \
	sh -c "! grep -qF '$TOKEN_SECRET' '$TMP/remote.env'"
dump --server "$STORE" -s db -s api -s db --on-conflict=last-wins >"$TMP/local2.env"
dump --server "$URL" -s db -s api -s db --on-conflict=last-wins >"$TMP/remote2.env"
check "a secret named twice is applied twice, as the embedded vault does" \
	sh -c "grep -q '^API_KEY=k-123' '$TMP/remote2.env' && cmp -s '$TMP/local2.env' '$TMP/remote2.env'"
"$R" --server "$STORE" --check -s db -s api -- true >"$TMP/local.check"
"$R" --server "$URL" --check -s db -s api -- true | grep -v '^vault key ' >"$TMP/remote.check"
check "--check prints the embedded vault's fingerprints" cmp -s "$TMP/local.check" "$TMP/remote.check"
# What libcurl did must not show: the same signal state and descriptors.
state='grep -E "^Sig(Ign|Blk)" /proc/self/status; ls /proc/self/fd | wc -l'
(trap '' PIPE HUP; "$R" --server "$STORE" -s db -- sh -c "$state") >"$TMP/local.state"
(trap '' PIPE HUP; "$R" --server "$URL" -s db -- sh -c "$state") >"$TMP/remote.state"
check "the child's signal dispositions, mask and descriptors match an embedded launch" \
	sh -c "grep -q SigIgn '$TMP/local.state' && cmp -s '$TMP/local.state' '$TMP/remote.state'"
got=$("$R" --server "$URL" -e prod -s db -- printenv USER)
check "-e picks the environment" test "$got" = prod-app
got=$(MODAL_ENVIRONMENT=prod "$R" --server "$URL" -s db -- printenv USER)
check "MODAL_ENVIRONMENT picks the environment" test "$got" = prod-app
got=$(MODAL_SERVER_URL=$URL "$R" -s api -- printenv API_KEY)
check "MODAL_SERVER_URL names the server" test "$got" = k-123

# --- where the token comes from -----------------------------------------------
unset MODAL_TOKEN_ID MODAL_TOKEN_SECRET
expect_exit 78 "vault $URL: no token" "$R" --server "$URL" -s api -- touch "$TMP/ran"
cat >"$HOME/.modal.toml" <<EOF
[default]
token_id = "$TOKEN_ID"
token_secret = "$TOKEN_SECRET"
server_url = "$URL"
environment = "prod"
EOF
chmod 600 "$HOME/.modal.toml"
got=$("$R" -s db -- printenv USER 2>"$TMP/err")
check "the profile gives server, token and environment" test "$got" = prod-app
got=$("$R" -e main -s db -- printenv USER)
check "a flag overrides the profile" test "$got" = app
got=$("$R" --token-id ak-nottherightone0000000 -s db -- true 2>&1)
check "--token-id overrides the profile's (and is refused: $got)" \
	grep -q "unauthorised" <<<"$got"
rm "$HOME/.modal.toml"
mkdir -m 700 "$TMP/creds"
printf '%s:%s\n' "$TOKEN_ID" "$TOKEN_SECRET" >"$TMP/creds/modal-token"
got=$(CREDENTIALS_DIRECTORY="$TMP/creds" "$R" --server "$URL" -s api -- printenv API_KEY)
check "the systemd credential gives the token" test "$got" = k-123
expect_exit 77 "unauthorised" env CREDENTIALS_DIRECTORY="$TMP/creds" MODAL_TOKEN_ID="$TOKEN_ID" \
	MODAL_TOKEN_SECRET=as-0000000000000000000000000000000000000000000 \
	"$R" --server "$URL" -s api -- true
got=$(MODAL_TOKEN_SECRET=$TOKEN_SECRET "$R" --server "$URL" --token-id "$TOKEN_ID" -s api -- sh -c 'echo "${MODAL_TOKEN_ID-unset} ${MODAL_TOKEN_SECRET-unset}"')
check "--token-id with MODAL_TOKEN_SECRET works, and neither reaches the child" test "$got" = "unset unset"
export MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET

# --- the pinned vault key -----------------------------------------------------
expect_exit 0 "" "$R" --server "$URL" --vault-key "$VAULT_KEY" -s db -- true
expect_exit 0 "" env MODAL_VAULT_PUBLIC_KEY="$VAULT_KEY" "$R" --server "$URL" -s db -- true
other=$(printf '%064d' 7)
expect_exit 77 "not the pinned one" "$R" --server "$URL" --vault-key "$other" -s db -- touch "$TMP/ran"
expect_exit 77 "not the pinned one" env MODAL_VAULT_PUBLIC_KEY="$other" "$R" --server "$URL" -s db -- touch "$TMP/ran"
check "nothing ran with a wrong vault key" test ! -e "$TMP/ran"
expect_exit 64 "--vault-key" "$R" --server "$URL" --vault-key abc -s db -- true
printf '[default]\nvault_public_key = "%s"\n' "$other" >"$TMP/pinned.toml"
chmod 600 "$TMP/pinned.toml"
expect_exit 77 "not the pinned one" "$R" --config "$TMP/pinned.toml" --server "$URL" -s db -- true
expect_exit 0 "" "$R" --config "$TMP/pinned.toml" --server "$URL" --vault-key "$VAULT_KEY" -s db -- true

# --- failures: status and one line naming the server and the secret ----------
expect_exit 65 "vault $URL: secret 'nope' not found in environment 'main'" \
	"$R" --server "$URL" -s db -s nope -- touch "$TMP/ran"
expect_exit 65 "vault $URL: environment 'staging' not found" \
	"$R" --server "$URL" -e staging -s db -- touch "$TMP/ran"
dead=$(dead_url)
expect_exit 69 "vault $dead unreachable: Connection refused (fetching secret 'db' of environment 'prod')" \
	"$R" --server "$dead" -e prod -s db -- touch "$TMP/ran"
blackhole hole
t0=$(ms)
expect_exit 75 "vault $hole_URL: no answer within the 2 s deadline (fetching secret 'db'" \
	"$R" --server "$hole_URL" --timeout 2s -s db -- touch "$TMP/ran"
took=$(( $(ms) - t0 ))
check "the deadline holds (took ${took} ms for 2 s)" test "$took" -ge 1900 -a "$took" -lt 3500
t0=$(ms)
expect_exit 75 "no answer within the 1.5 s deadline" env MODAL_TIMEOUT=1500ms \
	"$R" --server "$hole_URL" -s db -- true
took=$(( $(ms) - t0 ))
check "MODAL_TIMEOUT sets the deadline (took ${took} ms for 1.5 s)" test "$took" -lt 3000
expect_exit 64 "--timeout" "$R" --server "$URL" --timeout soon -s db -- true
check "no failed launch ran its command" test ! -e "$TMP/ran"

# --- the fallback cache -------------------------------------------------------
C="$TMP/cache"
expect_exit 0 "" "$R" --server "$URL" --cache "$C" -s db -s api -- true
check "the cache directory is 0700" test "$(stat -c %a "$C")" = 700
entry=$(ls "$C")
check "one entry, 0600" test "$(stat -c %a "$C/$entry")" = 600
check "the entry holds no value" sh -c "! grep -q 'k-123\|p=w' '$C/$entry'"
kill "$srv_PID"
wait "$srv_PID" 2>/dev/null
dump --server "$URL" --cache "$C" -s db -s api >"$TMP/cached.env" 2>"$TMP/err"
check "a dead server with a warm cache: the same environment" cmp -s "$TMP/remote.env" "$TMP/cached.env"
check "... and it says so: $(cat "$TMP/err")" \
	grep -qE "^modal-run: vault $URL unreachable; using cached secrets from [0-9]+s ago$" "$TMP/err"
got=$(MODAL_CACHE_DIR="$C" "$R" --server "$URL" -s db -s api -- printenv API_KEY 2>/dev/null)
check "MODAL_CACHE_DIR names the cache" test "$got" = k-123
# Entries belong to their server URL: on a socket, a server that stops
# answering can take the same URL.
serve sock --listen "unix:$TMP/v.sock"
expect_exit 0 "" "$R" --server "unix:$TMP/v.sock" --cache "$C" -s db -s api -- true
kill "$sock_PID"
wait "$sock_PID" 2>/dev/null
blackhole stuck "$TMP/v.sock"
got=$("$R" --server "unix:$TMP/v.sock" --timeout 1s --cache "$C" -s db -s api -- printenv API_KEY 2>"$TMP/err")
check "a server that never answers: the cache, once the deadline passed" test "$got" = k-123
check "... and it says so" grep -q "^modal-run: vault unix:$TMP/v.sock unreachable; using cached secrets" "$TMP/err"
expect_exit 75 "no cached secrets for this request" "$R" --server "$hole_URL" --cache "$C" \
	--timeout 1s -s db -s api -- touch "$TMP/ran"
expect_exit 69 "cache not used: no cached secrets for this request" \
	"$R" --server "$URL" --cache "$C" -s api -- touch "$TMP/ran"
sleep 2
expect_exit 69 "old, more than --cache-max-age 1s" \
	"$R" --server "$URL" --cache "$C" --cache-max-age 1s -s db -s api -- touch "$TMP/ran"
expect_exit 69 "more than --cache-max-age 1s" env MODAL_CACHE_MAX_AGE=1 \
	"$R" --server "$URL" --cache "$C" -s db -s api -- touch "$TMP/ran"
new_token other
expect_exit 69 "cache not used" env MODAL_TOKEN_ID="$TOKEN_ID" MODAL_TOKEN_SECRET="$TOKEN_SECRET" \
	"$R" --server "$URL" --cache "$C" -s db -s api -- touch "$TMP/ran"
check "no launch ran on a stale or foreign cache" test ! -e "$TMP/ran"
cp "$C/$entry" "$TMP/entry"
first=$(sed -n '3s/^\(.\).*/\1/p' "$TMP/entry")
sed -i "3s/^./$([ "$first" = A ] && echo B || echo A)/" "$C/$entry"
expect_exit 69 "cache not used: the cached secrets do not open" \
	"$R" --server "$URL" --cache "$C" -s db -s api -- touch "$TMP/ran"
cp "$TMP/entry" "$C/$entry"
expect_exit 0 "using cached secrets" "$R" --server "$URL" --cache "$C" -s db -s api -- true

# Refusals are answers: a revoked token or a deleted secret never falls back.
serve srv
URL2=$srv_URL
expect_exit 0 "" "$R" --server "$URL2" --cache "$C" -s db -s api -- true
store token revoke "$MODAL_TOKEN_ID" -y >/dev/null
expect_exit 77 "vault $URL2: unauthorised" "$R" --server "$URL2" --cache "$C" -s db -s api -- touch "$TMP/ran"
check "a revoked token does not use the cache" sh -c "! grep -q 'cached' '$TMP/err'"
export MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET
expect_exit 0 "" "$R" --server "$URL2" --cache "$C" -s api -- true
store secret delete api -y >/dev/null
expect_exit 65 "secret 'api' not found" "$R" --server "$URL2" --cache "$C" -s api -- touch "$TMP/ran"
check "a deleted secret does not come back from the cache" sh -c "! grep -q 'cached' '$TMP/err'"
check "no refused launch ran its command" test ! -e "$TMP/ran"
expect_exit 0 "" "$R" --server "$STORE" --cache "$C" -s db -- true

finish
