#!/bin/bash
# verbs.sh — Modal's profile verbs run for real: token set (stdin, argv,
# verify, pinning, atomic rewrite keeping comments), token info, profile
# list|activate|current and config show, against a real `modal-vault serve`
# and an embedded vault, with the bad inputs each refuses unchanged.
. "$MODAL_SRC/tests/remote/remote_lib.sh"
CONF="$HOME/.modal.toml"

new_token owner-token
OWNER_ID=$TOKEN_ID OWNER_SECRET=$TOKEN_SECRET
serve A

# --help for each verb: its usage, exit 0.
for verb in "token set" "token info" "profile list" "profile activate" "profile current" \
	    "config show"; do
	# shellcheck disable=SC2086
	expect_exit 0 "" "$V" $verb --help
	check "$verb --help shows its usage" grep -q "usage: modal-vault $verb" "$TMP/out"
done
expect_exit 0 "" "$V" profile --help
check "profile --help lists its verbs" grep -q "profile activate NAME" "$TMP/out"

# A file a user wrote by hand: comments, another active profile, a key
# Modal's client wrote. token set must keep all of it.
cat >"$CONF" <<'TOML'
# my profiles
[other]
token_id = "ak-x1"  # trailing comment kept
token_secret = "as-y1"
loglevel = "DEBUG"
active = true

# tail comment
TOML
chmod 600 "$CONF"
cp "$CONF" "$TMP/before"

# token set, secret on stdin: verified, pinned, written; never echoed.
printf '%s\n' "$TOKEN_SECRET" | "$V" --server "$A_URL" token set --token-id "$TOKEN_ID" \
	--token-secret - --profile prod >"$TMP/out" 2>"$TMP/err" && rc=0 || rc=$?
check "token set from stdin: exit 0" test "$rc" = 0
check "token set: says it verified" grep -q "Token verified successfully: workspace" "$TMP/out"
check "token set: the secret is in no output" bash -c "! grep -qF -- '$TOKEN_SECRET' '$TMP/out' '$TMP/err'"
cat "$TMP/before" - >"$TMP/want" <<TOML

[prod]
token_id = "$TOKEN_ID"
token_secret = "$TOKEN_SECRET"
vault_public_key = "$VAULT_KEY"
server_url = "$A_URL"
TOML
check "token set: other profiles, keys and comments kept, the new one appended" \
	cmp -s "$CONF" "$TMP/want"
check "token set: the file is 0600" test "$(stat -c %a "$CONF")" = 600
check "token set: no temporary file left" test "$(ls -A "$HOME")" = ".modal.toml"

# The profile works as written, with its pinned key, for both programs.
expect_exit 0 "" "$V" secret list --profile prod
store secret create s1 K=v >/dev/null
expect_exit 0 "" "$R" --profile prod --secret s1 -- true
# Again, with --activate: the values replaced in place, the mark moved.
new_token second
printf '%s\n' "$TOKEN_SECRET" | "$V" token set --token-id "$TOKEN_ID" --token-secret - \
	--profile prod --activate >"$TMP/out" 2>"$TMP/err" && rc=0 || rc=$?
check "token set --activate: exit 0" test "$rc" = 0
check "token set: verified against the profile's own server" grep -qF "against $A_URL" "$TMP/out"
check "token set: token_id replaced in place" test "$(grep -c '^token_id = ' "$CONF")" = 2
check "token set: the new id" grep -qF "token_id = \"$TOKEN_ID\"" "$CONF"
check "token set --activate: [other] lost its mark, its comment kept" \
	bash -c "[ \"\$(grep -c '^active = true' '$CONF')\" = 1 ] && grep -q 'trailing comment kept' '$CONF'"
expect_exit 0 "" "$V" profile current
check "profile current: prod after --activate" test "$(cat "$TMP/out")" = prod

# The secret from argv works, warns, and is gone from /proc/PID/cmdline
# while the command still runs (here: waiting on a server that never answers).
blackhole H
"$V" --server "$H_URL" token set --timeout 20s --token-id "$TOKEN_ID" \
	--token-secret "$TOKEN_SECRET" --profile hole >"$TMP/hole.out" 2>"$TMP/hole.err" &
