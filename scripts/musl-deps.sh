#!/usr/bin/env bash
# Builds the static libraries of modal-run's musl flavour into PREFIX: libsodium,
# SQLite, libyaml, jansson, wolfSSL, libcurl and libpq, each from Debian's own source
# package of the very version installed for the main build (wolfSSL, which the
# main build does not install: the version apt would install), apt verifying
# the files against the signed Sources index, compiled with musl-gcc as
# position-independent code.
#
# Why musl: glibc's start-up asks the CPU for its features and cache sizes,
# dozens of CPUID instructions, each a trap to the hypervisor on a VM; a static
# glibc program pays ~0.3 ms for it before main, a static musl one nothing
# (docs/benchmarks.md). That is most of what stood between an embedded launch
# and 1.3x of `env /bin/true`.
#
# Usage: scripts/musl-deps.sh PREFIX     -> prints PREFIX when it is complete.
# Idempotent: a stamp records the source versions; a change rebuilds.
set -euo pipefail
prefix=$(mkdir -p "$1" && cd "$1" && pwd)
src="$prefix/src"

# source package -> the binary package whose version we match
declare -A sources=([libsodium]=libsodium-dev [sqlite3]=libsqlite3-dev
		    [libyaml]=libyaml-dev [jansson]=libjansson-dev
		    [wolfssl]=libwolfssl-dev [curl]=libcurl4-openssl-dev)
# libpq's source is named after PostgreSQL's major version (postgresql-15).
pq_src=$(dpkg-query -W -f='${source:Package}' libpq-dev)
sources[$pq_src]=libpq-dev
source_version() { # SOURCE: the installed version of its package, else apt's candidate
	local pkg=${sources[$1]} v
	v=$(dpkg-query -W -f='${db:Status-Status} ${source:Version}' "$pkg" 2>/dev/null |
		sed -n 's/^installed //p')
	[ -n "$v" ] || v=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: *//p')
	if [ -z "$v" ] || [ "$v" = "(none)" ]; then
		echo "musl-deps: no version of $pkg installed or known to apt (apt-get update?)" >&2
		exit 1
	fi
	echo "$v"
}
all="libsodium sqlite3 libyaml jansson wolfssl curl $pq_src"
declare -A version
for s in $all; do version[$s]=$(source_version "$s"); done
# The stamp: this recipe and the versions it built.
stamp="recipe=$(sha256sum <"$0" | cut -c1-16) "
for s in $all; do stamp+="$s=${version[$s]} "; done
if [ -f "$prefix/stamp" ] && [ "$(cat "$prefix/stamp")" = "$stamp" ]; then
	echo "$prefix"
	exit 0
fi

