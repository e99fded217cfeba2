#!/usr/bin/env bash
# The container images' runtime stage, built without a container engine: a
# minimal Debian 12 root (debootstrap --variant=minbase), the packages the
# Dockerfile's runtime stage installs, and the project's binaries installed
# stripped, as its build stage does. Checked: every library the binaries link
# or open is there, the binaries are stripped, and modal-run runs as PID 1 in
# the root (unshare --pid --fork --mount-proc + chroot, as nobody): a launch
# from a vault server on the host (loopback), the example application's
# status returned, SIGTERM forwarded to it.
#
# The root is cached under the build folder ($MODAL_BUILD/container-root),
# keyed by the mirror and the package list: a rerun only reinstalls the
# binaries. Exit 77 (ctest: skipped) where it cannot run.
. "$(dirname "$0")/../lib.sh"
. "$MODAL_SRC/tests/launch/launch_lib.sh"
dockerfile=$MODAL_SRC/packaging/container/Dockerfile
cache=$MODAL_BUILD/container-root
skip() { echo "skip: $*"; exit 77; }

[ "${MODAL_SANITIZE:-OFF}" = OFF ] || skip "a sanitizer build: the images hold release binaries"
[ "$(id -u)" = 0 ] || skip "debootstrap and chroot need root"
command -v debootstrap >/dev/null || skip "debootstrap is not installed (scripts/deps.sh)"
unshare --pid --fork --mount-proc true 2>/dev/null || skip "no PID namespaces here"

# The mirror this machine's apt uses for bookworm: deb822 .sources first,
# then one-line sources.list. Never an address of our own.
mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" }
		     /(^|\n)Suites:[^\n]*[ \t]bookworm([ \t]|$|\n)/ && /(^|\n)Types:[^\n]*deb([ \t]|$|\n)/ {
			for (i = 1; i <= NF; i++) if ($i ~ /^URIs:/) { split($i, u, /[ \t]+/); print u[2]; exit }
		     }' "$f"
	done
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '$1 == "deb" && $0 ~ / bookworm / { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }'
}
url=$(mirror | head -n 1)
[ -n "$url" ] || skip "no bookworm mirror in apt's configuration"

# The runtime stage's packages: its one apt-get install line.
pkgs=$(sed -n '/^FROM .* AS runtime$/,/^FROM /p' "$dockerfile" | sed -e ':a' -e '/\\$/{N; s/\\\n//; ba}' |
	grep -m 1 'apt-get install' | sed 's/.*apt-get install -y --no-install-recommends//; s/&&.*//')
