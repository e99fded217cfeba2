#!/usr/bin/env bash
# pg_hang.sh — a PostgreSQL connection that hangs: a proxy between the vault
# and the cluster stops forwarding (the database's host frozen, a network
# that drops everything) while every connection stays open. A server on that
# store answers each request with a JSON 5xx within its bounded wait (the
# session's statement_timeout and a margin) instead of hanging, and so does
# every request queued behind it; a launch straight from the postgres:// URL
# fails as unavailable (69) within its connect timeout; nothing runs. Once
# the network returns, the same server serves again without a restart.
# Run through tests/pg/with-pg.sh.
. "$(dirname "$0")/faults_lib.sh"
: "${MODAL_TEST_PG_URL:?run through tests/pg/with-pg.sh}"

schema="s$$_hang"
psql -qAtX "$MODAL_TEST_PG_URL" -c "CREATE SCHEMA $schema" >/dev/null
export MODAL_VAULT_MASTER_KEY="$TMP/master.key"
STORE="$MODAL_TEST_PG_URL?options=-csearch_path%3D$schema"
store init >/dev/null
store secret create db PASS=v-6a0d-hang >/dev/null
new_token ci
AUTH="Authorization: Bearer $TOKEN_ID:$TOKEN_SECRET"
export MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET
pg_hostport=${MODAL_TEST_PG_URL#*@}
pg_hostport=${pg_hostport%%/*}
proxy net hang "$pg_hostport" later
VIA="${STORE/$pg_hostport/127.0.0.1:$net_PORT}"
STORE=$VIA serve srv
got=$("$R" --server "$srv_URL" -s db -- printenv PASS)
check "through the proxy, a server on PostgreSQL serves a launch" test "$got" = v-6a0d-hang
got=$("$R" --server "$VIA" -s db -- printenv PASS)
check "  ... and a launch straight from the postgres:// URL works" test "$got" = v-6a0d-hang

arm net
# --- the server: a 5xx in bounded time, never a hang ------------------------------------
t0=$(ms)
ST=$(curl -s -m 30 -o "$TMP/body" -w '%{http_code}' -H "$AUTH" "$srv_URL/v1/secrets")
t=$(($(ms) - t0))
check "a read through the server on a hung connection: a 5xx ($ST) within 10 s (${t} ms)" \
	test "${ST:0:1}" = 5 -a "$t" -lt 10000
check "  ... a JSON error: $(head -c 200 "$TMP/body")" python3 -c '
import json, sys; e = json.load(open(sys.argv[1]))["error"]; sys.exit(0 if e["message"] else 1)' "$TMP/body"
# Two more at once: neither waits behind the other for long.
t0=$(ms)
cpids=()
for i in 1 2; do
	curl -s -m 30 -o "$TMP/body$i" -w '%{http_code}\n' -H "$AUTH" -H 'Content-Type: application/json' \
		--data-binary "{\"name\":\"h$i\",\"env\":{\"K\":\"v\"}}" "$srv_URL/v1/secrets" >"$TMP/st$i" &
	cpids+=($!)
done
wait "${cpids[@]}"
t=$(($(ms) - t0))
check "two writes at once on the hung store: both 5xx ($(cat "$TMP/st1" "$TMP/st2" | tr '\n' ' ')) within 20 s (${t} ms)" \
	sh -c "grep -q '^5' '$TMP/st1' && grep -q '^5' '$TMP/st2' && [ $t -lt 20000 ]"
rm -f "$TMP/ran"
t0=$(ms)
"$R" --server "$srv_URL" --timeout 8s -s db -- touch "$TMP/ran" 2>"$TMP/err" && rc=0 || rc=$?
t=$(($(ms) - t0))
# 75 when the server's wait on the hung connection outlasts the deadline, 69
# when it already dropped that connection and answers 503 for the reconnect.
check "a launch through that server fails as transient (exit $rc) by its deadline (${t} ms)" \
	test "$t" -lt 10000 -a \( "$rc" = 75 -o "$rc" = 69 \)
check "  ... with one line naming the server: $(cat "$TMP/err")" \
	sh -c "[ \$(grep -cvE '$NOTICE_RE' '$TMP/err') = 1 ] && grep -q '^modal-run: vault $srv_URL' '$TMP/err'"
check "  ... and ran nothing" test ! -e "$TMP/ran"

# --- a launch straight from PostgreSQL ----------------------------------------------------
t0=$(ms)
expect_exit 69 "modal-run: " "$R" --server "$VIA" -s db -- touch "$TMP/ran"
t=$(($(ms) - t0))
check "  ... a launch from the hung postgres:// URL fails as unavailable within 15 s (${t} ms)" test "$t" -lt 15000
check "  ... and ran nothing" test ! -e "$TMP/ran"
check "  ... and the error holds no password or value" sh -c "! grep -q 'v-6a0d' '$TMP/err'"

# --- the network returns -----------------------------------------------------------------
disarm net
got=$("$R" --server "$srv_URL" --timeout 20s -s db -- printenv PASS)
check "the network back: the same server serves launches again" test "$got" = v-6a0d-hang
ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "$AUTH" -H 'Content-Type: application/json' \
	--data-binary '{"name":"after","env":{"K":"v"}}' "$srv_URL/v1/secrets")
check "  ... and takes writes ($ST)" test "$ST" = 201
names=$(store secret list --json | python3 -c 'import json,sys; print(" ".join(sorted(s["Name"] for s in json.load(sys.stdin))))')
check "the store holds what was acknowledged, no write from the hang ($names)" test "$names" = "after db"
finish
