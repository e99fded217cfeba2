#!/usr/bin/env bash
# Nothing acknowledged is lost: on each backend, two servers share one store
# while clients create secrets and append keys by compare-and-set; the servers
# are killed with SIGKILL over and over in the middle of it and restarted. Then
# every write that got a 2xx must be there and decrypt (modal-run reads the
# store directly), every secret's versions must be whole, and the store
# consistent.
. "$MODAL_SRC/tests/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
seconds=${MODAL_DURABILITY_SECONDS:-8}

# verify OUT: the checks after the storm.
verify() {
	local out=$1 names
	MODAL_SERVER_URL=$STORE "$MODAL_VAULT" secret list --json >"$TMP/list.json"
	check "$BACKEND: every acknowledged create is listed" python3 - "$out" "$TMP/list.json" <<-'PY'
	import json, sys
	acked = {c["name"] for c in json.load(open(sys.argv[1]))["creates"]}
	listed = {s["Name"] for s in json.load(open(sys.argv[2]))}
	missing = acked - listed
	if missing:
	    print("missing:", sorted(missing)[:10])
	sys.exit(bool(missing))
	PY
	# Decrypt every acknowledged value, 40 secrets a launch.
	python3 -c 'import json,sys
c = json.load(open(sys.argv[1]))["creates"]
for i in range(0, len(c), 40):
    print(" ".join(x["name"] for x in c[i:i + 40]))' "$out" >"$TMP/batches"
	: >"$TMP/env"
	while read -r -a names; do
		MODAL_SERVER_URL=$STORE "$MODAL_RUN" "${names[@]/#/--secret=}" -- env >>"$TMP/env" ||
			echo "launch failed for ${names[*]}" >>"$TMP/env"
	done <"$TMP/batches"
	check "$BACKEND: every acknowledged value decrypts to what was sent" python3 - "$out" "$TMP/env" <<-'PY'
	import json, sys
	env = dict(l.rstrip("\n").split("=", 1) for l in open(sys.argv[2]) if "=" in l)
	bad = [c["name"] for c in json.load(open(sys.argv[1]))["creates"]
	       if env.get(c["key"]) != c["value"]]
	if bad:
	    print("wrong or missing:", bad[:10])
	sys.exit(bool(bad))
	PY
	for s in shared0 shared1; do
		MODAL_SERVER_URL=$STORE "$MODAL_VAULT" secret get $s --json >"$TMP/$s.json"
	done
	check "$BACKEND: every acknowledged CAS append is there, each version added one key" \
		python3 - "$out" "$TMP/shared0.json" "$TMP/shared1.json" <<-'PY'
	import json, sys
	run = json.load(open(sys.argv[1]))
	acked, tried, ok = set(run["appends"]), set(run["tried"]), True
	keys = set()
	for path in sys.argv[2:]:
	    meta = json.load(open(path))
	    mine = set(meta["keys"]) - {"INIT"}
	    keys |= mine
	    ok &= meta["version"] == 1 + len(mine)
	ok &= acked <= keys <= tried
	if not ok:
	    print("acked-missing:", sorted(acked - keys)[:10], "unknown:", sorted(keys - tried)[:10])
	sys.exit(not ok)
	PY
	store_consistent
}

store_consistent() {
	local sql="SELECT (SELECT count(*) FROM secrets s WHERE NOT EXISTS (SELECT 1 FROM secret_versions v WHERE v.secret_id = s.id AND v.version = s.version)) || ' ' || (SELECT count(*) FROM secrets s WHERE (SELECT count(*) FROM secret_versions v WHERE v.secret_id = s.id) <> s.version) || ' ' || (SELECT count(*) FROM secret_versions v WHERE NOT EXISTS (SELECT 1 FROM secrets s WHERE s.id = v.secret_id))"
	if [ "$BACKEND" = postgres ]; then
		got=$(pg_sql "$sql")
	else
		check "sqlite: PRAGMA integrity_check" test "$(sqlite3 "${STORE#file:}/vault.db" 'PRAGMA integrity_check')" = ok
		got=$(sqlite3 "${STORE#file:}/vault.db" "$sql")
	fi
	check "$BACKEND: every secret has its current version, versions 1..N and no orphans ($got)" \
		test "$got" = "0 0 0"
}

for backend in sqlite postgres; do
	new_store $backend
	for s in shared0 shared1; do
		MODAL_SERVER_URL=$STORE "$MODAL_VAULT" secret create $s INIT=x >/dev/null
	done
	start_server 0
	start_server 1
	"${LOAD[@]}" chaos "$(url_list)" "$seconds" 6 "$TMP/run.json" &
	load=$!
	kills=0
	while kill -0 $load 2>/dev/null; do
		sleep "0.$((RANDOM % 5 + 2))"
		i=$((RANDOM % 2))
		kill_server $i
		kills=$((kills + 1))
		start_server $i
	done
	wait $load
	stop_servers
	stats=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(len(r["creates"]), len(r["appends"]), r["statuses"])' "$TMP/run.json")
	check "$backend: $kills SIGKILLs under load; acknowledged creates, CAS appends, statuses: $stats" \
		test "$kills" -ge 10
	verify "$TMP/run.json"
	URLS=() PORTS=()
done
finish
