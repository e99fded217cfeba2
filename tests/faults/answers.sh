#!/usr/bin/env bash
# answers.sh — the launcher against a real server behind a proxy that
# misbehaves: an answer trickled one byte a second (the deadline fires, 75),
# cut short with the connection closed (unreachable after its retries, 69),
# cut short but well framed, and changed in one byte (both 65: an answer, so
# the fallback cache is never used for them). Nothing runs on a failure; a
# warm cache is used exactly where docs/remote.md says.
. "$(dirname "$0")/faults_lib.sh"

store secret create db PASS=v-7f3c1e9a-answer USER=app >/dev/null
new_token ci
export MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET
serve srv
up=$(hostport "$srv_URL")
C="$TMP/cache"
# Each proxy first passes a launch unchanged (warming the cache for its URL),
# then misbehaves.
for m in pass trickle truncate short tamper; do
	proxy "$m" "$m" "$up" later
	eval "url=\$${m}_URL"
	"$R" --server "$url" --cache "$C" -s db -- true || not_ok "warming the cache through $m"
	[ "$m" = pass ] || arm "$m"
done
in_flight="(fetching secret 'db' of the default environment)"

# fails EXIT MESSAGE URL [ARGS...]: the launch fails so, and the command did not run.
fails() {
	local want=$1 msg=$2 url=$3
	shift 3
	rm -f "$TMP/ran"
	expect_exit "$want" "$msg" "$R" --server "$url" "$@" -s db -- touch "$TMP/ran"
	check "  ... and the command did not run" test ! -e "$TMP/ran"
	check "  ... and the error holds no value" sh -c "! grep -q v-7f3c1e9a '$TMP/err'"
}

# The proxy itself is transparent: the same launch through it works.
got=$("$R" --server "$pass_URL" -s db -- printenv PASS)
check "through the transparent proxy the launch works" test "$got" = v-7f3c1e9a-answer

# --- a slow server: one byte a second ---------------------------------------------
t0=$(ms)
fails 75 "vault $trickle_URL: no answer within the 2 s deadline $in_flight" "$trickle_URL" --timeout 2s
t=$(($(ms) - t0))
check "the deadline fired on time (${t} ms for --timeout 2s)" test "$t" -ge 1900 -a "$t" -lt 4000
fails 75 "no answer within the 1.5 s deadline" "$trickle_URL" --timeout 1500ms
got=$("$R" --server "$trickle_URL" --timeout 1s --cache "$C" -s db -- printenv PASS 2>"$TMP/err")
check "a slow server with a warm cache: the cached value after the deadline" test "$got" = v-7f3c1e9a-answer
check "  ... said on stderr" grep -q "^modal-run: vault $trickle_URL unreachable; using cached secrets from" "$TMP/err"

# --- a truncated answer ---------------------------------------------------------------
# The connection closes with bytes missing: a transport failure, retried, then 69.
fails 69 "vault $truncate_URL unreachable: transfer closed with" "$truncate_URL" --timeout 5s
got=$("$R" --server "$truncate_URL" --cache "$C" -s db -- printenv PASS 2>"$TMP/err")
check "a cut connection with a warm cache: the cached value" test "$got" = v-7f3c1e9a-answer
# A body cut short under a Content-Length that matches: a malformed answer.
fails 65 "vault $short_URL: the answer is not a JSON object $in_flight" "$short_URL"
fails 65 "vault $short_URL: the answer is not a JSON object" "$short_URL" --cache "$C"
check "  ... and the cache was not used for it" sh -c "! grep -q 'cached' '$TMP/err'"

# --- a tampered answer ---------------------------------------------------------------
fails 65 "vault $tamper_URL: the vault's answer failed authentication (tampered with, or sealed for another launch) $in_flight" "$tamper_URL"
fails 65 "the vault's answer failed authentication" "$tamper_URL" --cache "$C"
check "  ... and the cache was not used for it" sh -c "! grep -q 'cached' '$TMP/err'"
# With the vault key pinned the tampered answer fails just the same.
fails 65 "the vault's answer failed authentication" "$tamper_URL" --vault-key "$VAULT_KEY"

# The server saw each request and is still well.
got=$("$R" --server "$srv_URL" -s db -- printenv PASS)
check "the server itself still answers" test "$got" = v-7f3c1e9a-answer
finish
