#!/usr/bin/env bash
# Builds the static libraries of modal-run's musl flavour into PREFIX: libsodium,
# SQLite, libyaml and jansson, each from Debian's own source package of the
# very version installed for the main build (apt verifies the files against the
# signed Sources index), compiled with musl-gcc as position-independent code.
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
		    [libyaml]=libyaml-dev [jansson]=libjansson-dev)
stamp=""
for s in libsodium sqlite3 libyaml jansson; do
	v=$(dpkg-query -W -f='${source:Version}' "${sources[$s]}")
	stamp+="$s=$v "
done
if [ -f "$prefix/stamp" ] && [ "$(cat "$prefix/stamp")" = "$stamp" ]; then
	echo "$prefix"
	exit 0
fi

# A private apt configuration for the deb-src index: the machine's own
# sources stay as they are (the .sources name selects the deb822 format).
rm -rf "$src" && mkdir -p "$src/lists/partial"
cat >"$src/deb-src.sources" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
apt_src=(apt-get -qq -o "Dir::Etc::SourceList=$src/deb-src.sources" -o Dir::Etc::SourceParts=/nonexistent
	 -o "Dir::State::Lists=$src/lists" -o APT::Sandbox::User=root)
"${apt_src[@]}" update >&2
cd "$src"
for s in libsodium sqlite3 libyaml jansson; do
	v=$(dpkg-query -W -f='${source:Version}' "${sources[$s]}")
	"${apt_src[@]}" source --download-only "$s=$v" >&2
	dpkg-source -x --no-check "${s}_${v#*:}.dsc" "$s" >/dev/null
done

export CC=musl-gcc
export CFLAGS="-O2 -fPIE -fstack-protector-strong -ffunction-sections -fdata-sections"
jobs=$(nproc)
autotools() { # DIR [configure args]: a static library into $prefix
	local dir=$1; shift
	(cd "$dir" && autoreconf -fi >/dev/null 2>&1 &&
	 ./configure -q --prefix="$prefix" --disable-shared --enable-static \
		     --disable-dependency-tracking "$@" >/dev/null &&
	 make -s -j"$jobs" >/dev/null 2>&1 && make -s install >/dev/null)
}
autotools "$src/libsodium"
autotools "$src/libyaml"
autotools "$src/jansson"

# SQLite: the amalgamation generated from the source tree, compiled for the one
# thing modal-run does with it: read a database, from one thread. No
# extensions are loaded, so none can be (SQLITE_OMIT_LOAD_EXTENSION).
(cd "$src/sqlite3" && ./configure -q >/dev/null && make -s sqlite3.c >/dev/null 2>&1 &&
 $CC $CFLAGS -c sqlite3.c -o sqlite3.o \
	-DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_DEFAULT_MEMSTATUS=0 \
	-DSQLITE_OMIT_DEPRECATED -DSQLITE_OMIT_SHARED_CACHE -DSQLITE_SECURE_DELETE \
	-DSQLITE_LIKE_DOESNT_MATCH_BLOBS -DSQLITE_USE_URI=1 &&
 ar rcs "$prefix/lib/libsqlite3.a" sqlite3.o &&
 install -m 644 sqlite3.h sqlite3ext.h "$prefix/include/")
v=$(dpkg-query -W -f='${Version}' libsqlite3-dev)
cat >"$prefix/lib/pkgconfig/sqlite3.pc" <<EOF
prefix=$prefix
Name: SQLite
Description: SQL database engine (musl, static, modal-run's flavour)
Version: ${v%%-*}
Libs: -L\${prefix}/lib -lsqlite3
Cflags: -I\${prefix}/include
EOF

# libcurl and libpq are never linked into modal-run: curl_dl.h and pg_dl.h
# load them at run time, and this static flavour hands server and postgres:
# URLs to its dynamic twin. Their headers declare the types the code is
# compiled against; the .pc files say so and link nothing.
headers_only() { # PKG-CONFIG-NAME FILE...: copy the headers, write a .pc
	local pc=$1 from f; shift
	from=$(pkg-config --variable=includedir "$pc")
	for f in "$@"; do cp -r "$from/$f" "$prefix/include/"; done
	cat >"$prefix/lib/pkgconfig/$pc.pc" <<-EOF
	prefix=$prefix
	Name: $pc
	Description: $pc's headers only: modal-run loads the library at run time
	Version: $(pkg-config --modversion "$pc")
	Cflags: -I\${prefix}/include
	EOF
}
headers_only libcurl curl
headers_only libpq libpq-fe.h postgres_ext.h pg_config_ext.h

rm -rf "$src"
echo "$stamp" >"$prefix/stamp"
echo "$prefix"
