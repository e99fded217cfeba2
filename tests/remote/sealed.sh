#!/usr/bin/env bash
# sealed.sh — the token goes to the vault and to nothing else (issue 13,
# docs/protocol.md "The launcher's fetch"). An impostor listening where the
# vault should be (tests/remote/fake_vault.c) records every byte it gets and
# answers with a well-formed box under its own key: modal-run, knowing the
# vault's key (pinned, or learned from an earlier launch), must send it no
# form of the token secret and must run nothing. Then: the known-vaults
# file, what --check says, the vault's refusal of old, altered and doubly
# authenticated requests, and modal-vault against a server whose key changed.
. "$(dirname "$0")/remote_lib.sh"
: "${FAKE_VAULT:?set FAKE_VAULT to the fake_vault helper}"
: "${FETCH_TOOL:?set FETCH_TOOL to the fetch_tool helper}"

unset XDG_STATE_HOME     # the default place, under $HOME
store secret create db PASS=s3cret-value >/dev/null
new_token ci
export MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET
serve srv
KV=$HOME/.local/state/modal-run/known_vaults

# fake NAME [PORT]: the impostor; sets NAME_URL, NAME_KEY and NAME_REC.
fake() {
	local name=$1 out="$TMP/fake-$1.out" i
	: >"$TMP/fake-$name.rec"
	"$FAKE_VAULT" "$TMP/fake-$name.rec" "${2:-0}" >"$out" &
	PIDS+=($!)
	for i in $(seq 200); do [ -f "$out" ] && [ "$(wc -l <"$out")" -ge 2 ] && break; sleep 0.02; done
	printf -v "${name}_URL" 'http://127.0.0.1:%s' "$(sed -n 1p "$out")"
	printf -v "${name}_KEY" '%s' "$(sed -n 2p "$out")"
	printf -v "${name}_REC" '%s' "$TMP/fake-$name.rec"
}

# no_token_in FILE: FILE holds the token secret in no readable form: as it
# is, without its prefix, in hex (either case), in base64 (standard or URL
# alphabet, at each of the three alignments a longer string may put it).
no_token_in() {
	python3 - "$1" "$TOKEN_SECRET" <<'PY'
import base64, sys
data = open(sys.argv[1], "rb").read()
s = sys.argv[2].encode()
forms = [s, s[3:], s.hex().encode(), s.hex().upper().encode()]
for pad in range(3):
    b = base64.b64encode(b"\0" * pad + s)
    core = b[4 if pad else 0:-4]
    forms += [core, core.replace(b"+", b"-").replace(b"/", b"_")]
found = [f for f in forms if f in data]
if found:
    print("token secret found as", found[0][:16], file=sys.stderr)
sys.exit(1 if found else 0)
PY
}

# --- an impostor, the key pinned ------------------------------------------------
fake fa
expect_exit 77 "not the" "$R" --server "$fa_URL" --vault-key "$VAULT_KEY" -s db -- \
	touch "$TMP/ran-pinned"
check "the pinned launch did reach the impostor (its fetch is in the recording)" \
	grep -q "^POST /v1/fetch " "$fa_REC"
check "the impostor got no form of the token secret (pinned key)" no_token_in "$fa_REC"
check "the impostor got no Authorization header (pinned key)" \
	sh -c "! grep -qi '^authorization:' '$fa_REC'"
check "nothing ran (pinned key)" test ! -e "$TMP/ran-pinned"

# --- first use, then an impostor on the vault's own port --------------------------
check "no known-vaults file before the first launch" test ! -e "$KV"
got=$("$R" --server "$srv_URL" -s db -- printenv PASS)
check "the first launch against the real vault works (and learns its key)" \
	test "$got" = s3cret-value
