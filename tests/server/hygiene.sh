#!/usr/bin/env bash
# Secret values and token secrets never reach the server's database (nor its
# WAL), its log or its standard output in plaintext, nor any answer but the
# sealed fetch and the one that creates a token. Greps for each, with the
# server running (WAL on disk) and after it stopped.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/server_lib.sh"

vault_init "$TMP/v"
read -r OID OSEC < <(cli_token --name owner)
OWNER=$(bearer "$OID" "$OSEC")
start_server
mark=$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
values=("create-$mark" "update-$mark" "prod-$mark" "multi line $mark"$'\n'"second")
json POST /v1/secrets "{\"name\":\"db\",\"env\":{\"PASS\":\"${values[0]}\"}}" -H "$OWNER"
expect 201 "secret with a marked value"
json PUT /v1/secrets/db "{\"env\":{\"PASS\":\"${values[1]}\"},\"version\":1}" -H "$OWNER"
expect 200 "secret updated to another marked value"
json POST /v1/environments '{"name":"prod"}' -H "$OWNER"
json POST /v1/secrets "{\"name\":\"p\",\"environment\":\"prod\",\"env\":{\"A\":\"${values[2]}\",\"B\":\"multi line $mark\\nsecond\"}}" -H "$OWNER"
expect 201 "secret with a multi-line value"
json POST /v1/tokens '{"name":"ci"}' -H "$OWNER"
TSEC=$(field "j['token_secret']")
TID=$(field "j['token_id']")
json POST /v1/proxy-tokens '{"name":"web"}' -H "$OWNER"
WSEC=$(field "j['token_secret']")
WID=$(field "j['token_id']")
"$FETCH_TOOL" request "$TMP/launch" prod p >"$TMP/fetch.json"
json POST /v1/fetch "$(cat "$TMP/fetch.json")" -H "$(bearer "$TID" "$TSEC")"
expect 200 "fetch with the new token"
check "the fetch answer opens to the values" bash -c "'$FETCH_TOOL' open '$TMP/launch' <'$BODY' | grep -qx 'p v1 A=${values[2]}'"
req GET /v1/proxy-auth -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC"
expect 204 "proxy check with the new proxy token"
# Failed attempts carry secrets in their headers too.
req GET /v1/secrets -H "$(bearer "$TID" "$(wrong "$TSEC")")"
req GET /v1/secrets -H "Authorization: Bearer $TSEC"
req GET /v1/proxy-auth -H "Modal-Key: $WID" -H "Modal-Secret: $(wrong "$WSEC")"
req GET /v1/secrets -H "$OWNER"

# needles: every value and secret, and a distinctive piece of each.
needles=("${values[@]:0:3}" "$mark" "$OSEC" "$TSEC" "$WSEC" "${OSEC:3:20}" "${TSEC:3:20}" "${WSEC:3:20}")
scan() {   # scan WHEN: grep the store's files and the server's output
	local hits
	printf '%s\n' "${needles[@]}" >"$TMP/needles"
	hits=$(grep -raFl -D skip -f "$TMP/needles" "${STORE_FILES[@]}" "$TMP/serve.log" \
		"$TMP/serve.out" | tr '\n' ' ')
	check "$1: no value or token secret in ${STORE_FILES[*]} serve.log serve.out${hits:+ — found in $hits}" test -z "$hits"
}
[ -n "${MODAL_TEST_STORE:-}" ] ||
	check "the WAL is on disk while the server runs" test -s "$TMP/v/vault.db-wal"
scan "server running"
# Answers: values only ever sealed; secrets only in the answer that made them.
leaks=$(for n in "${values[@]:0:3}" "$mark"; do grep -lF -- "$n" "$TMP"/resp/* 2>/dev/null; done | sort -u)
check "no answer holds a value${leaks:+: $leaks}" test -z "$leaks"
shown=$(grep -lF -- "$TSEC" "$TMP"/resp/* 2>/dev/null | grep -v '\.h$' | wc -l)
check "the token secret was in exactly one answer (its creation): $shown" test "$shown" = 1
store_sql 'SELECT * FROM audit' >"$TMP/audit.txt"
check "the audit log names, never holds, values" bash -c \
	"grep -q 'secret:main/db' '$TMP/audit.txt' && ! grep -qF '$mark' '$TMP/audit.txt'"
check "tokens are kept as 32-byte hashes" test "$(store_sql 'SELECT DISTINCT length(hash) FROM tokens')" = 32
check "the server dumps no core" grep -Eq '^Max core file size +0 +0 ' /proc/$SERVER_PID/limits
check "the server's command line holds no secret" bash -c "! tr '\0' ' ' </proc/$SERVER_PID/cmdline | grep -qF -- '${OSEC:3:20}'"
stop_server
scan "server stopped"
validate_responses
finish
