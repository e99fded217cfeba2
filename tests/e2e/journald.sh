#!/usr/bin/env bash
# Under journald every line modal-run and modal-vault write to stderr starts
# with its syslog priority (<3> error, <4> warning, <6> information), so
# `journalctl -p err` finds launch failures; JOURNAL_STREAM counts only when
# it names stderr's own device and inode, and without it no line has a prefix.
. "$(dirname "$0")/../lib.sh"

# journal_run NAME CMD...: runs CMD with stderr to $TMP/NAME.err and
# JOURNAL_STREAM naming that file, as systemd names its stream socket.
journal_run() {
	local name=$1
	shift
	: >"$TMP/$name.err"
	JOURNAL_STREAM=$(stat -c '%d:%i' "$TMP/$name.err") "$@" >"$TMP/$name.out" 2>>"$TMP/$name.err" </dev/null || true
}

# every_line_starts FILE PREFIX: FILE has lines and each starts with PREFIX.
every_line_starts() {
	[ -s "$1" ] && ! grep -qv "^$2" "$1"
}

new_vault "$TMP/v"
printf 'A=1\n' >"$TMP/a.env"
chmod 0600 "$TMP/a.env"
"$MODAL_VAULT" secret create app --from-dotenv "$TMP/a.env" >/dev/null

# Errors: a launch failure, a usage error of each program.
journal_run missing "$MODAL_RUN" --secret nosuch -- true
check "modal-run: a missing secret is <3>" every_line_starts "$TMP/missing.err" '<3>modal-run: '
journal_run usage "$MODAL_RUN" --no-such-flag -- true
check "modal-run: a usage error is <3>" every_line_starts "$TMP/usage.err" '<3>modal-run: '
journal_run notfound "$MODAL_RUN" --secret app -- /nonexistent/program
check "modal-run: a target not found is <3>" every_line_starts "$TMP/notfound.err" '<3>modal-run: '
journal_run vusage "$MODAL_VAULT" frobnicate
check "modal-vault: an unknown command is <3>" every_line_starts "$TMP/vusage.err" '<3>modal-vault: '
journal_run vmissing "$MODAL_VAULT" secret get nosuch
check "modal-vault: a missing secret is <3>" every_line_starts "$TMP/vmissing.err" '<3>modal-vault: '

# A warning: a profile file others can read, on a launch that succeeds.
printf '[default]\ntoken_id = "ak-x"\ntoken_secret = "as-x"\nserver_url = "%s"\n' \
	"$MODAL_SERVER_URL" >"$TMP/modal.toml"
chmod 0644 "$TMP/modal.toml"
journal_run warn env -u MODAL_SERVER_URL "$MODAL_RUN" --config "$TMP/modal.toml" --secret app -- true
check "modal-run: a warning is <4>" every_line_starts "$TMP/warn.err" '<4>modal-run: warning: '
journal_run vwarn env -u MODAL_SERVER_URL "$MODAL_VAULT" secret list --config "$TMP/modal.toml"
check "modal-vault: a warning is <4>" every_line_starts "$TMP/vwarn.err" '<4>modal-vault: warning: '

# The server: its start, each request and its stop are information.
: >"$TMP/serve.err"
: >"$TMP/serve.out"
JOURNAL_STREAM=$(stat -c '%d:%i' "$TMP/serve.err") \
	"$MODAL_VAULT" serve --store "$MODAL_SERVER_URL" --listen 127.0.0.1:0 \
	>"$TMP/serve.out" 2>>"$TMP/serve.err" &
pid=$!
for _ in $(seq 200); do
	grep -q "listening on" "$TMP/serve.out" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
url=$(sed -n 's/^modal-vault serve: listening on //p' "$TMP/serve.out")
curl -fsS "$url/healthz" >/dev/null
check "modal-vault serve: answered /healthz" test $? -eq 0
curl -sS -o /dev/null "$url/v1/secrets" 2>/dev/null
kill -TERM "$pid"
wait "$pid"
check "modal-vault serve: stopped with 0" test $? -eq 0
check "modal-vault serve: the request line is <6>" grep -q '^<6>.* GET /healthz 200 ' "$TMP/serve.err"
check "modal-vault serve: every line has a priority" every_line_starts "$TMP/serve.err" '<[346]>'
check "modal-vault serve: 'stopped' is <6>" grep -q '^<6>.*modal-vault serve: stopped$' "$TMP/serve.err"

# Not journald: no variable, or one naming another stream (a child whose
# stderr was redirected away from the journal inherits the variable).
"$MODAL_RUN" --secret nosuch -- true 2>"$TMP/plain.err" </dev/null
check "modal-run: no JOURNAL_STREAM, no prefix" every_line_starts "$TMP/plain.err" 'modal-run: '
: >"$TMP/other"
JOURNAL_STREAM=$(stat -c '%d:%i' "$TMP/other") "$MODAL_RUN" --secret nosuch -- true \
	2>"$TMP/redirected.err" </dev/null
check "modal-run: JOURNAL_STREAM of another file, no prefix" every_line_starts "$TMP/redirected.err" 'modal-run: '
JOURNAL_STREAM=garbage "$MODAL_VAULT" frobnicate 2>"$TMP/garbage.err"
check "modal-vault: a malformed JOURNAL_STREAM, no prefix" every_line_starts "$TMP/garbage.err" 'modal-vault: '
# The target's own stderr is the target's: modal-run adds nothing to it.
journal_run child "$MODAL_RUN" --secret app -- sh -c 'echo from-the-target >&2'
check "the target's lines are left as they are" grep -qx 'from-the-target' "$TMP/child.err"
finish