hole=$!
for _ in $(seq 200); do grep -q Verifying "$TMP/hole.out" 2>/dev/null && break; sleep 0.05; done
tr '\0' ' ' </proc/$hole/cmdline >"$TMP/cmdline"
kill "$hole"; wait "$hole" 2>/dev/null
check "token set: argv's secret wiped from /proc/PID/cmdline" \
	bash -c "grep -q -- '--token-secret' '$TMP/cmdline' && ! grep -qF -- '$TOKEN_SECRET' '$TMP/cmdline'"
check "token set: a secret in argv is warned about" grep -q "readable by every user" "$TMP/hole.err"

# Bad inputs: one line, the right exit, the file unchanged.
cp "$CONF" "$TMP/before"
unchanged() { check "$1: file unchanged" cmp -s "$CONF" "$TMP/before"; }
expect_exit 64 "--token-id is required" "$V" token set --token-secret -
expect_exit 64 "--token-id: expected \"ak-\"" "$V" token set --token-id xx-1 --token-secret -
echo "not-a-secret" >"$TMP/bad-secret"
expect_exit 64 "--token-secret: expected \"as-\"" \
	bash -c "'$V' token set --token-id '$TOKEN_ID' --token-secret - --profile p <'$TMP/bad-secret'"
check "a malformed secret is not echoed" bash -c "! grep -q not-a-secret '$TMP/err'"
expect_exit 64 "--token-secret is required" "$V" token set --token-id "$TOKEN_ID"
expect_exit 64 "unknown option '--bogus'" "$V" token set --bogus
expect_exit 64 "option '--json' does not apply here" "$V" token set --json
expect_exit 64 "name the profile with --profile" \
	bash -c "echo '$TOKEN_SECRET' | '$V' --server '$A_URL' token set --token-id '$TOKEN_ID' --token-secret - --no-verify"
expect_exit 64 "--profile 'a b': expected" \
	bash -c "echo '$TOKEN_SECRET' | '$V' --server '$A_URL' token set --token-id '$TOKEN_ID' --token-secret - --profile 'a b'"
expect_exit 77 "unauthorised" \
	bash -c "echo as-wrongwrongwrong | '$V' --server '$A_URL' token set --token-id '$TOKEN_ID' --token-secret - --profile p"
unchanged "wrong secret"
expect_exit 77 "is not the pinned" \
	bash -c "echo '$TOKEN_SECRET' | '$V' --server '$A_URL' token set --vault-key $(printf '%064d' 7) --token-id '$TOKEN_ID' --token-secret - --profile p"
unchanged "another pinned key"
expect_exit 69 "unreachable" \
	bash -c "echo '$TOKEN_SECRET' | '$V' --server '$(dead_url)' token set --token-id '$TOKEN_ID' --token-secret - --profile p"
unchanged "dead server"
chmod 666 "$CONF"
expect_exit 78 "writable by group or others" \
	bash -c "echo '$TOKEN_SECRET' | '$V' token set --token-id '$TOKEN_ID' --token-secret - --profile prod"
chmod 600 "$CONF"
unchanged "untrusted file"
echo 'broken = [' >>"$CONF"
cp "$CONF" "$TMP/before"
expect_exit 78 "~/.modal.toml:" \
	bash -c "echo '$TOKEN_SECRET' | '$V' token set --token-id '$TOKEN_ID' --token-secret - --profile prod"
unchanged "malformed file"
expect_exit 78 "~/.modal.toml:" "$V" profile list
expect_exit 78 "~/.modal.toml:" "$V" profile activate prod
unchanged "profile activate on a malformed file"
cp "$TMP/want" "$CONF"

# --no-verify writes without asking the vault, so without a key.
printf '%s\n' "$TOKEN_SECRET" | "$V" --server "$A_URL" token set --token-id "$TOKEN_ID" \
	--token-secret - --profile unverified --no-verify >"$TMP/out" 2>&1
check "--no-verify: written, no vault asked, no key" \
	bash -c "! grep -q Verifying '$TMP/out' && grep -q '^\[unverified\]' '$CONF' && [ \"\$(grep -c vault_public_key '$CONF')\" = 1 ]"

