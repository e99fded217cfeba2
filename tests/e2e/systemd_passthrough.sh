#!/usr/bin/env bash
# What systemd hands a service reaches the target through modal-run: the
# target keeps modal-run's PID, so LISTEN_PID still names it and the passed
# listening socket is still fd 3 (socket activation), and NOTIFY_SOCKET
# passes, so a Type=notify target's READY=1 comes from the PID systemd
# watches.
. "$(dirname "$0")/../lib.sh"

new_vault "$TMP/v"
"$MODAL_VAULT" secret create app A=1 >/dev/null

# Socket activation: systemd-socket-activate passes fd 3 and LISTEN_PID to
# modal-run on the first connection; the target must see both as its own.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
: >"$TMP/sa.err"
systemd-socket-activate -l "127.0.0.1:$port" "$MODAL_RUN" --server "$MODAL_SERVER_URL" --secret app -- python3 -c '
import os, socket, sys
assert os.environ["LISTEN_PID"] == str(os.getpid()), "LISTEN_PID is not the target"
assert os.environ["LISTEN_FDS"] == "1"
s = socket.socket(fileno=3)
assert s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
c, _ = s.accept()
c.sendall(b"from-the-target " + os.environ["A"].encode() + b"\n")
c.close()
' >"$TMP/sa.out" 2>>"$TMP/sa.err" &
sa=$!
for _ in $(seq 200); do grep -q "as 3" "$TMP/sa.err" && break; sleep 0.05; done
answer=$(python3 -c '
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
print(c.makefile().readline().strip())' "$port")
wait "$sa"
check "socket activation: the target accepted on fd 3 as LISTEN_PID ($answer)" test "$answer" = "from-the-target 1"

# Type=notify: the target's READY=1 reaches NOTIFY_SOCKET with its PID,
# which is modal-run's.
python3 - "$TMP/notify.sock" "$TMP/notify.got" <<'PY' &
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.settimeout(20)
msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
pid = [struct.unpack("iII", d)[0] for (l, t, d) in anc if t == socket.SCM_CREDENTIALS][0]
open(sys.argv[2], "w").write("%s %d\n" % (msg.decode().replace("\n", " ").strip(), pid))
PY
listener=$!
for _ in $(seq 200); do [ -S "$TMP/notify.sock" ] && break; sleep 0.05; done
NOTIFY_SOCKET="$TMP/notify.sock" "$MODAL_RUN" --secret app -- sh -c \
	'echo $$ >"$1"; exec systemd-notify --pid=$$ READY=1' sh "$TMP/target.pid" &
launcher=$!
wait "$launcher"
wait "$listener"
check "Type=notify: READY=1 from the target" grep -qw "READY=1" "$TMP/notify.got"
check "Type=notify: sent by modal-run's PID, the target's ($(cat "$TMP/notify.got" "$TMP/target.pid" | tr '\n' ' ')$launcher)" \
	test "$(awk '{ print $NF }' "$TMP/notify.got")" = "$launcher" -a "$(cat "$TMP/target.pid")" = "$launcher"
finish
