#!/usr/bin/env bash
# hygiene.sh — where values and the token secret must not be, proven on the
# running programs: a core of the server (gcore, as root) taken after it
# served fetches and token checks holds neither; no process's argv holds
# either while a launch's target runs (launches through the server and from
# the embedded store); the target's environment (read from /proc) is exactly
# what it inherited plus its secrets' keys, with no MODAL_TOKEN_*.
. "$(dirname "$0")/faults_lib.sh"
command -v gcore >/dev/null || { echo "SKIP: gcore (gdb) is not installed"; exit 77; }

v1="v1-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
v2="v2-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
# Values from stdin, so they are in no argv even here.
printf '%s' "$v1" | store secret create db PASS=- >/dev/null
printf '%s' "$v2" | store secret create api API_KEY=- >/dev/null
new_token ci
# The server starts without the client's token in its own environment (it
# would be in the core then, as any inherited variable is).
serve srv
export MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET
# holds FILE: does FILE contain a value or the token secret?
holds() { grep -aqF -e "$v1" -e "$v2" -e "$TOKEN_SECRET" "$1"; }

# --- a core of the server after it served ----------------------------------------------------
for i in $(seq 20); do "$R" --server "$srv_URL" -s db -s api -- true || not_ok "launch $i"; done
"$V" --server "$srv_URL" secret list >/dev/null
gcore -o "$TMP/core" "$srv_PID" >"$TMP/gcore.log" 2>&1
core=$(ls "$TMP"/core.* 2>/dev/null | head -n 1)
check "gcore took a core of the server ($(stat -c %s "$core" 2>/dev/null) bytes)" test -s "$core"
check "  ... it holds the server's memory (the secret names it served are there)" grep -aq 'fetch:main/db' "$core"
check "  ... and no value of the secrets it served" sh -c "! grep -aqF -e '$v1' -e '$v2' '$core'"
check "  ... and not the token secret it checked 21 times" sh -c "! grep -aqF -e '$TOKEN_SECRET' '$core'"
rm -f "$core"
got=$("$R" --server "$srv_URL" -s db -- printenv PASS)
check "the server still serves after gcore detached" test "$got" = "$v1"

# --- argv and the target's environment during a launch -----------------------------------------
# during URL ARGS...: a launch whose target waits on a FIFO; while it waits,
# every process's argv is read, and the target's environment.
during() {
	local url=$1 pid
	shift
	rm -f "$TMP/go" "$TMP/ready"
	mkfifo "$TMP/go"
	"$R" --server "$url" "$@" -- sh -c 'echo $$ >"$0"; read x <"$1"' "$TMP/ready" "$TMP/go" &
	pid=$!
	wait_line "$TMP/ready" . || { not_ok "the target never started"; return; }
	: >"$TMP/argv"
	for p in /proc/[0-9]*; do { tr '\0' ' ' <"$p/cmdline"; echo; } >>"$TMP/argv" 2>/dev/null; done
	tr '\0' '\n' <"/proc/$(cat "$TMP/ready")/environ" | sort >"$TMP/child.env"
	echo go >"$TMP/go"
	wait "$pid"
}
env | sort >"$TMP/parent.env"
for url in "$srv_URL" "$STORE"; do
	during "$url" -s db -s api
	check "$url: no process's argv holds a value or the token secret ($(grep -c . "$TMP/argv") processes)" \
		sh -c "! grep -aqF -e '$v1' -e '$v2' -e '$TOKEN_SECRET' '$TMP/argv'"
	grep -v '^MODAL_TOKEN_' "$TMP/parent.env" | { cat; printf 'API_KEY=%s\nPASS=%s\n' "$v2" "$v1"; } |
		grep -v '^_=\|^SHLVL=\|^PWD=\|^OLDPWD=' | sort >"$TMP/want.env"
	grep -v '^_=\|^SHLVL=\|^PWD=\|^OLDPWD=' "$TMP/child.env" >"$TMP/got.env"
	check "$url: the target's environment is the inherited one, less MODAL_TOKEN_*, plus PASS and API_KEY" \
		cmp -s "$TMP/want.env" "$TMP/got.env"
	diff "$TMP/want.env" "$TMP/got.env" | head -5
	during "$url" --clean-env -s db
	check "$url: with --clean-env the target's environment is its key alone" \
		test "$(cat "$TMP/child.env")" = "PASS=$v1"
done
finish
