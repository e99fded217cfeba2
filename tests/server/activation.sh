#!/usr/bin/env bash
# systemd's ways of starting the server: `serve --init` makes a missing vault
# on a fresh host's first start and keeps an existing one, and socket
# activation (sd_listen_fds: LISTEN_PID, LISTEN_FDS, fd 3) serves the socket
# systemd-socket-activate passed, TCP or Unix, and only when it is ours.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/server_lib.sh"

# wait_for PATTERN FILE: until FILE has a line matching PATTERN or the
# background process SERVER_PID is gone.
wait_for() {
	for _ in $(seq 200); do
		grep -q "$1" "$2" && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# stop_bg: stop_server, and the sanitizers' reports looked for in the log
# this server wrote (LAST_ERR).
stop_bg() {
	stop_server
	if grep -q 'Sanitizer\|runtime error' "$LAST_ERR"; then
		not_ok "a sanitizer report in $LAST_ERR: $(grep -m1 'Sanitizer\|runtime error' "$LAST_ERR")"
	fi
}
: >"$TMP/serve.log"

# serve_bg OUT ERR CMD...: starts CMD in the background and waits for its
# "listening on" line; SERVER_PID and URL as start_server sets them.
serve_bg() {
	local out=$1 err=$2
	shift 2
	: >"$out"
	: >"$err"
	"$@" >"$out" 2>"$err" &
	SERVER_PID=$!
	LAST_ERR=$err
	wait_for "listening on" "$out"
	URL=$(sed -n 's/^modal-vault serve: listening on //p' "$out" | head -n 1)
}

# activate OUT ERR ADDRESS CURL_ARGS...: systemd-socket-activate listens on
# ADDRESS and starts the server on the first connection, as systemd does:
# that connection (curl with CURL_ARGS) is answered by the server.
activate() {
	local out=$1 err=$2 addr=$3
	shift 3
	: >"$out"
	: >"$err"
	systemd-socket-activate -l "$addr" "$MODAL_VAULT" serve --store "$STORE" >"$out" 2>"$err" &
	SERVER_PID=$!
	LAST_ERR=$err
	wait_for "^Listening on .* as 3" "$err"
	check "socket activation ($addr): the first connection starts and is served" curl -fsS -m 10 -o /dev/null "$@"
	wait_for "listening on" "$out"
	URL=$(sed -n 's/^modal-vault serve: listening on //p' "$out" | head -n 1)
}

# First start on a fresh host: the state directory exists, the vault not.
mkdir -m 700 "$TMP/state"
serve_bg "$TMP/s1.out" "$TMP/s1.err" "$MODAL_VAULT" serve --init --store "file:$TMP/state/vault" --listen 127.0.0.1:0
check "serve --init: started on a missing vault" test -n "$URL"
check "serve --init: the vault was made, 0600 key" test "$(stat -c %a "$TMP/state/vault/master.key" 2>/dev/null)" = 600
check "serve --init: says so on stderr" grep -q "created the vault at $TMP/state/vault" "$TMP/s1.err"
check "serve --init: answers /healthz" curl -fsS -o /dev/null "$URL/healthz"
key1=$(sed -n 's/^modal-vault serve: vault public key //p' "$TMP/s1.out")
stop_bg
# Second start: the same vault, kept as it was.
MODAL_SERVER_URL="file:$TMP/state/vault" "$MODAL_VAULT" secret create kept A=1 >/dev/null
serve_bg "$TMP/s2.out" "$TMP/s2.err" "$MODAL_VAULT" serve --init --store "file:$TMP/state/vault" --listen 127.0.0.1:0
key2=$(sed -n 's/^modal-vault serve: vault public key //p' "$TMP/s2.out")
check "serve --init again: the same vault key" test -n "$key1" -a "$key1" = "$key2"
check "serve --init again: nothing said about creating" sh -c '! grep -q "created the vault" "$1"' sh "$TMP/s2.err"
stop_bg
check "serve --init again: the secret is still there" sh -c 'MODAL_SERVER_URL="file:$1" "$2" secret get kept >/dev/null' sh "$TMP/state/vault" "$MODAL_VAULT"
expect_exit 64 "--init makes an embedded vault" "$MODAL_VAULT" serve --init --store postgres://db.invalid/v --listen 127.0.0.1:0
mkdir -m 700 "$TMP/half"
expect_exit 78 "no vault at $TMP/half" "$MODAL_VAULT" serve --init --store "file:$TMP/half" --listen 127.0.0.1:0

# The master key by LoadCredential=: a vault made and opened under the
# credential's key, with no key file of its own; a credentials directory
# without it (a unit that loads only modal-token) keeps the vault's own file.
MODAL_SERVER_URL="file:$TMP/keysource" "$MODAL_VAULT" init >/dev/null
mkdir -m 700 "$TMP/creds"
cp "$TMP/keysource/master.key" "$TMP/creds/modal-vault-master-key"
chmod 0600 "$TMP/creds/modal-vault-master-key"
serve_bg "$TMP/c.out" "$TMP/c.err" env CREDENTIALS_DIRECTORY="$TMP/creds" \
	"$MODAL_VAULT" serve --init --store "file:$TMP/cvault" --listen 127.0.0.1:0
ckey=$(sed -n 's/^modal-vault serve: vault public key //p' "$TMP/c.out")
stop_bg
check "credential key: the vault was made" test -f "$TMP/cvault/vault.db"
check "credential key: no key file of its own" test ! -e "$TMP/cvault/master.key"
serve_bg "$TMP/k.out" "$TMP/k.err" "$MODAL_VAULT" serve --store "file:$TMP/keysource" --listen 127.0.0.1:0
skey=$(sed -n 's/^modal-vault serve: vault public key //p' "$TMP/k.out")
stop_bg
check "credential key: the vault key is the credential's" test -n "$ckey" -a "$ckey" = "$skey"
check "credential key: the CLI opens it with the credential" sh -c \
	'CREDENTIALS_DIRECTORY=$1 MODAL_SERVER_URL=file:$2 "$3" secret create c A=1 >/dev/null' sh "$TMP/creds" "$TMP/cvault" "$MODAL_VAULT"
expect_exit 78 "no vault at $TMP/cvault" env MODAL_SERVER_URL="file:$TMP/cvault" "$MODAL_VAULT" secret list
mkdir -m 700 "$TMP/othercreds"
check "a credentials directory without the key: the vault's own file" sh -c \
	'CREDENTIALS_DIRECTORY=$1 MODAL_SERVER_URL=file:$2 "$3" secret list >/dev/null' sh "$TMP/othercreds" "$TMP/keysource" "$MODAL_VAULT"

# Socket activation over TCP: the server takes systemd's socket, opens none.
vault_init "$TMP/v"
read -r tid tsec < <(cli_token)
MODAL_SERVER_URL=$STORE "$MODAL_VAULT" secret create app A=1 >/dev/null
port=$(free_port)
activate "$TMP/a.out" "$TMP/a.err" "127.0.0.1:$port" "http://127.0.0.1:$port/healthz"
check "socket activation: serves the passed socket" test "$URL" = "http://127.0.0.1:$port"
check "socket activation: one listener only" test "$(grep -c 'listening on' "$TMP/a.out")" = 1
check "socket activation: /healthz" curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz"
check "socket activation: an API call with a token" sh -c 'MODAL_TOKEN_SECRET=$3 "$1" secret list --server "$2" --token-id "$4" >/dev/null' \
	sh "$MODAL_VAULT" "http://127.0.0.1:$port" "$tsec" "$tid"
check "socket activation: a launch through it" sh -c 'MODAL_TOKEN_SECRET=$3 "$1" --server "$2" --token-id "$4" --secret app -- sh -c "test \$A = 1"' \
	sh "$MODAL_RUN" "http://127.0.0.1:$port" "$tsec" "$tid"
stop_bg
check "socket activation: SIGTERM exits 0" test "$STOP_STATUS" = 0

# Over a Unix socket: served, and left for systemd (it made it).
activate "$TMP/u.out" "$TMP/u.err" "$TMP/vault.sock" --unix-socket "$TMP/vault.sock" http://x/healthz
check "socket activation (unix): named" test "$URL" = "unix:$TMP/vault.sock"
check "socket activation (unix): served again" curl -fsS -o /dev/null --unix-socket "$TMP/vault.sock" http://x/healthz
stop_bg
check "socket activation (unix): the socket is not unlinked" test -S "$TMP/vault.sock"

# LISTEN_FDS for another process (inherited): ignored, fd 3 untouched.
serve_bg "$TMP/o.out" "$TMP/o.err" env LISTEN_PID=1 LISTEN_FDS=1 "$MODAL_VAULT" serve --store "$STORE" --listen 127.0.0.1:0 3<"$TMP/a.out"
check "LISTEN_PID of another process: ignored, --listen served" curl -fsS -o /dev/null "$URL/healthz"
stop_bg
# Ours, but fd 3 is not a listening socket: a one-line configuration error.
expect_exit 78 "descriptor 3 of LISTEN_FDS is not a listening socket" \
	sh -c 'exec env LISTEN_PID=$$ LISTEN_FDS=1 "$1" serve --store "$2" 3<"$3"' sh "$MODAL_VAULT" "$STORE" "$TMP/a.out"
expect_exit 78 "LISTEN_FDS=x" sh -c 'exec env LISTEN_PID=$$ LISTEN_FDS=x "$1" serve --store "$2"' sh "$MODAL_VAULT" "$STORE"
finish
