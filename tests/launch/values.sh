#!/usr/bin/env bash
# What the child's environment holds: every value byte for byte (stored from
# JSON, stdin and dotenv), never the token, conflicts decided as asked,
# inherited variables kept or overridden as asked, --clean-env exactly, and
# a clear error instead of E2BIG when the environment is too big.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launch_lib.sh"
new_vault "$TMP/v"

# --- values byte for byte -------------------------------------------------
mkdir "$TMP/want" "$TMP/got"
python3 - "$TMP" <<'PY'
import json, os, sys
tmp = sys.argv[1]
values = {
    "NEWLINE": "line one\nline two",
    "EQUALS": "a=b==c=",
    "QUOTES": "it's \"quoted\" ''\"\"",
    "DOLLAR": "$HOME ${PATH} $(id) `id` $$",
    "BACKSLASH": "back\\slash \\n \\\\ \\",
    "UNICODE": "h\u00e9llo \u2603 \U0001f389 \u65e5\u672c",
    "EMPTY": "",
    "BIG": ("0123456789abcdef" * 2048),
    "SPACES": "  leading and trailing  \n",
    "CONTROL": "tab\there\rcr\x01\x7f",
}
assert len(values["BIG"].encode()) == 32768
with open(os.path.join(tmp, "values.json"), "w") as f:
    json.dump(values, f)
for k, v in values.items():
    with open(os.path.join(tmp, "want", k), "wb") as f:
        f.write(v.encode())
PY
chmod 0600 "$TMP/values.json"
mk bytes --from-json "$TMP/values.json"
KEYS="NEWLINE EQUALS QUOTES DOLLAR BACKSLASH UNICODE EMPTY BIG SPACES CONTROL"
# The child writes each value with printf %s: no field splitting, no newline.
dump='cd "$1"; shift; for k; do eval "printf %s \"\$$k\"" >"$k"; done'
check "launch with the byte-test secret" "$R" -s bytes -- sh -c "$dump" sh "$TMP/got" $KEYS
for k in $KEYS; do
	same "$TMP/want/$k" "$TMP/got/$k" "value $k reaches the child byte for byte"
done
# The same, as the raw environment block the kernel gave the child.
"$R" -s bytes -- python3 -c '
import os, sys
out = sys.argv[1]
for k in sys.argv[2:]:
    open(os.path.join(out, k + ".py"), "wb").write(os.environb[k.encode()])
' "$TMP/got" $KEYS
for k in $KEYS; do
	same "$TMP/want/$k" "$TMP/got/$k.py" "value $k in os.environb byte for byte"
done
is "$(wc -c <"$TMP/got/BIG")" 32768 "the 32 KiB value is 32768 bytes in the child"

# KEY=- from stdin: one trailing newline is the end of the line, not the value.
printf 'first\nsecond\n\n' | "$V" secret create fromstdin IN=- >/dev/null
"$R" -s fromstdin -- sh -c 'printf %s "$IN" >"$1"' sh "$TMP/got/IN"
printf 'first\nsecond\n' >"$TMP/want/IN"
same "$TMP/want/IN" "$TMP/got/IN" "KEY=- from stdin: exact bytes, one trailing newline dropped"

cat >"$TMP/dot.env" <<'DOT'
# a comment
export PLAIN=plain value
SQ='single $HOME \n'
DQ="double \"q\" \\ \n end"
ML="multi
line"
DOT
chmod 0600 "$TMP/dot.env"
mk dotenv --from-dotenv "$TMP/dot.env"
"$R" -s dotenv -- sh -c "$dump" sh "$TMP/got" PLAIN SQ DQ ML
printf %s 'plain value' >"$TMP/want/PLAIN"
printf %s 'single $HOME \n' >"$TMP/want/SQ"
printf 'double "q" \\ \n end' >"$TMP/want/DQ"
printf 'multi\nline' >"$TMP/want/ML"
for k in PLAIN SQ DQ ML; do
	same "$TMP/want/$k" "$TMP/got/$k" "--from-dotenv value $k reaches the child"
done

