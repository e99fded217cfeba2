#!/usr/bin/env bash
# modal-run on a terminal, as a container's PID 1 (`docker run -it`) and with
# --subreaper: the target runs in its own process group and holds the
# terminal, so one ^C is one SIGINT for it (not one from the terminal plus
# one forwarded), ^Z and ^\ reach it once, and the terminal's foreground
# group is given back when it exits. A real pseudo-terminal (tty_driver.py).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launch_lib.sh"
new_vault "$TMP/v"
mk s1 A=1
here=$(dirname "$0")
py=$(python3 -c 'import sys; print(sys.executable)')
target=("$py" "$here/tty_target.py")

# counts LOG DESCRIPTION: each key gave exactly one signal, the terminal's
# (two pending at once merge in the kernel: the structure is checked too).
counts() {
	is "$(grep -c '^SIGINT ' "$1")/$(grep -c '^SIGINT terminal$' "$1")" 1/1 "$2: one ^C, one SIGINT"
	is "$(grep -c '^SIGTSTP ' "$1")/$(grep -c '^SIGTSTP terminal$' "$1")" 1/1 "$2: one ^Z, one SIGTSTP"
	is "$(grep -c '^SIGQUIT ' "$1")/$(grep -c '^SIGQUIT terminal$' "$1")" 1/1 "$2: one ^\\, one SIGQUIT"
	check "$2: the target is its own group, in the foreground" \
		grep -q '^foreground True own-group True$' "$1"
}

ns=(unshare --pid --fork --mount-proc)
if "${ns[@]}" true 2>/dev/null; then
	# PID 1 as a container runtime makes it: the session leader with the terminal.
	"$py" "$here/tty_driver.py" "$TMP/pid1.log" "${ns[@]}" setsid --ctty \
		"$R" -s s1 -- "${target[@]}" "$TMP/pid1.log" >"$TMP/pid1.out" 2>&1
	is "$(tail -n 1 "$TMP/pid1.out")" "exit 5" "PID 1 session leader: the target's status"
	counts "$TMP/pid1.log" "PID 1 session leader"
	# PID 1 in the terminal's session but not leading it (plain unshare).
	"$py" "$here/tty_driver.py" "$TMP/ns.log" "${ns[@]}" \
		"$R" -s s1 -- "${target[@]}" "$TMP/ns.log" >"$TMP/ns.out" 2>&1
	is "$(tail -n 1 "$TMP/ns.out")" "exit 5" "PID 1 under unshare: the target's status"
	counts "$TMP/ns.log" "PID 1 under unshare"
else
	echo "skip: unshare --pid --fork --mount-proc is not available here"
fi

# --subreaper from a shell without job control: after modal-run, the shell's
# group has the terminal again (else its next read would stop it, SIGTTIN).
fg='import os; print("restored", os.tcgetpgrp(0) == os.getpgrp())'
"$py" "$here/tty_driver.py" "$TMP/sub.log" \
	sh -c 'py=$1 fg=$2; shift 2; "$@"; echo "status $?"; "$py" -c "$fg"' sh "$py" "$fg" \
	"$R" --subreaper -s s1 -- "${target[@]}" "$TMP/sub.log" >"$TMP/sub.out" 2>&1
check "--subreaper: the target's status" grep -q 'status 5' "$TMP/sub.out"
check "--subreaper: the terminal is given back" grep -q '^restored True' "$TMP/sub.out"
counts "$TMP/sub.log" "--subreaper"

# --subreaper as a job of an interactive shell: ^Z stops the target and then
# modal-run itself, so the shell gets the terminal back; fg resumes both.
if command -v bash >/dev/null; then
	check "--subreaper under a job-control shell: ^Z and fg" \
		env R="$R" PY="$py" "$py" "$here/tty_shell.py"
fi
finish
