#!/usr/bin/env bash
# The process the target becomes: modal-run's PID, the signal mask and
# ignored set modal-run was given (or defaults with --reset-signals), only the
# descriptors modal-run inherited (plus the memfds of delivery: file), and
# dumpable again with the core limit it was given.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launch_lib.sh"
: "${SIGSETUP:?set SIGSETUP to the launch_sigsetup helper}"
: "${PROBE:?set PROBE to the launch_probe helper}"
new_vault "$TMP/v"
mk s1 A=1

# --- the target keeps modal-run's PID --------------------------------------
sh -c 'echo $$ >"$1"; exec "$2" -s s1 -- sh -c "echo \$\$ >\"\$1\"" sh "$3"' \
	sh "$TMP/pid.outer" "$R" "$TMP/pid.inner"
check "the target runs as modal-run's PID (exec, no fork)" \
	test -s "$TMP/pid.inner" -a "$(cat "$TMP/pid.outer")" = "$(cat "$TMP/pid.inner" 2>/dev/null)"
"$R" -s s1 -- sh -c 'echo $$ >"$1"' sh "$TMP/pid.bg" &
bgpid=$!
wait $bgpid
is "$(cat "$TMP/pid.bg")" "$bgpid" "a background modal-run's \$! is the target's \$\$"

# --- signals ----------------------------------------------------------------
# SIGUSR1 (10) and SIGRTMIN+3 (glibc's SIGRTMIN is 34: 37) blocked; SIGHUP (1)
# and SIGUSR2 (12) ignored: bits n-1 of the masks in /proc/self/status.
want_blk=$(printf 'SigBlk:\t%016x' $(((1 << 9) | (1 << 36))))
want_ign=$(printf 'SigIgn:\t%016x' $(((1 << 0) | (1 << 11))))
"$SIGSETUP" "$TMP/sig.given" true
check "sigsetup blocks SIGUSR1 and SIGRTMIN+3" grep -qxF "$want_blk" "$TMP/sig.given"
check "sigsetup ignores SIGHUP and SIGUSR2" grep -qxF "$want_ign" "$TMP/sig.given"
# grep is the target itself: it reads its own status.
"$SIGSETUP" "$TMP/sig.given" "$R" -s s1 -- grep '^Sig\(Blk\|Ign\)' /proc/self/status >"$TMP/sig.got"
same "$TMP/sig.given" "$TMP/sig.got" "the target gets exactly the mask and ignored set modal-run was given"
"$SIGSETUP" "$TMP/sig.given" "$R" --reset-signals -s s1 -- \
	grep '^Sig\(Blk\|Ign\)' /proc/self/status >"$TMP/sig.got"
printf 'SigBlk:\t%016x\nSigIgn:\t%016x\n' 0 0 >"$TMP/sig.want"
same "$TMP/sig.want" "$TMP/sig.got" "--reset-signals: empty mask, nothing ignored"
"$R" -s s1 -- grep '^Sig\(Blk\|Ign\)' /proc/self/status >"$TMP/sig.got"
same "$TMP/sig.want" "$TMP/sig.got" "from a clean state, the target's state is clean (modal-run adds nothing)"
nohup "$R" -s s1 -- grep '^SigIgn' /proc/self/status >"$TMP/sig.nohup" 2>/dev/null </dev/null
check "nohup: SIGHUP ignored survives modal-run" \
	grep -qxF "$(printf 'SigIgn:\t%016x' 1)" "$TMP/sig.nohup"
