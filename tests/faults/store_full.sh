#!/usr/bin/env bash
# store_full.sh — the embedded store's filesystem full (a small tmpfs made
# here), with a real server on it. Writes fail with a clear error (a JSON 5xx
# through the server, one line and a non-zero exit from the CLI) and change
# nothing; reads, metadata and launches keep working, directly and through
# the server; once space returns the database passes PRAGMA integrity_check,
# holds exactly what was acknowledged, and takes writes again.
. "$(dirname "$0")/faults_lib.sh"

small_tmpfs "$TMP/full" 3m
FULL="$TMP/full"
STORE="file:$FULL/vault"
store init >/dev/null
store secret create db PASS=v-5d1e-full USER=app >/dev/null
new_token ci
AUTH="Authorization: Bearer $TOKEN_ID:$TOKEN_SECRET"
export MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET
serve srv
DB="$FULL/vault/vault.db"

# rows: what the store holds (each table's rows, the audit log aside: reads
# append to it), to compare before and after.
rows() {
	sqlite3 "file:$DB?mode=ro" "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'audit%' ORDER BY name" |
		while read -r t; do echo "== $t"; sqlite3 "file:$DB?mode=ro" "SELECT * FROM \"$t\" ORDER BY 1"; done
}
# post BODY: a secret create through the server; ST the status, the body in $TMP/body.
post() {
	ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "$AUTH" -H 'Content-Type: application/json' \
		--data-binary @- "$srv_URL/v1/secrets" <<<"$1")
}
# big NAME: a create body of 24 values of 32 KiB (more than the WAL holds).
big() {
	python3 -c 'import json,sys; print(json.dumps({"name": sys.argv[1], "env": {"K%d" % i: chr(65 + i) * 32768 for i in range(24)}}))' "$1"
}

post "$(big before)"
check "space free: a large write through the server is acknowledged ($ST)" test "$ST" = 201
sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null
check "the store's filesystem is full" sh -c "! echo x >'$FULL/probe' 2>/dev/null"
rm -f "$FULL/probe"
rows >"$TMP/rows.before"

# --- writes fail, clearly ---------------------------------------------------------------
post "$(big during)"
check "a write through the server on a full disk is a 5xx ($ST)" test "${ST:0:1}" = 5
check "  ... with a JSON error naming the cause: $(head -c 200 "$TMP/body")" python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
sys.exit(0 if "full" in e["message"].lower() or "space" in e["message"].lower() else 1)' "$TMP/body"
for i in 1 2 3; do post "$(big "during$i")"; done
check "  ... every time ($ST)" test "${ST:0:1}" = 5
big cli | python3 -c 'import json,sys; j=json.load(sys.stdin); print(json.dumps(j["env"]))' >"$TMP/big.json"
expect_exit 74 "modal-vault: vault database: exec: database or disk is full" "$V" --server "$STORE" secret create cli --from-json "$TMP/big.json"
check "  ... the CLI on the file: store says the disk is full: $(cat "$TMP/err")" \
	grep -qi 'full\|space' "$TMP/err"
expect_exit 69 "modal-vault: vault $srv_URL: vault database: exec: database or disk is full" "$V" --server "$srv_URL" secret create cli2 --from-json "$TMP/big.json"
check "  ... the CLI through the server says so too: $(cat "$TMP/err")" grep -qi 'full\|space' "$TMP/err"
check "  ... and no error holds a value" sh -c "! grep -q AAAAAAAA '$TMP/err' '$TMP/body'"

# --- reads and launches keep working ------------------------------------------------------
got=$("$R" --server "$STORE" -s db -- printenv PASS 2>"$TMP/err")
check "a launch from the file: store on the full disk works" test "$got" = v-5d1e-full
got=$("$R" --server "$srv_URL" -s db -s before -- printenv PASS 2>"$TMP/err")
check "a launch through the server on the full disk works" test "$got" = v-5d1e-full
ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "$AUTH" "$srv_URL/v1/secrets")
check "listing secrets through the server works ($ST)" test "$ST" = 200
expect_exit 0 "" "$V" --server "$STORE" secret list
expect_exit 0 "" "$V" --server "$srv_URL" environment list
ST=$(curl -s -o /dev/null -w '%{http_code}' "$srv_URL/healthz")
check "/healthz answers ($ST)" test "$ST" = 200
rows >"$TMP/rows.after"
check "nothing changed in the store's rows" cmp -s "$TMP/rows.before" "$TMP/rows.after"

# --- space returns ----------------------------------------------------------------------
rm -f "$FULL/filler"
kill "$srv_PID"
wait "$srv_PID" 2>/dev/null
check "the server stopped cleanly by SIGTERM after the full disk" test "$?" -le 143
check "PRAGMA integrity_check is ok" test "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok
names=$(store secret list --json | python3 -c 'import json,sys; print(" ".join(sorted(s["Name"] for s in json.load(sys.stdin))))')
check "the store holds exactly what was acknowledged ($names)" test "$names" = "before db"
serve srv
post "$(big after)"
check "space back: writes through the server are acknowledged again ($ST)" test "$ST" = 201
got=$("$R" --server "$srv_URL" -s after -- printenv K3 | head -c 4)
check "  ... and launch" test "$got" = DDDD
finish
