# pg_lib.sh — helpers for the scale-out tests: a store of either backend, several
# `modal-vault serve` on that one store, a token, and load.py. Source after
# ../lib.sh, inside tests/pg/with-pg.sh (MODAL_TEST_PG_URL, MODAL_TEST_PG_DIR).
PG_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${MODAL_TEST_PG_URL:?run through tests/pg/with-pg.sh}"
LOAD=(python3 "$PG_HERE/load.py")
PIDS=()
PORTS=()
URLS=()
nstores=0

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# pg_sql SQL: on the cluster's database, this test's store schema first.
pg_sql() { psql -qAtX -v ON_ERROR_STOP=1 "$STORE" -c "$1"; }

# new_store sqlite|postgres: a new initialised store (STORE, BACKEND), an owner
# token for load.py (MODAL_TEST_TOKEN) and for curl (AUTH).
new_store() {
	local schema
	BACKEND=$1
	nstores=$((nstores + 1))
	export MODAL_VAULT_MASTER_KEY="$TMP/master$nstores.key"
	if [ "$BACKEND" = postgres ]; then
		schema="s$$_$nstores"
		psql -qAtX "$MODAL_TEST_PG_URL" -c "CREATE SCHEMA $schema"
		STORE="$MODAL_TEST_PG_URL?options=-csearch_path%3D$schema"
	else
		STORE="file:$TMP/vault$nstores"
	fi
	MODAL_SERVER_URL=$STORE "$MODAL_VAULT" init >/dev/null
	MODAL_TEST_TOKEN=$(MODAL_SERVER_URL=$STORE "$MODAL_VAULT" token create --json |
		python3 -c 'import json,sys; t=json.load(sys.stdin); print(t["token_id"] + ":" + t["token_secret"])')
	export MODAL_TEST_TOKEN
	AUTH="Authorization: Bearer $MODAL_TEST_TOKEN"
}

# start_server I [PORT]: server I on PORT (else the port it had, else a free
# one); URLS[I] is its base URL, PIDS[I] its process. SERVE_PREFIX, if set,
# is a command to run it under (faketime).
start_server() {
	local i=$1 n
	PORTS[$i]=${2:-${PORTS[$i]:-$(free_port)}}
	: >"$TMP/serve$i.out"
	${SERVE_PREFIX:+$SERVE_PREFIX} "$MODAL_VAULT" serve --store "$STORE" --listen "127.0.0.1:${PORTS[$i]}" \
		--auth-fail-limit 1000000 >"$TMP/serve$i.out" 2>>"$TMP/serve$i.log" &
	PIDS[$i]=$!
	for n in $(seq 200); do
		grep -q "listening on" "$TMP/serve$i.out" 2>/dev/null && break
		kill -0 "${PIDS[$i]}" 2>/dev/null || break
		sleep 0.025
	done
	grep -q "listening on" "$TMP/serve$i.out" ||
		{ echo "server $i did not start: $(tail -n 3 "$TMP/serve$i.log")"; exit 1; }
	URLS[$i]="http://127.0.0.1:${PORTS[$i]}"
}

kill_server() {
	kill -KILL "${PIDS[$1]}" 2>/dev/null
	wait "${PIDS[$1]}" 2>/dev/null
	PIDS[$1]=
}

stop_servers() {
	local pid
	for pid in "${PIDS[@]}"; do
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	PIDS=()
}
trap 'stop_servers; rm -rf "$TMP"' EXIT

url_list() { local IFS=,; echo "${URLS[*]}"; }

# status METHOD URL [CURL ARGS...]: the HTTP status of one request.
status() {
	local m=$1 u=$2
	shift 2
	curl -s -o "$TMP/body" -w '%{http_code}' -X "$m" -H "$AUTH" "$@" "$u"
}
