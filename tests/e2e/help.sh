#!/usr/bin/env bash
# --help answers at every level of modal-vault's command tree, and a word that
# is not a command or a subcommand is named in a one-line usage error (64).
. "$(dirname "$0")/../lib.sh"

# help_lists LEVEL WORD...: `modal-vault LEVEL --help` exits 0 and its stdout
# names `modal-vault LEVEL WORD` for every WORD.
help_lists() {
	local level=$1 w rc
	shift
	# shellcheck disable=SC2086
	"$MODAL_VAULT" $level --help >"$TMP/help" 2>"$TMP/err" && rc=0 || rc=$?
	if [ "$rc" != 0 ]; then
		not_ok "modal-vault $level --help -> exit $rc: $(head -c 200 "$TMP/err")"
		return
	fi
	for w in "$@"; do
		check "modal-vault $level --help lists '$w'" grep -q "modal-vault ${level:+$level }$w" "$TMP/help"
	done
}

help_lists "" init secret token workspace environment audit rekey migrate serve profile config
help_lists secret create list get delete
help_lists token create list revoke set info
help_lists profile list activate current
help_lists config show
help_lists environment create list delete
help_lists workspace current members proxy-tokens
help_lists "workspace members" list add update remove
help_lists "workspace proxy-tokens" create list delete allow revoke
# -h is --help; and a leaf command's --help is its own usage.
check "modal-vault secret -h" sh -c '"$1" secret -h | grep -q "modal-vault secret list"' sh "$MODAL_VAULT"
for leaf in "secret create" "workspace members list" "workspace proxy-tokens allow" audit serve init; do
	# shellcheck disable=SC2086
	check "modal-vault $leaf --help is its usage" \
		sh -c '"$1" $2 --help | grep -q "^usage: modal-vault $2"' sh "$MODAL_VAULT" "$leaf"
done

# Unknown words, named; the usage error is one line and exits 64.
expect_exit 64 "unknown command 'frobnicate'" "$MODAL_VAULT" frobnicate
expect_exit 64 "unknown subcommand 'frob' of 'secret'" "$MODAL_VAULT" secret frob
expect_exit 64 "unknown subcommand 'frob' of 'workspace members'" "$MODAL_VAULT" workspace members frob
expect_exit 64 "unknown subcommand 'frob' of 'workspace'" "$MODAL_VAULT" workspace frob
expect_exit 64 "unknown subcommand 'frob' of 'workspace proxy-tokens'" "$MODAL_VAULT" workspace proxy-tokens frob
expect_exit 64 "missing subcommand of 'secret'" "$MODAL_VAULT" secret
expect_exit 64 "missing subcommand of 'workspace members'" "$MODAL_VAULT" workspace members
expect_exit 64 "unknown option '--frob'" "$MODAL_VAULT" secret list --frob
expect_exit 64 "missing command" "$MODAL_VAULT"
# modal-run's own help and version, and its one subcommand.
check "modal-run policy --help" sh -c '"$1" policy --help | grep -q "^usage: modal-run policy check FILE"' sh "$MODAL_RUN"
expect_exit 64 "unknown subcommand 'frob' of 'policy'" "$MODAL_RUN" policy frob
expect_exit 64 "usage: modal-run policy check FILE" "$MODAL_RUN" policy
check "modal-run --help" sh -c '"$1" --help | grep -q -- "--secret"' sh "$MODAL_RUN"
check "modal-run --version" sh -c '"$1" --version | grep -q "^modal-run [0-9]"' sh "$MODAL_RUN"
finish
