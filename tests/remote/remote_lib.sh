# remote_lib.sh — helpers for the remote client's end-to-end tests: a fresh
# embedded store, real `modal-vault serve` processes on loopback in front of
# it, tokens, and servers that are dead or never answer. Source it.
. "$MODAL_SRC/tests/lib.sh"
: "${BLACKHOLE:?set BLACKHOLE to the blackhole helper}"

# Nothing of the machine's own configuration: no ~/.modal.toml, no proxy.
export HOME="$TMP/home"
mkdir -p "$HOME"
unset MODAL_SERVER_URL MODAL_CONFIG_PATH MODAL_VAULT_PUBLIC_KEY MODAL_CACHE_DIR \
	MODAL_CACHE_MAX_AGE MODAL_TIMEOUT MODAL_CACERT CREDENTIALS_DIRECTORY \
	http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
R=$MODAL_RUN
V=$MODAL_VAULT
STORE="file:$TMP/vault"
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# store ARGS...: modal-vault on the embedded store itself.
store() { MODAL_SERVER_URL=$STORE "$V" "$@"; }
store init >/dev/null

# new_token NAME [ARGS...]: an API token made on the store; sets TOKEN_ID and
# TOKEN_SECRET.
new_token() {
	local out
	out=$(store token create --name "$@")
	TOKEN_ID=$(sed -n 's/^Token ID: *//p' <<<"$out")
	TOKEN_SECRET=$(sed -n 's/^Token secret: *//p' <<<"$out")
	[ -n "$TOKEN_ID" ] && [ -n "$TOKEN_SECRET" ] || { echo "no token: $out"; exit 1; }
}

# serve NAME ARGS...: modal-vault serve on the store, in the background. Sets
# NAME_URL, NAME_PID and VAULT_KEY. Listens on 127.0.0.1:0 unless ARGS say.
serve() {
	local name=$1 out="$TMP/serve-$1.out" i url
	shift
	[ "$*" = "" ] && set -- --listen 127.0.0.1:0
	"$V" serve --store "$STORE" "$@" >"$out" 2>"$TMP/serve-$name.log" &
	PIDS+=($!)
	printf -v "${name}_PID" '%s' $!
	for i in $(seq 200); do
		grep -q "listening on" "$out" 2>/dev/null && break
		sleep 0.05
	done
	url=$(sed -n 's/^modal-vault serve: listening on //p' "$out" | head -n 1)
	[ -n "$url" ] || { echo "server $name did not start: $(cat "$TMP/serve-$name.log")"; exit 1; }
	printf -v "${name}_URL" '%s' "$url"
	VAULT_KEY=$(sed -n 's/^modal-vault serve: vault public key //p' "$out")
}

# blackhole NAME [SOCKET]: a server that accepts and never answers; sets
# NAME_URL.
blackhole() {
	local name=$1 out="$TMP/blackhole-$1.out" i
	"$BLACKHOLE" ${2:+"$2"} >"$out" &
	PIDS+=($!)
	for i in $(seq 100); do [ -s "$out" ] && break; sleep 0.02; done
	if [ -n "${2:-}" ]; then
		printf -v "${name}_URL" 'unix:%s' "$2"
	else
		printf -v "${name}_URL" 'http://127.0.0.1:%s' "$(cat "$out")"
	fi
}

# dead_url: an address where nothing listens (a port just released).
dead_url() {
	local out="$TMP/dead.out"
	"$BLACKHOLE" >"$out" &
	local pid=$!
	for i in $(seq 100); do [ -s "$out" ] && break; sleep 0.02; done
	kill "$pid"
	wait "$pid" 2>/dev/null
	echo "http://127.0.0.1:$(cat "$out")"
}

# as_token CMD...: runs CMD with the current token in the environment.
as_token() { MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET "$@"; }

# ms: monotonic-enough milliseconds for timing checks.
ms() { date +%s%3N; }
