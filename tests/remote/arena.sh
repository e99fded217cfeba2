#!/usr/bin/env bash
# arena.sh — modal-run's secret buffers share one locked region
# (secmem_short_lived): a launch with small bundles locks memory once (the
# region: libsodium's mlock and modal-run's own), not once a buffer, from a
# vault server and from the embedded vault alike; bundles larger than the
# region still arrive byte for byte.
. "$(dirname "$0")/remote_lib.sh"
command -v strace >/dev/null || { echo "strace is not installed (scripts/deps.sh)"; exit 1; }

store secret create small A=1 B=two >/dev/null
# Three values of 24000 bytes: more than the 32 KiB region together.
for k in 1 2 3; do printf 'V%s=%s\n' $k "$(head -c 18000 /dev/urandom | base64 -w0)"; done >"$TMP/big.env"
store secret create big --from-dotenv "$TMP/big.env" >/dev/null
new_token arena
serve srv

# locks_before_exec TRACE: the mlock calls modal-run made before it exec'd
# the target (/usr/bin/env).
locks_before_exec() {
	awk '/^execve\("\/usr\/bin\/env"/ { exit } /^mlock\(/ { n++ } END { print n + 0 }' "$1"
}

for where in remote embedded; do
	if [ $where = remote ]; then
		vars=(MODAL_TOKEN_ID="$TOKEN_ID" MODAL_TOKEN_SECRET="$TOKEN_SECRET" MODAL_SERVER_URL="$srv_URL")
	else
		vars=(MODAL_SERVER_URL="$STORE")
	fi
	run=(env "${vars[@]}" "$R")
	env "${vars[@]}" strace -o "$TMP/$where.trace" "$R" --secret small -- /usr/bin/env >"$TMP/out" 2>"$TMP/err"
	check "$where: the small launch ran" grep -qx 'B=two' "$TMP/out"
	n=$(locks_before_exec "$TMP/$where.trace")
	if [ "$n" -ge 1 ] && [ "$n" -le 2 ]; then
		ok "$where: small bundles lock memory once (mlock calls: $n)"
	else
		not_ok "$where: $n mlock calls before exec, expected the one region (1 or 2)"
	fi
	"${run[@]}" --secret big -- /usr/bin/env >"$TMP/out" 2>"$TMP/err"
	check "$where: bundles larger than the region arrive intact" \
		cmp -s <(grep '^V[123]=' "$TMP/out" | sort) "$TMP/big.env"
done
finish
