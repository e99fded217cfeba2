#!/usr/bin/env bash
# Runs the policy loader's fuzz target for a bounded time on its seed corpus
# (tests/policy/corpus, plus the good and bad policies); any crash, leak,
# timeout or sanitizer report fails the run.
# Usage: run-fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1
seconds=${2:-60}
work=$(mktemp -d)
mkdir "$work/corpus"
cp "$here/corpus"/* "$here/good"/*.yaml "$here/bad"/*.yaml "$work/corpus/"
if ! "$build/tests/policy/fuzz_policy" -max_total_time="$seconds" -max_len=8192 \
	-timeout=10 -rss_limit_mb=2048 -dict="$here/policy.dict" \
	-print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
	tail -n 40 "$work/log"
	echo "fuzz_policy: FAILED (artifacts in $work)"
	exit 1
fi
runs=$(grep -o 'number_of_executed_units: [0-9]*' "$work/log" | grep -o '[0-9]*$')
echo "fuzz_policy: ok, $runs runs in ${seconds}s"
rm -rf "$work"
