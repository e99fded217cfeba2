#!/usr/bin/env bash
# tests/soak/soak.sh — a bounded soak of the vault server on loopback, on
# each store: at least REQUESTS requests (default 500000) from wrk, mixed
# sealed fetches (60%), secret listings (25%), secret metadata reads (10%)
# and creates (5%), while LAUNCHERS loops of modal-run launch through the
# same server the whole time. Fails on any failed request (a socket error, a
# non-2xx answer, a failed launch). Prints the server's resident memory at
# the start (after a warm-up), the middle and the end, and the throughput.
# (Creates go to their own environment, so the listings stay one size.)
# Not part of ctest (minutes, not seconds); one command:
#   bash tests/soak/soak.sh [REQUESTS] [CONNECTIONS]      (both stores)
#   MODAL_SOAK_STORES=sqlite bash tests/soak/soak.sh      (one)
# MODAL_BUILD=DIR uses a built release tree (default: builds it).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
requests=${1:-500000}
conns=${2:-16}
launchers=${MODAL_SOAK_LAUNCHERS:-4}
stores=${MODAL_SOAK_STORES:-sqlite postgres}
command -v wrk >/dev/null || { echo "soak: wrk is not installed (scripts/deps.sh)"; exit 69; }
build=${MODAL_BUILD:-$(bash "$top/scripts/build.sh" release)}
V="$build/vault/cli/modal-vault"
R="$build/launcher/modal-run"

