# lib.sh — helpers for black-box tests of the real binaries. Source it; each
# check prints one line; `finish` prints "N passed, N failed" and sets the exit.
set -u
passed=0
failed=0
TMP=$(mktemp -d /tmp/modal-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# The vault keys modal-run and modal-vault learn (known_vaults) stay in the
# test: servers on reused loopback ports have new keys in every run.
export XDG_STATE_HOME="$TMP/state"
: "${MODAL_RUN:?set MODAL_RUN to the modal-run binary}"
: "${MODAL_VAULT:?set MODAL_VAULT to the modal-vault binary}"
unset MODAL_TOKEN_ID MODAL_TOKEN_SECRET MODAL_ENVIRONMENT MODAL_POLICY MODAL_PROFILE

ok() { passed=$((passed + 1)); echo "ok   $*"; }
not_ok() { failed=$((failed + 1)); echo "FAIL $*"; }

# The lines a server list says as it fails over or retries (vault.h,
# vault_options.notice): they come before the error, which is one line.
NOTICE_RE='; (failing over to .*|retrying in [0-9]+ ms \(round [0-9] of [0-9]\))$'
# errors_of FILE: FILE's lines but those notices.
errors_of() { grep -vE "$NOTICE_RE" "$1" || true; }

# expect_exit CODE STDERR_SUBSTRING CMD...: runs CMD, checks its exit code and
# that stderr contains the substring (empty: anything) on exactly one line.
# The lines a server list says as it fails over or retries come before the
# error and are not counted (vault.h, vault_options.notice).
expect_exit() {
	local want=$1 msg=$2 got lines
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err" </dev/null && got=0 || got=$?
	lines=$(errors_of "$TMP/err" | wc -l)
	if [ "$got" != "$want" ]; then
		not_ok "$* -> exit $got, want $want; stderr: $(head -c 300 "$TMP/err")"
	elif [ -n "$msg" ] && ! grep -qF -- "$msg" "$TMP/err"; then
		not_ok "$* -> stderr lacks '$msg': $(head -c 300 "$TMP/err")"
	elif [ "$want" != 0 ] && [ "$lines" -gt 1 ]; then
		not_ok "$* -> error is $lines lines, want one: $(head -c 300 "$TMP/err")"
	else
		ok "$* -> $want"
	fi
}

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# new_vault DIR: a fresh embedded vault; exports MODAL_SERVER_URL.
new_vault() {
	export MODAL_SERVER_URL="file:$1"
	"$MODAL_VAULT" init >/dev/null
}

# wal_holder_start DB: a reader holding DB open in a read transaction, so
# SQLite neither checkpoints nor deletes the WAL (tests that grep the files
# at rest see it); wal_holder_stop ends it.
wal_holder_start() {
	rm -f "$TMP/wal-ready"
	python3 - "$1" "$TMP/wal-ready" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
db.execute("BEGIN"); db.execute("SELECT count(*) FROM secrets").fetchall()
open(sys.argv[2], "w").close()
time.sleep(20)
PY
	wal_holder=$!
	for _ in $(seq 100); do [ -e "$TMP/wal-ready" ] && break; sleep 0.05; done
}

wal_holder_stop() {
	kill "$wal_holder" 2>/dev/null
	wait "$wal_holder" 2>/dev/null
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
