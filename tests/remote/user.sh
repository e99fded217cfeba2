#!/usr/bin/env bash
# user.sh — --user USER[:GROUP]: modal-run, started as root with the token in
# root's 0600 files (a systemd credential, ~/.modal.toml), fetches as root
# and runs the target as USER, which cannot read the token files nor
# modal-run's environment (the parent's, or PID 1's), has none of root's
# groups, cannot become root again, and gets USER's HOME. Not root: 77
# before anything is fetched. Without --user the target reads the token:
# what the docs say holds then.
. "$(dirname "$0")/remote_lib.sh"
if [ "$(id -u)" != 0 ] || ! getent passwd nobody >/dev/null; then
	echo "skip: needs root and a user nobody"
	finish
	exit
fi
NOBODY=$(id -u nobody)
NOGROUP=$(id -g nobody)
NOBODY_HOME=$(getent passwd nobody | cut -d: -f6)
store secret create db USER=app PASS=p >/dev/null
new_token ci
serve srv
# The way in for nobody is the path, not the files: the files are 0600 root.
chmod 0711 "$TMP"
chmod 0755 "$HOME"
mkdir -m 0755 "$TMP/creds"
( umask 077
  printf '%s:%s\n' "$TOKEN_ID" "$TOKEN_SECRET" >"$TMP/creds/modal-token"
  printf '[default]\ntoken_id = "%s"\ntoken_secret = "%s"\nserver_url = "%s"\n' \
	"$TOKEN_ID" "$TOKEN_SECRET" "$srv_URL" >"$HOME/.modal.toml" )
PROBE=$TMP/probe.sh
cat >"$PROBE" <<'PROBE_EOF'
# Run as the target: says who it is and what it could read.
echo "uid=$(id -u) gid=$(id -g) groups=$(id -G) home=$HOME"
for f in "$CREDS/modal-token" "$TOML" /proc/$PPID/environ /proc/1/environ; do
	if cat "$f" >/dev/null 2>&1; then echo "read $f"; fi
done
tr '\0' '\n' </proc/self/environ | grep -q '^MODAL_TOKEN' && echo "token in environ"
python3 -c 'import os; os.setuid(0)' 2>/dev/null && echo "became root"
python3 -c 'import os; os.setgid(0)' 2>/dev/null && echo "became group root"
[ "$PASS" = p ] && echo "got secret"
PROBE_EOF
chmod 0755 "$PROBE"
probe_env=(CREDS="$TMP/creds" TOML="$HOME/.modal.toml")
# Root with supplementary groups, as a login shell has: none may reach the target.
asroot=(setpriv --groups 4,27,100)

# expect_probe DESCRIPTION WANT_IDLINE CMD...: the target's report is the
# id line and "got secret" only.
expect_probe() {
	local what=$1 want=$2
	shift 2
	"$@" >"$TMP/probe.out" 2>"$TMP/probe.err" </dev/null && rc=0 || rc=$?
	printf '%s\ngot secret\n' "$want" >"$TMP/probe.want"
	if [ "$rc" = 0 ] && cmp -s "$TMP/probe.want" "$TMP/probe.out"; then
		ok "$what"
	else
		not_ok "$what: exit $rc; got: $(tr '\n' '|' <"$TMP/probe.out") stderr: $(head -c 300 "$TMP/probe.err")"
	fi
}

want_nobody="uid=$NOBODY gid=$NOGROUP groups=$(id -G nobody) home=$NOBODY_HOME"
# The systemd credential.
expect_probe "credential: the target runs as nobody and reads no token" "$want_nobody" \
	env "${probe_env[@]}" CREDENTIALS_DIRECTORY="$TMP/creds" MODAL_SERVER_URL="$srv_URL" \
	"${asroot[@]}" "$R" --user nobody -s db -- sh "$PROBE"
# The profile file (~/.modal.toml gives the server too).
expect_probe "profile file: the target runs as nobody and reads no token" "$want_nobody" \
	env "${probe_env[@]}" "${asroot[@]}" "$R" --user nobody -s db -- sh "$PROBE"
