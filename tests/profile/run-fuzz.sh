#!/usr/bin/env bash
# Runs the profile parser's fuzz target for a bounded time on its seed corpus
# (tests/profile/corpus plus the bad files); any crash, leak, timeout or
# sanitizer report fails the run.
# Usage: run-fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1
seconds=${2:-60}
work=$(mktemp -d)
mkdir "$work/corpus"
cp "$here/corpus"/* "$here/bad"/*.toml "$work/corpus/"
if ! "$build/tests/profile/fuzz_profile" -max_total_time="$seconds" -max_len=4096 \
	-timeout=10 -rss_limit_mb=2048 -dict="$here/profile.dict" \
	-print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
	tail -n 40 "$work/log"
	echo "fuzz_profile: FAILED (artifacts in $work)"
	exit 1
fi
runs=$(grep -o 'number_of_executed_units: [0-9]*' "$work/log" | grep -o '[0-9]*$')
echo "fuzz_profile: ok, $runs runs in ${seconds}s ($((runs / seconds))/s)"
rm -rf "$work"
