#!/usr/bin/env bash
# Runs the remote client's fuzz target (the server answers it reads) for a
# bounded time on its corpus.
# Usage: run-fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../fuzz_lib.sh"
fuzz_run "$1/tests/remote/fuzz_answers" "${2:-30}" "$here/corpus/answers"/* -- -max_len=4096
