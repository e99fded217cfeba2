#!/usr/bin/env bash
# alone.sh — modal-run is one static executable that speaks to every kind of
# vault itself. Copied alone into an empty root (a chroot: no library, no
# dynamic loader, no /etc, no twin), it launches from file:, http://, https://
# (a private CA through --cacert) and unix: vaults. A plain http or unix:
# launch never initialises TLS: libcurl's TLS start opens SSLKEYLOGFILE, and
# only an https launch may.
. "$(dirname "$0")/remote_lib.sh"
if readelf -d "$R" | grep -q NEEDED; then
	echo "skip: this modal-run is dynamically linked (sanitizer or fuzz build)"
	finish
	exit
fi
check "modal-run has no interpreter" eval "! readelf -l \"$R\" | grep -q 'program interpreter'"
check "modal-run needs no shared library" eval "! readelf -d \"$R\" | grep -q NEEDED"
check "and has no twin beside it" test ! -e "$(dirname "$R")/modal-run-remote"

# The root: modal-run, a static program to launch (it prints one variable),
# a file: vault, a server's socket and the private CA's certificate.
root="$TMP/root"
mkdir -p "$root"
cp "$R" "$root/modal-run"
printf '%s\n' '#include <stdio.h>' '#include <stdlib.h>' \
	'int main(int c, char **v) { const char *x = c > 1 ? getenv(v[1]) : NULL;' \
	'	return x != NULL && fputs(x, stdout) >= 0 ? 0 : 1; }' >"$TMP/show.c"
musl-gcc -static -O2 -o "$root/show" "$TMP/show.c"
MODAL_SERVER_URL="file:$root/vault" "$V" init >/dev/null
MODAL_SERVER_URL="file:$root/vault" "$V" secret create s A=embedded >/dev/null
store secret create s A=remote >/dev/null
new_token ci

# A private CA and a server certificate it signs for 127.0.0.1 and localhost.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=test-ca -keyout "$TMP/ca.key" -out "$root/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=localhost \
	-keyout "$TMP/key.pem" -out "$TMP/cert.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$TMP/san.ext"
openssl x509 -req -in "$TMP/cert.csr" -CA "$root/ca.pem" -CAkey "$TMP/ca.key" \
	-CAcreateserial -days 2 -extfile "$TMP/san.ext" -out "$TMP/cert.pem" 2>/dev/null
serve plain
serve sock --listen "unix:$root/v.sock"
serve tls --listen 127.0.0.1:0 --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem"

# The root gets what every machine has, the kernel's /proc and /dev, bound in
# a mount namespace of its own; nothing else of this machine is visible.
if [ "$(id -u)" != 0 ]; then
	echo "skip: a chroot needs root"
	finish
	exit
fi
mkdir -p "$root/proc" "$root/dev"
jail=("$(command -v unshare)" --mount --propagation private sh -c \
	'mount --rbind /proc "$0/proc" && mount --rbind /dev "$0/dev" && exec chroot "$0" "$@"' "$root")
# alone WANT URL [ARGS...]: the launch in the empty root prints WANT.
alone() {
	local want=$1 url=$2 got
	shift 2
	got=$(env -i HOME=/ MODAL_TOKEN_ID="$TOKEN_ID" MODAL_TOKEN_SECRET="$TOKEN_SECRET" \
		"${jail[@]}" /modal-run --server "$url" "$@" -s s -- /show A 2>"$TMP/err")
	if [ "$got" = "$want" ]; then ok "alone in an empty root: $url $*"; else
		not_ok "alone in an empty root: $url $*: got '$got': $(cat "$TMP/err")"; fi
}
alone embedded file:/vault
alone remote "$plain_URL"
alone remote unix:/v.sock
alone remote "$tls_URL" --cacert /ca.pem
alone remote "https://localhost:${tls_URL##*:}" --cacert /ca.pem
# No CA store in the root: the server's certificate is refused, nothing runs.
env -i HOME=/ MODAL_TOKEN_ID="$TOKEN_ID" MODAL_TOKEN_SECRET="$TOKEN_SECRET" \
	"${jail[@]}" /modal-run --server "$tls_URL" -s s -- /show A >"$TMP/out" 2>"$TMP/err"
got="$?:$(cat "$TMP/out")"
check "without --cacert the certificate is refused (78: $got) and nothing runs" test "$got" = "78:"

# The system's CA store as a whole is read and used: Debian's bundle with the
# private CA appended verifies the server (one certificate it cannot parse
# would fail the load). Without it, the compiled-in bundle is that file.
cat /etc/ssl/certs/ca-certificates.crt "$root/ca.pem" >"$TMP/bundle.pem"
got=$(as_token "$R" --server "$tls_URL" --cacert "$TMP/bundle.pem" -s s -- printenv A 2>&1)
check "the system CA bundle plus the private CA verifies the server ($got)" test "$got" = remote

# TLS 1.3 with a server that has it: the server's hello names 1.3 in its
# supported_versions extension (43, length 2, 0x0304); curl's wolfSSL backend
# would pin 1.2 if asked for "1.2 or later" the way the system libcurl is.
strace -f -xx -s 256 -e trace=recvfrom,read -o "$TMP/tls.trace" \
	env MODAL_TOKEN_ID="$TOKEN_ID" MODAL_TOKEN_SECRET="$TOKEN_SECRET" \
	"$R" --server "$tls_URL" --cacert "$root/ca.pem" -s s -- true
check "an https launch speaks TLS 1.3" grep -q '\\x00\\x2b\\x00\\x02\\x03\\x04' "$TMP/tls.trace"

# TLS only for https: SSLKEYLOGFILE names the file libcurl's TLS start opens.
for url in "$plain_URL" "unix:$root/v.sock"; do
	rm -f "$TMP/keys"
	SSLKEYLOGFILE="$TMP/keys" as_token "$R" --server "$url" -s s -- true
	check "a launch from $url never initialises TLS" test ! -e "$TMP/keys"
done
SSLKEYLOGFILE="$TMP/keys" as_token "$R" --server "$tls_URL" --cacert "$root/ca.pem" -s s -- true
check "an https launch does (the check above can fail)" test -e "$TMP/keys"
finish
