#!/usr/bin/env bash
# A launch refuses a tampered vault: a flipped stored byte, a sealed row copied
# under another name, a renamed secret, a swapped master key. Nothing runs, the
# exit is 65 (78 for the key file), and no value reaches stderr.
. "$(dirname "$0")/../lib.sh"
V=$MODAL_VAULT R=$MODAL_RUN
new_vault "$TMP/v"
db="$TMP/v/vault.db"
for s in flip copyfrom victim renamed; do
	$V secret create $s VALUE="needle-$s" >/dev/null
done
expect_exit 0 "" $R --secret flip -- true

sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' "$db" "$1"; }
sql "UPDATE secret_versions SET sealed = substr(sealed,1,40) || (CASE WHEN substr(sealed,41,1) = x'00' THEN x'01' ELSE x'00' END) || substr(sealed,42) WHERE secret_id = (SELECT id FROM secrets WHERE name='flip')"
sql "UPDATE secret_versions SET sealed = (SELECT sealed FROM secret_versions WHERE secret_id = (SELECT id FROM secrets WHERE name='copyfrom')), wrapped_key = (SELECT wrapped_key FROM secret_versions WHERE secret_id = (SELECT id FROM secrets WHERE name='copyfrom')) WHERE secret_id = (SELECT id FROM secrets WHERE name='victim')"
sql "UPDATE secrets SET name='renamed2' WHERE name='renamed'"

for s in flip victim renamed2; do
	expect_exit 65 "secret '$s' in 'main' failed authentication" $R --secret $s -- touch "$TMP/ran-$s"
	check "nothing ran for $s" test ! -e "$TMP/ran-$s"
	check "no value on stderr for $s" bash -c "! grep -q needle '$TMP/err'"
done
expect_exit 0 "" $R --secret copyfrom -- true

# Another master key: every secret fails; a group-readable key is refused.
cp "$TMP/v/master.key" "$TMP/key.orig"
head -c 32 /dev/urandom >"$TMP/v/master.key"
expect_exit 65 "failed authentication" $R --secret copyfrom -- true
cp "$TMP/key.orig" "$TMP/v/master.key"
chmod 0640 "$TMP/v/master.key"
expect_exit 78 "mode 0600" $R --secret copyfrom -- true
chmod 0600 "$TMP/v/master.key"

# Missing things.
expect_exit 65 "secret 'nope' not found in environment 'main'" $R --secret nope -- true
expect_exit 65 "environment 'prod' not found" $R --secret copyfrom -e prod -- true
expect_exit 78 "run 'modal-vault init'" env MODAL_SERVER_URL="file:$TMP/none" $R --secret x -- true
finish
