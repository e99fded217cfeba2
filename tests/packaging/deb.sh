#!/usr/bin/env bash
# The Debian package as a user gets it: scripts/package.sh builds it from
# this build's `cmake --install` (lintian: no error), it holds what
# packaging/CMakeLists.txt installs with Depends from the binaries' real
# libraries, and, unpacked into a root of its own, its programs run from
# there (a launch on an embedded vault, and one through a vault server),
# its completions complete, and its
# units pass systemd-analyze verify and rate OK or better.
. "$(dirname "$0")/../lib.sh"
unset MODAL_SERVER_URL

deb=$(bash "$MODAL_SRC/scripts/package.sh" "$MODAL_BUILD" 2>"$TMP/package.log" | tail -n 1)
check "package.sh printed the package's path last" test -f "$deb"
[ -f "$deb" ] || { cat "$TMP/package.log"; finish; exit 1; }
trap 'rm -rf "$TMP" "$(dirname "$deb")"' EXIT
check "package.sh ran lintian: no errors" grep -q "lintian: no errors in $deb" "$TMP/package.log"

dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$TMP/contents"
for f in /usr/bin/modal-run /usr/bin/modal-vault \
	/usr/share/man/man1/modal-run.1.gz /usr/share/man/man1/modal-vault.1.gz \
	/usr/share/man/man5/modal-run-policy.5.gz \
	/usr/lib/systemd/system/modal-vault.service /usr/lib/systemd/system/modal-vault.socket \
	/usr/share/bash-completion/completions/modal-run /usr/share/bash-completion/completions/modal-vault \
	/usr/share/doc/modal-run/copyright /usr/share/doc/modal-run/changelog.gz \
	/usr/share/doc/modal-run/README.md /usr/share/doc/modal-run/docs/configuration.md \
	/usr/share/doc/modal-run/examples/example-app.service /usr/share/doc/modal-run/examples/policy.yaml \
	/usr/share/lintian/overrides/modal-run; do
	check "the package holds $f" grep -qx "$f" "$TMP/contents"
done
depends=$(dpkg-deb -f "$deb" Depends)
# What dpkg-shlibdeps finds in modal-vault, and libcurl, which is dlopen'ed.
for lib in libc6 libmicrohttpd12 libjansson4 libcurl4; do
	check "Depends names $lib ($depends)" grep -q "$lib" <<<"$depends"
done

# cmake --install into another prefix with DESTDIR: the same set of files.
DESTDIR="$TMP/destdir" cmake --install "$MODAL_BUILD" --prefix /opt/modal >/dev/null
(cd "$TMP/destdir/opt/modal" && find . -type f | sed 's|^\.|/usr|' | sort) >"$TMP/installed"
grep -v '/$' "$TMP/contents" | sort >"$TMP/packaged"
check "cmake --install with DESTDIR and --prefix installs what the package holds" \
	diff "$TMP/installed" "$TMP/packaged"
check "a --prefix install's unit names its own modal-vault" \
	grep -q "^ExecStart=/opt/modal/bin/modal-vault serve" "$TMP/destdir/opt/modal/lib/systemd/system/modal-vault.service"

# Unpacked into a root of its own (usr-merged, as Debian 12 is).
root=$TMP/root
mkdir -p "$root/usr/lib"
ln -s usr/lib "$root/lib"
dpkg-deb -x "$deb" "$root"
export PATH="$root/usr/bin:$PATH"
check "the installed modal-run is the one run" test "$(command -v modal-run)" = "$root/usr/bin/modal-run"
check "installed modal-run --version" sh -c 'modal-run --version | grep -q "^modal-run [0-9]"'
check "installed modal-vault --version" sh -c 'modal-vault --version | grep -q "^modal-vault [0-9]"'
check "the man pages are gzip and read" sh -c 'zcat "$1/usr/share/man/man1/modal-run.1.gz" | grep -q "^\.TH"' sh "$root"

export MODAL_SERVER_URL="file:$TMP/vault"
modal-vault init >/dev/null
printf 'A=1\n' >"$TMP/app.env"
chmod 0600 "$TMP/app.env"
modal-vault secret create app --from-dotenv "$TMP/app.env" >/dev/null
expect_exit 0 "" modal-run --secret app -- sh -c 'test "$A" = 1'

