#!/usr/bin/env bash
# bad_input.sh — the bad-input table (bad_input.tsv): every row is an input
# (a CLI flag, an API request, a file the programs read), the exit status or
# HTTP status it must get, and the exact one-line error (a substring of the
# one stderr line, or of the JSON error's "code: message"). After each row the
# store's rows (audit records aside: refusals are recorded) and every file the
# programs read must be unchanged, and no row may run its command.
# MODAL_BAD_INPUT_RECORD=1 prints what each row got instead of checking.
# Usage: bad_input.sh [run|vault|http]: only the rows of modal-run, of
# modal-vault or of the API (ctest runs the three side by side); all by default.
. "$(dirname "$0")/faults_lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
F="$TMP/f"
mkdir -m 700 "$F"
RAN="$TMP/ran"
DB="$TMP/vault/vault.db"

# --- the store, a server on it, tokens ---------------------------------------------------
store environment create prod >/dev/null
store secret create pdb -e prod K=v-bad-input-prod >/dev/null
store secret create db PASS=v-bad-input-db USER=app >/dev/null
store secret create api API_KEY=v-bad-input-api >/dev/null
new_token ci
OWNER="Authorization: Bearer $TOKEN_ID:$TOKEN_SECRET"
serve srv
S=$srv_URL
member=$(store workspace members list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])' 2>/dev/null || echo none)
ptoken=$(store workspace proxy-tokens create --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token_id"])')

# --- the files ---------------------------------------------------------------------------
w() { printf "$2" >"$F/$1"; }
# policies
w p-empty.yaml ''
w p-noversion.yaml 'secrets:\n  db:\n    keys:\n      PASS:\n'
w p-version2.yaml 'version: 2\n'
w p-unknown.yaml 'version: 1\ncolour: blue\n'
w p-tab.yaml 'version: 1\nsecrets:\n\tdb: {}\n'
w p-unclosed.yaml 'version: 1\ndeny: [A, B\n'
w p-pattern.yaml 'version: 1\nsecrets:\n  db:\n    keys:\n      PASS: {pattern: "[a-"}\n'
w p-states.yaml 'version: 1\nsecrets:\n  db:\n    keys:\n      PASS: {pattern: "(a|b|c|d){3000}"}\n'
w p-dup.yaml 'version: 1\nversion: 1\n'
w p-keyname.yaml 'version: 1\nsecrets:\n  db:\n    keys:\n      1PASS:\n'
w p-maxneg.yaml 'version: 1\nsecrets:\n  db:\n    keys:\n      PASS: {max_length: -1}\n'
w p-maxstr.yaml 'version: 1\nsecrets:\n  db:\n    keys:\n      PASS: {max_length: abc}\n'
w p-envs.yaml 'version: 1\nenvironments: prod\n'
w p-unknownkeys.yaml 'version: 1\nunknown_keys: maybe\n'
w p-conflict.yaml 'version: 1\non_conflict: sometimes\n'
w p-deny.yaml 'version: 1\ndeny: LD_PRELOAD\n'
w p-alias.yaml 'version: 1\na: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n'
w p-twodocs.yaml 'version: 1\n---\nversion: 1\n'
w p-required.yaml 'version: 1\nsecrets:\n  db:\n    keys:\n      MISSING: {required: true}\n      PASS:\n      USER:\n'
w p-reject.yaml 'version: 1\nunknown_keys: reject\nsecrets:\n  db:\n    keys:\n      PASS:\n'
w p-short.yaml 'version: 1\nsecrets:\n  db:\n    keys:\n      PASS: {max_length: 3}\n      USER:\n'
w p-nomatch.yaml 'version: 1\nsecrets:\n  db:\n    keys:\n      PASS: {pattern: "[0-9]+"}\n      USER:\n'
w p-envonly.yaml 'version: 1\nenvironments: [prod]\n'
w p-allowdenied.yaml 'version: 1\nallow_denied: ["LD_*"]\n'
# noise SEED FILE: 300 bytes of fixed noise (the same errors every run).
noise() { python3 -c 'import random,sys; r=random.Random(int(sys.argv[1])); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(300)))' "$1" >"$2"; }
noise 1 "$F/p-binary.yaml"
printf 'version: 1\n\0deny: []\n' >"$F/p-nul.yaml"
w p-open.yaml 'version: 1\n'
chmod 0666 "$F/p-open.yaml"
mkfifo "$F/p-fifo.yaml"
mkdir "$F/p-dir.yaml"
# profiles (~/.modal.toml)
w c-unclosed.toml '[default\ntoken_id = "ak-x"\n'
w c-twoactive.toml '[a]\nactive = true\ntoken_id = "ak-a"\ntoken_secret = "as-a"\n[b]\nactive = true\ntoken_id = "ak-b"\ntoken_secret = "as-b"\n'
w c-dup.toml '[default]\ntoken_id = "ak-a"\n[default]\ntoken_id = "ak-b"\n'
w c-badid.toml '[default]\ntoken_id = "xx-1"\ntoken_secret = "as-1"\n'
w c-badurl.toml '[default]\nserver_url = "ftp://vault"\n'
w c-notstring.toml '[default]\ntoken_id = 12\n'
w c-ok.toml '[default]\ntoken_id = "ak-x"\ntoken_secret = "as-y"\n'
noise 2 "$F/c-binary.toml"
w c-open.toml '[default]\ntoken_id = "ak-x"\n'
chmod 0600 "$F"/c-*.toml
chmod 0666 "$F/c-open.toml"
mkfifo "$F/c-fifo.toml"
# systemd credentials
for c in garbage empty nocolon wrongkind; do mkdir -m 700 "$F/cred-$c"; done
w cred-garbage/modal-token 'hello world\n'
w cred-empty/modal-token ''
w cred-nocolon/modal-token 'ak-abc\n'
w cred-wrongkind/modal-token 'wk-abc:ws-def\n'
# master keys: copies of the vault, each with its master.key damaged
for k in short long empty keyring other open fifo missing; do
	cp -a "$TMP/vault" "$F/vk-$k"
	rm "$F/vk-$k/master.key"
done
printf '%031d' 7 >"$F/vk-short/master.key"
printf '%033d' 7 >"$F/vk-long/master.key"
: >"$F/vk-empty/master.key"
printf 'modal-vault keyring 1\nkey x 00\n' >"$F/vk-keyring/master.key"
head -c 32 /dev/urandom >"$F/vk-other/master.key"
head -c 32 /dev/urandom >"$F/vk-open/master.key"
chmod 0600 "$F"/vk-*/master.key
chmod 0644 "$F/vk-open/master.key"
mkfifo -m 0600 "$F/vk-fifo/master.key"
# dotenv
w d-noequals.env 'NOEQUALS\n'
w d-badkey.env '1A=x\n'
w d-quote.env 'A="unterminated\n'
w d-space.env 'A B=x\n'
w d-dup.env 'A=1\nA=2\n'
w d-empty.env '# nothing\n'
w d-export.env 'export\n'
printf 'A=x\0y\n' >"$F/d-nul.env"
python3 -c 'print("A=" + "x" * 40000)' >"$F/d-long.env"
noise 3 "$F/d-binary.env"
mkfifo "$F/d-fifo.env"
# JSON
w j-array.json '["A"]\n'
w j-number.json '{"A": 1}\n'
w j-cut.json '{"A": "x"\n'
w j-dup.json '{"A": "1", "A": "2"}\n'
w j-nested.json '{"A": {"B": "x"}}\n'
w j-badkey.json '{"1A": "x"}\n'
w j-empty.json '{}\n'
w j-nul.json '{"A": "x\\u0000y"}\n'
w j-trailing.json '{"A": "x"} {}\n'
w j-null.json '{"A": null}\n'
python3 -c 'import json; print(json.dumps({"A": "x" * 40000}))' >"$F/j-long.json"
mkfifo "$F/j-fifo.json"
# a cache directory that is a file, one open to others
w cache-file ''
mkdir -m 0755 "$F/cache-open"
DEAD=$(dead_url)

# --- what must not change ------------------------------------------------------------------
# One query for every table but the audit log (refusals are recorded), the
# tokens without their last-used time.
dump_sql=$(sqlite3 "file:$DB?mode=ro" "SELECT name FROM sqlite_master WHERE type='table' AND name NOT IN ('audit','sqlite_sequence') ORDER BY 1" |
	while read -r t; do
		if [ "$t" = tokens ]; then
			echo "SELECT 'tokens', id, kind, member_id, name, hex(hash), expires_at, revoked_at FROM tokens ORDER BY 2;"
		else
			echo "SELECT '$t', * FROM \"$t\" ORDER BY 2;"
		fi
	done)
state() {
	sqlite3 "file:$DB?mode=ro" "$dump_sql"
	# SQLite keeps a -wal and -shm beside each vault.db it opened: not the data.
	find "$F" "$TMP/vault" \( -path "$DB*" -o -name 'vault.db-*' \) -prune -o -type f -print0 |
		sort -z | xargs -0 sha256sum
	find "$F" -name 'vault.db-*' -prune -o -printf '%p %m %y\n' | sort
}

# http METHOD PATH [BODY [CURL ARGS...]]: one request to the server (the
# owner's token unless the curl args give headers of their own with -H);
# prints "STATUS code: message" on stderr, exits 0.
http() {
	local m=$1 p=$2 b=${3-} st
	shift 2
	[ $# -gt 0 ] && shift
	local auth=(-H "$OWNER") ctype=(-H 'Content-Type: application/json')
	[ "${1:-}" = --noauth ] && { auth=(); shift; }
	[[ "$*" == *Content-Type* ]] && ctype=()
	if [ -n "$b" ]; then
		st=$(curl -s -o "$TMP/hbody" -w '%{http_code}' -X "$m" "${auth[@]}" "${ctype[@]}" \
			--data-binary "$b" "$@" "$S$p")
	else
		st=$(curl -s -o "$TMP/hbody" -w '%{http_code}' -X "$m" "${auth[@]}" "$@" "$S$p")
	fi
	# The JSON error's code and message, JSON escapes left as they are (\\u0000).
	local body re='"code":"([^"]*)","message":"(([^"\\]|\\.)*)"'
	body=$(tr -d '\0' <"$TMP/hbody" | head -c 400)
	if [[ $body =~ $re ]]; then
		echo "$st ${BASH_REMATCH[1]}: ${BASH_REMATCH[2]}" >&2
	else
		echo "$st ${body:0:200}" >&2
	fi
}

# The programs each row runs: modal-run and modal-vault on the embedded store
# (L, LV) and through the server with the owner's token (RS, VS).
L() { "$R" --server "$STORE" "$@"; }
LV() { "$V" --server "$STORE" "$@"; }
RS() { MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET "$R" --server "$S" "$@"; }
VS() { MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET "$V" --server "$S" "$@"; }

# --- the table -----------------------------------------------------------------------------
record=${MODAL_BAD_INPUT_RECORD:-}
part=${1:-all}
rows=0
all_rows=$(grep -c $'^[^#].*\t.*\t' "$HERE/bad_input.tsv")
state >"$TMP/state.before"
while IFS= read -r row; do
	case $row in ''|\#*) continue ;; esac
	# Split by hand: read's IFS would merge the two tabs around an empty error.
	want=${row%%$'\t'*}
	row=${row#*$'\t'}
	msg=${row%%$'\t'*}
	cmd=${row#*$'\t'}
	case $cmd in
	http\ *) row_part=http ;;
	LV*|VS*|'$V '*|*'"$V"'*) row_part=vault ;;
	*) row_part=run ;;
	esac
	[ "$part" = all ] || [ "$part" = "$row_part" ] || continue
	rows=$((rows + 1))
	rm -f "$RAN"
	eval "set -- $cmd"
	"$@" >"$TMP/out" 2>"$TMP/err" </dev/null && got=0 || got=$?
	line=$(errors_of "$TMP/err" | head -n 1)
	# The table's errors name this run's paths and server as $F, $TMP, $S.
	msg=${msg//'$F'/$F}
	msg=${msg//'$TMP'/$TMP}
	msg=${msg//'$S'/$S}
	msg=${msg//'$DEAD'/$DEAD}
	nlines=$(errors_of "$TMP/err" | wc -l)
	if [ "${1}" = http ]; then got="http ${line%% *}"; line=${line#* }; fi
	if [ -n "$record" ]; then
		printf '%s\t%s\t%s\n' "$got" "$line" "$cmd"
		state >"$TMP/state.after"
		cmp -s "$TMP/state.before" "$TMP/state.after" || { echo "CHANGED by $cmd"; diff "$TMP/state.before" "$TMP/state.after" | head -5; cp "$TMP/state.after" "$TMP/state.before"; }
		continue
	fi
	if [ "$got" != "$want" ]; then
		not_ok "$cmd -> $got, want $want: $line"
	elif [[ $line != *"$msg"* ]]; then
		not_ok "$cmd -> the error lacks '$msg': $line"
	elif [ "$nlines" -gt 1 ]; then
		not_ok "$cmd -> $nlines lines of error, want one: $(head -c 300 "$TMP/err")"
	elif [ -e "$RAN" ]; then
		not_ok "$cmd -> the command ran"
	elif state >"$TMP/state.after"; ! cmp -s "$TMP/state.before" "$TMP/state.after"; then
		not_ok "$cmd -> changed the store or a file: $(diff "$TMP/state.before" "$TMP/state.after" | head -3 | tr '\n' ' ')"
		cp "$TMP/state.after" "$TMP/state.before"
	else
		ok "$want  $cmd"
	fi
done <"$HERE/bad_input.tsv"
[ -n "$record" ] && exit 0
check "the table has at least 200 rows ($all_rows; $rows of them $part)" test "$all_rows" -ge 200 -a "$rows" -gt 0
check "the server is still up after them" sh -c "curl -sf '$S/healthz' >/dev/null"
finish
