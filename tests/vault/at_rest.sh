#!/usr/bin/env bash
# Encryption at rest, seen from outside: after secrets are written (while a
# reader holds the database open, so the WAL stays on disk) no value, and not
# the master key, appears in any file of the vault directory.
. "$(dirname "$0")/../lib.sh"
V=$MODAL_VAULT
new_vault "$TMP/v"

# Keep a connection open so SQLite neither checkpoints nor deletes the WAL.
wal_holder_start "$TMP/v/vault.db"

values=(plain-needle-0xC0FFEE "multi line needle" 'q"uote$needle' "ünïcødé-needle")
printf '{"A": "%s", "B": "%s", "C": "q\\"uote$needle", "D": "%s"}' \
	"${values[0]}" "${values[1]}" "${values[3]}" >"$TMP/s.json"
$V secret create s1 --from-json "$TMP/s.json" >/dev/null
$V secret create s1 --from-json "$TMP/s.json" --force >/dev/null
echo "${values[0]}" | $V secret create s2 K=- >/dev/null

check "WAL file present while a reader holds the database" test -s "$TMP/v/vault.db-wal"
for val in "${values[@]}"; do
	check "'$val' appears in no vault file" bash -c "! grep -rqaF -- '$val' '$TMP/v'"
done
check "master key bytes not in the database or WAL" python3 - "$TMP/v" <<'PY'
import sys, os
d = sys.argv[1]
key = open(os.path.join(d, "master.key"), "rb").read()
for f in os.listdir(d):
    if f != "master.key" and key in open(os.path.join(d, f), "rb").read():
        sys.exit(1)
PY
check "vault directory is 0700" test "$(stat -c %a "$TMP/v")" = 700
check "every vault file is 0600" bash -c "[ -z \"\$(find '$TMP/v' -type f ! -perm 600)\" ]"
wal_holder_stop
finish