# The variables, and the names USER:GROUP.
expect_probe "MODAL_TOKEN_SECRET: nobody:nogroup sees no token" "$want_nobody" \
	env "${probe_env[@]}" MODAL_TOKEN_ID="$TOKEN_ID" MODAL_TOKEN_SECRET="$TOKEN_SECRET" \
	"${asroot[@]}" "$R" --user "nobody:$(id -gn nobody)" -s db -- sh "$PROBE"
# The embedded vault (the static modal-run itself, musl's user database).
expect_probe "embedded vault: the target runs as nobody" "$want_nobody" \
	env "${probe_env[@]}" "${asroot[@]}" "$R" --server "$STORE" --user nobody -s db -- sh "$PROBE"
# Root's group by name, as asked: the user still cannot become root.
# ("became group root" is setgid to the gid it has: no change.)
expect_probe "nobody:root: gid 0 as asked, uid nobody's" \
	"uid=$NOBODY gid=0 groups=0 home=$NOBODY_HOME"$'\n'"became group root" \
	env "${probe_env[@]}" "${asroot[@]}" "$R" --user nobody:root -s db -- sh "$PROBE"
# Numeric ids with no database entry: no supplementary group, HOME=/.
expect_probe "numeric 54321:54322 (no entry): those ids, no other group, HOME=/" \
	"uid=54321 gid=54322 groups=54322 home=/" \
	env "${probe_env[@]}" "${asroot[@]}" "$R" --user 54321:54322 -s db -- sh "$PROBE"
# An explicit group is the only group.
expect_probe "nobody:54322: that group only" "uid=$NOBODY gid=54322 groups=54322 home=$NOBODY_HOME" \
	env "${probe_env[@]}" "${asroot[@]}" "$R" --user nobody:54322 -s db -- sh "$PROBE"

# PID 1: PID 1 stays root (holding nothing); the target cannot read its environment.
ns=(unshare --pid --fork --mount-proc)
if "${ns[@]}" true 2>/dev/null; then
	expect_probe "PID 1: the target runs as nobody, reads neither token nor PID 1's environment" \
		"$want_nobody" env "${probe_env[@]}" CREDENTIALS_DIRECTORY="$TMP/creds" \
		MODAL_SERVER_URL="$srv_URL" "${ns[@]}" "${asroot[@]}" "$R" --user nobody -s db -- sh "$PROBE"
fi

# What holds without --user: nothing. The target is root and reads the token.
env "${probe_env[@]}" CREDENTIALS_DIRECTORY="$TMP/creds" MODAL_SERVER_URL="$srv_URL" \
	"$R" -s db -- sh "$PROBE" >"$TMP/probe.out" 2>&1
check "without --user the target reads the credential (documented)" \
	grep -qxF "read $TMP/creds/modal-token" "$TMP/probe.out"

# Refusals: one line, before any fetch (the dead server would give 69).
DEAD=$(dead_url)
rm -f "$TMP/ran"
fails() {
	expect_exit "$@"
	if [ -e "$TMP/ran" ]; then not_ok "  the target ran"; fi
}
ran=(sh -c ': >"$1"' sh "$TMP/ran")
fails 77 "must be started as root" setpriv --reuid=nobody --regid="$NOGROUP" --clear-groups \
	"$R" --server "$DEAD" --user nobody -s db -- "${ran[@]}"
fails 64 "no such user" "$R" --server "$DEAD" --user no-such-user-xyz -s db -- "${ran[@]}"
fails 64 "no such group" "$R" --server "$DEAD" --user nobody:no-such-group-xyz -s db -- "${ran[@]}"
fails 64 "give the group too" "$R" --server "$DEAD" --user 54321 -s db -- "${ran[@]}"
fails 64 "expected USER or USER:GROUP" "$R" --server "$DEAD" --user nobody: -s db -- "${ran[@]}"
fails 64 "expected USER or USER:GROUP" "$R" --server "$DEAD" --user :0 -s db -- "${ran[@]}"
fails 64 "--user" "$R" --server "$DEAD" --user 4294967295:0 -s db -- "${ran[@]}"
finish
