#!/usr/bin/env bash
# Runs the duration grammar's fuzz target for a bounded time on its corpus.
# Usage: run-fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../fuzz_lib.sh"
fuzz_run "$1/tests/config/fuzz_duration" "${2:-30}" "$here/corpus/duration"/* -- -max_len=64
