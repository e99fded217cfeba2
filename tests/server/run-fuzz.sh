#!/usr/bin/env bash
# Runs the server's fuzz targets for a bounded time each on their corpora:
# the fetch answer a launcher opens (wire) and the sealed token a vault
# opens (token).
# Usage: run-fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../fuzz_lib.sh"
for t in wire token; do
	fuzz_run "$1/tests/server/fuzz_$t" "${2:-30}" "$here/corpus/$t"/* -- -max_len=4096
done
