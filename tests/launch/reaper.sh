#!/usr/bin/env bash
# modal-run --subreaper when it is not PID 1 (a runtime without an init, as
# tini -s): it stays the target's parent, orphans of the target are
# reparented to it and reaped, their exit does not end it, and with
# --signal-group (tini -g) a signal reaches the target's whole group.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launch_lib.sh"
new_vault "$TMP/v"
mk s1 A=1

expect_exit 7 "" "$R" --subreaper -s s1 -- sh -c 'test "$A" = 1 && exit 7'
expect_exit $((128 + 9)) "" "$R" --subreaper -s s1 -- sh -c 'kill -KILL $$'
expect_exit 127 "No such file or directory" "$R" --subreaper -s s1 -- no-such-command-xyz
expect_exit 64 "--signal-group only applies with --subreaper or as PID 1" \
	"$R" --signal-group -s s1 -- true

# An orphan: a grandchild whose parent exits is reparented to modal-run
# (it waits, bounded, to see its parent become modal-run), exits, and must be
# reaped: the target then waits for its /proc entry to go, and exits 3 after
# it, so modal-run outlived the orphan's exit too.
orphan='m=$PPID
	(sh -c '\''i=0; while read -r _ _ _ pp _ </proc/$$/stat && [ "$pp" != "$1" ] && [ $i -lt 300 ]; do
		sleep 0.1; i=$((i + 1)); done; echo "$$ $pp" >"$2"'\'' sh "$m" "$1" &)
	i=0; while [ ! -s "$1" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	read -r gc pp <"$1"; [ "$pp" = "$m" ] || exit 10
	i=0; while [ -e /proc/$gc ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	[ -e /proc/$gc ] && exit 11
	exit 3'
expect_exit 3 "" "$R" --subreaper -s s1 -- sh -c "$orphan" sh "$TMP/orphan"
check "the orphan was reparented to modal-run" test -s "$TMP/orphan"

# --signal-group: SIGTERM to modal-run reaches the target's child too. The
# target traps TERM (a handler, so the child starts with the default) and
# waits, bounded, for the child to say it got it; exit 0 if it did.
group='trap ": >\"$1.target\"" TERM
	sh -c '\''trap ": >\"$1.child\"; exit 0" TERM; : >"$1.ready"
		i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done'\'' sh "$1" &
	i=0; while [ ! -e "$1.child" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	[ -e "$1.child" ]'
"$R" --subreaper --signal-group -s s1 -- sh -c "$group" sh "$TMP/g" &
m=$!
for _ in $(seq 300); do [ -e "$TMP/g.ready" ] && break; sleep 0.1; done
kill -TERM "$m"
wait "$m" && got=0 || got=$?
is "$got" 0 "--signal-group: SIGTERM to modal-run reached the target's child"
check "--signal-group: ... and the target" test -e "$TMP/g.target"

# As PID 1 too: the target sends SIGTERM to PID 1, which signals the group.
ns=(unshare --pid --fork --mount-proc)
if "${ns[@]}" true 2>/dev/null; then
	rm -f "$TMP"/g.*
	expect_exit 0 "" "${ns[@]}" "$R" --signal-group -s s1 -- \
		sh -c "(while [ ! -e \"\$1.ready\" ]; do sleep 0.05; done; kill -TERM 1) & $group" sh "$TMP/g"
fi
finish
