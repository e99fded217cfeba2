#!/usr/bin/env bash
# server_kill.sh — the vault server killed with SIGKILL in the middle of
# fetches and of a write burst, then restarted on the same socket; on the
# embedded store, or on PostgreSQL when MODAL_TEST_PG_URL is set (through
# tests/pg/with-pg.sh). Launches racing the kill either run with exactly the
# stored value or fail with the documented one-line error (69/75) and run
# nothing; a launch whose request the server held when it died fails so too;
# every write acknowledged before the kill is there after it and decrypts.
# (tests/pg/durability.sh kills servers over and over under compare-and-set
# writers; this is the launcher's side.)
. "$(dirname "$0")/faults_lib.sh"

if [ -n "${MODAL_TEST_PG_URL:-}" ]; then
	schema="s$$_kill"
	psql -qAtX "$MODAL_TEST_PG_URL" -c "CREATE SCHEMA $schema" >/dev/null
	STORE="$MODAL_TEST_PG_URL?options=-csearch_path%3D$schema"
	export MODAL_VAULT_MASTER_KEY="$TMP/master.key"
	store init >/dev/null
	KIND=postgres
else
	KIND=sqlite
fi
store secret create db PASS=v-3b9e-kill >/dev/null
new_token ci
AUTH="Authorization: Bearer $TOKEN_ID:$TOKEN_SECRET"
export MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET
SOCK="$TMP/v.sock"
URL="unix:$SOCK"
up() { rm -f "$SOCK"; serve srv --listen "$URL"; }
up
mkdir "$TMP/runs"

# launcher W N: N launches one after the other; each leaves rc, err and (if
# the target ran) out under runs/W.I.
launcher() {
	local w=$1 i
	for i in $(seq "$2"); do
		"$R" --server "$URL" --timeout 3s -s db -- \
			sh -c 'printf %s "$PASS" >"$0"' "$TMP/runs/$w.$i.out" \
			2>"$TMP/runs/$w.$i.err" && echo 0 >"$TMP/runs/$w.$i.rc" || echo $? >"$TMP/runs/$w.$i.rc"
	done
}
# writer N: N secret creates through the server; the acknowledged ones in acked.
writer() {
	local i st
	for i in $(seq "$1"); do
		st=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -H "$AUTH" \
			-H 'Content-Type: application/json' \
			--data-binary "{\"name\":\"w$i\",\"env\":{\"W$i\":\"v-w$i-value\"}}" http://vault/v1/secrets)
		[ "$st" = 201 ] && echo "$i" >>"$TMP/acked"
	done
}
: >"$TMP/acked"
pids=()
for w in 1 2 3 4 5 6; do launcher "$w" 25 & pids+=($!); done
writer 200 &
pids+=($!)
check "$KIND: the storm is under way (100 requests served)" \
	sh -c "for i in \$(seq 400); do [ \$(grep -c ' /v1/' '$TMP/serve-srv.log') -ge 100 ] && exit 0; sleep 0.05; done; exit 1"

# Freeze the server, send it one more launch, and once that launch's
# connection is up (its request sits with the frozen server) kill it.
kill -STOP "$srv_PID"
# SIGSTOP lands asynchronously: a launch sent before it has would be served.
check "$KIND: the server is stopped" \
	sh -c "for i in \$(seq 400); do ps -o stat= -p $srv_PID | grep -q '^T' && exit 0; sleep 0.01; done; exit 1"
"$R" --server "$URL" --timeout 3s -s db -- touch "$TMP/probe-ran" 2>"$TMP/probe.err" &
probe=$!
check "$KIND: a launch is connected to the frozen server" \
	sh -c "for i in \$(seq 400); do ss -xp | grep -q \"modal-run.*pid=$probe\" && exit 0; sleep 0.02; done; exit 1"
kill -KILL "$srv_PID"
wait "$srv_PID" 2>/dev/null
acked_at_kill=$(wc -l <"$TMP/acked")
wait "$probe" && rc=0 || rc=$?
check "$KIND: the launch the server held when killed fails as unavailable (exit $rc)" test "$rc" = 69 -o "$rc" = 75
check "  ... with one line naming the vault: $(cat "$TMP/probe.err")" \
	sh -c "[ \$(grep -cvE '$NOTICE_RE' '$TMP/probe.err') = 1 ] && grep -q '^modal-run: vault $URL' '$TMP/probe.err'"
check "  ... and its command did not run" test ! -e "$TMP/probe-ran"
up
for p in "${pids[@]}"; do wait "$p"; done

# --- every launch: the right value, or the documented failure and nothing run ------------
python3 - "$TMP/runs" "$URL" "$NOTICE_RE" >"$TMP/verdict" <<'PY'
import glob, os, re, sys
runs, url, notice = sys.argv[1], sys.argv[2], re.compile(sys.argv[3])
ok = failed = bad = 0
for rc_file in glob.glob(runs + "/*.rc"):
    base = rc_file[:-3]
    rc = int(open(rc_file).read())
    # The failover and retry notices come before the one error line.
    err = "".join(l for l in open(base + ".err") if not notice.search(l.rstrip("\n")))
    ran = os.path.exists(base + ".out")
    if rc == 0 and ran and open(base + ".out").read() == "v-3b9e-kill":
        ok += 1
    elif rc in (69, 75) and not ran and err.count("\n") == 1 and err.startswith("modal-run: vault " + url):
        failed += 1
    else:
        bad += 1
        print("BAD", base, rc, ran, repr(err[:200]))
print("launches", ok, failed, bad)
PY
read -r _ nok nfail nbad < <(grep '^launches' "$TMP/verdict")
grep '^BAD' "$TMP/verdict" | head -5
check "$KIND: 150 launches around the kill: $nok ran with the stored value, $nfail failed as documented, $nbad otherwise" \
	test "$nbad" = 0 -a $((nok + nfail)) = 150 -a "$nok" -gt 0

# --- every acknowledged write is there and decrypts --------------------------------------
nacked=$(wc -l <"$TMP/acked")
check "$KIND: writes were acknowledged before the kill ($acked_at_kill) and after the restart ($nacked in all)" \
	test "$acked_at_kill" -gt 0 -a "$nacked" -gt "$acked_at_kill"
store secret list --json | python3 -c 'import json,sys; print("\n".join(s["Name"] for s in json.load(sys.stdin)))' >"$TMP/listed"
missing=$(while read -r i; do grep -qx "w$i" "$TMP/listed" || echo "w$i"; done <"$TMP/acked")
check "$KIND: every acknowledged write is listed${missing:+ (missing: $missing)}" test -z "$missing"
# Decrypt them all, 40 secrets a launch (the launcher takes fewer than 200).
: >"$TMP/env"
while read -r -a batch; do
	"$R" --server "$STORE" "${batch[@]/#/--secret=w}" -- env >>"$TMP/env" || echo "launch failed" >>"$TMP/env"
done < <(xargs -n 40 <"$TMP/acked")
bad=$(while read -r i; do grep -qx "W$i=v-w$i-value" "$TMP/env" || echo "w$i"; done <"$TMP/acked" | head -n 5)
check "$KIND: the acknowledged values decrypt to what was sent${bad:+ (not: $bad)}" test -z "$bad"
if [ "$KIND" = sqlite ]; then
	check "PRAGMA integrity_check is ok" test "$(sqlite3 "$TMP/vault/vault.db" 'PRAGMA integrity_check')" = ok
fi
got=$("$R" --server "$URL" -s db -- printenv PASS)
check "$KIND: the restarted server serves launches" test "$got" = v-3b9e-kill
finish
