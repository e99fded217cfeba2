#!/usr/bin/env bash
# Valgrind memcheck over the real programs (issue 17, "Load"): modal-run
# launching from an embedded vault and from a vault server, every admin
# command of modal-vault, and `modal-vault serve` run under valgrind serving a
# few thousand requests of every kind, stopped by SIGTERM. Any memcheck error
# (invalid read or write, uninitialised value, definite or indirect leak) fails.
#
# modal-run is run as MODAL_RUN_DYN: the release modal-run is a static musl
# program whose malloc valgrind cannot replace (it would check nothing), so
# the glibc build of the same sources (modal-run-dyn) stands in for it.
. "$(dirname "$0")/../lib.sh"
: "${MODAL_RUN_DYN:?set MODAL_RUN_DYN to a dynamically linked modal-run}"
: "${FETCH_TOOL:?set FETCH_TOOL to the fetch_tool binary}"
HERE=$(cd "$(dirname "$0")" && pwd)
# How many times the server is sent each kind of request (about 25 kinds).
ROUNDS=${MODAL_VG_ROUNDS:-120}

mkdir -p "$TMP/vg"
VG=(valgrind --quiet --error-exitcode=99 --leak-check=full
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
    --suppressions="$HERE/memcheck.supp" --child-silent-after-fork=yes)
VG_IN=/dev/null

nvg=0
# vg WANT WHAT CMD...: CMD under memcheck (stdin from $VG_IN) exits WANT, and
# memcheck found nothing (its exit 99, or a report in its log).
vg() {
	local want=$1 what=$2 got
	shift 2
	nvg=$((nvg + 1))
	"${VG[@]}" --log-file="$TMP/vg/$nvg.%p.log" "$@" >"$TMP/out" 2>"$TMP/err" <"$VG_IN" && got=0 || got=$?
	if [ "$got" = 99 ]; then
		not_ok "$what: memcheck error: $(cat "$TMP/vg/$nvg".* | head -c 600)"
	elif [ "$got" != "$want" ]; then
		not_ok "$what -> exit $got, want $want: $(head -c 300 "$TMP/err")"
	else
		ok "$what"
	fi
}

# vg_reports: every log memcheck wrote (with --quiet, only errors).
vg_reports() { find "$TMP/vg" -type f -size +0 -exec cat {} + 2>/dev/null; }

# is GOT WANT WHAT: passes when GOT is WANT.
is() { if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3: got '$1', want '$2'"; fi; }

# field_of EXPR: EXPR (e.g. "['id']") of the last command's JSON answer.
field_of() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$1)" "$TMP/out"; }

