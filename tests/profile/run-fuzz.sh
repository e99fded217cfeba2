#!/usr/bin/env bash
# Runs the profile parser's fuzz targets (the parser, and the rewrite of
# token set) for a bounded time on their seed corpus (tests/profile/corpus
# plus the bad files).
# Usage: run-fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../fuzz_lib.sh"
fuzz_run "$1/tests/profile/fuzz_profile" "${2:-60}" "$here/corpus"/* "$here/bad"/*.toml -- \
	-max_len=4096 -dict="$here/profile.dict"
# The rewrite of token set and profile activate, on the same seeds.
fuzz_run "$1/tests/profile/fuzz_profile_edit" "${2:-60}" "$here/corpus"/* "$here/bad"/*.toml -- \
	-max_len=4096 -dict="$here/profile.dict"
