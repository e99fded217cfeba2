#!/usr/bin/env bash
# Runs the vault's fuzz targets for a bounded time each on their corpora.
# Usage: run-fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../fuzz_lib.sh"
for t in dotenv codec; do
	fuzz_run "$1/tests/vault/fuzz_$t" "${2:-30}" "$here/corpus/$t"/* -- -max_len=4096
done
