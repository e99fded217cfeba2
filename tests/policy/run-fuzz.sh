#!/usr/bin/env bash
# Runs the policy loader's fuzz target for a bounded time on its seed corpus
# (tests/policy/corpus, plus the good and bad policies), then the value
# matcher's against regexec(3) on tests/policy/pattern-seeds.
# Usage: run-fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../fuzz_lib.sh"
fuzz_run "$1/tests/policy/fuzz_policy" "${2:-60}" \
	"$here/corpus"/* "$here/good"/*.yaml "$here/bad"/*.yaml -- \
	-max_len=8192 -dict="$here/policy.dict"
fuzz_run "$1/tests/policy/fuzz_pattern" "${2:-60}" "$here/pattern-seeds"/* -- -max_len=512
