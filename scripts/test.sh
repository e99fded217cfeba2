#!/usr/bin/env bash
# Runs every test: unit and end-to-end tests in a release build and again under
# AddressSanitizer + UndefinedBehaviorSanitizer, then each fuzz target for a
# bounded time on its corpus. Installs what it needs first.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/deps.sh

fuzz_seconds=${MODAL_FUZZ_SECONDS:-60}

echo "== release build"
rel=$(bash scripts/build.sh release)
(cd "$rel" && ctest --output-on-failure -j2)

echo "== ASan + UBSan build"
asan=$(bash scripts/build.sh asan)
(cd "$asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j2)

echo "== fuzzing (${fuzz_seconds}s per target)"
fuzz=$(bash scripts/build.sh fuzz)
for runner in tests/*/run-fuzz.sh; do
	bash "$runner" "$fuzz" "$fuzz_seconds"
done
echo "all tests passed"
