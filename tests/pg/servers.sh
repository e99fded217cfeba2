#!/usr/bin/env bash
# Two vault servers on one store, on each backend: each sees the other's writes
# at once; a token revoked through one is refused by the other on its next
# request; one of many simultaneous creates of a name is 201 and the rest 409;
# compare-and-set updates through both lose nothing; on PostgreSQL, expiry is
# the database's decision.
. "$MODAL_SRC/tests/lib.sh"
. "$(dirname "$0")/pg_lib.sh"

for backend in sqlite postgres; do
	new_store $backend
	start_server 0
	start_server 1
	A=${URLS[0]} B=${URLS[1]}
	J=(-H 'Content-Type: application/json')
	st=$(status POST "$A/v1/secrets" "${J[@]}" -d '{"name":"db","env":{"K":"v1"}}')
	check "$backend: create through A -> $st" test "$st" = 201
	st=$(status GET "$B/v1/secrets/db")
	check "$backend: read at once through B -> $st" test "$st" = 200
	st=$(status PUT "$B/v1/secrets/db" "${J[@]}" -d '{"env":{"K":"v2"},"version":1}')
	check "$backend: update through B -> $st" test "$st" = 200
	st=$(status PUT "$A/v1/secrets/db" "${J[@]}" -d '{"env":{"K":"v3"},"version":1}')
	check "$backend: A's update of the version B replaced is a conflict -> $st" test "$st" = 409

	# A second token, made through A, used through B, revoked through A.
	status POST "$A/v1/tokens" "${J[@]}" -d '{"name":"ci"}' >/dev/null
	tok=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print(t["token_id"], t["token_secret"])' "$TMP/body")
	read -r tid tsec <<<"$tok"
	st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tid:$tsec" "$B/v1/secrets")
	check "$backend: a token made through A works through B -> $st" test "$st" = 200
	st=$(status DELETE "$A/v1/tokens/$tid")
	check "$backend: revoked through A -> $st" test "$st" = 204
	st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tid:$tsec" "$B/v1/secrets")
	check "$backend: B refuses it on the next request -> $st" test "$st" = 401

	for round in 1 2 3; do
		out=$("${LOAD[@]}" race "$(url_list)" "race$round" 16)
		check "$backend: 16 simultaneous creates of one name over both servers: one 201, fifteen 409 ($out)" \
			test "$out" = '{"201": 1, "409": 15}'
	done

	st=$(status POST "$A/v1/secrets" "${J[@]}" -d '{"name":"counter","env":{"INIT":"x"}}')
	out=$("${LOAD[@]}" cas "$(url_list)" counter 6 8)
	status GET "$B/v1/secrets/counter" >/dev/null
	check "$backend: 48 compare-and-set updates through both servers, none lost ($(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["conflicts"])' "$out") conflicts retried)" \
		python3 - "$out" "$TMP/body" <<-'PY'
		import json, sys
		acked = set(json.loads(sys.argv[1])["acked"])
		meta = json.load(open(sys.argv[2]))
		keys = set(meta["keys"]) - {"INIT"}
		sys.exit(not (len(acked) == 48 and keys == acked and meta["version"] == 49))
		PY

	if [ $backend = postgres ]; then
		# Expiry by the database's clock: a token whose expires_at is the
		# database's now is refused by both servers.
		status POST "$A/v1/tokens" "${J[@]}" -d '{"name":"short","expires_in":3600}' >/dev/null
		read -r tid tsec < <(python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print(t["token_id"], t["token_secret"])' "$TMP/body")
		pg_sql "UPDATE tokens SET expires_at = floor(extract(epoch FROM now())) + 60 WHERE id = '$tid'"
		st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tid:$tsec" "$B/v1/secrets")
		check "postgres: a token the database says expires in a minute works -> $st" test "$st" = 200
		pg_sql "UPDATE tokens SET expires_at = floor(extract(epoch FROM now())) WHERE id = '$tid'"
		for u in "$A" "$B"; do
			st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tid:$tsec" "$u/v1/secrets")
			check "postgres: expired by the database's clock, refused by $u -> $st" test "$st" = 401
		done
		# Servers whose own clocks are 400 days off decide as the database
		# does: a fresh 90-day token works on the one ahead, the expired one
		# fails on the one behind.
		# libfaketime preloaded by env, which execs: the pid is the server's
		# own (faketime(1) would stay in between and outlive a kill).
		lib=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n 1)
		if [ -n "$lib" ]; then
			# ASan wants to be the first library loaded; libfaketime only
			# wraps clock calls, so let it go first in the ASan build.
			fake="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
			fake="$fake LD_PRELOAD=$lib DONT_FAKE_MONOTONIC=1 FAKETIME"
			SERVE_PREFIX="$fake=+400d" start_server 2
			SERVE_PREFIX="$fake=-400d" start_server 3
			st=$(status GET "${URLS[2]}/v1/secrets")
			check "postgres: a server 400 days ahead accepts a 90-day token -> $st" test "$st" = 200
			check "postgres: that server's clock is a year ahead: $(tail -n 1 "$TMP/serve2.log" | cut -c1-10)" \
				test "$(tail -n 1 "$TMP/serve2.log" | cut -c1-4)" -gt "$(date -u +%Y)"
			st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tid:$tsec" "${URLS[3]}/v1/secrets")
			check "postgres: a server 400 days behind refuses a token the database says expired -> $st" \
				test "$st" = 401
		else
			not_ok "libfaketime is not installed (faketime in scripts/deps.sh)"
		fi
	fi
	stop_servers
	URLS=() PORTS=()
done
finish
