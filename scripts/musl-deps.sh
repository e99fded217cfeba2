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
# The stamp: this recipe and the versions it built.
stamp="recipe=$(sha256sum <"$0" | cut -c1-16) "
for s in libsodium sqlite3 libyaml jansson; do
	v=$(dpkg-query -W -f='${source:Version}' "${sources[$s]}")
	stamp+="$s=$v "
done
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
for s in libsodium sqlite3 libyaml jansson; do
	v=$(dpkg-query -W -f='${source:Version}' "${sources[$s]}")
	step "downloading the source of $s $v" "${apt_src[@]}" source --download-only "$s=$v"
	# apt checked every file against the signed Sources index; dpkg-source
	# would check the .dsc's own signature with a keyring we do not install.
	step "unpacking $s" dpkg-source -x --no-check "${s}_${v#*:}.dsc" "$s"
done

export CC=musl-gcc
export CFLAGS="-O2 -fPIE -fstack-protector-strong -ffunction-sections -fdata-sections"
jobs=$(nproc)
autotools() ( # DIR: a static library into $prefix
	cd "$1" && autoreconf -fi && ./configure --prefix="$prefix" --disable-shared \
		--enable-static --disable-dependency-tracking && make -j"$jobs" && make install
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
