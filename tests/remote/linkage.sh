#!/usr/bin/env bash
# linkage.sh — libcurl costs every program that links it several milliseconds
# of loading: modal-run and modal-vault must not link it (nor jansson, linked
# statically), and a launch on the embedded vault must never load it; only a
# server URL does, through dlopen.
. "$(dirname "$0")/remote_lib.sh"

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' '; }
got=$(needed "$R")
check "modal-run links no library but the C library's (and sanitizers'): $got" \
	sh -c "! printf '%s' '$got' | grep -q 'curl\|ssl\|crypto\|jansson\|sodium\|sqlite\|yaml'"
# A static modal-run hands server launches to its dynamically linked twin.
twin="$(dirname "$R")/modal-run-remote"
if [ -x "$twin" ]; then
	got=$(needed "$twin")
	check "modal-run-remote does not link libcurl either: $got" \
		sh -c "! printf '%s' '$got' | grep -q 'curl\|ssl\|jansson'"
fi
got=$(needed "$V")
check "modal-vault does not link libcurl: $got" sh -c "! printf '%s' '$got' | grep -q 'curl\|ssl'"

store secret create s A=1 >/dev/null
new_token ci
export MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET
serve srv

# loaded CMD...: the shared objects the dynamic loader opened for CMD.
loaded() { LD_DEBUG=files "$@" 2>&1 >/dev/null | sed -n 's/.*file=\([^ ]*\) .*/\1/p' | sort -u; }

libs=$(loaded "$R" --server "$STORE" -s s -- true)
check "an embedded launch loads no libcurl ($(echo $libs))" sh -c "! printf '%s' '$libs' | grep -q curl"
libs=$(loaded "$R" --server "$srv_URL" -s s -- true)
check "a launch from a server loads libcurl" sh -c "printf '%s' '$libs' | grep -q libcurl.so.4"
libs=$(loaded "$V" --server "$STORE" secret list)
check "modal-vault on the embedded vault loads no libcurl" sh -c "! printf '%s' '$libs' | grep -q curl"

finish
