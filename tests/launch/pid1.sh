#!/usr/bin/env bash
# modal-run as PID 1 of a PID namespace (a container's init): it forks, the
# target is not PID 1, the target's status comes back, signals sent to PID 1
# reach the target, and orphans are reaped.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launch_lib.sh"
new_vault "$TMP/v"
mk s1 A=1
ns=(unshare --pid --fork --mount-proc)
if ! "${ns[@]}" true 2>/dev/null; then
	echo "skip: unshare --pid --fork --mount-proc is not available here (needs root or user namespaces)"
	finish
	exit
fi

expect_exit 7 "" "${ns[@]}" "$R" -s s1 -- sh -c 'echo $$ >"$1"; tr "\0" " " </proc/1/cmdline >"$2"; printf %s "$A" >"$3"; exit 7' \
	sh "$TMP/pid" "$TMP/init" "$TMP/a"
check "the target is not PID 1" eval "[ -s \"$TMP/pid\" ] && [ \"\$(cat \"$TMP/pid\")\" != 1 ]"
check "modal-run is PID 1" grep -q "modal-run -s s1" "$TMP/init"
is "$(cat "$TMP/a")" 1 "the target got the secret"
expect_exit 0 "" "${ns[@]}" "$R" -s s1 -- true
expect_exit $((128 + 9)) "" "${ns[@]}" "$R" -s s1 -- sh -c 'kill -KILL $$'
expect_exit 127 "No such file or directory" "${ns[@]}" "$R" -s s1 -- no-such-command-xyz
expect_exit 65 "not found" "${ns[@]}" "$R" -s nope -- true

# SIGTERM to PID 1 is forwarded: the target traps it and exits 3. A bounded
# wait (30 s) so a lost signal fails instead of hanging.
expect_exit 3 "" "${ns[@]}" "$R" -s s1 -- sh -c 'trap "exit 3" TERM; kill -TERM 1
	i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done; exit 9'
expect_exit 4 "" "${ns[@]}" "$R" -s s1 -- sh -c 'trap "exit 4" USR1; kill -USR1 1
	i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done; exit 9'

# An orphan reparented to PID 1 exits: PID 1 must reap it. The target waits
# (bounded) for the orphan to finish, then for no zombie to remain.
reap='(sh -c "sleep 0.2; : >\"$1\"" sh "$1" &)
	i=0; while [ ! -e "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -e "$1" ] || exit 10
	i=0; while grep -qs "^State:.*Z" /proc/[0-9]*/status && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	grep -s "^State:.*Z" /proc/[0-9]*/status >"$2" && exit 11
	exit 0'
expect_exit 0 "" "${ns[@]}" "$R" -s s1 -- sh -c "$reap" sh "$TMP/orphan.done" "$TMP/zombies"

# The signal state reaches the target through PID 1 mode too.
if [ -n "${SIGSETUP:-}" ]; then
	"$SIGSETUP" "$TMP/sig.given" "${ns[@]}" "$R" -s s1 -- \
		grep '^Sig\(Blk\|Ign\)' /proc/self/status >"$TMP/sig.got"
	same "$TMP/sig.given" "$TMP/sig.got" "PID 1 mode: the target gets the mask and ignored set given"
	"$SIGSETUP" "$TMP/sig.given" "${ns[@]}" "$R" --reset-signals -s s1 -- \
		grep '^Sig\(Blk\|Ign\)' /proc/self/status >"$TMP/sig.got"
	printf 'SigBlk:\t%016x\nSigIgn:\t%016x\n' 0 0 >"$TMP/sig.want"
	same "$TMP/sig.want" "$TMP/sig.got" "PID 1 mode with --reset-signals: defaults"
fi
# No secret crosses into the target's descriptors in PID 1 mode either.
fds=(find /proc/self/fd -mindepth 1 -printf '%f %l\n')
"${ns[@]}" "$R" -s s1 -- "${fds[@]}" >"$TMP/fd.got"
check "PID 1 mode: no descriptor at the vault" eval "! grep -q \"$TMP/v\\|socket:\\|memfd:\" \"$TMP/fd.got\""
finish
