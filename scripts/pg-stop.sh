#!/usr/bin/env bash
# Stops a cluster started by scripts/pg-start.sh and removes its directory.
# Usage: scripts/pg-stop.sh DIR [--keep|--crash]
#   --keep: stop only, to start it again; --crash: the same, but as a crash
#   (immediate mode: no checkpoint, the next start recovers from the WAL).
set -euo pipefail
dir=${1:?usage: pg-stop.sh DIR [--keep]}
keep=${2:-}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_user() { "$@"; }
[ "$(id -u)" -ne 0 ] || as_user() { runuser -u modaltest -- "$@"; }

if [ "$keep" = --crash ] && [ -f "$dir/data/postmaster.pid" ]; then
	as_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
	exit 0
fi
if [ -f "$dir/data/postmaster.pid" ]; then
	# fast: roll back open transactions and stop at once (no waiting for clients).
	as_user "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
		as_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
fi
[ "$keep" = --keep ] || rm -rf "$dir"