# --- the token never reaches the child ------------------------------------
mk plain A=1
tokens=(MODAL_TOKEN_ID=ak-needle-id MODAL_TOKEN_SECRET=as-needle-secret)
environ_of() { tr '\0' '\n' <"$1"; }
env "${tokens[@]}" "$R" -s plain -- cat /proc/self/environ >"$TMP/environ"
check "the child has the secret's key" grep -qx 'A=1' <(environ_of "$TMP/environ")
check "the child never sees MODAL_TOKEN_SECRET or MODAL_TOKEN_ID" \
	eval "! grep -q 'MODAL_TOKEN\|needle' <(environ_of \"$TMP/environ\")"
for flags in "--preserve-env=true" "--preserve-env=MODAL_TOKEN_SECRET,MODAL_TOKEN_ID" \
	"--clean-env --keep MODAL_TOKEN_SECRET --keep MODAL_TOKEN_ID"; do
	# shellcheck disable=SC2086
	env "${tokens[@]}" "$R" $flags -s plain -- cat /proc/self/environ >"$TMP/environ"
	check "with $flags the child still never sees the token" \
		eval "! grep -q 'MODAL_TOKEN\|needle' <(environ_of \"$TMP/environ\")"
done

# --- conflicts between secrets --------------------------------------------
printf '{"SHARED": "needle-one", "ONLY1": "x"}' >"$TMP/c1.json"
printf '{"SHARED": "needle-two", "ONLY2": "y"}' >"$TMP/c2.json"
mk c1 --from-json "$TMP/c1.json"
mk c2 --from-json "$TMP/c2.json"
NEEDLES=(needle-one needle-two)
fails 65 "key 'SHARED' is defined by secrets 'c1' and 'c2'" \
	"$R" -s c1 -s c2 -- touch "$TMP/ran"
fails 65 "key 'SHARED' is defined by secrets 'c1' and 'c2'" \
	"$R" --on-conflict=error -s c1 -s c2 -- touch "$TMP/ran"
is "$("$R" --on-conflict=first-wins -s c1 -s c2 -- printenv SHARED)" needle-one \
	"--on-conflict=first-wins: the first secret's value"
is "$("$R" --on-conflict=last-wins -s c1 -s c2 -- printenv SHARED)" needle-two \
	"--on-conflict=last-wins: the last secret's value"
is "$("$R" --on-conflict=last-wins -s c2 -s c1 -- printenv SHARED)" needle-one \
	"--on-conflict=last-wins follows the order of --secret"
is "$("$R" --on-conflict=first-wins -s c1 -s c2 -- sh -c 'echo $ONLY1$ONLY2')" xy \
	"the keys that do not conflict all arrive"

# --- inherited variables --------------------------------------------------
is "$(SHARED=inherited "$R" -s c1 -- printenv SHARED)" needle-one \
	"a secret's key overrides an inherited variable"
is "$(SHARED=inherited "$R" --preserve-env=SHARED -s c1 -- printenv SHARED)" inherited \
	"--preserve-env=K keeps the inherited K"
is "$(SHARED=inherited "$R" --preserve-env=OTHER,SHARED -s c1 -- printenv SHARED)" inherited \
	"--preserve-env=K1,K2 keeps each listed"
is "$(SHARED=inherited ONLY1=inh1 "$R" --preserve-env=SHARED -s c1 -- printenv ONLY1)" x \
	"--preserve-env=K leaves the other keys to the secret"
is "$(SHARED=inherited ONLY1=inh1 "$R" --preserve-env -s c1 -- sh -c 'echo $SHARED $ONLY1')" \
	"inherited inh1" "--preserve-env alone keeps every inherited variable"
is "$(SHARED=inherited ONLY1=inh1 "$R" --preserve-env=true -s c1 -- sh -c 'echo $SHARED $ONLY1')" \
	"inherited inh1" "--preserve-env=true keeps every inherited variable"
is "$(SHARED=inherited "$R" --preserve-env=SHARED --preserve-env=OTHER -s c1 -- printenv SHARED)" \
	inherited "--preserve-env given twice keeps the names of both"
is "$(SHARED=inherited "$R" --preserve-env=OTHER --preserve-env=SHARED -s c1 -- printenv SHARED)" \
	inherited "--preserve-env given twice keeps the names of both (other order)"
