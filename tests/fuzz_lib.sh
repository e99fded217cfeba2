# fuzz_lib.sh — the one way the test command runs a libFuzzer target: for a
# bounded time on a copy of its seeds; a crash, leak, timeout or sanitizer
# report fails it, leaving the artifacts. Source it from a run-fuzz.sh.

# fuzz_run BINARY SECONDS SEED... [-- LIBFUZZER_FLAG...]
fuzz_run() {
	local bin=$1 seconds=$2 name work runs cov seeds=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		seeds+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	name=$(basename "$bin")
	work=$(mktemp -d)
	mkdir "$work/corpus"
	cp "${seeds[@]}" "$work/corpus/"
	if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 "$@" \
		-print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
		tail -n 40 "$work/log"
		echo "$name: FAILED (artifacts in $work)"
		return 1
	fi
	runs=$(grep -o 'number_of_executed_units: [0-9]*' "$work/log" | grep -o '[0-9]*$')
	# libFuzzer's last status line: edges covered, features, corpus entries.
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*' "$work/log" | tail -n 1)
	echo "$name: ok, $runs runs in ${seconds}s ($((runs / seconds))/s), ${cov:-no coverage line}"
	rm -rf "$work"
}
