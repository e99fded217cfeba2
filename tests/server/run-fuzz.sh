#!/usr/bin/env bash
# Runs the server's fuzz target (the fetch answer a launcher opens) for a
# bounded time on its corpus.
# Usage: run-fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../fuzz_lib.sh"
fuzz_run "$1/tests/server/fuzz_wire" "${2:-30}" "$here/corpus/wire"/* -- -max_len=4096
