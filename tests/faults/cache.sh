#!/usr/bin/env bash
# cache.sh — the fallback cache's file damaged or its filesystem full. A
# truncated, emptied, overwritten or extended entry is refused with the
# fetch's own error and a reason (69), never used and never fatal beyond
# that; a cache on a full filesystem is a one-line warning, the launch goes
# on with the fresh values, the previous entry is left whole (no partial
# file, no temporary left behind) and still serves when the vault goes away.
. "$(dirname "$0")/faults_lib.sh"

small_tmpfs "$TMP/full" 256k
FULL="$TMP/full"

store secret create db PASS=v-0c4e-before >/dev/null
new_token ci
export MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET
SOCK="$TMP/v.sock"
URL="unix:$SOCK"
up() { serve srv --listen "$URL"; }
down() { kill "$srv_PID"; wait "$srv_PID" 2>/dev/null; rm -f "$SOCK"; }
C="$FULL/cache"
up
got=$("$R" --server "$URL" --cache "$C" -s db -- printenv PASS)
check "a launch through the server warms the cache on the tmpfs" test "$got" = v-0c4e-before
entry="$C/$(ls "$C")"
cp -p "$entry" "$TMP/entry.good"
size=$(stat -c %s "$entry")
down

# --- a damaged entry, the server down ------------------------------------------------
# damaged HOW: the entry, damaged so, is refused; the command does not run.
damaged() {
	rm -f "$TMP/ran"
	expect_exit 69 "vault $URL unreachable: " "$R" --server "$URL" --cache "$C" -s db -- touch "$TMP/ran"
	check "  ... ($1) names why the cache was not used" grep -q "; cache not used: " "$TMP/err"
	check "  ... ($1) and the command did not run" test ! -e "$TMP/ran"
	cp -p "$TMP/entry.good" "$entry"
}
truncate -s $((size / 2)) "$entry"
damaged "cut to half"
truncate -s $((size - 1)) "$entry"
damaged "one byte short"
truncate -s 0 "$entry"
damaged "empty"
head -c "$size" /dev/urandom >"$entry"
damaged "random bytes of the same size"
printf 'x' >>"$entry"
damaged "one byte appended"
tr 'A-Za-z' 'B-ZAb-za' <"$TMP/entry.good" >"$entry"
damaged "every letter shifted"
python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); open(sys.argv[1],"wb").write(d.replace(b"\n", b"\r\n"))' "$entry"
damaged "CRLF line ends"
got=$("$R" --server "$URL" --cache "$C" -s db -- printenv PASS 2>"$TMP/err")
check "the entry restored: the cache serves again" test "$got" = v-0c4e-before
check "  ... and says so" grep -q "^modal-run: vault $URL unreachable; using cached secrets from" "$TMP/err"

# --- the cache's filesystem full ---------------------------------------------------------
store secret create db PASS=v-0c4e-after --force >/dev/null
up
dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null
check "the tmpfs is full" sh -c "! echo x >'$FULL/probe' 2>/dev/null"
rm -f "$FULL/probe"
got=$("$R" --server "$URL" --cache "$C" -s db -- printenv PASS 2>"$TMP/err")
check "a full cache filesystem: the launch goes on with the fresh value" test "$got" = v-0c4e-after
check "  ... with one warning line about the cache" \
	sh -c "[ \$(wc -l <'$TMP/err') = 1 ] && grep -q '^modal-run: .*cache' '$TMP/err'"
echo "  (the warning: $(cat "$TMP/err"))"
check "  ... the previous entry is left whole" cmp -s "$entry" "$TMP/entry.good"
check "  ... and nothing else is left in the cache directory" test "$(ls -A "$C" | wc -l)" = 1
got=$("$R" --server "$URL" --cache "$FULL/new" -s db -- printenv PASS 2>"$TMP/err")
check "a cache directory that cannot even be made: the launch goes on" test "$got" = v-0c4e-after
check "  ... with one warning line" sh -c "[ \$(wc -l <'$TMP/err') = 1 ]"
down
got=$("$R" --server "$URL" --cache "$C" -s db -- printenv PASS 2>"$TMP/err")
check "the vault gone, the previous entry serves (its older value)" test "$got" = v-0c4e-before

rm -f "$FULL/filler"
up
got=$("$R" --server "$URL" --cache "$C" -s db -- printenv PASS 2>"$TMP/err")
check "space back: the launch writes the cache without a warning" \
	sh -c "[ '$got' = v-0c4e-after ] && [ ! -s '$TMP/err' ]"
down
got=$("$R" --server "$URL" --cache "$C" -s db -- printenv PASS 2>/dev/null)
check "  ... and the cache now holds the new value" test "$got" = v-0c4e-after
finish
