#!/usr/bin/env bash
# PostgreSQL going away under load: two servers keep answering, with 503 and
# Retry-After while the database is down (never a 500, a crash or a hang),
# and serve again by themselves once it is back — after a clean restart and
# after a crash (immediate stop, recovery from the WAL).
. "$MODAL_SRC/tests/lib.sh"
. "$(dirname "$0")/pg_lib.sh"

new_store postgres
start_server 0
start_server 1
outage() {   # outage STOP-MODE: the database away for 1.5 s under load
	local mode=$1 t_down t_up
	"${LOAD[@]}" hammer "$(url_list)" 5 "$TMP/hammer.json" &
	load=$!
	sleep 1.2
	t_down=$(date +%s.%N)
	bash "$MODAL_SRC/scripts/pg-stop.sh" "$MODAL_TEST_PG_DIR" "$mode"
	sleep 1.5
	st=$(curl -s -o "$TMP/health" -w '%{http_code}' "${URLS[0]}/healthz")
	check "$mode: /healthz says 503 while the database is down -> $st" test "$st" = 503
	bash "$MODAL_SRC/scripts/pg-start.sh" "$MODAL_TEST_PG_DIR" >/dev/null
	t_up=$(date +%s.%N)
	wait $load
	check "$mode: both servers still run" kill -0 "${PIDS[0]}" "${PIDS[1]}"
	check "$mode: answers while down are 503 with Retry-After, none 500 or unanswered, none slow; back to 2xx by itself" \
		python3 - "$TMP/hammer.json" "$t_down" "$t_up" <<-'PY'
	import json, sys, collections
	recs = json.load(open(sys.argv[1]))
	statuses = collections.Counter(r["status"] for r in recs)
	bad = [r for r in recs if r["status"] not in (200, 201, 503)]
	no_retry = [r for r in recs if r["status"] == 503 and not r["retry_after"]]
	slowest = max(r["seconds"] for r in recs)
	end = max(r["t"] for r in recs)
	tail = [r["status"] for r in recs if r["t"] > end - 1.0]
	print("   statuses %s, slowest %.2f s, last second %s" %
	      (dict(statuses), slowest, dict(collections.Counter(tail))))
	ok = not bad and not no_retry and statuses[503] > 0 and slowest < 3.0 and \
	     tail and all(s in (200, 201) for s in tail)
	sys.exit(not ok)
	PY
	st=$(curl -s -o /dev/null -w '%{http_code}' "${URLS[1]}/healthz")
	check "$mode: /healthz is 200 again -> $st" test "$st" = 200
}
outage --keep
outage --crash
check "no server logged a crash" bash -c "! grep -qiE 'segfault|abort|assert' '$TMP'/serve*.log"
finish
