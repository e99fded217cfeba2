#!/usr/bin/env bash
# linkage.sh — libcurl costs every program that links it dynamically several
# milliseconds of loading. The static modal-run has libcurl linked in and
# loads nothing; a dynamic modal-run (sanitizer and fuzz builds) and
# modal-vault must not link it (nor jansson, linked statically): a command on
# the embedded vault never loads it, only a server URL does, through dlopen.
. "$(dirname "$0")/remote_lib.sh"

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' '; }
got=$(needed "$R")
check "modal-run links no library but the C library's (and sanitizers'): $got" \
	sh -c "! printf '%s' '$got' | grep -q 'curl\|ssl\|crypto\|jansson\|sodium\|sqlite\|yaml'"
got=$(needed "$V")
check "modal-vault does not link libcurl: $got" sh -c "! printf '%s' '$got' | grep -q 'curl\|ssl'"

store secret create s A=1 >/dev/null
new_token ci
export MODAL_TOKEN_ID=$TOKEN_ID MODAL_TOKEN_SECRET=$TOKEN_SECRET
serve srv

# loaded CMD...: the shared objects the dynamic loader opened for CMD.
loaded() { LD_DEBUG=files "$@" 2>&1 >/dev/null | sed -n 's/.*file=\([^ ]*\) .*/\1/p' | sort -u; }

if [ -n "$(needed "$R")" ]; then
	libs=$(loaded "$R" --server "$STORE" -s s -- true)
	check "an embedded launch loads no libcurl ($(echo $libs))" sh -c "! printf '%s' '$libs' | grep -q curl"
	libs=$(loaded "$R" --server "$srv_URL" -s s -- true)
	check "a launch from a server loads libcurl" sh -c "printf '%s' '$libs' | grep -q libcurl.so.4"
else
	# (what LD_DEBUG shows is the target's: the static modal-run has no loader)
	libs=$(loaded "$R" --server "$srv_URL" -s s -- true)
	check "the static modal-run loads no libcurl from a server ($(echo $libs))" \
		sh -c "! printf '%s' '$libs' | grep -q 'curl\|ssl'"
fi
libs=$(loaded "$V" --server "$STORE" secret list)
check "modal-vault on the embedded vault loads no libcurl" sh -c "! printf '%s' '$libs' | grep -q curl"
libs=$(loaded "$V" --server "$srv_URL" secret list)
check "modal-vault on a server loads libcurl" sh -c "printf '%s' '$libs' | grep -q libcurl.so.4"

finish
