# server_lib.sh — helpers for the server's black-box tests: a fresh vault, the
# real `modal-vault serve` on a free loopback port, curl with every answer
# kept for schema validation at the end. Source after ../lib.sh.
: "${FETCH_TOOL:?set FETCH_TOOL to the fetch_tool binary}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SPEC="$HERE/../../vault/server/openapi.yml"
# The seed documents, verbatim (tests/server/seed/README says where from).
SEEDS=("$HERE"/seed/*-openapi.yml)
mkdir -p "$TMP/resp"
: >"$TMP/responses.tsv"
nresp=0
SERVER_PID=

# vault_init DIR: a fresh vault at DIR; STORE is its URL, STORE_FILES what
# holds its data on disk. With MODAL_TEST_STORE set to a postgres:// URL
# (tests/pg runs this suite so), the store is a fresh schema of that database
# and DIR holds only the master key.
vault_init() {
	if [ -n "${MODAL_TEST_STORE:-}" ]; then
		local schema="s$$_$RANDOM"
		mkdir -m 700 -p "$1"
		export MODAL_VAULT_MASTER_KEY="$1/master.key"
		psql -qAtX -v ON_ERROR_STOP=1 "$MODAL_TEST_STORE" -c "CREATE SCHEMA $schema" >/dev/null
		case $MODAL_TEST_STORE in
		*\?*) STORE="$MODAL_TEST_STORE&options=-csearch_path%3D$schema" ;;
		*) STORE="$MODAL_TEST_STORE?options=-csearch_path%3D$schema" ;;
		esac
		STORE_FILES=("${MODAL_TEST_PG_DIR:?}")
	else
		STORE="file:$1"
		STORE_FILES=("$1")
	fi
	MODAL_SERVER_URL=$STORE "$MODAL_VAULT" init >/dev/null
}

# store_sql SQL: runs SQL on the store behind the server (SQLite's dialect;
# strftime('%s','now') is rewritten for PostgreSQL).
store_sql() {
	if [ -n "${MODAL_TEST_STORE:-}" ]; then
		psql -qAtX -v ON_ERROR_STOP=1 "$STORE" -c "${1//strftime(\'%s\',\'now\')/floor(extract(epoch FROM now()))::bigint}"
	else
		sqlite3 "${STORE#file:}/vault.db" "$1"
	fi
}

# start_server [ARGS...]: modal-vault serve on 127.0.0.1, port chosen by the
# kernel; sets URL, VAULT_KEY and SERVER_PID. Logs go to $TMP/serve.log.
start_server() {
	local i
	: >"$TMP/serve.out"
	"$MODAL_VAULT" serve --store "$STORE" --listen 127.0.0.1:0 "$@" \
		>"$TMP/serve.out" 2>>"$TMP/serve.log" &
	SERVER_PID=$!
	for i in $(seq 100); do
		grep -q "listening on" "$TMP/serve.out" 2>/dev/null && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	URL=$(sed -n 's/^modal-vault serve: listening on //p' "$TMP/serve.out" | head -n 1)
	VAULT_KEY=$(sed -n 's/^modal-vault serve: vault public key //p' "$TMP/serve.out")
	[ -n "$URL" ] || { echo "server did not start: $(cat "$TMP/serve.log")"; exit 1; }
}

# stop_server: SIGTERM, and the exit status in STOP_STATUS.
stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" && STOP_STATUS=0 || STOP_STATUS=$?
	SERVER_PID=
	# Under the sanitizers the server reports into its log.
	if grep -q 'Sanitizer\|runtime error' "$TMP/serve.log"; then
		not_ok "the server's log has a sanitizer report: $(grep -m1 'Sanitizer\|runtime error' "$TMP/serve.log")"
	fi
}
trap 'stop_server; rm -rf "$TMP"' EXIT

# cli_token [ARGS...]: a token made with the CLI on the file: store;
# "ID SECRET" on stdout.
cli_token() {
	MODAL_SERVER_URL=$STORE "$MODAL_VAULT" token create --json "$@" |
		python3 -c 'import json,sys; t=json.load(sys.stdin); print(t["token_id"], t["token_secret"])'
}

# wrong SECRET: the secret with its last character changed (never to itself).
wrong() { if [ "${1: -1}" = A ]; then printf '%sB' "${1%?}"; else printf '%sA' "${1%?}"; fi; }

# bearer ID SECRET: the header an API request carries.
bearer() { printf 'Authorization: Bearer %s:%s' "$1" "$2"; }

# req METHOD PATH [CURL ARGS...]: one request; ST is its status, BODY the file
# holding its body, HDRS its headers. Every answer is kept for validation.
req() {
	local m=$1 p=$2
	shift 2
	nresp=$((nresp + 1))
	# mktemp, not the counter: requests made in subshells count too.
	BODY=$(mktemp "$TMP/resp/XXXXXX")
	HDRS="$BODY.h"
	ST=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' -X "$m" "$@" "$URL$p")
	printf '%s\t%s\t%s\t%s\t%s\n' "$m" "${p%%\?*}" "$ST" "$BODY" \
		"$(sed -n 's/^[Cc]ontent-[Tt]ype: *//p' "$HDRS" | tr -d '\r')" >>"$TMP/responses.tsv"
}

# json METHOD PATH BODY [CURL ARGS...]: req with a JSON body.
json() {
	local m=$1 p=$2 b=$3
	shift 3
	req "$m" "$p" -H 'Content-Type: application/json' --data-binary "$b" "$@"
}

# expect STATUS WHAT: the last request answered STATUS.
expect() {
	if [ "$ST" = "$1" ]; then
		ok "$2 -> $1"
	else
		not_ok "$2 -> $ST, want $1: $(head -c 300 "$BODY")"
	fi
}

# expect_error STATUS CODE WHAT: a JSON error with that status and code.
expect_error() {
	local code
	code=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$BODY" 2>/dev/null)
	if [ "$ST" = "$1" ] && [ "$code" = "$2" ]; then
		ok "$3 -> $1 $2"
	else
		not_ok "$3 -> $ST $code, want $1 $2: $(head -c 300 "$BODY")"
	fi
}

# field EXPR: a value from the last JSON body (python expression on j).
field() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$BODY"; }

# body_has WHAT PYTHON_CONDITION: a check on the last JSON body j.
body_has() {
	if python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$BODY" 2>/dev/null; then
		ok "$1"
	else
		not_ok "$1: $(head -c 300 "$BODY")"
	fi
}

# validate_responses: every answer kept so far against the OpenAPI document
# and, for the seed paths, the seed documents' schemas.
validate_responses() {
	local out
	out=$(python3 "$HERE/validate.py" "$TMP/responses.tsv" "$SPEC" "${SEEDS[@]}")
	echo "$out"
	passed=$((passed + $(grep -c '^ok ' <<<"$out")))
	failed=$((failed + $(grep -c '^FAIL ' <<<"$out")))
}

# free_port: a loopback port nobody listens on (for nginx).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
