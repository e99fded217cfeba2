#!/usr/bin/env bash
# dotenv_compat.sh — --from-dotenv reads a file as python-dotenv's
# dotenv_values() (Modal's CLI) does: for every file of tests/vault/dotenv/,
# each value the child of modal-run gets equals what python-dotenv itself
# (Debian's python3-dotenv) returns, interpolation included; stderr names
# exactly the keys that took a ${...} expansion and no value. Then the
# deliberate differences: each is an error naming file and line, and
# nothing is stored.
. "$(dirname "$0")/../lib.sh"
corpus="$MODAL_SRC/tests/vault/dotenv"
# The reference: Debian's python3-dotenv (scripts/deps.sh), not whatever a
# python3 earlier on PATH may carry.
PY=/usr/bin/python3
if ! "$PY" -c 'import dotenv' 2>/dev/null; then
	not_ok "python3-dotenv is not installed (run scripts/deps.sh)"
	finish
fi
new_vault "$TMP/v"
export DOTENV_TEST_FROM_ENV="value from the environment"
export DOTENV_TEST_SHADOWED="environment, shadowed by the file"
unset UNSET_IN_TEST DEFINED_LATER SELF

# compare.py FILE DUMP STDERR: the child's environment (DUMP, JSON) against
# dotenv_values(FILE); the stderr note against the keys holding ${...}.
cat >"$TMP/compare.py" <<'PY'
import json, sys
from dotenv import dotenv_values
from dotenv.variables import _posix_variable
path, dump, err = sys.argv[1:4]
want = dotenv_values(path)
raw = dotenv_values(path, interpolate=False)
got = json.load(open(dump))
fails = []
for key, value in want.items():
    ours = key.lstrip("\ufeff")  # deliberate: the byte order mark is not the key's
    if got.get(ours) != value:
        fails.append(f"{ours}: child got {got.get(ours)!r}, python-dotenv {value!r}")
expanded = [k.lstrip("\ufeff") for k, v in raw.items() if v and _posix_variable.search(v)]
note = [l for l in open(err).read().splitlines() if "expanded ${...} in " in l]
listed = note[0].split("expanded ${...} in ", 1)[1].split(" (from")[0].split(", ") if note else []
if listed != expanded:
    fails.append(f"stderr lists {listed}, want {expanded}")
text = open(err).read()
for v in want.values():
    if v and len(v) >= 4 and v in text:
        fails.append(f"stderr shows a value: {v!r}")
print("\n".join(fails))
sys.exit(1 if fails else 0)
PY
dump='import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], "w"))'

n=0
for f in "$corpus"/*.env; do
	n=$((n + 1))
	name=$(basename "$f" .env)
	if ! "$MODAL_VAULT" secret create "c$n" --from-dotenv "$f" >/dev/null 2>"$TMP/create.err"; then
		not_ok "$name: secret create failed: $(head -c 300 "$TMP/create.err")"
		continue
	fi
	if ! "$MODAL_RUN" --secret "c$n" -- "$PY" -c "$dump" "$TMP/dump.json" 2>"$TMP/run.err"; then
		not_ok "$name: modal-run failed: $(head -c 300 "$TMP/run.err")"
		continue
	fi
	if "$PY" "$TMP/compare.py" "$f" "$TMP/dump.json" "$TMP/create.err" >"$TMP/diff"; then
		ok "$name: every value equals python-dotenv's"
	else
		not_ok "$name: $(cat "$TMP/diff")"
	fi
done

# Deliberate differences: python-dotenv skips the line (logging a warning
# nobody sees), keeps a key without a value, or lets the last duplicate win.
bad() {
	local want=$1 content=$2
	printf "$content" >"$TMP/bad.env"
	expect_exit 65 "$TMP/bad.env$want" "$MODAL_VAULT" secret create bad --from-dotenv "$TMP/bad.env"
}
bad ":3: duplicate key A (first at line 1" 'A=1\nB=2\nA=3\n'
bad ":2: expected '=' after the key" 'A=1\nNO_VALUE\nC=3\n'
bad ":2: expected KEY=VALUE with KEY of" 'A=1\nDOTTED.KEY=2\n'
bad ":1: unexpected text after the value" 'A="x" trailing\nB=2\n'
bad ":2: quoted value is never closed" 'A=1\nB="ends in a backslash\\"\nC=3\n'
bad ":1: quoted value is never closed" "A='open\nB=2\n"
bad ": contains a NUL byte" 'A=1\0\n'
expect_exit 65 "secret 'bad' not found" "$MODAL_VAULT" secret get bad
check "nothing stored by a refused file" test ! -s "$TMP/out"

# An expansion that grows past the value limit is refused, not truncated.
python3 -c 'print("A=" + "x" * 20000); print("B=${A}${A}")' >"$TMP/big.env"
expect_exit 65 "$TMP/big.env: B: longer than 32768 bytes once \${...} are expanded" \
	"$MODAL_VAULT" secret create big --from-dotenv "$TMP/big.env"
# A file is someone else's input: ${MODAL_TOKEN_SECRET} (or _ID) must not copy
# the caller's own token into a secret; it expands as an unset variable.
printf 'T=${MODAL_TOKEN_SECRET:-none}:${MODAL_TOKEN_ID}\nH=${TOKEN_TEST_OTHER}\n' >"$TMP/tok.env"
MODAL_TOKEN_SECRET=as-mustnotleak MODAL_TOKEN_ID=ak-mustnotleak TOKEN_TEST_OTHER=other \
	"$MODAL_VAULT" secret create tok --from-dotenv "$TMP/tok.env" >/dev/null 2>&1
is "$("$MODAL_RUN" --secret tok -- printenv T)" "none:" \
	"\${MODAL_TOKEN_SECRET} and \${MODAL_TOKEN_ID} expand as unset"
is "$("$MODAL_RUN" --secret tok -- printenv H)" "other" "other variables of the environment still expand"
finish
