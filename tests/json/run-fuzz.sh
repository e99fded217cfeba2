#!/usr/bin/env bash
# Runs the fuzz target of vault/json's readers (what a server answers) for a
# bounded time on its corpus.
# Usage: run-fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../fuzz_lib.sh"
fuzz_run "$1/tests/json/fuzz_vault_json" "${2:-30}" "$here/corpus"/* -- -max_len=4096
