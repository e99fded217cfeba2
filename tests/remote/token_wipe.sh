#!/usr/bin/env bash
# token_wipe.sh — the token given twice (an environment may hold a name more
# than once; getenv sees only the first): the target never gets a copy, and
# modal-run as PID 1, which lives as long as the container, wipes every copy
# of MODAL_TOKEN_SECRET and MODAL_TOKEN_ID from its own environment
# (/proc/1/environ), for a vault server and for the embedded vault alike.
. "$(dirname "$0")/remote_lib.sh"
: "${ENVEXEC:?set ENVEXEC to the launch_envexec helper}"

store secret create s1 A=1 >/dev/null
new_token ci
serve srv
ns=(unshare --pid --fork --mount-proc)
if ! "${ns[@]}" true 2>/dev/null; then
	echo "skip: unshare --pid --fork --mount-proc is not available here"
	finish
	exit
fi

# The copies a careless supervisor or a merged env file gives: the real
# token first (the one getenv finds), then two more values.
SECOND=as-second-copy-0123456789abcdefghij THIRD=ak-third-copy-0123456789
copies=("MODAL_TOKEN_ID=$TOKEN_ID" "MODAL_TOKEN_SECRET=$TOKEN_SECRET"
	"MODAL_TOKEN_SECRET=$SECOND" "MODAL_TOKEN_ID=$THIRD")

# lacks FILE DESCRIPTION: none of the copies, nor their names with a value.
lacks() {
	local n
	tr '\0' '\n' <"$1" >"$1.txt"
	for n in "$TOKEN_SECRET" "$SECOND" "$THIRD" "$TOKEN_ID"; do
		if grep -qF -- "$n" "$1.txt"; then
			not_ok "$2: holds '${n:0:12}...'"
			return
		fi
	done
	if [ ! -s "$1.txt" ]; then not_ok "$2: nothing was read"; else ok "$2"; fi
}

for url in "$srv_URL" "$STORE"; do
	base=("PATH=$PATH" "HOME=$HOME" "MODAL_SERVER_URL=$url" A0=keep)
	# The exec path: the target's own environment.
	"$ENVEXEC" "${base[@]}" "${copies[@]}" -- "$R" -s s1 -- cat /proc/self/environ \
		>"$TMP/child.env" 2>"$TMP/err"
	lacks "$TMP/child.env" "$url: the target gets no copy of the token"
	# PID 1: the target reads PID 1's environment while PID 1 lives on.
	"${ns[@]}" "$ENVEXEC" "${base[@]}" "${copies[@]}" -- "$R" -s s1 -- \
		sh -c 'cat /proc/1/environ >"$1"; [ "$A" = 1 ]' sh "$TMP/pid1.env" 2>"$TMP/err" \
		&& rc=0 || rc=$?
	check "$url: PID 1 launch succeeds ($(head -c 200 "$TMP/err"))" test "$rc" = 0
	lacks "$TMP/pid1.env" "$url: PID 1 keeps no copy of the token in its environment"
	check "$url: PID 1's other variables stay readable" grep -qx A0=keep "$TMP/pid1.env.txt"
	"${ns[@]}" "$ENVEXEC" "${base[@]}" "${copies[@]}" -- "$R" -s s1 -- \
		sh -c 'cat /proc/self/environ' >"$TMP/pid1-child.env" 2>"$TMP/err"
	lacks "$TMP/pid1-child.env" "$url: PID 1's target gets no copy of the token"
done
finish
