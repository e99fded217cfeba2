#!/usr/bin/env bash
# conform.sh KIND — runs the conformance table (cases.c) on a fresh vault of
# KIND: "file" (the embedded store, or with MODAL_TEST_STORE set, a fresh
# schema of that PostgreSQL database: run it as "pg"), or "http" (a real
# modal-vault serve over such a store, called as the owner's API token).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/../server/server_lib.sh"
: "${CONFORM:?set CONFORM to the conform binary}"
kind=${1:?usage: conform.sh file|pg|http}

vault_init "$TMP/vault"
# What stands in for time (expiry): SQL on the store's database, on stdin.
if [ -n "${MODAL_TEST_STORE:-}" ]; then
	sql="psql -qAtX -v ON_ERROR_STOP=1 '$STORE'"
else
	# The server may hold the write lock a moment: wait for it, as SQLite does.
	sql="sqlite3 -cmd '.timeout 5000' '${STORE#file:}/vault.db'"
fi
case $kind in
file|pg)
	# The rows are chosen by kind: the store must be the one named.
	if [ "$kind" = pg ] && [ -z "${MODAL_TEST_STORE:-}" ]; then
		echo "conform.sh pg: set MODAL_TEST_STORE (tests/pg/with-pg.sh sets the cluster)" >&2
		exit 2
	elif [ "$kind" = file ] && [ -n "${MODAL_TEST_STORE:-}" ]; then
		echo "conform.sh file: MODAL_TEST_STORE names a PostgreSQL store: run it as pg" >&2
		exit 2
	fi
	url=$STORE ;;
http)
	read -r id secret < <(cli_token --name caller)
	export MODAL_CONFORM_TOKEN_ID=$id MODAL_CONFORM_TOKEN_SECRET=$secret
	# The table fails authentication on purpose more often than the default
	# limit allows a minute; the limit itself is tests/server/auth.sh's.
	start_server --auth-fail-limit 1000
	url=$URL ;;
*)
	echo "conform.sh: unknown kind '$kind': expected file, pg or http" >&2
	exit 2 ;;
esac
MODAL_CONFORM_URL=$url MODAL_CONFORM_KIND=$kind MODAL_CONFORM_SQL=$sql "$CONFORM" && rc=0 || rc=$?
stop_server
[ "$failed" -eq 0 ] || rc=1
exit "$rc"