# A private apt configuration for the deb-src index, derived from the
# machine's own: the same URIs, suites, components and keys as its deb lines
# (so a mirror or a proxy it uses serves the sources too), as deb-src. The
# machine's sources stay as they are.
rm -rf "$src" && mkdir -p "$src/lists/partial" "$src/sources.d"
deb_src_of() { # FILE: its deb entries as deb-src ones (deb822 or one-line format)
	case "$1" in
	*.sources) awk 'BEGIN { RS = ""; ORS = "\n\n" }
		/(^|\n)Types:[^\n]*[[:space:]]deb([[:space:]]|$)/ {
			sub(/(^|\n)Types:[^\n]*/, "\nTypes: deb-src"); sub(/^\n/, ""); print }' "$1" ;;
	*) sed -n 's/^[[:space:]]*deb\([[:space:]]\)/deb-src\1/p' "$1" ;;
	esac
}
n=0
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	deb_src_of "$f" >"$src/sources.d/$n-${f##*/}"
done
if ! grep -qs '^[[:space:]]*\(Types: \)\?deb-src' "$src"/sources.d/*; then
	echo "musl-deps: no deb entry in the machine's apt sources (/etc/apt/sources.list*) to derive deb-src from" >&2
	exit 1
fi
apt_src=(apt-get -qq -o Dir::Etc::SourceList=/nonexistent -o "Dir::Etc::SourceParts=$src/sources.d"
	 -o "Dir::State::Lists=$src/lists" -o APT::Sandbox::User=root)
log="$prefix/build.log"
: >"$log"
step() { # WHAT COMMAND...: run it, its output to the log; on failure say where
	if ! "${@:2}" >>"$log" 2>&1; then
		echo "musl-deps: $1 failed (the last lines of $log):" >&2
		tail -n 15 "$log" >&2
		exit 1
	fi
}
step "apt-get update of the deb-src index" "${apt_src[@]}" update
cd "$src"
for s in $all; do
	v=${version[$s]}
	step "downloading the source of $s $v" "${apt_src[@]}" source --download-only "$s=$v"
	# apt checked every file against the signed Sources index; dpkg-source
	# would check the .dsc's own signature with a keyring we do not install.
	step "unpacking $s" dpkg-source -x --no-check "${s}_${v#*:}.dsc" "$s"
done

export CC=musl-gcc
export CFLAGS="-O2 -fPIE -fstack-protector-strong -ffunction-sections -fdata-sections"
jobs=$(nproc)
autotools() ( # DIR [CONFIGURE-OPTION...]: a static library into $prefix
	cd "$1" && autoreconf -fi && ./configure --prefix="$prefix" --disable-shared \
		--enable-static --disable-dependency-tracking "${@:2}" && make -j"$jobs" && make install
)
for s in libsodium libyaml jansson; do
	step "building $s" autotools "$src/$s"
done

# SQLite: the amalgamation generated from the source tree, compiled for the one
# thing modal-run does with it: read a database, from one thread. No
# extensions are loaded, so none can be (SQLITE_OMIT_LOAD_EXTENSION).
# configure's sqlite_cfg.h says what the C library has: without it SQLite
# falls back to lseek+read for pread and, worse, to whole-second sleep(3) for
# usleep, so a launch waiting out a writer would wait a second at a time.
sqlite() (
	cd "$src/sqlite3" && ./configure && make sqlite3.c &&
	$CC $CFLAGS -D_HAVE_SQLITE_CONFIG_H -I. -c sqlite3.c -o sqlite3.o \
		-DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_DEFAULT_MEMSTATUS=0 \
		-DSQLITE_OMIT_DEPRECATED -DSQLITE_OMIT_SHARED_CACHE -DSQLITE_SECURE_DELETE \
		-DSQLITE_LIKE_DOESNT_MATCH_BLOBS -DSQLITE_USE_URI=1 &&
	ar rcs "$prefix/lib/libsqlite3.a" sqlite3.o &&
	install -m 644 sqlite3.h sqlite3ext.h "$prefix/include/"
)
step "building sqlite3" sqlite
v=$(dpkg-query -W -f='${Version}' libsqlite3-dev)
cat >"$prefix/lib/pkgconfig/sqlite3.pc" <<EOF
prefix=$prefix
Name: SQLite
Description: SQL database engine (musl, static, modal-run's flavour)
Version: ${v%%-*}
Libs: -L\${prefix}/lib -lsqlite3
Cflags: -I\${prefix}/include
EOF

# wolfSSL, the TLS library of modal-run's libcurl (chosen by measurement over
# mbedTLS and OpenSSL: docs/benchmarks.md, "TLS"). TLS 1.2 and 1.3 only; SNI;
# IP addresses in subjectAltName (https://127.0.0.1); the single-precision
# maths with its x86-64 assembly for P-256, P-384 and RSA 2048/3072 (their
# signatures and key exchanges in well under a millisecond; P-521 and RSA 4096
# take the generic code: its P-521 tables alone are 0.7 MB); AES-NI.
# opensslextra: curl's wolfSSL backend uses those names.
step "building wolfssl" autotools "$src/wolfssl" --enable-opensslextra --enable-tls13 \
	--disable-oldtls --enable-sni --enable-ip-alt-name --enable-altcertchains \
	--enable-supportedcurves --enable-sp=ec256,ec384,rsa2048,rsa3072 --enable-sp-asm \
	--enable-aesni \
	--disable-examples --disable-crypttests --disable-benchmark

# libcurl with what the vault client needs and nothing else: HTTP/1.1 over TCP
# or a Unix socket, HTTPS through wolfSSL verifying against the system's CA
# bundle (or --cacert); the threaded resolver, so that the request's deadline
# bounds name resolution too (musl's: /etc/hosts and /etc/resolv.conf, no NSS
# modules). No other protocol, no HTTP/2, IDN, PSL, compression, cookies,
# authentication schemes, netrc or alt-svc: less code on the launch path.
# Debian's source renames the library for its GnuTLS and NSS packages in its
# last two patches (libcurl-gnutls, libcurl-nss): undone, newest first.
curl_unrename() (
	cd "$src/curl" && patch -R -p1 <debian/patches/99_nss.patch &&
	patch -R -p1 <debian/patches/90_gnutls.patch
)
step "undoing Debian's libcurl renaming patches (99_nss, 90_gnutls)" curl_unrename
curl_build() (
	cd "$src/curl" && autoreconf -fi &&
	PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig" ./configure --prefix="$prefix" \
		--disable-shared --enable-static --disable-dependency-tracking \
		--with-wolfssl="$prefix" --without-ca-path \
		--with-ca-bundle=/etc/ssl/certs/ca-certificates.crt \
		--disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp \
		--disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap \
		--disable-smb --disable-smtp --disable-gopher --disable-mqtt --disable-websockets \
		--disable-manual --disable-alt-svc --disable-hsts --disable-cookies --disable-doh \
		--disable-ntlm --disable-ntlm-wb --disable-kerberos-auth --disable-negotiate-auth \
		--disable-aws --disable-netrc --disable-mime --disable-tls-srp --disable-sspi \
		--disable-crypto-auth --disable-libcurl-option --disable-headers-api \
		--without-libidn2 --without-libpsl --without-zlib --without-brotli --without-zstd \
		--without-nghttp2 --without-nghttp3 --without-ngtcp2 --without-quiche \
		--without-msh3 --without-libssh2 --without-libssh --without-wolfssh \
		--without-librtmp --without-libgsasl --without-hyper &&
	make -C lib -j"$jobs" && make -C lib install && make -C include install &&
	make install-pkgconfigDATA
)
step "building curl" curl_build
# What the build above is, checked: a wrong option or a Debian change that
# brought a protocol or a library back fails here, not in a launch.
curl_check() {
	local f
	f=" $(sh "$src/curl/curl-config" --features | xargs) "
	[ "$(sh "$src/curl/curl-config" --protocols | xargs)" = "HTTP HTTPS" ] &&
	case "$f" in *" UnixSockets "*) ;; *) false ;; esac &&
	case "$f" in *" HTTP2 "*|*" IDN "*|*" PSL "*|*" libz "*|*" brotli "*|*" zstd "*) false ;; esac &&
	[ "$(sed -n 's/^Libs.private: *//p' "$prefix/lib/pkgconfig/libcurl.pc" | xargs)" = "-lwolfssl -lm" ]
}
step "checking libcurl's protocols, features and libraries (HTTP HTTPS, UnixSockets, wolfSSL only)" curl_check

