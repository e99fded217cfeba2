#!/usr/bin/env bash
# --check: every key the launch would set, its bundle and a 32-hex keyed
# fingerprint; never a value; exits 0 and runs nothing. Equal values give
# equal fingerprints, different values different ones.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launch_lib.sh"
new_vault "$TMP/v"
json() { printf '%s' "$2" >"$TMP/$1.json"; chmod 0600 "$TMP/$1.json"; mk "$1" --from-json "$TMP/$1.json"; }
json fa '{"TOKEN": "needle-same-value", "ONLY_A": "needle-a"}'
json fb '{"TOKEN": "needle-same-value", "ONLY_B": "needle-b"}'
json fc '{"TOKEN": "needle-different"}'
json fd '{"OTHER": "needle-same-value"}'

rm -f "$TMP/ran"
expect_exit 0 "" "$R" --check -s fa -s fb --on-conflict=first-wins -- touch "$TMP/ran"
cp "$TMP/out" "$TMP/check.out"
check "--check runs nothing" test ! -e "$TMP/ran"
check "--check prints no value" eval "! grep -q needle \"$TMP/check.out\" \"$TMP/err\""
check "--check prints a header with the environment and counts" \
	grep -qx 'environment main: 3 keys from 2 secrets' "$TMP/check.out"
for kb in TOKEN:fa ONLY_A:fa ONLY_B:fb; do
	check "--check prints ${kb%%:*} from ${kb#*:} with a 32-hex fingerprint" \
		grep -qE "^${kb%%:*} +${kb#*:} +blake2b:[0-9a-f]{32}\$" "$TMP/check.out"
done
is "$(grep -c blake2b: "$TMP/check.out")" 3 "--check prints one line per key"

fp() { "$R" --check "$@" -- false | awk -v k="$KEY" '$1 == k { print $3 }'; }
KEY=TOKEN
fa=$(fp -s fa) fb=$(fp -s fb) fc=$(fp -s fc)
check "fingerprints are 32 hex digits" eval "[[ \$fa =~ ^blake2b:[0-9a-f]{32}\$ ]]"
is "$fb" "$fa" "the same value in two secrets: the same fingerprint"
check "a different value: a different fingerprint" test "$fc" != "$fa"
is "$(fp -s fa)" "$fa" "the fingerprint is stable from one run to the next"
KEY=OTHER
check "the same value under another key: a different fingerprint" test "$(fp -s fd)" != "$fa"
KEY=TOKEN
is "$(fp -s fa -s fc --on-conflict=last-wins)" "$fc" "--check shows the value the conflict rule picks"
check "--check shows the bundle the conflict rule picks" \
	eval "\"$R\" --check -s fa -s fc --on-conflict=last-wins -- true | grep -qE '^TOKEN +fc '"

# --check fails as a launch would, and still shows no value.
NEEDLES=(needle-same-value needle-different)
fails 65 "key 'TOKEN' is defined by secrets 'fa' and 'fc'" "$R" --check -s fa -s fc -- touch "$TMP/ran"
# Another vault: the fingerprint key is the vault's, so the same value differs.
new_vault "$TMP/v2"
json fa '{"TOKEN": "needle-same-value"}'
check "another vault fingerprints the same value differently" test "$(fp -s fa)" != "$fa"
# A key the policy delivers as a file says so.
cat >"$TMP/file.yaml" <<'YAML'
version: 1
secrets:
  fa:
    keys:
      TOKEN: {delivery: file}
YAML
chmod 0600 "$TMP/file.yaml"
"$R" --check --policy "$TMP/file.yaml" -s fa -- true >"$TMP/check.out"
check "--check marks a key delivered as a file" grep -q 'TOKEN .*(delivered as file: \$TOKEN_FILE)' "$TMP/check.out"
finish
