#!/usr/bin/env bash
# The scaling example (packaging/examples/scaling, docs/scaling.md) as a user
# runs it: three servers on one PostgreSQL behind nginx; secrets written and
# launches made through the load balancer reach every server; with one server
# killed, launches and writes still succeed; down stops it all.
. "$MODAL_SRC/tests/lib.sh"
: "${MODAL_TEST_PG_URL:?run through tests/pg/with-pg.sh}"
ex="$MODAL_SRC/packaging/examples/scaling/run.sh"
demo="$TMP/demo"
psql -qAtX "$MODAL_TEST_PG_URL" -c "CREATE SCHEMA scaling"
export MODAL_PG_URL="$MODAL_TEST_PG_URL?options=-csearch_path%3Dscaling"
trap 'MODAL_VAULT=$MODAL_VAULT bash "$ex" down "$demo"; rm -rf "$TMP"' EXIT

MODAL_VAULT=$MODAL_VAULT expect_exit 0 "" bash "$ex" up "$demo" 3
check "up printed the load balancer" grep -q "load balancer: http://127.0.0.1:" "$TMP/out"
set -a
. "$demo/env"
set +a
printf 'hunter2' | "$MODAL_VAULT" secret create db PASS=- >/dev/null
check "a secret written through the load balancer" "$MODAL_VAULT" secret get db
launches() {   # launches N: N launches through the load balancer, each printing PASS
	local i
	for i in $(seq "$1"); do
		"$MODAL_RUN" --secret db -- sh -c 'printf "%s\n" "$PASS"' 2>&1
	done
}
check "nine launches through the load balancer get the value" \
	test "$(launches 9 | sort | uniq -c | tr -s ' ')" = " 9 hunter2"
for i in 1 2 3; do
	check "server $i answered some of them" grep -q "POST /v1/fetch 200" "$demo/serve$i.log"
done
kill -KILL "$(cat "$demo/serve1.pid")"
check "with server 1 killed, ten launches still succeed" \
	test "$(launches 10 | sort | uniq -c | tr -s ' ')" = " 10 hunter2"
printf 'second' | "$MODAL_VAULT" secret create db2 PASS=- >/dev/null
check "and writes still succeed" "$MODAL_VAULT" secret get db2
check "the servers share one database" test "$(psql -qAtX "$MODAL_PG_URL" -c 'SELECT count(*) FROM secrets')" = 2
pids=$(cat "$demo"/serve2.pid "$demo"/serve3.pid)
MODAL_VAULT=$MODAL_VAULT expect_exit 0 "" bash "$ex" down "$demo"
check "down stopped nginx: the load balancer refuses connections" \
	bash -c "! curl -s -m 2 -o /dev/null '$MODAL_SERVER_URL/healthz'"
running() {   # running PID...: any of them alive (a zombie is not)
	local pid
	for pid in "$@"; do
		case $(ps -o stat= -p "$pid" 2>/dev/null) in "" | Z*) ;; *) return 0 ;; esac
	done
	return 1
}
for _ in $(seq 50); do running $pids || break; sleep 0.1; done
check "down stopped the servers" bash -c "$(declare -f running); ! running $(echo $pids)"
check "down removed the demo" test ! -e "$demo"
finish
