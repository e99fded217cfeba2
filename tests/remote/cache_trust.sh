#!/usr/bin/env bash
# cache_trust.sh — the fallback cache's read path makes the checks its write
# path makes: the directory must be ours alone (0700, owned by us, not a
# symlink) and the entry a regular 0600 file of ours opened relative to it,
# not a symlink and not a FIFO. An entry anyone else could have planted is
# never used, however well it decrypts. Also: --cache-max-age is capped.
. "$(dirname "$0")/remote_lib.sh"

store secret create api API_KEY=k-123 >/dev/null
new_token ci
export MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET
serve srv
URL=$srv_URL
C="$TMP/cache"
expect_exit 0 "" "$R" --server "$URL" --cache "$C" -s api -- true
entry=$(ls "$C")
kill "$srv_PID"
wait "$srv_PID" 2>/dev/null
expect_exit 0 "using cached secrets" "$R" --server "$URL" --cache "$C" -s api -- true

# refused CACHE_DIR MESSAGE: the server is down, the cache is refused for
# MESSAGE, the launch fails as unreachable (69) within the timeout guard
# (124 would mean it hung) and the command never ran.
refused() {
	rm -f "$TMP/ran"
	expect_exit 69 "cache not used: $2" timeout 10 "$R" --server "$URL" --cache "$1" \
		-s api -- touch "$TMP/ran"
	check "  ... and the command did not run" test ! -e "$TMP/ran"
}

# --- the directory -------------------------------------------------------------
chmod 0777 "$C"
refused "$C" "cache directory $C: must be owned by uid $(id -u) with mode 0700 (is uid $(id -u), mode 0777)"
chmod 0700 "$C"
# Another user's directory holding an entry that opens with our token (one
# of ours they copied, or kept from when the token was theirs).
mkdir "$TMP/theirs"
cp -p "$C/$entry" "$TMP/theirs/"
chown nobody "$TMP/theirs"
chmod 0777 "$TMP/theirs"
refused "$TMP/theirs" "cache directory $TMP/theirs: must be owned by uid $(id -u)"
chmod 0700 "$TMP/theirs"
refused "$TMP/theirs" "cache directory $TMP/theirs: must be owned by uid $(id -u) with mode 0700 (is uid $(id -u nobody), mode 0700)"
# --cache naming a symlink to a directory: the write path never follows one.
ln -s "$TMP/theirs" "$TMP/cache-link"
refused "$TMP/cache-link" "cache directory $TMP/cache-link: a symbolic link"
ln -s "$C" "$TMP/own-link"
refused "$TMP/own-link" "cache directory $TMP/own-link: a symbolic link"

# --- the entry -------------------------------------------------------------------
mv "$C/$entry" "$TMP/entry.copy"
ln -s "$TMP/entry.copy" "$C/$entry"
refused "$C" "$C/$entry: a symbolic link"
rm "$C/$entry"
mkfifo -m 0600 "$C/$entry"
refused "$C" "$C/$entry: not a regular file"
rm "$C/$entry"
mv "$TMP/entry.copy" "$C/$entry"
expect_exit 0 "using cached secrets" "$R" --server "$URL" --cache "$C" -s api -- true

# --- the age bound -----------------------------------------------------------------
expect_exit 64 "--cache-max-age: expected a duration up to 30d" \
	"$R" --server "$URL" --cache "$C" --cache-max-age 31d -s api -- true
expect_exit 64 "MODAL_CACHE_MAX_AGE: expected a duration up to 30d" \
	env MODAL_CACHE_MAX_AGE=720h1s "$R" --server "$URL" --cache "$C" -s api -- true
expect_exit 0 "using cached secrets" "$R" --server "$URL" --cache "$C" --cache-max-age 30d \
	-s api -- true
finish