# One store: STORE names it.
soak_store() {
	local kind=$1 work server url id secret phase=0 total=0 fails=0 rss=() t0 t1
	work=$(mktemp -d /tmp/modal-soak.XXXXXX)
	export MODAL_VAULT_MASTER_KEY="$work/master.key"
	if [ "$kind" = postgres ]; then
		psql -qAtX "$MODAL_TEST_PG_URL" -c "CREATE SCHEMA soak$$" >/dev/null
		STORE="$MODAL_TEST_PG_URL?options=-csearch_path%3Dsoak$$"
	else
		STORE="file:$work/vault"
		unset MODAL_VAULT_MASTER_KEY
	fi
	MODAL_SERVER_URL=$STORE "$V" init >/dev/null
	local args=()
	for i in $(seq 0 9); do args+=("KEY_$i=value-$i-$(head -c 12 /dev/urandom | base64)"); done
	MODAL_SERVER_URL=$STORE "$V" secret create S "${args[@]}" >/dev/null
	# Creates go to an environment of their own: the listings stay one size.
	MODAL_SERVER_URL=$STORE "$V" environment create writes >/dev/null
	read -r id secret < <(MODAL_SERVER_URL=$STORE "$V" token create --json |
		python3 -c 'import json,sys; t=json.load(sys.stdin); print(t["token_id"], t["token_secret"])')
	: >"$work/serve.out"
	"$V" serve --store "$STORE" --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.log" &
	server=$!
	for i in $(seq 200); do grep -q "listening on" "$work/serve.out" && break; sleep 0.05; done
	url=$(sed -n 's/^modal-vault serve: listening on //p' "$work/serve.out")
	[ -n "$url" ] || { echo "soak: the server did not start: $(cat "$work/serve.log")"; return 1; }

	"$build/tests/server/fetch_tool" request "$work/launch" main S >"$work/fetch.json"
	cat >"$work/mix.lua" <<-'LUA'
	-- 100 requests in every 100: 60 fetches, 25 lists, 10 reads, 5 creates.
	local f = io.open(os.getenv("SOAK_FETCH"), "r")
	local fetch_body = f:read("*a")
	f:close()
	local auth = os.getenv("SOAK_AUTH")
	local counter = 0
	local threads, made = {}, 0
	function setup(thread)
	  -- A name prefix no other thread nor run uses: creates never collide.
	  made = made + 1
	  thread:set("id", os.time() * 1000 + made)
	  table.insert(threads, thread)
	end
	statuses = {}
	function response(status)
	  statuses[status] = (statuses[status] or 0) + 1
	end
	function done()
	  local all = {}
	  for _, t in ipairs(threads) do
	    for st, n in pairs(t:get("statuses")) do all[st] = (all[st] or 0) + n end
	  end
	  for st, n in pairs(all) do io.write(string.format("status %d %d\n", st, n)) end
	end
	function request()
	  counter = counter + 1
	  local k = counter % 100
	  local h = { ["Authorization"] = auth }
	  if k < 60 then
	    h["Content-Type"] = "application/json"
	    return wrk.format("POST", "/v1/fetch", h, fetch_body)
	  elseif k < 85 then
	    return wrk.format("GET", "/v1/secrets", h)
	  elseif k < 95 then
	    return wrk.format("GET", "/v1/secrets/S", h)
	  end
	  h["Content-Type"] = "application/json"
	  return wrk.format("POST", "/v1/secrets", h,
	    string.format('{"name":"w%d-%d","environment":"writes","env":{"K":"v-%d"}}',
      id, counter, counter))
	end
	LUA
	export SOAK_FETCH="$work/fetch.json" SOAK_AUTH="Bearer $id:$secret"
	rss_now() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }

	# The launchers: each loops until the stop file appears, counting failures.
	for l in $(seq "$launchers"); do
		(n=0; f=0
		 while [ ! -e "$work/stop" ]; do
			 MODAL_TOKEN_ID=$id MODAL_TOKEN_SECRET=$secret "$R" --server "$url" -s S -- \
				 printenv KEY_3 >/dev/null 2>>"$work/launch.err" || f=$((f + 1))
			 n=$((n + 1))
		 done
		 echo "$n $f" >"$work/launcher.$l") &
	done

	wrk -t2 -c"$conns" -d3s -s "$work/mix.lua" "$url" >/dev/null 2>&1   # warm-up
	rss+=("$(rss_now)")
	t0=$(date +%s%N)
	while [ "$total" -lt "$requests" ]; do
		phase=$((phase + 1))
		wrk -t2 -c"$conns" -d10s -s "$work/mix.lua" "$url" >"$work/wrk.$phase" 2>&1
		n=$(awk '/requests in/ {print $1}' "$work/wrk.$phase")
		e=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$work/wrk.$phase")
		s=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$work/wrk.$phase")
		total=$((total + n))
		fails=$((fails + ${e:-0} + ${s:-0}))
		echo "$(rss_now)" >>"$work/rss"
		grep '^status' "$work/wrk.$phase" | grep -v '^status 20[01] ' | sed "s/^/  phase $phase: /" || true
	done
	t1=$(date +%s%N)
	touch "$work/stop"
	wait $(jobs -p | grep -v "^$server$") 2>/dev/null || true
	local launched=0 lfail=0 ln lf
	for l in $(seq "$launchers"); do read -r ln lf <"$work/launcher.$l"; launched=$((launched + ln)); lfail=$((lfail + lf)); done
	mapfile -t mid <"$work/rss"
	rss+=("${mid[$(( ${#mid[@]} / 2 ))]}" "${mid[-1]}")
	kill -TERM "$server"
	wait "$server" || true
	printf '%s: %d requests in %d s (%d/s) over %d connections, %d failed; %d launches beside them, %d failed; server RSS %s / %s / %s KiB (start / middle / end)\n' \
		"$kind" "$total" $(((t1 - t0) / 1000000000)) $((total * 1000000000 / (t1 - t0))) "$conns" "$fails" \
		"$launched" "$lfail" "${rss[0]}" "${rss[1]}" "${rss[2]}"
	[ -s "$work/launch.err" ] && echo "  launch errors: $(sort "$work/launch.err" | uniq -c | head -3)"
	rm -rf "$work"
	[ "$fails" -eq 0 ] && [ "$lfail" -eq 0 ]
}

rc=0
for kind in $stores; do
	if [ "$kind" = postgres ] && [ -z "${MODAL_TEST_PG_URL:-}" ]; then
		MODAL_BUILD=$build MODAL_SOAK_STORES=postgres bash "$top/tests/pg/with-pg.sh" \
			bash "$0" "$requests" "$conns" || rc=1
		continue
	fi
	soak_store "$kind" || rc=1
done
exit $rc