# Signals reach the target directly: it is the process the shell started.
"$R" -s s1 -- sh -c 'trap "exit 5" USR1; echo ready >"$1"; i=0
	while [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done; exit 9' sh "$TMP/ready" &
bgpid=$!
for _ in $(seq 300); do [ -s "$TMP/ready" ] && break; sleep 0.1; done
kill -USR1 $bgpid
wait $bgpid && rc=0 || rc=$?
is "$rc" 5 "a signal sent to modal-run's PID reaches the target's handler"

# --- descriptors ------------------------------------------------------------
# The same listing with and without modal-run: the child may only have what
# modal-run was given (the listing's own directory descriptor is in both).
# find is the target itself and lists its own descriptors; the same listing
# without modal-run is what it was given. Both go to the same file; find's
# own descriptors (the directory it reads, the cwd it keeps) are dropped.
fds=(find /proc/self/fd -mindepth 1 -printf '%f %l\n')
ours() { grep -v " /proc/[0-9]*/fd$" "$1" | grep -vx "[0-9]* $(pwd -P)" | sort; }
exec 7</etc/hostname
"${fds[@]}" >"$TMP/fd.out"
ours "$TMP/fd.out" >"$TMP/fd.want"
"$R" -s s1 -- "${fds[@]}" >"$TMP/fd.out"
ours "$TMP/fd.out" >"$TMP/fd.got"
same "$TMP/fd.want" "$TMP/fd.got" "the child has exactly the descriptors modal-run inherited"
check "an inherited descriptor without CLOEXEC passes as fd 7" grep -qx '7 /etc/hostname' "$TMP/fd.got"
check "no descriptor points at the vault directory, vault.db or master.key" \
	eval "! grep -q \"$TMP/v\\|vault.db\\|master.key\" \"$TMP/fd.got\""
check "no socket, anon inode or memfd beyond the inherited ones" \
	eval "! grep -vxF -f \"$TMP/fd.want\" \"$TMP/fd.got\" | grep -q 'socket:\\|anon_inode\\|memfd:'"
exec 7<&-
"$R" -s s1 -- "${fds[@]}" >"$TMP/fd.out"
check "fd 7 closed in the parent: not in the child" eval "! grep -q '^7 ' \"$TMP/fd.out\""

cat >"$TMP/file.yaml" <<'YAML'
version: 1
secrets:
  cert:
    keys:
      CERT: {delivery: file, multiline: true}
      PLAIN:
YAML
chmod 0600 "$TMP/file.yaml"
printf '{"CERT": "-----BEGIN-----\\nneedle-cert\\n-----END-----\\n", "PLAIN": "p"}' >"$TMP/cert.json"
chmod 0600 "$TMP/cert.json"
mk cert --from-json "$TMP/cert.json"
"${fds[@]}" >"$TMP/fd.out"
ours "$TMP/fd.out" >"$TMP/fd.want"
"$R" --policy "$TMP/file.yaml" -s cert -- "${fds[@]}" >"$TMP/fd.out"
ours "$TMP/fd.out" >"$TMP/fd.got"
extra=$(grep -vxF -f "$TMP/fd.want" "$TMP/fd.got")
check "delivery: file adds exactly one descriptor, a memfd" \
	eval "[ \$(printf '%s\n' \"$extra\" | wc -l) = 1 ] && printf '%s' \"$extra\" | grep -q '^[0-9]* /memfd:CERT'"
"$R" --policy "$TMP/file.yaml" -s cert -- sh -c 'env >"$1"; cat "$CERT_FILE" >"$2"' \
	sh "$TMP/fd.env" "$TMP/fd.cert"
check "CERT_FILE names that descriptor" grep -qx "CERT_FILE=/proc/self/fd/${extra%% *}" "$TMP/fd.env"
check "the value is not in the environment" eval "! grep -q needle-cert \"$TMP/fd.env\""
printf -- '-----BEGIN-----\nneedle-cert\n-----END-----\n' >"$TMP/cert.want"
same "$TMP/cert.want" "$TMP/fd.cert" "the memfd holds the value byte for byte"
check "the other key stays a variable" grep -qx 'PLAIN=p' "$TMP/fd.env"

# --- core dumps and ptrace ---------------------------------------------------
# AddressSanitizer sets RLIMIT_CORE to 0 in every process it starts in
# (disable_coredump): in the ASan build, keep it off the limit under test.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}disable_coredump=0"
"$PROBE" >"$TMP/probe.want"
"$R" -s s1 -- "$PROBE" >"$TMP/probe.got"
check "the target is dumpable again after exec" grep -qx 'dumpable=1' "$TMP/probe.got"
same "$TMP/probe.want" "$TMP/probe.got" "the target's core limit is the one modal-run was given"
(ulimit -c 4096 && "$R" -s s1 -- "$PROBE") >"$TMP/probe.got"
check "a lowered core limit (ulimit -c 4096) reaches the target unchanged" \
	grep -qx 'core=4194304' "$TMP/probe.got"
(ulimit -c 0 && "$R" -s s1 -- "$PROBE") >"$TMP/probe.got"
check "ulimit -c 0 reaches the target unchanged" grep -qx 'core=0' "$TMP/probe.got"
finish
