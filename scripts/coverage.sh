#!/usr/bin/env bash
# Line and branch coverage per folder: builds the tree with gcc --coverage
# (MODAL_COVERAGE, build/coverage), runs the test suite in it, and prints one
# line per source folder from gcovr. Tests that fail still count their lines;
# their names are printed. The valgrind test is not built there (too slow).
# Usage: scripts/coverage.sh [CTEST ARGS...]   e.g. -R server_ to run a part
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir="$top/build/coverage"
bash "$top/scripts/deps.sh"
cmake -S "$top" -B "$dir" -DMODAL_COVERAGE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$dir" -j"$(nproc)" >&2
find "$dir" -name '*.gcda' -delete
(cd "$dir" && ctest -j"$(nproc)" "$@" >"$dir/ctest.log" 2>&1) ||
	echo "$0: some tests failed (their lines still count): $(grep -E '^\s+[0-9]+ - ' "$dir/ctest.log" | tr -s ' \n' ' ')" >&2
# The product's sources only: not the tests, not the build's generated files.
gcovr --root "$top" --object-directory "$dir" \
	--filter "$top/(common|policy|vault|launcher)/" \
	--gcov-ignore-parse-errors --json-summary "$dir/coverage.json" >/dev/null
python3 - "$dir/coverage.json" <<'PY'
import collections, json, os, sys
tot = collections.defaultdict(lambda: [0, 0, 0, 0])
for f in json.load(open(sys.argv[1]))["files"]:
    d = os.path.dirname(f["filename"]) or "."
    for key in (d, "all"):
        t = tot[key]
        t[0] += f["line_covered"]; t[1] += f["line_total"]
        t[2] += f["branch_covered"]; t[3] += f["branch_total"]
pct = lambda a, b: f"{100.0 * a / b:5.1f}%" if b else "    -"
print(f"{'folder':<16} {'lines':>15} {'':>6}  {'branches':>15} {'':>6}")
for d in sorted(tot, key=lambda k: (k == "all", k)):
    l, lt, b, bt = tot[d]
    print(f"{d:<16} {l:>7}/{lt:<7} {pct(l, lt)}  {b:>7}/{bt:<7} {pct(b, bt)}")
PY