# ---- modal-vault's admin commands on an embedded vault
export MODAL_SERVER_URL="file:$TMP/v"
vg 0 "init" "$MODAL_VAULT" init --name vg
printf 'pw-vg-1' >"$TMP/pw"
VG_IN="$TMP/pw" vg 0 "secret create (a value on stdin)" "$MODAL_VAULT" secret create db USER=app PASS=-
printf 'A=1\nexport B="two words"\n# c\n' >"$TMP/a.env"
vg 0 "secret create --from-dotenv" "$MODAL_VAULT" secret create app --from-dotenv "$TMP/a.env"
printf '{"J":"j","K":"k"}' >"$TMP/a.json"
vg 0 "secret create --from-json --force" "$MODAL_VAULT" secret create app --from-json "$TMP/a.json" --force --json
vg 65 "secret create twice" "$MODAL_VAULT" secret create db X=1
vg 65 "secret create with a bad key" "$MODAL_VAULT" secret create bad 1X=1
vg 0 "secret list" "$MODAL_VAULT" secret list
vg 0 "secret list --json" "$MODAL_VAULT" secret list --json
vg 0 "secret get" "$MODAL_VAULT" secret get db
vg 0 "secret get --json" "$MODAL_VAULT" secret get db --json
vg 65 "secret get unknown" "$MODAL_VAULT" secret get nosuch
vg 0 "environment create" "$MODAL_VAULT" environment create prod --webhook-suffix prodsfx --json
vg 0 "environment create (to delete)" "$MODAL_VAULT" environment create empty
vg 0 "environment list" "$MODAL_VAULT" environment list
vg 0 "environment list --json" "$MODAL_VAULT" environment list --json
vg 0 "environment delete" "$MODAL_VAULT" environment delete empty -y
vg 0 "secret create in prod" "$MODAL_VAULT" secret create pdb K=v -e prod
vg 0 "secret delete" "$MODAL_VAULT" secret delete pdb -e prod -y
vg 0 "secret delete --allow-missing" "$MODAL_VAULT" secret delete pdb -e prod -y --allow-missing
vg 0 "workspace current" "$MODAL_VAULT" workspace current --json
vg 0 "token create" "$MODAL_VAULT" token create --name vg-owner --json
TID=$(field_of "['token_id']")
TSEC=$(field_of "['token_secret']")
vg 0 "token create (to revoke)" "$MODAL_VAULT" token create --name gone --expires 7d --json
GONE=$(field_of "['token_id']")
vg 0 "token list" "$MODAL_VAULT" token list
vg 0 "token list --json" "$MODAL_VAULT" token list --json
vg 0 "token revoke" "$MODAL_VAULT" token revoke "$GONE" -y
vg 0 "members add" "$MODAL_VAULT" workspace members add bob --role manager --json
BOB=$(field_of "['member_id']")
vg 0 "members list" "$MODAL_VAULT" workspace members list --json
vg 0 "members update" "$MODAL_VAULT" workspace members update "$BOB" --role user
vg 0 "token create --member" "$MODAL_VAULT" token create --member "$BOB" --json
vg 0 "members remove" "$MODAL_VAULT" workspace members remove "$BOB" -y
vg 0 "proxy-tokens create" "$MODAL_VAULT" workspace proxy-tokens create --name web --json
WID=$(field_of "['token_id']")
WSEC=$(field_of "['token_secret']")
vg 0 "proxy-tokens allow" "$MODAL_VAULT" workspace proxy-tokens allow "$WID" prod
vg 0 "proxy-tokens list" "$MODAL_VAULT" workspace proxy-tokens list -e prod --json
vg 0 "proxy-tokens revoke" "$MODAL_VAULT" workspace proxy-tokens revoke "$WID" prod
vg 0 "proxy-tokens create (to delete)" "$MODAL_VAULT" workspace proxy-tokens create --name old --json
vg 0 "proxy-tokens delete" "$MODAL_VAULT" workspace proxy-tokens delete "$(field_of "['token_id']")" -y
vg 0 "audit" "$MODAL_VAULT" audit
vg 0 "audit --json, filtered" "$MODAL_VAULT" audit --action 'secret.*' --since 1d --limit 5 --json
vg 0 "migrate" "$MODAL_VAULT" migrate
vg 0 "rekey" "$MODAL_VAULT" rekey -y
vg 64 "an unknown command" "$MODAL_VAULT" frob

# ---- modal-run from the embedded vault
vg 0 "launch --check (embedded)" "$MODAL_RUN_DYN" -s db -s app --check -- /bin/true
vg 0 "launch and exec (embedded)" "$MODAL_RUN_DYN" -s db --clean-env -- /usr/bin/env
check "the child got the secret" grep -qx 'PASS=pw-vg-1' "$TMP/out"
vg 65 "launch of a missing secret (embedded)" "$MODAL_RUN_DYN" -s nosuch -- /bin/true
vg 64 "launch with a bad flag" "$MODAL_RUN_DYN" --frob -- /bin/true
for f in "$MODAL_SRC"/tests/policy/good/{minimal,features}.yaml; do
	vg 0 "policy check $(basename "$f")" "$MODAL_RUN_DYN" policy check "$f"
done

# ---- modal-vault serve under memcheck
unset MODAL_SERVER_URL
STORE="file:$TMP/v"
# The wrong-token requests below would soon be limited (429) per address.
"${VG[@]}" --log-file="$TMP/vg/serve.%p.log" "$MODAL_VAULT" serve --store "$STORE" --listen 127.0.0.1:0 --auth-fail-limit 1000000 \
	>"$TMP/serve.out" 2>"$TMP/serve.log" &
