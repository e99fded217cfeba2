#!/usr/bin/env bash
# The shipped examples work: the container's policy loads and does what its
# comments say, and the systemd units name programs and flags that exist.
. "$(dirname "$0")/../lib.sh"
pkg="$MODAL_SRC/packaging"
cp "$pkg/container/policy.yaml" "$TMP/policy.yaml"
chmod 0600 "$TMP/policy.yaml"
expect_exit 0 "" "$MODAL_RUN" policy check "$TMP/policy.yaml"

new_vault "$TMP/v"
printf '{"DATABASE_URL": "postgres://db/app", "API_KEY": "k", "TLS_KEY": "a\\nb\\n"}' >"$TMP/app.json"
chmod 0600 "$TMP/app.json"
"$MODAL_VAULT" secret create app --from-json "$TMP/app.json" >/dev/null
expect_exit 0 "" "$MODAL_RUN" --policy "$TMP/policy.yaml" --secret app -- \
	sh -c 'test "$DATABASE_URL" = postgres://db/app && test "$(cat "$TLS_KEY_FILE")" = "$(printf "a\nb")"'
expect_exit 65 "other" "$MODAL_RUN" --policy "$TMP/policy.yaml" --secret other -- true
printf '{"DATABASE_URL": "mysql://db/app", "API_KEY": "k"}' >"$TMP/bad.json"
chmod 0600 "$TMP/bad.json"
"$MODAL_VAULT" secret create app --force --from-json "$TMP/bad.json" >/dev/null
expect_exit 65 "DATABASE_URL" "$MODAL_RUN" --policy "$TMP/policy.yaml" --secret app -- true

# Every ExecStart names a flag the program accepts (parsed, not run).
for unit in "$pkg"/systemd/*.service; do
	# The program's own flags: up to " -- ", where the target's begin.
	line=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$unit" | tr -d '\\\n' | sed 's/ -- .*//')
	case "$line" in
	*modal-run*)
		flags=$(printf '%s' "$line" | grep -o -- ' --[a-z-]*' | sort -u)
		help=$("$MODAL_RUN" --help)
		for f in $flags; do
			check "$(basename "$unit"): modal-run knows $f" grep -q -- "$f" <<<"$help"
		done ;;
	*modal-vault*)
		flags=$(printf '%s' "$line" | grep -o -- ' --[a-z-]*' | sort -u)
		help=$("$MODAL_VAULT" --help 2>&1)
		for f in $flags; do
			check "$(basename "$unit"): modal-vault knows $f" grep -q -- "$f" <<<"$help"
		done ;;
	esac
done
if command -v systemd-analyze >/dev/null && [ -d /run/systemd/system ]; then
	for unit in "$pkg"/systemd/*.service; do
		check "systemd-analyze verify $(basename "$unit")" \
			sh -c 'systemd-analyze verify "$1" 2>&1 | grep -v "not executable\|No such file" | grep -q . && exit 1 || exit 0' sh "$unit"
	done
fi
finish
