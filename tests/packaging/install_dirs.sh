#!/usr/bin/env bash
# cmake --install with GNUInstallDirs set otherwise than the defaults: an
# absolute CMAKE_INSTALL_LIBEXECDIR outside the prefix and a two-level bin
# directory, under DESTDIR. The installed modal-run must launch from a vault
# server (once, a static modal-run exec'd a twin from the libexec directory,
# and an absolute one broke every remote launch), and the unit must name the
# installed modal-vault. A build of its own (no tests, glibc flavour): ~1 minute.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../server/server_lib.sh"

build=$TMP/build
cmake -S "$MODAL_SRC" -B "$build" -DMODAL_MUSL_PREFIX= -DMODAL_TESTS=OFF \
	-DCMAKE_INSTALL_PREFIX=/opt/mr -DCMAKE_INSTALL_BINDIR=sbin/tools \
	-DCMAKE_INSTALL_LIBEXECDIR=/usr/libexec/mr-abs >"$TMP/configure.log" 2>&1 &&
	cmake --build "$build" -j2 >"$TMP/build.log" 2>&1
check "configured and built with an absolute libexec dir" test -x "$build/launcher/modal-run"
DESTDIR="$TMP/dest" cmake --install "$build" >/dev/null
run=$TMP/dest/opt/mr/sbin/tools/modal-run
check "modal-run installed in the prefix's bin dir" test -x "$run"
check "no twin installed anywhere" sh -c "! find '$TMP/dest' -name modal-run-remote | grep -q ."
check "the unit names the installed modal-vault" \
	grep -q "^ExecStart=/opt/mr/sbin/tools/modal-vault serve" "$TMP/dest/opt/mr/lib/systemd/system/modal-vault.service"

# A launch through a vault server from the installed modal-run.
unset MODAL_SERVER_URL
vault_init "$TMP/v"
MODAL_SERVER_URL=$STORE "$MODAL_VAULT" secret create app A=1 >/dev/null
read -r tid tsec < <(cli_token)
start_server
MODAL_TOKEN_SECRET=$tsec expect_exit 0 "" "$run" --server "$URL" --token-id "$tid" --secret app -- sh -c 'test "$A" = 1'
stop_server
finish
