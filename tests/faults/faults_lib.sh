# faults_lib.sh — helpers for the fault tests: everything of remote_lib.sh (a
# fresh embedded store, real servers on loopback, tokens) plus a misbehaving
# proxy in front of a real server. Source it.
. "$MODAL_SRC/tests/remote/remote_lib.sh"
FAULTPROXY="$MODAL_SRC/tests/faults/faultproxy.py"

# proxy NAME MODE HOST:PORT [later]: faultproxy.py in MODE before HOST:PORT
# (with "later", transparent until `arm NAME`); sets NAME_URL
# (http://127.0.0.1:PORT), NAME_PORT and NAME_PID.
proxy() {
	local name=$1 mode=$2 up=$3 out="$TMP/proxy-$1.out" i
	: >"$out"
	python3 -u "$FAULTPROXY" "$mode" "${up%:*}" "${up##*:}" ${4:-} >"$out" &
	PIDS+=($!)
	printf -v "${name}_PID" '%s' $!
	for i in $(seq 200); do [ -s "$out" ] && break; sleep 0.05; done
	printf -v "${name}_PORT" '%s' "$(head -n 1 "$out")"
	printf -v "${name}_URL" 'http://127.0.0.1:%s' "$(head -n 1 "$out")"
}

# arm NAME: the proxy NAME starts misbehaving (waits until it says so).
arm() {
	local pid
	eval "pid=\$${1}_PID"
	kill -USR1 "$pid"
	wait_line "$TMP/proxy-$1.out" '^armed$'
}

# disarm NAME: the proxy NAME lets new connections through again.
disarm() {
	local pid
	eval "pid=\$${1}_PID"
	kill -USR2 "$pid"
	wait_line "$TMP/proxy-$1.out" '^disarmed$'
}

# wait_line FILE PATTERN: until a line of FILE matches (at most 20 s).
wait_line() {
	local i
	for i in $(seq 400); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}

# hostport URL: http://H:P/... -> H:P
hostport() { local u=${1#*://}; echo "${u%%/*}"; }

# small_tmpfs DIR SIZE: a tmpfs of SIZE mounted at DIR for this test (to fill
# up), unmounted at exit; skips the test (77) where none can be mounted.
small_tmpfs() {
	mkdir -p "$1"
	if ! mount -t tmpfs -o "size=$2,mode=0700" tmpfs "$1" 2>/dev/null; then
		echo "SKIP: cannot mount a tmpfs (needs root in a namespace that allows it)"
		exit 77
	fi
	TMPFS_DIR=$1
	trap 'umount -l "$TMPFS_DIR" 2>/dev/null; cleanup' EXIT
}