# Rewrites at once: each holds the file's lock from its read to its rename,
# so none loses another's profile.
pids=()
for i in 1 2 3 4 5 6 7 8; do
	printf '%s\n' "$TOKEN_SECRET" | "$V" token set --token-id "$TOKEN_ID" --token-secret - \
		--profile "many$i" --no-verify >/dev/null 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
check "eight token sets at once: all eight profiles kept" \
	test "$(grep -c '^\[many[1-8]\]$' "$CONF")" = 8

# Without --profile the profile is named after the workspace, as Modal
# does; into an empty file it is the active one.
rm "$CONF"
printf '%s\n' "$OWNER_SECRET" | "$V" --server "$A_URL" token set --token-id "$OWNER_ID" \
	--token-secret - >"$TMP/out" 2>&1
ws=$(store workspace current --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])')
check "token set: profile named after the workspace, active in a new file" \
	bash -c "grep -q '^\[$ws\]' '$CONF' && grep -q '^active = true' '$CONF'"
check "token set: a new file is 0600" test "$(stat -c %a "$CONF")" = 600

# A symlinked file (dotfile managers) is rewritten where the link points.
mkdir -p "$TMP/dotfiles"
mv "$CONF" "$TMP/dotfiles/modal.toml"
ln -s "$TMP/dotfiles/modal.toml" "$CONF"
printf '%s\n' "$TOKEN_SECRET" | "$V" token set --token-id "$TOKEN_ID" --token-secret - \
	--profile linked >"$TMP/out" 2>&1
check "symlinked file: the link kept, its target rewritten" \
	bash -c "[ -L '$CONF' ] && grep -q '^\[linked\]' '$TMP/dotfiles/modal.toml'"
rm "$CONF"; mv "$TMP/dotfiles/modal.toml" "$CONF"

# Against an embedded vault the token is checked in the store itself.
printf '%s\n' "$OWNER_SECRET" | "$V" --server "$STORE" token set --token-id "$OWNER_ID" \
	--token-secret - --profile local >"$TMP/out" 2>&1 && rc=0 || rc=$?
check "token set against an embedded vault: verified and written" \
	bash -c "[ $rc = 0 ] && grep -q 'verified successfully' '$TMP/out' && grep -q '^\[local\]' '$CONF'"
expect_exit 77 "" bash -c "echo as-wrongwrongwrong | '$V' --server '$STORE' token set --token-id '$OWNER_ID' --token-secret - --profile local2"

# profile list: Modal's columns and its JSON rows.
expect_exit 0 "" "$V" profile list --json
check "profile list --json: Modal's rows (name, workspace, active)" python3 - "$TMP/out" "$ws" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
assert isinstance(rows, list), rows
assert all(set(r) == {"name", "workspace", "active"} for r in rows), rows
by = {r["name"]: r for r in rows}
assert by[sys.argv[2]]["active"] is True and by[sys.argv[2]]["workspace"] == sys.argv[2], rows
assert by["linked"]["active"] is False and by["linked"]["workspace"] == sys.argv[2], rows
assert [r["name"] for r in rows] == [sys.argv[2], "linked", "local"], rows
PY
expect_exit 0 "" "$V" profile list
check "profile list: Modal's table header" grep -qE '^ +Profile +Workspace$' "$TMP/out"
check "profile list: the active one marked" grep -qE "^• +$ws " "$TMP/out"

as_token "$V" profile list --json >"$TMP/out" 2>"$TMP/err"
check "profile list: a token in the environment is named, on stderr" \
	grep -qx "modal-vault: using the $ws workspace, from MODAL_TOKEN_ID and MODAL_TOKEN_SECRET, whichever profile applies" "$TMP/err"
check "profile list: --json stays one array" python3 -c 'import json,sys; assert isinstance(json.load(open(sys.argv[1])), list)' "$TMP/out"
MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=as-wrongwrongwrong "$V" profile list >/dev/null 2>"$TMP/err"
check "profile list: a wrong token in the environment says so" grep -q "using the Unknown (authentication failure) workspace" "$TMP/err"

# The same refusals for the readers: an untrusted file is exit 78.
chmod 666 "$CONF"
for verb in "profile list" "profile current" "profile activate local" "config show"; do
	# shellcheck disable=SC2086
	expect_exit 78 "writable by group or others" "$V" $verb
