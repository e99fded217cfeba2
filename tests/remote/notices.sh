#!/bin/bash
# notices.sh — a server list failing over, and each round of retries, is one
# line on stderr naming the server and why, before the answer or the error;
# never a token. Real servers: one live, dead ports, for both programs.
. "$MODAL_SRC/tests/remote/remote_lib.sh"

store secret create db K=v >/dev/null
new_token notices
serve A
DEAD=$(dead_url)
DEAD2=$(dead_url)

# The first server is down: one line, naming it and the next, then success.
for prog in "$R --server $DEAD,$A_URL -s db -- true" "$V secret list --server $DEAD,$A_URL"; do
	# shellcheck disable=SC2086
	as_token $prog >"$TMP/out" 2>"$TMP/err" && rc=0 || rc=$?
	check "${prog%% *}: failed over, exit 0" test "$rc" = 0
	check "${prog%% *}: one line says so" test "$(wc -l <"$TMP/err")" = 1
	check "${prog%% *}: it names the server, why and the next" \
		grep -qE "^modal-(run|vault): vault $DEAD: Connection refused; failing over to $A_URL$" "$TMP/err"
done

# One server down: a line before each further round, then the error.
as_token "$V" secret list --server "$DEAD" >"$TMP/out" 2>"$TMP/err" && rc=0 || rc=$?
check "retries: exit 69" test "$rc" = 69
check "retries: round 2 announced" grep -qE "^modal-vault: vault $DEAD: Connection refused; retrying in [0-9]+ ms \(round 2 of 3\)$" "$TMP/err"
check "retries: round 3 announced" grep -qE "; retrying in [0-9]+ ms \(round 3 of 3\)$" "$TMP/err"
check "retries: then the one error" test "$(grep -c unreachable "$TMP/err")" = 1
check "retries: three lines in all" test "$(wc -l <"$TMP/err")" = 3

# Every server of a list down: each failover and each round.
as_token "$R" --server "$DEAD,$DEAD2" -s db -- true >"$TMP/out" 2>"$TMP/err" && rc=0 || rc=$?
check "list down: exit 69" test "$rc" = 69
check "list down: a failover line each round" test "$(grep -c "failing over to $DEAD2" "$TMP/err")" = 3
check "list down: rounds name the list and the last failure" \
	grep -qF "vault $DEAD,$DEAD2: no server answered (last, $DEAD2: Connection refused); retrying in" "$TMP/err"
check "no notice holds the token" bash -c "! grep -qF -e '$TOKEN_SECRET' -e '$TOKEN_ID' '$TMP/err'"

finish
