#!/usr/bin/env bash
# A slow value pattern (issue 11): glibc's backtracking regexec took over a
# minute in the glibc-linked launcher on this one 32 KiB value, while musl's
# took 0.1 s. modal-run (musl in the release, glibc in a sanitizer build)
# must refuse it (65, naming the key) within a bound of CPU time (so other
# load on the machine cannot fail the test).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launch_lib.sh"
progs=("$R")
BOUND=2.0   # CPU seconds for a whole launch, sanitizer builds included

new_vault "$TMP/v"
# [ab]*a[ab]{30}[ab]*b[ab]{30}... 30 times, and a/b bytes ending in 'c'.
python3 - "$TMP" <<'PY'
import random, sys
d = sys.argv[1]
units = "".join("[ab]*%s[ab]{30}" % "ab"[i % 2] for i in range(30))
random.seed(1)
open(d + "/value", "w").write("".join(random.choice("ab") for _ in range(32767)) + "c")
open(d + "/pol.yaml", "w").write(
    "version: 1\nsecrets:\n  p:\n    keys:\n      V: {pattern: \"%s\", max_length: 32768}\n" % units)
PY
chmod 0600 "$TMP/pol.yaml"
"$V" secret create p V=- <"$TMP/value" >/dev/null

for prog in "${progs[@]}"; do
	TIMEFORMAT='%U %S'
	cpu=$( { time timeout 30 "$prog" --policy "$TMP/pol.yaml" -s p -- true \
		>"$TMP/out" 2>"$TMP/err"; echo "exit $?" >"$TMP/rc"; } 2>&1 )
	is "$(cat "$TMP/rc")" "exit 65" "$(basename "$prog"): the value is refused"
	check "  naming the key and the rule" \
		grep -qF "secret 'p' key 'V': value does not match the pattern of rule 'V'" "$TMP/err"
	total=$(echo "$cpu" | awk '{ print $1 + $2 }')
	check "  within $BOUND s of CPU (took $total s)" \
		awk -v t="$total" -v b="$BOUND" 'BEGIN { exit !(t < b) }'
done
finish
