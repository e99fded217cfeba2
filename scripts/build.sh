#!/usr/bin/env bash
# Configures and builds one flavour of the tree: release (default), asan or fuzz.
# Usage: scripts/build.sh [release|asan|fuzz]   -> prints the build directory
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
flavour=${1:-release}
dir="$top/build/$flavour"
case "$flavour" in
release) # modal-run is one static musl executable (launcher/CMakeLists.txt):
	 # no release without its libraries; musl-deps.sh names the step that failed.
	 if ! musl=$(bash "$top/scripts/musl-deps.sh" "$top/build/musl-deps"); then
		 echo "$0: the release build needs modal-run's static libraries (above)" >&2
		 exit 1
	 fi
	 opts=(-DMODAL_MUSL_PREFIX="$musl") ;;
asan)    opts=(-DMODAL_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug) ;;
fuzz)    opts=(-DMODAL_FUZZ=ON -DMODAL_SANITIZE=ON -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug) ;;
*) echo "usage: $0 [release|asan|fuzz]" >&2; exit 64 ;;
esac
cmake -S "$top" -B "$dir" "${opts[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)" >&2
echo "$dir"
