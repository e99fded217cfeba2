#!/usr/bin/env bash
# Runs the remote client's fuzz target for a bounded time on its corpus; any
# crash, leak or sanitizer report fails the run.
# Usage: run-fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1
seconds=${2:-30}
for t in answers; do
	work=$(mktemp -d)
	mkdir "$work/corpus"
	cp "$here/corpus/$t"/* "$work/corpus/"
	if ! "$build/tests/remote/fuzz_$t" -max_total_time="$seconds" -max_len=4096 \
		-print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
		tail -n 40 "$work/log"
		echo "fuzz_$t: FAILED (artifacts in $work)"
		exit 1
	fi
	echo "fuzz_$t: ok, $(grep -o 'number_of_executed_units: [0-9]*' "$work/log" | grep -o '[0-9]*$') runs in ${seconds}s"
	rm -rf "$work"
done