done
chmod 600 "$CONF"

# config show against an embedded vault: its URL, from the flag, no token taken.
expect_exit 0 "" "$V" config show --server "$STORE" --json
check "config show: an embedded vault from --server" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["server_url"] == {"value": sys.argv[2], "source": "flag --server"}, s
' "$TMP/out" "$STORE"

# bash completion offers the file's profiles to profile activate.
if [ -r /usr/share/bash-completion/bash_completion ]; then
	PATH="$(dirname "$V"):$PATH" bash -c '. /usr/share/bash-completion/bash_completion
		. "$1/packaging/completions/modal-vault"
		line="modal-vault profile activate "
		read -ra COMP_WORDS <<<"$line"; COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMP_LINE=$line COMP_POINT=${#line}
		_modal_vault; printf "%s\n" "${COMPREPLY[@]}"' sh "$MODAL_SRC" >"$TMP/complete" 2>/dev/null
	check "completion: profile activate offers the profiles" \
		test "$(sort "$TMP/complete" | tr '\n' ' ')" = "$(printf '%s\n' "$ws" linked local | sort | tr '\n' ' ')"
fi

# profile activate / current, and their bad inputs.
cp "$CONF" "$TMP/before"
expect_exit 78 'profile "nope" not found' "$V" profile activate nope
unchanged "activate an unknown profile"
expect_exit 64 "missing argument" "$V" profile activate
expect_exit 64 "unexpected argument 'b'" "$V" profile activate a b
expect_exit 0 "" "$V" profile activate linked
check "profile activate: says so" grep -qx "Active profile: linked" "$TMP/out"
expect_exit 0 "" "$V" profile current
check "profile current: the activated one" test "$(cat "$TMP/out")" = linked
MODAL_PROFILE=local expect_exit 0 "" "$V" profile current
check "profile current: MODAL_PROFILE ranks first" test "$(cat "$TMP/out")" = local
expect_exit 78 'profile "nope" not found' "$V" profile current --profile nope
expect_exit 78 "no such file" "$V" profile list --config "$TMP/missing.toml"

# config show: each value and where it came from; the secret never shown.
MODAL_ENVIRONMENT=main expect_exit 0 "" "$V" --server "$A_URL" config show --json
check "config show --json: values and sources" python3 - "$TMP/out" "$A_URL" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["server_url"] == {"value": sys.argv[2], "source": "flag --server"}, s
assert s["environment"] == {"value": "main", "source": "environment MODAL_ENVIRONMENT"}, s
assert s["token_secret"]["value"] == "***", s
assert s["token_id"]["source"] == 'profile "linked" in ~/.modal.toml', s
assert s["profile"] == {"value": "linked", "source": "active = true in ~/.modal.toml"}, s
assert s["timeout"] == {"value": "10000ms", "source": "default"}, s
PY
check "config show: no secret" bash -c "! grep -qF -- '$TOKEN_SECRET' '$TMP/out'"
expect_exit 0 "" "$V" config show
check "config show: one line a setting, the secret redacted" grep -qE '^token_secret +\*\*\* +profile' "$TMP/out"
expect_exit 78 'profile "nope" not found' "$V" config show --profile nope

# token info: who the token is, never its secret.
expect_exit 0 "" "$V" token info --json
check "token info --json: id, workspace, member, expiry" python3 - "$TMP/out" "$TOKEN_ID" "$ws" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
assert t["token_id"] == sys.argv[2] and t["name"] == "second" and t["workspace"] == sys.argv[3], t
assert t["member"] == "owner" and t["role"] == "owner" and t["member_id"].startswith("us-"), t
assert t["expires_at"].endswith("Z") and "token_secret" not in t, t
PY
expect_exit 0 "" "$V" token info
check "token info: text" grep -qF "Token:      $TOKEN_ID (second)" "$TMP/out"
check "token info: no secret" bash -c "! grep -qF -- '$TOKEN_SECRET' '$TMP/out'"
expect_exit 64 "is an embedded vault" "$V" --server "$STORE" token info
MODAL_TOKEN_SECRET=as-wrongwrongwrong expect_exit 77 "unauthorised" "$V" token info
expect_exit 64 "unexpected argument 'x'" "$V" token info x

finish
