#!/usr/bin/env bash
# --check --json: the same keys, bundles and fingerprints as the lines of
# --check, as one JSON object a script can compare between deployments;
# never a value; --json alone is a usage error.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launch_lib.sh"
new_vault "$TMP/v"
json() { printf '%s' "$2" >"$TMP/$1.json"; chmod 0600 "$TMP/$1.json"; mk "$1" --from-json "$TMP/$1.json"; }
json fa '{"TOKEN": "needle-same-value", "ONLY_A": "needle-a"}'
json fb '{"TOKEN": "needle-other", "ONLY_B": "needle-b"}'

rm -f "$TMP/ran"
expect_exit 0 "" "$R" --check --json -s fa -s fb --on-conflict=last-wins -- touch "$TMP/ran"
cp "$TMP/out" "$TMP/check.json"
check "--check --json runs nothing" test ! -e "$TMP/ran"
check "--check --json prints no value" eval "! grep -q needle \"$TMP/check.json\" \"$TMP/err\""
"$R" --check -s fa -s fb --on-conflict=last-wins -- true >"$TMP/check.txt"
check "--check --json: one object with what the lines say" python3 - "$TMP/check.json" "$TMP/check.txt" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert set(j) == {"environment", "secrets", "keys"}, j
assert j["environment"] == "main" and j["secrets"] == ["fa", "fb"], j
lines = [l.split() for l in open(sys.argv[2]).read().splitlines()[1:]]
want = [{"key": k, "secret": b, "fingerprint": f, "delivery": "env"} for k, b, f in lines]
assert j["keys"] == want, (j["keys"], want)
assert {k["key"]: k["secret"] for k in j["keys"]}["TOKEN"] == "fb", j
PY
json ff '{"TOKEN": "needle-same-value"}'
cat >"$TMP/file.yaml" <<'YAML'
version: 1
secrets:
  ff:
    keys:
      TOKEN: {delivery: file}
YAML
chmod 0600 "$TMP/file.yaml"
"$R" --check --json --policy "$TMP/file.yaml" -s ff -- true >"$TMP/check.json"
check "--check --json marks a key delivered as a file" python3 -c '
import json, sys
keys = {k["key"]: k for k in json.load(open(sys.argv[1]))["keys"]}
assert keys["TOKEN"]["delivery"] == "file" and keys["TOKEN"]["secret"] == "ff", keys
' "$TMP/check.json"
expect_exit 64 "--json only applies with --check" "$R" --json -s fa -- true
NEEDLES=(needle-same-value needle-other)
fails 65 "key 'TOKEN' is defined by secrets 'fa' and 'fb'" "$R" --check --json -s fa -s fb -- true
finish