set -f
pkgs=($pkgs)
set +f
[ ${#pkgs[@]} -gt 0 ] || { not_ok "no package list in the Dockerfile's runtime stage"; finish; exit; }

root=$cache/root
stamp="bookworm minbase $url ${pkgs[*]}"
if [ "$(cat "$cache/stamp" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$cache"
	mkdir -p "$cache"
	start=$SECONDS
	if ! debootstrap --variant=minbase bookworm "$cache/new" "$url" >"$cache/debootstrap.log" 2>&1; then
		not_ok "debootstrap failed: $(tail -n 3 "$cache/debootstrap.log")"
		finish
		exit
	fi
	echo "debootstrap --variant=minbase bookworm: $((SECONDS - start)) s"
	start=$SECONDS
	if ! { chroot "$cache/new" apt-get update -qq &&
	       DEBIAN_FRONTEND=noninteractive chroot "$cache/new" \
			apt-get install -y -qq --no-install-recommends "${pkgs[@]}" &&
	       chroot "$cache/new" apt-get clean; } >"$cache/apt.log" 2>&1; then
		not_ok "apt-get install ${pkgs[*]} in the root failed: $(tail -n 3 "$cache/apt.log")"
		finish
		exit
	fi
	rm -rf "$cache/new/var/lib/apt/lists/"*
	echo "apt-get install ${pkgs[*]}: $((SECONDS - start)) s"
	mv "$cache/new" "$root"
	printf '%s' "$stamp" >"$cache/stamp"
fi

# The build stage's install: stripped, under /usr/local; the app's files.
rm -rf "$root/usr/local/bin" "$root/usr/local/libexec"
if ! cmake --install "$MODAL_BUILD" --prefix "$root/usr/local" --strip >"$TMP/install.log" 2>&1; then
	not_ok "cmake --install into the root: $(tail -n 3 "$TMP/install.log")"
	finish
	exit
fi
install -D -m 0644 "$MODAL_SRC/packaging/container/policy.yaml" "$root/etc/modal/policy.yaml"
install -m 0755 "$MODAL_SRC/packaging/container/example-app" "$root/usr/local/bin/example-app"

check "the Dockerfile's build stage installs stripped" grep -q 'cmake --install .*--strip' "$dockerfile"
bins=$(cd "$root" && find usr/local/bin usr/local/libexec -type f -perm -u+x -exec sh -c \
	'head -c 4 "$1" | grep -q ELF' sh {} \; -print)
for b in $bins; do
	chroot "$root" ldd "/$b" >"$TMP/ldd" 2>&1
	check "/$b: every library it links is in the root" sh -c "! grep 'not found' '$TMP/ldd'"
	check "/$b: stripped" sh -c "! readelf -S '$root/$b' | grep -q '\.symtab\|\.debug_'"
done
# Opened with dlopen (vault/remote/curl_dl.c, vault/store/pg/pg_dl.c): ldd cannot see them.
for lib in libcurl.so.4 libpq.so.5; do
	check "$lib (dlopen) is in the root" sh -c "chroot '$root' ldconfig -p | grep -q '$lib '"
done
expect_exit 0 "" chroot "$root" /usr/local/bin/modal-vault --version
expect_exit 0 "" unshare --pid --fork --mount-proc="$root/proc" chroot "$root" /usr/local/bin/modal-run --version

# The vault image: its state directory as the Dockerfile makes it, `init`,
# then `serve` as PID 1 (on loopback here, not the image's 0.0.0.0:8420),
# stopped by SIGTERM.
data=$(sed -n '/^FROM .* AS vault$/,/^FROM /p' "$dockerfile" | sed -n 's/^ENV XDG_DATA_HOME=//p')
case $data in
/?*) rm -rf "${root:?}$data" ;;
*) not_ok "no ENV XDG_DATA_HOME=/... in the Dockerfile's vault stage"; finish; exit ;;
esac
install -d -o 65534 -g 65534 -m 0700 "$root$data"
vault_image=(env XDG_DATA_HOME="$data" HOME=/nonexistent unshare --pid --fork --mount-proc="$root/proc"
	chroot --userspec=65534:65534 "$root" /usr/local/bin/modal-vault)
expect_exit 0 "" "${vault_image[@]}" init
"${vault_image[@]}" serve --listen 127.0.0.1:0 >"$TMP/vault-image.out" 2>"$TMP/vault-image.err" &
u=$!
for _ in $(seq 200); do grep -q "listening on" "$TMP/vault-image.out" && break; sleep 0.05; done
check "the vault image serves its vault" grep -q "listening on http://127.0.0.1:" "$TMP/vault-image.out"
kill -TERM "$(cat "/proc/$u/task/$u/children" 2>/dev/null | tr -d ' ')"
wait "$u" && got=0 || got=$?
is "$got" 0 "the vault image's server stops on SIGTERM with 0"

# A vault server on the host, on loopback; the app's secret and a token.
new_vault "$TMP/v"
printf '{"DATABASE_URL": "postgres://db/app", "API_KEY": "k", "TLS_KEY": "a\\nb\\n"}' >"$TMP/app.json"
chmod 0600 "$TMP/app.json"
"$V" secret create app --from-json "$TMP/app.json" >/dev/null
out=$("$V" token create --name container)
MODAL_TOKEN_ID=$(sed -n 's/^Token ID: *//p' <<<"$out")
MODAL_TOKEN_SECRET=$(sed -n 's/^Token secret: *//p' <<<"$out")
"$V" serve --store "$MODAL_SERVER_URL" --listen 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.log" &
server=$!
trap 'kill $server 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 200); do grep -q "listening on" "$TMP/serve.out" && break; sleep 0.05; done
# The token reaches modal-run as the Dockerfile's app stage expects it: a
# root-owned 0600 file in its credential directory (a read-only volume), never
# argv; modal-run starts as root and runs the app as nobody (--user).
export MODAL_SERVER_URL=$(sed -n 's/^modal-vault serve: listening on //p' "$TMP/serve.out" | head -n 1)
install -d -m 0700 "$root/run/modal"
(umask 077; printf '%s:%s\n' "$MODAL_TOKEN_ID" "$MODAL_TOKEN_SECRET" >"$root/run/modal/modal-token")
export CREDENTIALS_DIRECTORY=/run/modal MODAL_POLICY=/etc/modal/policy.yaml HOME=/nonexistent
unset MODAL_TOKEN_ID
[ -n "$MODAL_SERVER_URL" ] || { not_ok "the vault server did not start: $(cat "$TMP/serve.log")"; finish; exit; }

# The image's entrypoint, as PID 1 of its own PID namespace; the app as nobody.
container=(unshare --pid --fork --mount-proc="$root/proc" chroot "$root"
	/usr/local/bin/modal-run --user 65534:65534 --secret app -- /usr/local/bin/example-app)
expect_exit 7 "" "${container[@]}" 7
check "the app got its secrets from the host's vault server" \
	sh -c "grep -c '^example-app: have' '$TMP/out' | grep -qx 3"

"${container[@]}" >"$TMP/app.out" 2>"$TMP/app.err" &
u=$!
for _ in $(seq 300); do grep -q "ready" "$TMP/app.out" 2>/dev/null && break; sleep 0.05; done
pid1=$(cat "/proc/$u/task/$u/children" 2>/dev/null | tr -d ' ')
check "modal-run is PID 1 in the container" \
	sh -c "grep -q '^NSpid:.*[[:space:]]1$' /proc/$pid1/status && grep -q '^modal-run' /proc/$pid1/comm"
kill -TERM "$pid1"
wait "$u" && got=0 || got=$?
is "$got" 0 "SIGTERM to PID 1: the app's status (0, it stopped cleanly) returned"
check "SIGTERM to PID 1 reached the app" grep -q "SIGTERM, stopping" "$TMP/app.out"
check "the token is not in the app's output" sh -c "! grep -qF '$MODAL_TOKEN_SECRET' '$TMP/app.out' '$TMP/app.err'"
finish
