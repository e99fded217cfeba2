#!/usr/bin/env bash
# Black-box tests of modal-vault on an embedded vault: every command, every bad
# input with its exit code and one-line error, and that a refused command
# changes nothing.
. "$(dirname "$0")/../lib.sh"
V=$MODAL_VAULT
new_vault "$TMP/v"

expect_exit 65 "refusing to overwrite" $V init
expect_exit 64 "unknown command 'bogus'" $V bogus
expect_exit 64 "missing command" $V
expect_exit 64 "unknown option '--nope'" $V secret list --nope
expect_exit 64 "does not apply here" $V secret list --force
expect_exit 64 "missing argument" $V secret create
expect_exit 64 "give at least one KEY=VALUE" $V secret create s
expect_exit 64 "expected KEY=VALUE" $V secret create s NOEQUALS
expect_exit 65 "invalid secret name 'bad name'" $V secret create "bad name" A=1
expect_exit 65 "invalid secret name" $V secret create "$(printf 'x%.0s' {1..65})" A=1
expect_exit 65 "invalid key '1A'" $V secret create s 1A=1
expect_exit 65 "key A given twice" $V secret create s A=1 A=2
expect_exit 65 "environment 'nope' not found" $V secret create s A=1 -e nope
expect_exit 78 "vault http://127.0.0.1:1: no token" $V --server http://127.0.0.1:1 secret list
expect_exit 78 "expected file:PATH" $V --server ftp://x secret list
expect_exit 78 "run 'modal-vault init'" $V --server "file:$TMP/none" secret list

# Files: dotenv and JSON, good and bad.
printf 'A=1\nB="two\\nlines"\n' >"$TMP/good.env"
printf 'A=1\nB="open\n' >"$TMP/bad.env"
printf '{"J": "x", "J": "y"}' >"$TMP/dup.json"
printf '{"J": 1}' >"$TMP/num.json"
printf '["J"]' >"$TMP/arr.json"
printf '{"J": "x",\n  oops}' >"$TMP/syntax.json"
expect_exit 65 "bad.env:2: quoted value is never closed" $V secret create s --from-dotenv "$TMP/bad.env"
expect_exit 65 "dup.json:1:14: malformed JSON: a duplicate key" $V secret create s --from-json "$TMP/dup.json"
expect_exit 65 "value of 'J' is not a string" $V secret create s --from-json "$TMP/num.json"
expect_exit 65 "expected a JSON object" $V secret create s --from-json "$TMP/arr.json"
expect_exit 65 "syntax.json:2:" $V secret create s --from-json "$TMP/syntax.json"
expect_exit 65 "missing.env: No such file" $V secret create s --from-dotenv "$TMP/missing.env"
expect_exit 0 "" $V secret create fromfile --from-dotenv "$TMP/good.env"
check "dotenv keys stored" bash -c "$V secret get fromfile | grep -qx '  B'"

# Oversized values are refused and nothing is written.
head -c 32769 /dev/zero | tr '\0' 'x' >"$TMP/big"
expect_exit 65 "at most 32768" bash -c "$V secret create big V=- <'$TMP/big'"
head -c 32768 /dev/zero | tr '\0' 'x' >"$TMP/max"
check "32768-byte value accepted" bash -c "$V secret create max V=- <'$TMP/max' >/dev/null"
check "nothing written for the refused secret" bash -c "! $V secret list | grep -q '^big '"
expect_exit 64 "only one KEY=- " bash -c "echo x | $V secret create two A=- B=-"

# create, replace, get, list.
expect_exit 0 "" $V secret create db USER=admin PASS=hunter2-value
expect_exit 65 "use --force to replace it" $V secret create db USER=other
check "refused create kept version 1" bash -c "$V secret get db --json | grep -q '\"version\": 1'"
expect_exit 0 "" $V secret create db USER=other --force
check "force made version 2" bash -c "$V secret get db --json | grep -q '\"version\": 2'"
check "get never shows a value" bash -c "! $V secret get db --json | grep -q other"
check "list --json: rows keyed by Modal's columns" bash -c "$V secret list --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert {s[\"Name\"] for s in d} >= {\"db\",\"fromfile\"}; assert all(list(s)==[\"Name\",\"Created at\",\"Created by\",\"Last used at\"] for s in d)'"

# Environments, and MODAL_ENVIRONMENT as the default.
expect_exit 0 "" $V environment create prod
expect_exit 65 "already exists" $V environment create prod
expect_exit 65 "invalid environment name" $V environment create "no/slash"
expect_exit 0 "" $V secret create pdb K=v -e prod
check "MODAL_ENVIRONMENT selects the environment" bash -c "MODAL_ENVIRONMENT=prod $V secret list | grep -q '^pdb '"
expect_exit 65 "still holds 1 secret" $V environment delete prod -y
expect_exit 65 "default" $V environment delete main -y
check "environment list --json: Modal's name, web suffix, active" bash -c "$V environment list --json | python3 -c 'import json,sys; assert [(e[\"name\"], e[\"active\"], list(e)) for e in json.load(sys.stdin)] == [(\"main\", True, [\"name\",\"web suffix\",\"active\"]), (\"prod\", False, [\"name\",\"web suffix\",\"active\"])]'"
check "environment list --json, MODAL_ENVIRONMENT=prod: prod is active" bash -c "MODAL_ENVIRONMENT=prod $V environment list --json | python3 -c 'import json,sys; assert [e[\"active\"] for e in json.load(sys.stdin)] == [False, True]'"

# delete asks first; without a terminal it needs -y and changes nothing.
expect_exit 64 "pass -y/--yes" $V secret delete db
check "unconfirmed delete kept the secret" bash -c "$V secret get db >/dev/null"
expect_exit 0 "" $V secret delete db -y
expect_exit 65 "secret 'db' not found" $V secret delete db -y
expect_exit 0 "" $V secret delete db -y --allow-missing
expect_exit 0 "" $V workspace current --json

# A value from stdin loses one trailing newline only.
printf 'line1\nline2\n\n' | $V secret create stdin V=- >/dev/null
check "stdin value stored" bash -c "$V secret get stdin >/dev/null"
finish
