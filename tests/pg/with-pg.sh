#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster: MODAL_TEST_PG_URL names
# its database, MODAL_TEST_PG_DIR its directory (for restarts); the cluster
# is stopped and removed however the command ends. Exits 77 (skipped) when
# PostgreSQL is not installed.
# Usage: tests/pg/with-pg.sh COMMAND [ARGS]...
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 ||
	{ echo "PostgreSQL is not installed (scripts/deps.sh): skipped"; exit 77; }
dir=$(mktemp -d /tmp/modal-pg.XXXXXX)
trap 'bash "$top/scripts/pg-stop.sh" "$dir"' EXIT
trap 'exit 143' TERM INT
export MODAL_TEST_PG_DIR=$dir
MODAL_TEST_PG_URL=$(bash "$top/scripts/pg-start.sh" "$dir")
export MODAL_TEST_PG_URL
"$@"