# libpq, for postgres: vaults: the client library alone (and the two helper
# libraries it links, built position-independent), no TLS library (TLS to
# PostgreSQL would need OpenSSL, which libpq alone supports: a connection that
# requires it fails), nor readline, zlib, ICU, GSSAPI, LDAP or NLS.
pq_build() (
	cd "$src/$pq_src" && ./configure --prefix="$prefix" --without-readline --without-zlib \
		--without-icu --without-openssl --without-gssapi --without-ldap --without-pam \
		--without-systemd --without-llvm --without-lz4 --without-zstd --without-libxml \
		--disable-nls &&
	make -C src/backend generated-headers && make -C src/common -j"$jobs" &&
	make -C src/port -j"$jobs" && make -C src/interfaces/libpq -j"$jobs" all-static-lib &&
	install -m 644 src/interfaces/libpq/libpq.a src/common/libpgcommon_shlib.a \
		src/port/libpgport_shlib.a "$prefix/lib/" &&
	install -m 644 src/interfaces/libpq/libpq-fe.h src/include/postgres_ext.h \
		src/include/pg_config_ext.h "$prefix/include/"
)
step "building libpq ($pq_src)" pq_build
cat >"$prefix/lib/pkgconfig/libpq.pc" <<EOF
prefix=$prefix
Name: libpq
Description: PostgreSQL's client library (musl, static, no TLS: modal-run's flavour)
Version: ${version[$pq_src]%%-*}
Libs: -L\${prefix}/lib -lpq -lpgcommon_shlib -lpgport_shlib
Cflags: -I\${prefix}/include
EOF

rm -rf "$src"
echo "$stamp" >"$prefix/stamp"
echo "$prefix"
