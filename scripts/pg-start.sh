#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests and benchmarks, and prints
# its URL. Debian's packaged server, a cluster in DIR (made if absent), owned by
# an unprivileged user: the current one, or a system user `modaltest` when run
# as root (PostgreSQL refuses to run as root). It listens on a Unix socket in
# DIR/sock and on a loopback port. Run again on the same DIR to restart a
# stopped cluster; scripts/pg-stop.sh DIR stops it and removes DIR.
# Usage: scripts/pg-start.sh DIR   -> postgresql://USER@127.0.0.1:PORT/modal
set -euo pipefail
dir=${1:?usage: pg-start.sh DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/pg_ctl" ] || { echo "pg-start: PostgreSQL is not installed (scripts/deps.sh)" >&2; exit 69; }

user=$(id -un)
as_user() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
	user=modaltest
	id -u "$user" >/dev/null 2>&1 ||
		useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
	as_user() { runuser -u "$user" -- "$@"; }
fi

# A free loopback port: bind port 0 and keep the number the kernel chose.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
as_user test -x "$(dirname "$dir")" ||
	{ echo "pg-start: $user cannot reach $dir: its parent directory must be searchable by $user" >&2; exit 77; }
if [ ! -f "$dir/data/PG_VERSION" ]; then
	mkdir -p "$dir/sock"
	[ "$(id -u)" -ne 0 ] || chown -R "$user" "$dir"
	chmod 0700 "$dir"
	# Trust only on the socket in a private directory and on loopback: the
	# cluster holds test data and lives for one test run.
	as_user "$bin/initdb" -D "$dir/data" -U "$user" -A trust -E UTF8 --no-instructions >"$dir/initdb.log"
	free_port >"$dir/port"
	cat >>"$dir/data/postgresql.conf" <<-EOF
		listen_addresses = '127.0.0.1'
		port = $(cat "$dir/port")
		unix_socket_directories = '$dir/sock'
		max_connections = 200
		shared_buffers = 32MB
		# Durable as in production: every acknowledged commit is on disk.
		fsync = on
		synchronous_commit = on
		log_min_messages = warning
	EOF
fi
port=$(cat "$dir/port")
as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null
as_user "$bin/psql" -h "$dir/sock" -p "$port" -U "$user" -d postgres -qAtc \
	"SELECT 1 FROM pg_database WHERE datname = 'modal'" | grep -q 1 ||
	as_user "$bin/createdb" -h "$dir/sock" -p "$port" -U "$user" modal
echo "postgresql://$user@127.0.0.1:$port/modal"
