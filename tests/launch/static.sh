#!/usr/bin/env bash
# The static modal-run (the release build): no dynamic loader and no shared
# library at launch, the musl flavour, and an embedded launch from it. It
# speaks to servers itself (tests/remote/alone.sh): there is no twin, so one
# matcher judges every policy (tests/policy holds the corpus).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launch_lib.sh"
if readelf -d "$R" | grep -q NEEDED; then
	echo "skip: this modal-run is dynamically linked (sanitizer or fuzz build)"
	finish
	exit
fi
check "modal-run has no interpreter (static)" eval "! readelf -l \"$R\" | grep -q 'program interpreter'"
check "modal-run is position independent (ASLR)" eval "readelf -h \"$R\" | grep -q 'DYN'"
# The musl flavour when the build was given its libraries: glibc's start-up,
# the cost it removes, is absent (its own messages are not in the binary).
if grep -q '^MODAL_MUSL_PREFIX:PATH=.' "$MODAL_BUILD/CMakeCache.txt"; then
	check "modal-run is the musl flavour (no glibc in it)" eval "! grep -q 'Fatal glibc error' \"$R\""
fi
check "no modal-run-remote twin is built" test ! -e "$(dirname "$R")/modal-run-remote"

new_vault "$TMP/v"
mk s1 A=1
"$R" -s s1 -- sh -c 'echo "$A"' >"$TMP/out"
is "$(cat "$TMP/out")" 1 "an embedded launch works from the static binary"
finish
