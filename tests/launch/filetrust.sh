#!/usr/bin/env bash
# filetrust.sh — every file modal-run and modal-vault read is trusted only
# after fstat on the opened descriptor (common/filetrust.h):
#  - the embedded vault: its directory must be ours or root's and writable by
#    no one else; vault.db and master.key are opened through it, never through
#    a symlink, and must be regular files of ours (or root's);
#  - a FIFO or a device given as the policy, profile, credential, master key,
#    vault database, dotenv or JSON import is refused at once (each open is
#    non-blocking), never waited on, whoever owns it.
# Each refusal: the configuration exit (78), one line naming the file and the
# fault, the command not run. `timeout` guards every call: 124 means it hung.
# Runs as root with the second user `nobody` for the ownership cases.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launch_lib.sh"
if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1; then
	echo "needs root and the user nobody (ownership cases)"
	exit 1
fi
chmod 0755 "$TMP"   # so nobody can reach what it owns below
new_vault "$TMP/v"
printf '{"A": "needle-a-value"}' >"$TMP/s1.json"
chmod 0600 "$TMP/s1.json"
mk s1 --from-json "$TMP/s1.json"
NEEDLES=(needle-a-value)
G="timeout 10"

# refuse MESSAGE CMD...: 78, one line holding MESSAGE, within the guard.
refuse() { local m=$1; shift; fails 78 "$m" $G "$@"; }

# --- the embedded vault's directory -----------------------------------------
# vault_copy DIR: a working copy of the vault in DIR (owned by root, 0700).
vault_copy() { rm -rf "$1"; cp -a "$TMP/v" "$1"; }
vault_copy "$TMP/good"
expect_exit 0 "" $G env MODAL_SERVER_URL="file:$TMP/good" "$R" -s s1 -- true
# The attack: a directory anyone can write, owned by another user, who planted
# vault.db as a symlink to a database of their choosing.
vault_copy "$TMP/planted"
mkdir "$TMP/attack"
cp -p "$TMP/v/master.key" "$TMP/attack/"
ln -s "$TMP/planted/vault.db" "$TMP/attack/vault.db"
chown -h nobody "$TMP/attack/vault.db"
chown nobody "$TMP/attack"
chmod 0777 "$TMP/attack"
refuse "vault directory $TMP/attack: owned by uid $(id -u nobody), not by you (uid 0) or root" \
	env MODAL_SERVER_URL="file:$TMP/attack" "$R" -s s1 -- touch "$TMP/ran"
expect_exit 78 "vault directory $TMP/attack: owned by uid $(id -u nobody)" \
	$G env MODAL_SERVER_URL="file:$TMP/attack" "$V" secret list
chown root "$TMP/attack"
refuse "vault directory $TMP/attack: writable by group or others (mode 0777)" \
	env MODAL_SERVER_URL="file:$TMP/attack" "$R" -s s1 -- touch "$TMP/ran"
chmod 0770 "$TMP/attack"
refuse "vault directory $TMP/attack: writable by group or others (mode 0770)" \
	env MODAL_SERVER_URL="file:$TMP/attack" "$R" -s s1 -- touch "$TMP/ran"
# Even in a directory of ours, a symlinked vault.db or master.key is refused.
chmod 0700 "$TMP/attack"
refuse "$TMP/attack/vault.db: a symbolic link, which is not followed here" \
	env MODAL_SERVER_URL="file:$TMP/attack" "$R" -s s1 -- touch "$TMP/ran"
vault_copy "$TMP/keylink"
mv "$TMP/keylink/master.key" "$TMP/elsewhere.key"
ln -s "$TMP/elsewhere.key" "$TMP/keylink/master.key"
refuse "master key $TMP/keylink/master.key: a symbolic link, which is not followed here" \
	env MODAL_SERVER_URL="file:$TMP/keylink" "$R" -s s1 -- touch "$TMP/ran"
