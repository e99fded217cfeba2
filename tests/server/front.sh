#!/usr/bin/env bash
# The HTTP front against requests made to mislead it: ambiguous framing (two
# Content-Length values, Content-Length with Transfer-Encoding, control
# characters in the target) gets 400 and a closed connection, and the request
# smuggled behind it never runs (framing.py, raw sockets); a malformed body
# on any route gets an error naming line, column and the kind of fault, never
# the body's bytes (they are the secret being stored), in the answer or the
# log; the CLI's --from-json says the same of a file.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/server_lib.sh"

vault_init "$TMP/v"
read -r OID OSEC < <(cli_token --name owner)
OWNER=$(bearer "$OID" "$OSEC")
start_server --auth-fail-limit 1000
PORT=${URL##*:}

# ---- framing (RFC 9112)
while IFS= read -r line; do
	case $line in
	ok*) ok "${line#ok   }" ;;
	*) not_ok "${line#FAIL }" ;;
	esac
done < <(python3 "$HERE/framing.py" 127.0.0.1 "$PORT")
check "no smuggled request reached a handler (log)" bash -c "! grep -q 'smuggled-7f3a' '$TMP/serve.log'"
check "no control character in the log" bash -c "! LC_ALL=C grep -q \$'[\\x01-\\x08\\x0b-\\x1f]' '$TMP/serve.log'"
req GET /healthz
expect 200 "the server still answers"

# ---- malformed bodies: never quoted back
json POST /v1/secrets '{"name":"db","env":{"A":"1"}}' -H "$OWNER"
expect 201 "a secret to update"
MARK=TOPSECRET-m4rk
bodies=(
	"{\"name\":\"db\",\"env\":{\"A\":\"$MARK\\q\"}}"
	"{\"name\":\"db\",\"env\":{\"A\":\"$MARK"
	"{\"name\":\"db\",\"env\":{\"A\":\"$MARK$(printf '\001')\"}}"
	"{\"name\":\"db\",\"env\":{\"A\":\"$MARK$(printf '\377')\"}}"
	"{\"name\":\"db\",\"env\":{\"A\":\"$MARK\\u0000\"}}"
	"{\"name\":\"db\",\"env\":{\"A\":$MARK}}"
	"{\"name\":\"db\"} $MARK"
	"{\"name\":\"db\",\"env\":{\"$MARK\":\"1\",\"$MARK\":\"2\"}}"
)
routes=("POST /v1/secrets" "PUT /v1/secrets/db" "POST /v1/environments" "POST /v1/tokens"
	"POST /v1/proxy-tokens" "POST /v1/fetch" "POST /v1/workspaces/current/members"
	"PATCH /v1/workspaces/current/members/us-nosuchmember")
for route in "${routes[@]}"; do
	i=0
	for b in "${bodies[@]}"; do
		i=$((i + 1))
		json ${route% *} "${route#* }" "$b" -H "$OWNER"
		if [ "$ST" = 400 ] && ! grep -q "$MARK" "$BODY" && grep -q 'at line 1 column [0-9]' "$BODY"; then
			ok "$route, malformed body $i -> 400, line and column, no bytes of it"
		else
			not_ok "$route, malformed body $i -> $ST: $(head -c 300 "$BODY")"
		fi
	done
done
check "no byte of a malformed body in the log" bash -c "! grep -q '$MARK' '$TMP/serve.log'"

# The CLI's imports: the file's name, line and column, never its bytes.
for b in "${bodies[@]}"; do
	printf '%s' "${b#*\"env\":}" >"$TMP/in.json"
	MODAL_SERVER_URL=$STORE "$MODAL_VAULT" secret create imp --from-json "$TMP/in.json" >/dev/null 2>"$TMP/cli.err" &&
		rc=0 || rc=$?
	if [ "$rc" = 65 ] && ! grep -q "$MARK" "$TMP/cli.err" && grep -q "in.json:1:[0-9]*: malformed JSON" "$TMP/cli.err" &&
		[ "$(wc -l <"$TMP/cli.err")" = 1 ]; then
		ok "--from-json, malformed: exit 65, $(cat "$TMP/cli.err")"
	else
		not_ok "--from-json, malformed: exit $rc: $(head -c 300 "$TMP/cli.err")"
	fi
done
stop_server
validate_responses
finish
