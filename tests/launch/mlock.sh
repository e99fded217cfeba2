#!/usr/bin/env bash
# mlock.sh — a memory-lock limit too small for the secrets (64 KiB, a common
# container default): libsodium's mlock fails silently, so modal-run must say
# so once on stderr, and --require-mlock or MODAL_REQUIRE_MLOCK=1 must make
# it fatal (71, before the target runs).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launch_lib.sh"
new_vault "$TMP/v"
# 256 KiB of values: more than 64 KiB of locked pages whatever else is locked.
for i in 1 2 3 4 5 6 7 8; do printf 'K%s=%s\n' $i "$(head -c 32000 /dev/zero | tr '\0' x)"; done >"$TMP/big.env"
mk big --from-dotenv "$TMP/big.env"
mk small A=1
# Root ignores RLIMIT_MEMLOCK (CAP_IPC_LOCK): without it in the bounding
# set, root's next exec does not get it back.
if [ "$(id -u)" = 0 ]; then
	nolock=(setpriv --bounding-set=-ipc_lock prlimit --memlock=65536)
else
	nolock=(prlimit --memlock=65536)
fi
if ! "${nolock[@]}" true 2>/dev/null; then
	echo "skip: cannot lower RLIMIT_MEMLOCK here"
	finish
	exit
fi
ran="sh -c ': >\"\$1\"' sh $TMP/ran"

# one_warning: exactly one stderr line, a warning about locking.
one_warning() {
	local lines
	lines=$(wc -l <"$TMP/err")
	if [ "$lines" = 1 ] && grep -q '^modal-run: warning: .*lock' "$TMP/err"; then
		ok "$1"
	else
		not_ok "$1: stderr: $(head -c 300 "$TMP/err")"
	fi
}

rm -f "$TMP/ran"
expect_exit 0 "" "${nolock[@]}" "$R" -s big -- sh -c ': >"$1"' sh "$TMP/ran"
one_warning "a failed lock is said once on stderr, as a warning"
check "  and the launch goes on" test -e "$TMP/ran"
check "  the warning names the limit" grep -q "RLIMIT_MEMLOCK" "$TMP/err"

fails 71 "--require-mlock" "${nolock[@]}" "$R" --require-mlock -s big -- sh -c ': >"$1"' sh "$TMP/ran"
MODAL_REQUIRE_MLOCK=1 fails 71 "MODAL_REQUIRE_MLOCK" "${nolock[@]}" "$R" -s big -- sh -c ': >"$1"' sh "$TMP/ran"
MODAL_REQUIRE_MLOCK=0 expect_exit 0 "" "${nolock[@]}" "$R" -s big -- true
one_warning "MODAL_REQUIRE_MLOCK=0: a warning, not fatal"
MODAL_REQUIRE_MLOCK=yes fails 64 "MODAL_REQUIRE_MLOCK" "$R" -s small -- sh -c ': >"$1"' sh "$TMP/ran"

# With room to lock, nothing is said, required or not.
expect_exit 0 "" "$R" --require-mlock -s big -- true
check "with room to lock, no warning" test ! -s "$TMP/err"
MODAL_REQUIRE_MLOCK=1 expect_exit 0 "" "$R" -s small -- true
check "MODAL_REQUIRE_MLOCK=1 with room to lock, no warning" test ! -s "$TMP/err"
finish