SERVER_PID=$!
# Valgrind starts slowly: wait for the line (or the server's end), bounded.
for _ in $(seq 1200); do
	grep -q "listening on" "$TMP/serve.out" 2>/dev/null && break
	kill -0 "$SERVER_PID" 2>/dev/null || break
	sleep 0.1
done
URL=$(sed -n 's/^modal-vault serve: listening on //p' "$TMP/serve.out" | head -n 1)
[ -n "$URL" ] || { not_ok "the server did not start: $(head -c 300 "$TMP/serve.log")"; finish; }
trap 'kill -TERM "$SERVER_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

# The CLI and modal-run against the server: the client's code (libcurl).
export MODAL_TOKEN_ID=$TID MODAL_TOKEN_SECRET=$TSEC
vg 0 "secret create (server)" "$MODAL_VAULT" --server "$URL" secret create srv S=1 --json
vg 0 "secret list (server)" "$MODAL_VAULT" --server "$URL" secret list --json
vg 0 "token list (server)" "$MODAL_VAULT" --server "$URL" token list
vg 0 "audit (server)" "$MODAL_VAULT" --server "$URL" audit --limit 20
vg 0 "launch --check (server)" "$MODAL_RUN_DYN" --server "$URL" -s db -s srv --check -- /bin/true
vg 0 "launch and exec with a cache (server)" "$MODAL_RUN_DYN" --server "$URL" \
	--cache "$TMP/cache" -s db --clean-env -- /usr/bin/env
check "the child got the secret from the server" grep -qx 'PASS=pw-vg-1' "$TMP/out"
vg 65 "launch of a missing secret (server)" "$MODAL_RUN_DYN" --server "$URL" -s nosuch -- /bin/true
vg 69 "launch from a server that is not there" "$MODAL_RUN_DYN" --server http://127.0.0.1:1 \
	--timeout 2s -s db -- /bin/true
# The profile verbs, in a home of the test's own: token set writes ~/.modal.toml.
mkdir -p "$TMP/home"
printf '%s\n' "$TSEC" >"$TMP/tsec"
VG_IN="$TMP/tsec" HOME="$TMP/home" vg 0 "token set (server)" "$MODAL_VAULT" --server "$URL" \
	token set --token-id "$TID" --token-secret - --profile vg
HOME="$TMP/home" vg 0 "profile list --json" "$MODAL_VAULT" profile list --json
HOME="$TMP/home" vg 0 "profile activate" "$MODAL_VAULT" profile activate vg
HOME="$TMP/home" vg 0 "profile current" "$MODAL_VAULT" profile current
HOME="$TMP/home" vg 0 "config show --json" "$MODAL_VAULT" config show --json
HOME="$TMP/home" vg 0 "token info (server)" "$MODAL_VAULT" token info --json
HOME="$TMP/home" vg 0 "launch --check --json (the profile's server)" "$MODAL_RUN_DYN" -s db --check --json -- /bin/true
unset MODAL_TOKEN_ID MODAL_TOKEN_SECRET

# A few thousand requests of every kind, in one curl over kept-alive
# connections: every answer's status is written out and counted below.
python3 "$HERE/requests.py" "$URL" "$TID:$TSEC" "$WID:$WSEC" "$ROUNDS" "$FETCH_TOOL" \
	"$TMP/fetch" "$TMP/expected" >"$TMP/curl.cfg"
curl -s -K "$TMP/curl.cfg" >"$TMP/statuses" 2>"$TMP/curl.err"
sent=$(grep -c '^url' "$TMP/curl.cfg")
is "$(wc -l <"$TMP/statuses")" "$sent" "the server answered all $sent requests"
cut -d' ' -f1 "$TMP/statuses" >"$TMP/got"
check "every answer has its expected status" diff "$TMP/expected" "$TMP/got"
echo "# statuses: $(cut -d' ' -f1 "$TMP/statuses" | sort | uniq -c | tr -s ' \n' ' ')"

# SIGTERM: the server ends cleanly, and memcheck found nothing in it.
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" && st=0 || st=$?
SERVER_PID=
is "$st" 0 "the server under memcheck stops on SIGTERM with 0 (99: a memcheck error)"
reports=$(vg_reports)
is "$reports" "" "memcheck reported nothing in any program"
finish
