#!/usr/bin/env bash
# exec_fail.sh — launches that fetch and decrypt their secrets and then do
# not exec (a target that is not executable, 126; not found, 127; a policy
# refusal, 65; --check), stopped at their exit under ptrace (memscan) and
# read as root through /proc/PID/mem over every mapping: no value and no
# token secret is left anywhere in the launcher's memory. The target's path
# is searched too and must be found: the reader does see the memory.
. "$(dirname "$0")/faults_lib.sh"
: "${MEMSCAN:?set MEMSCAN to the memscan helper}"

# Values long and random enough to be found only where they were copied.
v1="v1-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
v2="v2-$(head -c 3000 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9')"
printf 'PASS=%s\nAPI_KEY=%s\n' "$v1" "$v2" >"$TMP/db.env"
store secret create db --from-dotenv "$TMP/db.env" >/dev/null
rm -f "$TMP/db.env"
new_token ci
serve srv
printf '#!/bin/sh\nexit 0\n' >"$TMP/notexec"
chmod 0644 "$TMP/notexec"

# scan WANT_EXIT WHAT CONTROL ARGS...: modal-run ARGS under memscan; it must
# exit WANT_EXIT, CONTROL (a string it holds by design) must be found, and no
# value (nor the token secret) must be.
scan() {
	local want=$1 what=$2 control=$3
	shift 3
	printf '%s\n%s\n%s\n%s\n' "$control" "$v1" "${v2:0:64}" "$TOKEN_SECRET" >"$TMP/needles"
	"$MEMSCAN" "$TMP/needles" "$R" "$@" >"$TMP/scan" 2>"$TMP/scan.err" && rc=0 || rc=$?
	rm -f "$TMP/needles"
	[ "${SHOW_ERR:-}" ] && cat "$TMP/scan.err"
	if [ "$rc" = 2 ]; then
		not_ok "$what: memscan failed: $(cat "$TMP/scan.err")"
		return
	fi
	check "$what: exits $want ($(grep '^exit' "$TMP/scan"); $(grep 'mappings' "$TMP/scan"))" \
		grep -qx "exit $want" "$TMP/scan"
	check "  ... the reader sees its memory (the control string is found)" grep -q '^found 0 ' "$TMP/scan"
	check "  ... no value and no token secret in any mapping$(grep '^found [1-3] ' "$TMP/scan" | head -3 | tr '\n' ';')" \
		sh -c "! grep -q '^found [1-3] ' '$TMP/scan'"
}

export MODAL_SERVER_URL=$STORE
# The reader finds a value where one is by design (in modal-run's own argv).
printf '%s\n%s\n' "$TMP/nothere" "$v1" >"$TMP/needles"
"$MEMSCAN" "$TMP/needles" "$R" -s db -- "$TMP/nothere" "$v1" >"$TMP/scan" 2>&1
rm -f "$TMP/needles"
check "a value given in modal-run's argv is found by the reader (it can fail)" grep -q '^found 1 ' "$TMP/scan"
scan 126 "file: vault, a target that is not executable" "$TMP/notexec" -s db -- "$TMP/notexec"
scan 127 "file: vault, a target that does not exist" "$TMP/nothere" -s db -- "$TMP/nothere"
scan 126 "file: vault, a directory as the target" "$TMP/vault" -s db -- "$TMP/vault"
printf 'version: 1\nunknown_keys: reject\nsecrets:\n  db:\n    keys:\n      PASS:\n' >"$TMP/policy.yaml"
scan 65 "file: vault, a key the policy refuses" "$TMP/policy.yaml" --policy "$TMP/policy.yaml" -s db -- /bin/true
scan 0 "file: vault, --check (fingerprints, no exec)" "$TMP/notexec" --check -s db -- "$TMP/notexec"
export MODAL_SERVER_URL=$srv_URL MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET
scan 126 "server, a target that is not executable" "$TMP/notexec" -s db -- "$TMP/notexec"
scan 127 "server, a target that does not exist" "$TMP/nothere" -s db -- "$TMP/nothere"
scan 0 "server, --check" "$TMP/notexec" --check -s db -- "$TMP/notexec"
# The token alone (no secret fetched: the name is wrong): no token secret left.
scan 65 "server, a secret that does not exist" "$TMP/notexec" -s nope -- "$TMP/notexec"
finish
