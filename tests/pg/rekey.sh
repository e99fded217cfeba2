#!/usr/bin/env bash
# modal-vault rekey on a PostgreSQL store (run through with-pg.sh): every
# secret still launches, directly and through a vault server started before
# the rekey (it reloads the keyring when rows move to a key it lacks, and
# seals new versions under the new key); launches during several rekeys all
# succeed; a rekey killed with SIGKILL midway is finished by the next; the
# old key is gone from its file; no value nor key in the database's files;
# a systemd credential is refused.
. "$MODAL_SRC/tests/lib.sh"
. "$MODAL_SRC/tests/vault/rekey_lib.sh"
: "${MODAL_TEST_PG_URL:?run through tests/pg/with-pg.sh}"
url=$MODAL_TEST_PG_URL
V=$MODAL_VAULT R=$MODAL_RUN STOP=$MODAL_BUILD/tests/vault/rekey_stop REKEY_SECRETS="a b c"
export MODAL_SERVER_URL=$url MODAL_VAULT_MASTER_KEY=$TMP/master.key
psql() { command psql -qAtX -v ON_ERROR_STOP=1 "$url" "$@"; }

$V init --name acme >/dev/null
$V environment create prod >/dev/null
rekey_seed
check "every secret launches before rekey" values_ok
cp "$MODAL_VAULT_MASTER_KEY" "$TMP/old.key"

# A server started before the rekey, with a token for modal-run.
$V token create --json >"$TMP/token.json"
tid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token_id"])' "$TMP/token.json")
tsec=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token_secret"])' "$TMP/token.json")
$V serve --store "$url" --listen 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.log" &
serve=$!
for _ in $(seq 100); do grep -q "listening on" "$TMP/serve.out" && break; sleep 0.05; done
surl=$(sed -n 's/^modal-vault serve: listening on //p' "$TMP/serve.out")
via_server() {
	MODAL_TOKEN_ID=$tid MODAL_TOKEN_SECRET=$tsec "$@" --server "$surl"
}
got=$(MODAL_TOKEN_ID=$tid MODAL_TOKEN_SECRET=$tsec $R --server "$surl" -e prod --secret b -- sh -c 'printf %s "$V"')
check "the server serves before rekey" test "$got" = needle-b-prod-v3

expect_exit 64 "run it where the store is" "$V" rekey -y --server "$surl"
expect_exit 0 "" "$V" rekey -y
check "rekey says what it did" grep -qx "Rekeyed the vault: 18 data keys rewrapped under master key 2, 1 old key destroyed" "$TMP/out"
check "every secret launches after rekey" values_ok
check "every row is under key 2, the only id the store keeps" \
	test "$(psql -c "SELECT string_agg(DISTINCT kek_version::text, ',') FROM secret_versions") $(psql -c "SELECT string_agg(id::text, ',') FROM kek_ids")" = "2 2"
got=$(MODAL_TOKEN_ID=$tid MODAL_TOKEN_SECRET=$tsec $R --server "$surl" -e prod --secret b -- sh -c 'printf %s "$V"')
check "the server started before the rekey still serves (it reloaded the keyring)" test "$got" = needle-b-prod-v3
echo needle-d-main-v1 | MODAL_TOKEN_ID=$tid MODAL_TOKEN_SECRET=$tsec $V --server "$surl" secret create d V=- >/dev/null
check "a secret written through that server is sealed under key 2" \
	test "$(psql -c "SELECT kek_version FROM secret_versions sv JOIN secrets s ON s.id = sv.secret_id WHERE s.name = 'd'")" = 2
got=$($R --secret d -- sh -c 'printf %s "$V"')
check "and launches" test "$got" = needle-d-main-v1
check "the old key's bytes (raw or hex) are gone from the key file" python3 - "$MODAL_VAULT_MASTER_KEY" "$TMP/old.key" <<'PY'
import sys
cur, old = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
sys.exit(old in cur or old.hex().encode() in cur)
PY
MODAL_VAULT_MASTER_KEY=$TMP/old.key expect_exit 78 "is wrapped under master key 2, which" "$R" --secret a -- true