is "$(KEEPME=1 "$R" -s plain -- printenv KEEPME)" 1 "other inherited variables pass through"

env -i HOME=/home/x KEEPME=k DROPME=d PATH="$PATH" MODAL_SERVER_URL="$MODAL_SERVER_URL" \
	"${tokens[@]}" "$R" --clean-env --keep HOME --keep KEEPME -s c1 -- cat /proc/self/environ \
	| tr '\0' '\n' | sort >"$TMP/clean"
printf '%s\n' HOME=/home/x KEEPME=k ONLY1=x SHARED=needle-one | sort >"$TMP/clean.want"
same "$TMP/clean.want" "$TMP/clean" "--clean-env: exactly the --keep variables and the secret's keys"
env -i PATH="$PATH" MODAL_SERVER_URL="$MODAL_SERVER_URL" "$R" --clean-env -s plain -- \
	cat /proc/self/environ | tr '\0' '\n' >"$TMP/clean"
printf 'A=1\n' >"$TMP/clean.want"
same "$TMP/clean.want" "$TMP/clean" "--clean-env without --keep: only the secret's keys (no PATH)"

# Secrets the built-in denylist refuses, inherited or not.
printf '{"PATH": "/tmp/needle-bin"}' >"$TMP/path.json"
mk pathy --from-json "$TMP/path.json"
NEEDLES=(needle-bin)
fails 65 "PATH" "$R" -s pathy -- touch "$TMP/ran"

# --- the kernel's limit on the environment --------------------------------
python3 -c '
import json, sys
json.dump({"K%03d" % i: "needle-size" + "z" * (32768 - 11) for i in range(100)},
          open(sys.argv[1], "w"))' "$TMP/big.json"
chmod 0600 "$TMP/big.json"
mk big --from-json "$TMP/big.json"
NEEDLES=(needle-size zzzzzzzzzzzzzzzz)
fails 65 "more than the kernel's limit" "$R" -s big -- touch "$TMP/ran"
check "the size error names a variable" grep -q "largest: K[0-9][0-9][0-9]" "$TMP/err"
check "the size error is not the kernel's E2BIG" eval "! grep -q 'Argument list too long' \"$TMP/err\""
# Inherited variables count too: fill the environment to 16 KiB under the
# limit (modal-run itself still starts), then one 32 KiB key goes over.
head -c 32768 /dev/zero | tr '\0' y | sed 's/^/{"K000": "/; s/$/"}/' >"$TMP/one.json"
chmod 0600 "$TMP/one.json"
mk onebig --from-json "$TMP/one.json"
with_filler() {
	local limit have per i rc=0
	limit=$(getconf ARG_MAX)
	have=$(env | wc -c)
	per=$(((limit - have - 16384 - 20 * 16) / 20))
	for i in $(seq 20); do
		export "FILL$i=$(head -c "$per" /dev/zero | tr '\0' f)"
	done
	"$@" || rc=$?
	for i in $(seq 20); do unset "FILL$i"; done
	return $rc
}
NEEDLES=(ffffffffffffffff yyyyyyyyyyyyyyyy)
with_filler fails 65 "more than the kernel's limit" "$R" -s onebig -- touch "$TMP/ran"
is "$(with_filler "$R" -s plain -- printenv A)" 1 "the filled environment alone still launches"
# The limit follows the stack limit as the kernel's does (a quarter of it):
# 320 KiB of values launch under the default 8 MiB stack, not under 1 MiB.
python3 -c '
import json, sys
json.dump({"M%02d" % i: "m" * 32000 for i in range(10)}, open(sys.argv[1], "w"))' "$TMP/mid.json"
chmod 0600 "$TMP/mid.json"
mk mid --from-json "$TMP/mid.json"
is "$("$R" -s mid -- printenv M09 | wc -c)" 32001 "320 KiB of values launch under an 8 MiB stack"
NEEDLES=(mmmmmmmmmmmmmmmm)
small_stack() { (ulimit -s 1024 && exec "$@"); }
fails 65 "more than the kernel's limit 262144" small_stack "$R" -s mid -- touch "$TMP/ran"
finish
