#!/usr/bin/env bash
# locked.sh — vault.db locked by another writer (an open write transaction,
# held by sqlite3 in Python) for longer than the store's 5 s busy timeout.
# Writes wait out the timeout and then fail with a clear error and change
# nothing: the CLI on the file: store, and the server (a JSON 5xx; the CLI
# through it says so). Reads and launches never wait (WAL): directly and
# through the server. Released, writes go through again.
. "$(dirname "$0")/faults_lib.sh"

store secret create db PASS=v-91aa-locked >/dev/null
new_token ci
AUTH="Authorization: Bearer $TOKEN_ID:$TOKEN_SECRET"
export MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET
serve srv
DB="$TMP/vault/vault.db"
rows() { sqlite3 "file:$DB?mode=ro" "SELECT name, version FROM secrets ORDER BY 1" 2>&1; }
rows >"$TMP/rows.before"

# The other writer: BEGIN IMMEDIATE, a row written, then it holds the lock
# until a line arrives on its FIFO, and rolls back.
mkfifo "$TMP/release"
python3 - "$DB" "$TMP/release" >"$TMP/holder.out" <<'PY' &
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("UPDATE meta SET v = v WHERE 1 = 0")
print("locked", flush=True)
open(sys.argv[2]).readline()
db.execute("ROLLBACK")
print("released", flush=True)
PY
holder=$!
PIDS+=($holder)
exec 9<>"$TMP/release"  # read-write: never blocks, keeps the FIFO open
check "another writer holds vault.db's write lock" wait_line "$TMP/holder.out" '^locked$'

# --- reads never wait for the lock ------------------------------------------------------
# timed MAX_MS WHAT CMD...: CMD succeeds within MAX_MS.
timed() {
	local max=$1 what=$2 t0 t rc
	shift 2
	t0=$(ms)
	"$@" >"$TMP/out" 2>"$TMP/err" && rc=0 || rc=$?
	t=$(($(ms) - t0))
	check "$what (exit $rc, ${t} ms)" test "$rc" = 0 -a "$t" -lt "$max"
}
timed 2000 "a launch from the file: store under the lock" "$R" --server "$STORE" -s db -- true
# The token's first use: its last-used time is written then, and that
# bookkeeping must not wait out the lock (it did: 5 s on every first use).
timed 2000 "a launch through the server, the token's first use, under the lock" \
	"$R" --server "$srv_URL" -s db -- true
timed 2000 "listing secrets through the server under the lock" "$V" --server "$srv_URL" secret list
# The CLI on the file: store records its own audit line: that write waits.
timed 8000 "listing secrets with the CLI on the file: store (its audit record waits)" \
	"$V" --server "$STORE" secret list
got=$("$R" --server "$srv_URL" -s db -- printenv PASS)
check "  ... and the value is the stored one" test "$got" = v-91aa-locked

# --- writes wait out the busy timeout, then fail clearly --------------------------------
t0=$(ms)
expect_exit 75 "modal-vault: vault database: exec: database is locked" \
	"$V" --server "$STORE" secret create cli K=v
t=$(($(ms) - t0))
# The write waits 5 s, then the audit record of its refusal waits 5 s more.
check "  ... the CLI waited out the busy timeout, twice at most (${t} ms)" test "$t" -ge 4900 -a "$t" -lt 12000
t0=$(ms)
ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "$AUTH" -H 'Content-Type: application/json' \
	--data-binary '{"name":"http","env":{"K":"v"}}' "$srv_URL/v1/secrets")
t=$(($(ms) - t0))
check "a write through the server: 503 after the busy timeout ($ST, ${t} ms)" \
	test "$ST" = 503 -a "$t" -ge 4900 -a "$t" -lt 8000
check "  ... a JSON error saying the store is locked: $(head -c 200 "$TMP/body")" python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
sys.exit(0 if e["message"] == "vault database: exec: database is locked" else 1)' "$TMP/body"
expect_exit 75 "modal-vault: vault $srv_URL" env MODAL_TIMEOUT=7s "$V" --server "$srv_URL" secret create cli2 K=v
check "nothing changed while locked" sh -c "sqlite3 'file:$DB?mode=ro' 'SELECT name, version FROM secrets ORDER BY 1' | cmp -s - '$TMP/rows.before'"

# --- released ----------------------------------------------------------------------------
echo go >&9
exec 9>&-
check "the other writer let go" wait_line "$TMP/holder.out" '^released$'
expect_exit 0 "" "$V" --server "$STORE" secret create cli K=v
ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "$AUTH" -H 'Content-Type: application/json' \
	--data-binary '{"name":"http","env":{"K":"v"}}' "$srv_URL/v1/secrets")
check "released: a write through the server is acknowledged ($ST)" test "$ST" = 201
check "PRAGMA integrity_check is ok" test "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok
finish