# Files of another user, or writable by others, in a directory of ours.
vault_copy "$TMP/theirs"
chown nobody "$TMP/theirs/vault.db"
refuse "$TMP/theirs/vault.db: owned by uid $(id -u nobody), not by you (uid 0) or root" \
	env MODAL_SERVER_URL="file:$TMP/theirs" "$R" -s s1 -- touch "$TMP/ran"
chown root "$TMP/theirs/vault.db"
chmod 0666 "$TMP/theirs/vault.db"
refuse "$TMP/theirs/vault.db: writable by group or others (mode 0666)" \
	env MODAL_SERVER_URL="file:$TMP/theirs" "$R" -s s1 -- touch "$TMP/ran"
chmod 0600 "$TMP/theirs/vault.db"
chown nobody "$TMP/theirs/master.key"
refuse "master key $TMP/theirs/master.key: must be owned by uid 0 with mode 0600" \
	env MODAL_SERVER_URL="file:$TMP/theirs" "$R" -s s1 -- touch "$TMP/ran"
# What stays allowed: a root-owned 0755 directory, and a symlink to the
# directory itself (the check is on the directory opened).
vault_copy "$TMP/shared"
chmod 0755 "$TMP/shared"
expect_exit 0 "" $G env MODAL_SERVER_URL="file:$TMP/shared" "$R" -s s1 -- true
ln -s "$TMP/good" "$TMP/good-link"
expect_exit 0 "" $G env MODAL_SERVER_URL="file:$TMP/good-link" "$R" -s s1 -- true
expect_exit 0 "" $G env MODAL_SERVER_URL="file:$TMP/good-link" "$V" secret list

# --- FIFOs and devices: refused at once, never waited on -------------------------
# special NAME KIND OWNER: makes NAME a FIFO (KIND fifo) or the char device
# /dev/zero's twin (KIND dev), owned by OWNER.
special() {
	rm -rf "$1"
	case $2 in
	fifo) mkfifo -m 0600 "$1" ;;
	dev) mknod -m 0600 "$1" c 1 5 ;;
	esac
	chown "$3" "$1"
}
for kind in fifo dev; do
	for owner in root nobody; do
		f="$TMP/special"
		special "$f" $kind $owner
		what="a $kind of $owner's"
		refuse "$f: not a regular file" "$R" --policy "$f" -s s1 -- touch "$TMP/ran"
		refuse "$f: not a regular file" "$R" policy check "$f"
		refuse "$f: not a regular file" "$R" --config "$f" -s s1 -- touch "$TMP/ran"
		refuse "$f: not a regular file" env MODAL_POLICY="$f" "$R" -s s1 -- touch "$TMP/ran"
		mkdir -p "$TMP/creds"
		special "$TMP/creds/modal-token" $kind $owner
		refuse "$TMP/creds/modal-token: not a regular file" \
			env CREDENTIALS_DIRECTORY="$TMP/creds" "$R" -s s1 -- touch "$TMP/ran"
		vault_copy "$TMP/sv"
		special "$TMP/sv/master.key" $kind $owner
		refuse "master key $TMP/sv/master.key: not a regular file" \
			env MODAL_SERVER_URL="file:$TMP/sv" "$R" -s s1 -- touch "$TMP/ran"
		vault_copy "$TMP/sv"
		special "$TMP/sv/vault.db" $kind $owner
		refuse "$TMP/sv/vault.db: not a regular file" \
			env MODAL_SERVER_URL="file:$TMP/sv" "$R" -s s1 -- touch "$TMP/ran"
		expect_exit 78 "$f: not a regular file" $G "$V" secret create imp --from-dotenv "$f"
		expect_exit 78 "$f: not a regular file" $G "$V" secret create imp --from-json "$f"
		ok "($what)"
	done
done
expect_exit 78 "/dev/zero: not a regular file" $G "$R" --policy /dev/zero -s s1 -- true
expect_exit 78 "/dev/zero: not a regular file" $G "$V" secret create imp --from-json /dev/zero
expect_exit 65 "secret 'imp' not found" $G "$R" -s imp -- true
check "no refused launch ran its command" test ! -e "$TMP/ran"
finish
