#!/usr/bin/env bash
# --check --fingerprint-key FILE: two vaults (staging, production) holding the
# same value give the same fingerprint when both are checked with one key
# file, and different ones without it (each vault's own key, the default) or
# with another file. A key file that is not 64 hex digits, not the caller's
# alone, missing, a FIFO or a symlink to such is refused (78) before the
# vault is asked; --fingerprint-key without --check is a usage error (64).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launch_lib.sh"

for v in staging prod; do
	new_vault "$TMP/$v"
	printf '{"DB_URL": "needle-shared", "ONLY": "needle-%s"}' "$v" >"$TMP/$v.json"
	chmod 0600 "$TMP/$v.json"
	mk db --from-json "$TMP/$v.json"
done
key() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$1"; chmod 0600 "$1"; }
key "$TMP/k1"
key "$TMP/k2"

# fp VAULT KEY [ARGS]: the fingerprint --check gives KEY of secret db.
fp() {
	MODAL_SERVER_URL="file:$TMP/$1" "$R" --check -s db "${@:3}" -- false |
		awk -v k="$2" '$1 == k { print $3 }'
}
check "without a key file the two vaults' fingerprints differ (each its own key)" \
	test "$(fp staging DB_URL)" != "$(fp prod DB_URL)"
check "with one key file they are equal" \
	test "$(fp staging DB_URL --fingerprint-key "$TMP/k1")" = "$(fp prod DB_URL --fingerprint-key "$TMP/k1")"
check "  and different values still differ" \
	test "$(fp staging ONLY --fingerprint-key "$TMP/k1")" != "$(fp prod ONLY --fingerprint-key "$TMP/k1")"
check "another key file gives other fingerprints" \
	test "$(fp staging DB_URL --fingerprint-key "$TMP/k1")" != "$(fp staging DB_URL --fingerprint-key "$TMP/k2")"
check "a key file's fingerprint is not the vault's own" \
	test "$(fp staging DB_URL --fingerprint-key "$TMP/k1")" != "$(fp staging DB_URL)"
MODAL_SERVER_URL="file:$TMP/staging" "$R" --check --json -s db --fingerprint-key "$TMP/k1" -- false >"$TMP/j"
check "--check --json takes the key file too" \
	grep -qF "\"fingerprint\":\"$(fp staging DB_URL --fingerprint-key "$TMP/k1")\"" "$TMP/j"
check "no value is printed" eval "! grep -q needle \"$TMP/j\""

export MODAL_SERVER_URL="file:$TMP/staging"
printf '%s' "$(head -c 31 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$TMP/short"
printf 'zz%s' "$(head -c 62 /dev/zero | tr '\0' 0)" >"$TMP/nothex"
{ cat "$TMP/k1"; printf '\n\n'; } >"$TMP/trailing"
cp "$TMP/k1" "$TMP/open"
chmod 0600 "$TMP/short" "$TMP/nothex" "$TMP/trailing"
chmod 0644 "$TMP/open"
mkfifo "$TMP/fifo"
ln -s "$TMP/open" "$TMP/link"
for bad in short:"expected 64 hex digits" nothex:"expected 64 hex digits" \
	trailing:"expected 64 hex digits" open:"--fingerprint-key $TMP/open: must be owned by" \
	fifo:"--fingerprint-key $TMP/fifo: not a regular file" \
	link:"--fingerprint-key $TMP/link: must be owned by" \
	missing:"--fingerprint-key $TMP/missing: No such file"; do
	expect_exit 78 "${bad#*:}" "$R" --check -s db --fingerprint-key "$TMP/${bad%%:*}" -- false
done
check "a refused key file names no key material" eval "! grep -q \"$(cat "$TMP/k1")\" \"$TMP/err\""
expect_exit 64 "--fingerprint-key only applies with --check" \
	"$R" -s db --fingerprint-key "$TMP/k1" -- true
finish