# Launches in a loop while rekeys run, one killed midway.
launches_start
for i in 1 2 3; do $V rekey -y >/dev/null 2>>"$TMP/fails" || echo "rekey $i failed" >>"$TMP/fails"; done
"$STOP" "$url" 5 2>/dev/null; stopped=$?
check "rekey_stop was killed by SIGKILL midway (status 137)" test "$stopped" = 137
check "the killed rekey left two keys in the keyring" test "$(grep -c '^key ' "$MODAL_VAULT_MASTER_KEY")" = 2
check "every secret launches after the killed rekey" values_ok
expect_exit 0 "" "$V" rekey -y
check "the next rekey finished the interrupted one" \
	grep -qx "Finished an interrupted rekey: 14 data keys rewrapped under master key 6, 1 old key destroyed" "$TMP/out"
for i in 1 2; do $V rekey -y >/dev/null 2>>"$TMP/fails" || echo "rekey $i failed" >>"$TMP/fails"; done
launches_stop
check "every launch during the rekeys succeeded ($(wc -l <"$TMP/launches") launches)" \
	bash -c "[ ! -s '$TMP/fails' ] && [ \$(wc -l <'$TMP/launches') -gt 3 ]"
[ -s "$TMP/fails" ] && head -5 "$TMP/fails"
got=$(MODAL_TOKEN_ID=$tid MODAL_TOKEN_SECRET=$tsec $R --server "$surl" -e prod --secret b -- sh -c 'printf %s "$V"')
check "the server still serves after all rekeys" test "$got" = needle-b-prod-v3
kill -TERM $serve; wait $serve

# The database's own files, after a checkpoint: no value, no key, old or new.
psql -c "CHECKPOINT"
check "no value and no master key in the PostgreSQL data directory" \
	python3 - "$MODAL_TEST_PG_DIR" "$MODAL_VAULT_MASTER_KEY" "$TMP/old.key" <<'PY'
import os, sys
top, cur, old = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read()
keys = [old] + [bytes.fromhex(l.split()[2]) for l in open(cur) if l.startswith("key ")]
needles = [b"needle-"] + keys + [k.hex().encode() for k in keys]
for d, _, files in os.walk(top):
    for f in files:
        p = os.path.join(d, f)
        if p == cur:
            continue
        try:
            data = open(p, "rb").read()
        except OSError:
            continue
        for n in needles:
            if n in data:
                print(p, file=sys.stderr); sys.exit(1)
PY

# A systemd credential cannot be rewritten: refused, nothing changed.
mkdir -p "$TMP/creds" && cp "$MODAL_VAULT_MASTER_KEY" "$TMP/creds/modal-vault-master-key"
cp "$MODAL_VAULT_MASTER_KEY" "$TMP/cur.key"
MODAL_VAULT_MASTER_KEY= CREDENTIALS_DIRECTORY=$TMP/creds \
	expect_exit 78 "is a systemd credential, which rekey cannot rewrite" "$V" rekey -y
check "the refused rekey changed no key file" bash -c \
	"cmp -s '$TMP/creds/modal-vault-master-key' '$TMP/cur.key' && cmp -s '$MODAL_VAULT_MASTER_KEY' '$TMP/cur.key'"
check "and no key id in the store" test "$(psql -c "SELECT count(*) FROM kek_ids")" = 1

# A write whose key id a rekey retired between reading it and inserting (here
# made to happen: the id the store names is gone from kek_ids) is refused by
# the foreign key and said to be a conflict to retry, not a missing
# environment.
python3 - "$MODAL_VAULT_MASTER_KEY" <<'PY'
import os, sys
lines = open(sys.argv[1]).read().splitlines(True)
last = max(i for i, l in enumerate(lines) if l.startswith("key "))
lines.insert(last + 1, "key 77 " + os.urandom(32).hex() + "\n")
open(sys.argv[1], "w").write("".join(lines))
PY
psql -c "UPDATE meta SET v = '77' WHERE k = 'kek_version'"
expect_exit 65 "a rekey retired the vault's key meanwhile; write it again" \
	"$V" secret create late V=x
check "the refused write left no secret" test "$(psql -c "SELECT count(*) FROM secrets WHERE name = 'late'")" = 0
finish
