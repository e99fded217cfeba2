#!/usr/bin/env bash
# Long fuzz runs, one command: every libFuzzer target of the tree (each
# tests/*/run-fuzz.sh) for MODAL_FUZZ_SECONDS each (default 3600), at most
# MODAL_FUZZ_JOBS scripts at once (default 1), nice'd, on the fuzz build.
# Prints one line per target (executions, rate, edges, features, corpus) and
# fails if any target found a crash, leak, timeout or sanitizer report (its
# artifacts are kept, the path is printed). The test command runs the same
# scripts for seconds; this is the same thing for as long as you can spare.
# Usage: MODAL_FUZZ_SECONDS=3600 MODAL_FUZZ_JOBS=2 scripts/fuzz-long.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${MODAL_FUZZ_SECONDS:-3600}
jobs=${MODAL_FUZZ_JOBS:-1}
build=$(bash "$top/scripts/build.sh" fuzz)
echo "fuzzing each target for ${seconds}s, $jobs at a time, build $build" >&2
printf '%s\n' "$top"/tests/*/run-fuzz.sh |
	xargs -P "$jobs" -I{} nice -n 19 bash {} "$build" "$seconds"
