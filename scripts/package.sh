#!/usr/bin/env bash
# Builds the Debian package: CPack's DEB generator over `cmake --install`
# (packaging/CMakeLists.txt says what is installed), Depends from
# dpkg-shlibdeps, then lintian, which must report no error. Prints the
# package's path as its last line.
# Usage: scripts/package.sh [BUILD_DIR]
#   BUILD_DIR: a tree already built (the tests package their own build);
#   default: the release build, built first (scripts/build.sh release).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/scripts/deps.sh"
if [ $# -gt 0 ]; then
	dir=$(cd "$1" && pwd)
else
	dir=$(bash "$top/scripts/build.sh" release)
fi
out=$(mktemp -d "$dir/package.XXXXXX")
trap 'rm -rf "$out/_CPack_Packages"' EXIT
(cd "$out" && cpack -G DEB --config "$dir/CPackConfig.cmake" >&2)
deb=$(ls "$out"/*.deb)
# Errors fail the build; warnings and overrides are explained in
# packaging/debian/lintian-overrides.
lintian --fail-on error "$deb" >&2 ||
	{ echo "$0: lintian found errors in $deb" >&2; exit 1; }
echo "$0: lintian: no errors in $deb" >&2
echo "$deb"