# Through a vault server, from the installed modal-run alone.
modal-vault serve --store "$MODAL_SERVER_URL" --listen 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
spid=$!
for _ in $(seq 200); do
	grep -q "listening on" "$TMP/serve.out" && break
	kill -0 "$spid" 2>/dev/null || break
	sleep 0.05
done
url=$(sed -n 's/^modal-vault serve: listening on //p' "$TMP/serve.out")
read -r tid tsec < <(modal-vault token create --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["token_id"], j["token_secret"])')
MODAL_TOKEN_SECRET=$tsec expect_exit 0 "" modal-run --server "$url" --token-id "$tid" --secret app -- sh -c 'test "$A" = 1'
kill -TERM "$spid"
wait "$spid"

# Completions, as bash-completion loads them.
complete_line() {
	bash -c '. /usr/share/bash-completion/bash_completion
		. "$1/usr/share/bash-completion/completions/modal-vault"
		. "$1/usr/share/bash-completion/completions/modal-run"
		line=$2
		read -ra COMP_WORDS <<<"$line"
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMP_LINE=$line COMP_POINT=${#line}
		if [[ ${COMP_WORDS[0]} == modal-run ]]; then _modal_run; else _modal_vault; fi
		printf "%s\n" "${COMPREPLY[@]}"' sh "$root" "$1" 2>/dev/null
}
check "completion: modal-vault subcommands" sh -c '[ "$(echo $1)" = "create delete get list" ]' sh "$(complete_line 'modal-vault secret ' | sort)"
check "completion: modal-vault workspace members" sh -c '[ "$(echo $1)" = "add list remove update" ]' sh "$(complete_line 'modal-vault workspace members ' | sort)"
check "completion: modal-vault secret names from the vault" sh -c '[ "$1" = app ]' sh "$(complete_line 'modal-vault secret get ')"
check "completion: modal-vault flags" grep -qx -- --json <<<"$(complete_line 'modal-vault secret list --')"
check "completion: modal-run flags" grep -qx -- --secret <<<"$(complete_line 'modal-run --se')"
check "completion: modal-run secret names" sh -c '[ "$1" = app ]' sh "$(complete_line 'modal-run --secret ')"
check "completion: modal-run environment names" sh -c '[ "$1" = main ]' sh "$(complete_line 'modal-run -e ')"
check "completion: no vault, no names, no noise" sh -c '[ -z "$1" ]' sh "$(MODAL_SERVER_URL=file:$TMP/none complete_line 'modal-run --secret ')"

# The units: verified against the root (its programs, man pages and the
# system's own units), rated by systemd-analyze security.
cp -an /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
verify() {
	MANPATH="$root/usr/share/man" systemd-analyze verify --root="$root" "$@" >"$TMP/verify" 2>&1
}
check "systemd-analyze verify modal-vault.service modal-vault.socket" \
	verify /usr/lib/systemd/system/modal-vault.service /usr/lib/systemd/system/modal-vault.socket
[ -s "$TMP/verify" ] && cat "$TMP/verify"
cp "$root/usr/share/doc/modal-run/examples/example-app.service" "$root/usr/lib/systemd/system/"
mkdir -p "$root/usr/local/bin" && ln -sf /bin/true "$root/usr/local/bin/example-app"
check "systemd-analyze verify example-app.service" verify /usr/lib/systemd/system/example-app.service
sed 's|^ExecStart=/usr/bin/modal-vault|ExecStart=/usr/bin/no-such-program|' \
	"$root/usr/lib/systemd/system/modal-vault.service" >"$root/usr/lib/systemd/system/broken.service"
if verify /usr/lib/systemd/system/broken.service; then
	not_ok "systemd-analyze verify passed a unit naming a missing program"
else
	ok "systemd-analyze verify fails a unit naming a missing program"
fi
for unit in modal-vault.service example-app.service; do
	rating=$(systemd-analyze security --offline=yes --root="$root" "$unit" 2>/dev/null |
		sed -n 's/^→ Overall exposure level for [^:]*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
	check "$unit is rated OK or better ($rating)" grep -qE ' (PERFECT|SAFE|OK)$' <<<"$rating"
done
check "example-app.service restarts on transient failures only" sh -c \
	'grep -qx "Restart=on-failure" "$1" && grep -qx "RestartPreventExitStatus=64 65 77 78" "$1"' sh \
	"$root/usr/lib/systemd/system/example-app.service"
finish
