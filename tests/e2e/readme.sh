#!/usr/bin/env bash
# readme.sh — README.md's "Quick use" block runs verbatim, line after line in
# order, in a throwaway $HOME with the built programs first on PATH: a user
# typing it on a new machine gets no error.
. "$(dirname "$0")/../lib.sh"
export HOME="$TMP/home"
mkdir -p "$HOME" "$TMP/bin" "$TMP/work"
ln -s "$MODAL_VAULT" "$TMP/bin/modal-vault"
ln -s "$MODAL_RUN" "$TMP/bin/modal-run"
unset MODAL_SERVER_URL MODAL_CONFIG_PATH XDG_DATA_HOME CREDENTIALS_DIRECTORY
# The first ```sh block after "## Quick use", exactly as written.
awk '/^## Quick use/ { on = 1 } on && /^```sh$/ { inblock = 1; next }
     inblock && /^```$/ { exit } inblock { print }' "$MODAL_SRC/README.md" >"$TMP/quick.sh"
check "the README has a Quick use block" test -s "$TMP/quick.sh"
(cd "$TMP/work" && PATH="$TMP/bin:$PATH" bash -euo pipefail "$TMP/quick.sh") \
	>"$TMP/out" 2>"$TMP/err" </dev/null
rc=$?
if [ "$rc" = 0 ]; then ok "the Quick use block runs in order"; else
	not_ok "the Quick use block fails (exit $rc): $(tail -c 400 "$TMP/err")"; fi
check "its launch saw the secret" grep -qx "connecting as app" "$TMP/out"
check "its dotenv line was expanded as python-dotenv does" grep -qx "https://api.stripe.com/v1" "$TMP/out"
check "the hint after -e prod names -e prod" grep -q "modal-run --secret stripe -e prod -- COMMAND" "$TMP/out"
check "the vault is where the README says" test -d "$HOME/.local/share/modal-vault"
finish
