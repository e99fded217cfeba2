#!/usr/bin/env bash
# The real binaries on a PostgreSQL store (run through with-pg.sh): init,
# secrets, a launch, migrate (current, fresh schema, newer refused), and the
# errors for a missing or wrong master key and an unreachable database.
. "$MODAL_SRC/tests/lib.sh"
: "${MODAL_TEST_PG_URL:?run through tests/pg/with-pg.sh}"
url=$MODAL_TEST_PG_URL
export MODAL_SERVER_URL=$url MODAL_VAULT_MASTER_KEY=$TMP/master.key
psql() { command psql -qAtX -v ON_ERROR_STOP=1 "$url" "$@"; }

expect_exit 0 "" "$MODAL_VAULT" init --name acme
initkey=$(sed -n 's/^Vault public key: //p' "$TMP/out")
check "init names the store, never its URL (it may hold a password)" \
	eval "grep -qx 'Initialised the PostgreSQL vault store' \"\$TMP/out\" && ! grep -q postgres: \"\$TMP/out\""
check "init made the key file 0600" test "$(stat -c %a "$MODAL_VAULT_MASTER_KEY")" = 600
expect_exit 65 "" "$MODAL_VAULT" init --name again
check "init refused a second workspace" grep -q "already holds a workspace" "$TMP/err"
printf 'hunter2' | "$MODAL_VAULT" secret create db USER=app PASS=- >/dev/null
check "secret create read the value from stdin" \
	test "$(psql -c "SELECT keys FROM secret_versions")" = "$(printf 'USER\nPASS')"
check "the database holds no plaintext" \
	test "$(psql -c "SELECT count(*) FROM secret_versions WHERE position('hunter2'::bytea IN sealed) > 0")" = 0
"$MODAL_RUN" --secret db -- sh -c 'printf "%s %s" "$USER" "$PASS"' >"$TMP/out" 2>&1
check "modal-run launches with the secret from PostgreSQL" test "$(cat "$TMP/out")" = "app hunter2"
expect_exit 0 "" "$MODAL_VAULT" secret list --json
check "secret list shows it" grep -q '"Name": "db"' "$TMP/out"

# serve takes its store from MODAL_VAULT_STORE when --store is not given.
MODAL_VAULT_STORE=$url "$MODAL_VAULT" serve --listen 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.log" &
serve=$!
for _ in $(seq 100); do grep -q "listening on" "$TMP/serve.out" && break; sleep 0.05; done
surl=$(sed -n 's/^modal-vault serve: listening on //p' "$TMP/serve.out")
check "serve on MODAL_VAULT_STORE: /healthz answers 200" \
	test "$(curl -s -o /dev/null -w '%{http_code}' "$surl/healthz")" = 200
check "serve on MODAL_VAULT_STORE: its vault key is the one init printed" \
	grep -qx "modal-vault serve: vault public key $initkey" "$TMP/serve.out"
kill -TERM $serve
wait $serve

expect_exit 0 "" "$MODAL_VAULT" migrate
check "migrate: the schema is current" grep -q "is current (version 4)" "$TMP/out"
psql -c "CREATE SCHEMA fresh"
expect_exit 0 "" "$MODAL_VAULT" --server "$url?options=-csearch_path%3Dfresh" migrate --json
check "migrate on an empty schema goes 0 -> 4" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["from"] == 0 and d["to"] == 4))' "$TMP/out"
psql -c "INSERT INTO fresh.schema_version VALUES (5, 0)"
expect_exit 78 "schema 5 is newer than this program knows (4)" \
	"$MODAL_VAULT" --server "$url?options=-csearch_path%3Dfresh" migrate

cp "$MODAL_VAULT_MASTER_KEY" "$TMP/saved.key"
head -c 32 /dev/urandom >"$MODAL_VAULT_MASTER_KEY"
expect_exit 78 "the master key does not match" "$MODAL_VAULT" secret list
expect_exit 78 "the master key does not match" "$MODAL_RUN" --secret db -- true
cp "$TMP/saved.key" "$MODAL_VAULT_MASTER_KEY"
MODAL_VAULT_MASTER_KEY=$TMP/none expect_exit 78 "no master key at $TMP/none" "$MODAL_VAULT" secret list
expect_exit 69 "cannot reach the PostgreSQL store" \
	"$MODAL_VAULT" --server "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2" secret list
finish
