#!/usr/bin/env bash
# cmake --install with GNUInstallDirs set otherwise than the defaults: an
# absolute CMAKE_INSTALL_LIBEXECDIR outside the prefix, under DESTDIR. The
# installed modal-run (static) must still find its installed twin for a
# vault server's launch, and the unit must name the installed modal-vault.
# A build of its own (no tests, glibc flavour): ~1 minute.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../server/server_lib.sh"

build=$TMP/build
cmake -S "$MODAL_SRC" -B "$build" -DMODAL_MUSL_PREFIX= -DMODAL_TESTS=OFF \
	-DCMAKE_INSTALL_PREFIX=/opt/mr -DCMAKE_INSTALL_BINDIR=sbin/tools \
	-DCMAKE_INSTALL_LIBEXECDIR=/usr/libexec/mr-abs >"$TMP/configure.log" 2>&1 &&
	cmake --build "$build" -j2 >"$TMP/build.log" 2>&1
check "configured and built with an absolute libexec dir" test -x "$build/launcher/modal-run-remote"
DESTDIR="$TMP/dest" cmake --install "$build" >/dev/null
run=$TMP/dest/opt/mr/sbin/tools/modal-run
check "modal-run installed in the prefix's bin dir" test -x "$run"
check "the twin installed in the absolute libexec dir" test -x "$TMP/dest/usr/libexec/mr-abs/modal-run/modal-run-remote"
check "the unit names the installed modal-vault" \
	grep -q "^ExecStart=/opt/mr/sbin/tools/modal-vault serve" "$TMP/dest/opt/mr/lib/systemd/system/modal-vault.service"

# A launch through a vault server: the installed static modal-run execs the
# twin it finds from its own place.
unset MODAL_SERVER_URL
vault_init "$TMP/v"
MODAL_SERVER_URL=$STORE "$MODAL_VAULT" secret create app A=1 >/dev/null
read -r tid tsec < <(cli_token)
start_server
MODAL_TOKEN_SECRET=$tsec expect_exit 0 "" "$run" --server "$URL" --token-id "$tid" --secret app -- sh -c 'test "$A" = 1'
# Without the twin: a one-line error naming it, 69.
rm "$TMP/dest/usr/libexec/mr-abs/modal-run/modal-run-remote"
MODAL_TOKEN_SECRET=$tsec expect_exit 69 "modal-run-remote" "$run" --server "$URL" --token-id "$tid" --secret app -- true
stop_server
finish