check "the key is recorded under the vault's URL" grep -qxF "$srv_URL $VAULT_KEY" "$KV"
check "the known-vaults file is 0600" test "$(stat -c %a "$KV")" = 600
check "the known-vaults directory is 0700" test "$(stat -c %a "$(dirname "$KV")")" = 700
port=${srv_URL##*:}
kill "$srv_PID"
wait "$srv_PID" 2>/dev/null
fake fb "$port"
check "the impostor took the vault's port" test "$fb_URL" = "$srv_URL"
expect_exit 77 "$KV" "$R" --server "$srv_URL" -s db -- touch "$TMP/ran-learned"
check "the refusal names the recorded key and the impostor's" \
	sh -c "grep -qF '$VAULT_KEY' '$TMP/err' && grep -qF '$fb_KEY' '$TMP/err'"
check "the impostor got no form of the token secret (learned key)" no_token_in "$fb_REC"
check "the impostor got no Authorization header (learned key)" \
	sh -c "! grep -qi '^authorization:' '$fb_REC'"
check "nothing ran (learned key)" test ! -e "$TMP/ran-learned"
check "the recorded key is left as it was" grep -qxF "$srv_URL $VAULT_KEY" "$KV"

# --- modal-vault against a server whose key changed ---------------------------------
expect_exit 77 "$KV" env MODAL_SERVER_URL="$srv_URL" "$V" secret list
check "modal-vault sent the impostor no form of the token secret" no_token_in "$fb_REC"

# --- what --check says -------------------------------------------------------------
serve srv2
"$R" --server "$srv2_URL" --check -s db -- true >"$TMP/check1"
"$R" --server "$srv2_URL" --check -s db -- true >"$TMP/check2"
"$R" --server "$srv2_URL" --vault-key "$VAULT_KEY" --check -s db -- true >"$TMP/check3"
check "--check says first use, and where the key went" \
	grep -qxF "vault key $VAULT_KEY: first use, recorded in $KV" "$TMP/check1"
check "--check then says learned" grep -qxF "vault key $VAULT_KEY: learned ($KV)" "$TMP/check2"
check "--check with --vault-key says pinned" grep -qxF "vault key $VAULT_KEY: pinned" "$TMP/check3"
"$R" --server "$STORE" --check -s db -- true >"$TMP/check-local"
check "--check of the embedded vault has no vault-key line" \
	sh -c "! grep -q '^vault key' '$TMP/check-local'"
"$R" --server "$srv2_URL" --check --json -s db -- true >"$TMP/check-learned.json"
"$R" --server "$srv2_URL" --vault-key "$VAULT_KEY" --check --json -s db -- true >"$TMP/check-pinned.json"
"$R" --server "$STORE" --check --json -s db -- true >"$TMP/check-local.json"
check "--check --json names the key and says learned, pinned, or (embedded) nothing" \
	python3 - "$TMP/check-learned.json" "$TMP/check-pinned.json" "$TMP/check-local.json" "$VAULT_KEY" <<'PY'
import json, sys
learned, pinned, local = (json.load(open(p)) for p in sys.argv[1:4])
key = sys.argv[4]
assert learned["vault_key"] == key and learned["vault_key_trust"] == "learned", learned
assert pinned["vault_key"] == key and pinned["vault_key_trust"] == "pinned", pinned
assert "vault_key" not in local and "vault_key_trust" not in local, local
PY
: >"$TMP/not-a-dir"
XDG_STATE_HOME=$TMP/not-a-dir expect_exit 78 "$TMP/not-a-dir/modal-run" \
	"$R" --server "$srv2_URL" -s db -- touch "$TMP/ran-nd"
check "a state directory that cannot be a directory: refused, nothing ran" test ! -e "$TMP/ran-nd"
# A state directory on a read-only mount (its own mount namespace): the
# launch has its secrets, so it goes on; --check and one warning say so.
mkdir -p "$TMP/ro/modal-run"
chmod 700 "$TMP/ro/modal-run"
unshare -m sh -c "mount --bind '$TMP/ro' '$TMP/ro' && mount -o remount,bind,ro '$TMP/ro' &&
	XDG_STATE_HOME='$TMP/ro' '$R' --server '$srv2_URL' --check -s db -- true" \
	>"$TMP/check4" 2>"$TMP/check4.err"
check "a known-vaults file that cannot be written: --check says first use, not recorded" \
	grep -qxF "vault key $VAULT_KEY: first use, not recorded in $TMP/ro/modal-run/known_vaults (the warning says why)" "$TMP/check4"
check "and one warning line names the vault and the fault" \
	sh -c "test \$(wc -l <'$TMP/check4.err') = 1 && grep -q 'warning: vault $srv2_URL: its key was not recorded: .*Read-only' '$TMP/check4.err'"
XDG_STATE_HOME=$TMP/xdg "$R" --server "$srv2_URL" -s db -- true
check "XDG_STATE_HOME moves the file" \
	grep -qxF "$srv2_URL $VAULT_KEY" "$TMP/xdg/modal-run/known_vaults"

# --- the known-vaults file refused, nothing sent ---------------------------------------
# kv_case WHAT SETUP...: with the file as SETUP leaves it, a launch is refused
# with 78 naming the file, runs nothing and the impostor gets no request.
kvdir=$TMP/kv/modal-run
kv_case() {
	local what=$1
	shift
	rm -rf "$TMP/kv" "$TMP/ran-kv"
	mkdir -p "$kvdir"
	chmod 700 "$kvdir"
	printf '%s %s\n' "$srv2_URL" "$VAULT_KEY" >"$kvdir/known_vaults"
	chmod 600 "$kvdir/known_vaults"
	"$@"
	XDG_STATE_HOME=$TMP/kv expect_exit 78 "$kvdir" "$R" --server "$srv2_URL" -s db -- \
		touch "$TMP/ran-kv"
	check "$what: refused, nothing ran" test ! -e "$TMP/ran-kv"
}
kv_case "a malformed line" sh -c "echo 'junk' >>'$kvdir/known_vaults'"
check "the refusal names the line" grep -qF "known_vaults:2:" "$TMP/err"
kv_case "a key of 63 digits" sh -c "echo '$srv2_URL ${VAULT_KEY:1}' >'$kvdir/known_vaults'"
kv_case "a file others can read" chmod 644 "$kvdir/known_vaults"
kv_case "a directory others can enter" chmod 755 "$kvdir"
kv_case "a symlinked file" sh -c "mv '$kvdir/known_vaults' '$TMP/kv/real' && ln -s '$TMP/kv/real' '$kvdir/known_vaults'"
kv_case "a FIFO" sh -c "rm '$kvdir/known_vaults' && mkfifo -m 600 '$kvdir/known_vaults'"
rm -rf "$TMP/kv"
mkdir -p "$kvdir"
chmod 700 "$kvdir"
printf '# vaults\n\n%s %s\n' "http://elsewhere:1" "$fb_KEY" >"$kvdir/known_vaults"
chmod 600 "$kvdir/known_vaults"
XDG_STATE_HOME=$TMP/kv "$R" --server "$srv2_URL" -s db -- true
check "comments, blank lines and other vaults' lines are kept, the new one added" \
	test "$(cat "$kvdir/known_vaults")" = "# vaults

http://elsewhere:1 $fb_KEY
$srv2_URL $VAULT_KEY"
list="$srv2_URL,$srv_URL"
printf '%s %s\n' "$srv2_URL" "$VAULT_KEY" "$srv_URL" "$fb_KEY" >"$kvdir/known_vaults"
XDG_STATE_HOME=$TMP/kv expect_exit 78 "different keys" "$R" --server "$list" -s db -- true

# --- the vault's side: old, altered, doubly authenticated requests -----------------
post() { curl -s -o "$TMP/answer.json" -w '%{http_code}' -H 'Content-Type: application/json' \
	"$@" --data-binary @"$TMP/body.json" "$srv2_URL/v1/fetch"; }
"$FETCH_TOOL" sealed "$TMP/launch" "$VAULT_KEY" 0 - db >"$TMP/body.json"
check "a sealed fetch made now is answered" test "$(post)" = 200
check "and opens for the launch that made it" \
	sh -c "'$FETCH_TOOL' open '$TMP/launch' '$VAULT_KEY' <'$TMP/answer.json' | grep -qx 'db v1 PASS=s3cret-value'"
check "the same request replayed inside the window is answered, sealed to the launch's key" \
	test "$(post)" = 200
"$FETCH_TOOL" request "$TMP/other" - db >/dev/null
check "which no other launch opens" \
	sh -c "! '$FETCH_TOOL' open '$TMP/other' '$VAULT_KEY' <'$TMP/answer.json' 2>/dev/null"
"$FETCH_TOOL" sealed "$TMP/old" "$VAULT_KEY" 300 - db >"$TMP/body.json"
check "a sealed fetch made 300 s ago is refused 401" test "$(post)" = 401
check "naming the window" grep -q "window" "$TMP/answer.json"
curl -s -H "Authorization: Bearer $TOKEN_ID:$TOKEN_SECRET" \
	"$srv2_URL/v1/audit?action=secret.fetch" >"$TMP/audit.json"
check "the refused old request's audit record names the token it held" python3 -c "
import json, sys
rows = json.load(open('$TMP/audit.json'))['data']
sys.exit(0 if any(r['status'] == 401 and r['token_id'] == '$TOKEN_ID' for r in rows) else 1)"
"$FETCH_TOOL" sealed "$TMP/ahead" "$VAULT_KEY" -300 - db >"$TMP/body.json"
check "one dated 300 s ahead is refused 401" test "$(post)" = 401
"$FETCH_TOOL" sealed "$TMP/alt" "$VAULT_KEY" 0 - db >"$TMP/body.json"
sed -i 's/"secrets":\["db"\]/"secrets":["dbx"]/' \
	"$TMP/body.json"
check "a recorded request asking for other secrets is refused 401" test "$(post)" = 401
"$FETCH_TOOL" sealed "$TMP/both" "$VAULT_KEY" 0 - db >"$TMP/body.json"
check "a sealed token beside a Bearer header is refused 400" \
	test "$(post -H "Authorization: Bearer $TOKEN_ID:$TOKEN_SECRET")" = 400
"$FETCH_TOOL" sealed "$TMP/wrong" "$fb_KEY" 0 - db >"$TMP/body.json"
check "a token sealed to another vault's key is refused 401" test "$(post)" = 401
check "naming this vault's key" grep -qF "$VAULT_KEY" "$TMP/answer.json"
finish
