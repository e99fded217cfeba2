#!/usr/bin/env bash
# servers.sh — every kind of vault URL against a real `modal-vault serve`:
# http://, https:// with a self-signed certificate (trusted only through
# --cacert / MODAL_CACERT), unix:PATH, and comma-separated lists that fail over
# in order; modal-run and modal-vault alike.
. "$(dirname "$0")/remote_lib.sh"

store secret create db USER=app 'PASS=p=w;"x"' >/dev/null
new_token ci
export MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET

# launches URL [ARGS...]: modal-run through URL gets exactly the stored values.
launches() {
	local url=$1 got
	shift
	got=$("$R" --server "$url" "$@" -s db -- sh -c 'printf "%s|%s" "$USER" "$PASS"' 2>"$TMP/err")
	if [ "$got" = 'app|p=w;"x"' ]; then ok "modal-run via $url $*"; else
		not_ok "modal-run via $url $*: got '$got': $(cat "$TMP/err")"; fi
}

# lists URL [ARGS...]: modal-vault through URL lists the secret.
lists() {
	local url=$1
	shift
	if "$V" secret list --server "$url" "$@" 2>"$TMP/err" | grep -q '^db '; then
		ok "modal-vault via $url $*"
	else
		not_ok "modal-vault via $url $*: $(cat "$TMP/err")"
	fi
}

# --- http:// ------------------------------------------------------------------
serve plain
launches "$plain_URL"
launches "$plain_URL/"
lists "$plain_URL"

# --- unix:PATH ----------------------------------------------------------------
serve sock --listen "unix:$TMP/vault.sock"
check "unix listener is announced" test "$sock_URL" = "unix:$TMP/vault.sock"
launches "unix:$TMP/vault.sock"
lists "unix:$TMP/vault.sock"
expect_exit 69 "unix:$TMP/none.sock unreachable" "$R" --server "unix:$TMP/none.sock" -s db -- true

# --- https:// with a self-signed certificate ---------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
serve tls --listen 127.0.0.1:0 --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem"
check "TLS listener is https" test "${tls_URL#https://}" != "$tls_URL"
launches "$tls_URL" --cacert "$TMP/cert.pem"
MODAL_CACERT="$TMP/cert.pem" launches "$tls_URL"
lists "$tls_URL" --cacert "$TMP/cert.pem"
# The system store does not know this certificate: refused, never retried.
expect_exit 78 "TLS" "$R" --server "$tls_URL" -s db -- touch "$TMP/ran"
check "nothing ran without a trusted certificate" test ! -e "$TMP/ran"
expect_exit 78 "TLS" "$V" secret list --server "$tls_URL"
# The host name is checked too: localhost is in the certificate, 127.0.0.2 is not.
launches "https://localhost:${tls_URL##*:}" --cacert "$TMP/cert.pem"
# Plain HTTP to the TLS port is an answer no client can read.
expect_exit 69 "" "$R" --server "http://127.0.0.1:${tls_URL##*:}" --timeout 3s -s db -- true

# --- failover lists -----------------------------------------------------------
dead=$(dead_url)
launches "$dead,$plain_URL"
launches "unix:$TMP/none.sock,$plain_URL"
lists "$dead,$plain_URL"
# In order: the first server that answers is the one used.
launches "$plain_URL,$dead"
# A second server of the same store takes over when the first stops.
serve second
kill "$plain_PID"
wait "$plain_PID" 2>/dev/null
launches "$plain_URL,$second_URL"
MODAL_SERVER_URL="$plain_URL,$second_URL" launches "$plain_URL,$second_URL"
# Every server down: 69, one line naming each.
expect_exit 69 "$plain_URL: Connection refused; $dead: Connection refused" \
	"$R" --server "$plain_URL,$dead" -s db -- touch "$TMP/ran"
check "nothing ran with every server down" test ! -e "$TMP/ran"
# A list is servers only.
expect_exit 78 "expected http(s)://HOST" "$R" --server "$second_URL,$STORE" -s db -- true

finish
