#!/usr/bin/env bash
# modal-vault rekey on the embedded store, from outside: every secret of two
# environments still launches after it; the old master key's bytes are gone
# from the vault directory and open nothing; launches running throughout
# several rekeys all succeed; a rekey killed with SIGKILL midway is finished
# by the next; bad inputs change nothing; no value and neither master key
# appears in the database files.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/rekey_lib.sh"
V=$MODAL_VAULT R=$MODAL_RUN REKEY_SECRETS="a b c d"
STOP=${MODAL_BUILD:?}/tests/vault/rekey_stop
new_vault "$TMP/v"
$V environment create prod >/dev/null

rekey_seed
check "every secret launches before rekey" values_ok
cp "$TMP/v/master.key" "$TMP/old.key"

# Refusals change nothing.
expect_exit 64 "pass -y/--yes" "$V" rekey
expect_exit 64 "run it where the store is" "$V" rekey -y --server http://127.0.0.1:1
check "refused rekeys left the key file as it was" cmp -s "$TMP/v/master.key" "$TMP/old.key"
chmod 0640 "$TMP/v/master.key"
expect_exit 78 "with mode 0600" "$V" rekey -y
chmod 0600 "$TMP/v/master.key"
check "a refused rekey left the key file as it was" cmp -s "$TMP/v/master.key" "$TMP/old.key"

expect_exit 0 "" "$V" rekey -y
check "rekey says what it did" grep -qx "Rekeyed the vault: 24 data keys rewrapped under master key 2, 1 old key destroyed" "$TMP/out"
check "every secret launches after rekey" values_ok
check "the key file is a keyring of key 2 alone, 0600" \
	bash -c "head -1 '$TMP/v/master.key' | grep -qx 'modal-vault keyring 1' &&
		 [ \$(grep -c '^key ' '$TMP/v/master.key') = 1 ] && grep -q '^key 2 ' '$TMP/v/master.key' &&
		 [ \$(stat -c %a '$TMP/v/master.key') = 600 ]"
check "no temporary key file left" test ! -e "$TMP/v/master.key.new"
check "the old master key's bytes (raw or hex) are in no file of the vault directory" \
	python3 - "$TMP/v" "$TMP/old.key" <<'PY'
import os, sys
d, old = sys.argv[1], open(sys.argv[2], "rb").read()
for f in os.listdir(d):
    data = open(os.path.join(d, f), "rb").read()
    if old in data or old.hex().encode() in data:
        sys.exit(1)
PY
mkdir -p "$TMP/oldv" && cp "$TMP/v/vault.db" "$TMP/oldv/" && cp "$TMP/old.key" "$TMP/oldv/master.key"
chmod 600 "$TMP/oldv/master.key"
expect_exit 78 "is wrapped under master key 2, which" "$R" --server "file:$TMP/oldv" --secret a -- true
check "an audit record names the rekey" bash -c "'$V' audit --action vault.rekey | grep -q 'key:2'"

# Launches in a loop while rekeys run, one of them killed midway.
for _ in $(seq 1 40); do echo "needle-bulk" | $V secret create bulk V=- --force >/dev/null; done
launches_start
for i in 1 2 3 4 5; do $V rekey -y >>"$TMP/rekeys" 2>&1 || echo "rekey $i failed" >>"$TMP/fails"; done
"$STOP" "$MODAL_SERVER_URL" 10 2>/dev/null; stopped=$?
check "rekey_stop was killed by SIGKILL midway (status 137)" test "$stopped" = 137
check "the killed rekey left two keys in the keyring" test "$(grep -c '^key ' "$TMP/v/master.key")" = 2
check "every secret launches after the killed rekey" values_ok
expect_exit 0 "" "$V" rekey -y
check "the next rekey finished the interrupted one" \
	grep -qx "Finished an interrupted rekey: 54 data keys rewrapped under master key 8, 1 old key destroyed" "$TMP/out"
for i in 1 2 3; do $V rekey -y >>"$TMP/rekeys" 2>&1 || echo "rekey $i failed" >>"$TMP/fails"; done
launches_stop
check "every launch during the rekeys succeeded ($(wc -l <"$TMP/launches") launches)" \
	bash -c "[ ! -s '$TMP/fails' ] && [ \$(wc -l <'$TMP/launches') -gt 5 ]"
[ -s "$TMP/fails" ] && head -5 "$TMP/fails"
check "every secret launches after all rekeys" values_ok
check "the keyring holds key 11 alone" \
	bash -c "[ \$(grep -c '^key ' '$TMP/v/master.key') = 1 ] && grep -q '^key 11 ' '$TMP/v/master.key'"

# At rest: with a reader holding the database open (the WAL stays), no
# value, no current key and no old key in any database file.
wal_holder_start "$TMP/v/vault.db"
echo "needle-after-rekey" | $V secret create late V=- >/dev/null
check "no value and neither master key in the database, WAL or shm" \
	python3 - "$TMP/v" "$TMP/old.key" <<'PY'
import os, sys
d = sys.argv[1]
old = open(sys.argv[2], "rb").read()
new = [bytes.fromhex(l.split()[2]) for l in open(os.path.join(d, "master.key")) if l.startswith("key ")]
needles = [b"needle-"] + [k for k in [old] + new] + [k.hex().encode() for k in [old] + new]
for f in os.listdir(d):
    if f == "master.key":
        continue
    data = open(os.path.join(d, f), "rb").read()
    for n in needles:
        if n in data:
            print(f, "holds a needle", file=sys.stderr); sys.exit(1)
PY
wal_holder_stop

# A row under a key id the keyring lacks: one line, nothing changed.
cp "$TMP/v/master.key" "$TMP/cur.key"
python3 - "$TMP/v/vault.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO kek_ids VALUES (99)")
db.execute("UPDATE secret_versions SET kek_version = 99 WHERE rowid = (SELECT min(rowid) FROM secret_versions)")
db.commit()
PY
expect_exit 78 "is wrapped under master key 99, which" "$V" rekey -y
check "the refused rekey left the keyring as it was" cmp -s "$TMP/v/master.key" "$TMP/cur.key"
printf 'garbage\n%.0s' $(seq 5) >"$TMP/v/master.key"
expect_exit 78 "line 1: not a keyring" "$V" rekey -y
finish
