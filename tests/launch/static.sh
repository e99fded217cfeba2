#!/usr/bin/env bash
# The static modal-run (the release build): no dynamic loader and no shared
# library at launch; an embedded launch never execs its dynamic twin, a
# server URL always does, and a missing twin is a clear 69, not a crash.
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
twin=$(dirname "$R")/modal-run-remote
check "its twin is beside it and dynamically linked" eval "readelf -d \"$twin\" | grep -q NEEDED"

new_vault "$TMP/v"
mk s1 A=1
"$R" -s s1 -- sh -c 'echo "$A"' >"$TMP/out"
is "$(cat "$TMP/out")" 1 "an embedded launch works from the static binary"

# The twin is exec'd in modal-run's place: with it renamed away, a server URL
# fails 69 naming it, and an embedded launch does not care.
mkdir "$TMP/alone"
cp "$R" "$TMP/alone/modal-run"
expect_exit 69 "modal-run-remote, not found beside $TMP/alone" \
	"$TMP/alone/modal-run" --server http://127.0.0.1:9 -s s1 -- true
expect_exit 0 "" "$TMP/alone/modal-run" -s s1 -- true
# With a stand-in twin beside it, a server URL reaches it with the same
# arguments and environment (the stand-in prints them).
cat >"$TMP/alone/modal-run-remote" <<'SH'
#!/bin/sh
printf '%s|' "$@" >"$TWIN_OUT"
printf '%s' "$MODAL_TOKEN_SECRET" >"$TWIN_OUT.secret"
SH
chmod 0755 "$TMP/alone/modal-run-remote"
TWIN_OUT="$TMP/twin" MODAL_TOKEN_ID=ak-x MODAL_TOKEN_SECRET=as-stand-in \
	"$TMP/alone/modal-run" --server http://127.0.0.1:9 -s s1 -- true
is "$(cat "$TMP/twin")" "--server|http://127.0.0.1:9|-s|s1|--|true|" "the twin gets modal-run's arguments"
is "$(cat "$TMP/twin.secret")" "as-stand-in" "and the token variable, still whole"
rm -f "$TMP/twin"
TWIN_OUT="$TMP/twin" "$TMP/alone/modal-run" -s s1 -- true
check "an embedded launch never execs the twin" test ! -e "$TMP/twin"

# The two programs are built against different C libraries (musl's and
# glibc's fnmatch and regex) and must decide alike: every policy of the test
# corpus, and values matched against patterns at launch, with the twin run
# directly on the same embedded vault.
differs=""
for f in "$MODAL_SRC"/tests/policy/good/*.yaml "$MODAL_SRC"/tests/policy/bad/*.yaml; do
	a=$("$R" policy check "$f" 2>&1; echo "exit $?")
	b=$("$twin" policy check "$f" 2>&1; echo "exit $?")
	[ "$a" = "$b" ] || differs+=" $(basename "$f")"
done
is "$differs" "" "modal-run and its twin judge every corpus policy alike"
cat >"$TMP/pat.yaml" <<'YAML'
version: 1
secrets:
  p:
    keys:
      "V*": {pattern: "[[:alnum:]_]{1,8}(-[a-f0-9]+)?|é+|.{3}"}
      "G?": {pattern: "x*"}
YAML
differs=""
for v in abc_123 abc-00ff abc-00fg é éé ééx "a b" ab abcd "a\\b" '' x xx y; do
	mk p "V1=$v" --force
	a=$("$R" --policy "$TMP/pat.yaml" -s p -- true 2>&1; echo "exit $?")
	b=$("$twin" --policy "$TMP/pat.yaml" -s p -- true 2>&1; echo "exit $?")
	[ "$a" = "$b" ] || differs+=" [$v] $a / $b;"
done
is "$differs" "" "modal-run and its twin match values against patterns alike"
finish
