#!/usr/bin/env bash
# run.sh — a local demonstration of docs/scaling.md: PostgreSQL, N vault
# servers sharing it and one master key, nginx balancing across them.
#
#   run.sh up DIR [N]   start everything in DIR (N servers, default 3); prints
#                       the load balancer's URL and exports nothing: DIR/env
#                       holds MODAL_SERVER_URL, MODAL_TOKEN_ID, MODAL_TOKEN_SECRET
#   run.sh down DIR     stop everything and remove DIR
#
# PostgreSQL: MODAL_PG_URL if set (with MODAL_VAULT_MASTER_KEY for its key
# file), else a throwaway local cluster (scripts/pg-start.sh). Programs:
# MODAL_VAULT (default: modal-vault on PATH).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
V=${MODAL_VAULT:-modal-vault}
cmd=${1:-}
dir=${2:-}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_servers() {   # start_servers N: the vault servers, each on its own port
	local i port
	for i in $(seq 1 "$1"); do
		port=$(free_port)
		# nginx, on this host, is the one proxy whose X-Real-IP counts.
		"$V" serve --store "$(cat "$dir/store")" --listen "127.0.0.1:$port" --trust-proxy 127.0.0.1 \
			>"$dir/serve$i.out" 2>"$dir/serve$i.log" &
		echo $! >"$dir/serve$i.pid"
		echo "127.0.0.1:$port" >"$dir/serve$i.addr"
	done
	for i in $(seq 1 "$1"); do
		for _ in $(seq 100); do
			grep -q "listening on" "$dir/serve$i.out" && break
			kill -0 "$(cat "$dir/serve$i.pid")" || break
			sleep 0.05
		done
		grep -q "listening on" "$dir/serve$i.out" ||
			{ echo "run.sh: server $i did not start: $(tail -n 2 "$dir/serve$i.log")" >&2; exit 1; }
	done
}

start_nginx() {   # start_nginx N: nginx.conf with this demo's addresses
	local i servers="" port
	port=$(free_port)
	for i in $(seq 1 "$1"); do
		servers+="		server $(cat "$dir/serve$i.addr") max_fails=1 fail_timeout=5s;"$'\n'
	done
	mkdir -p "$dir/tmp"
	python3 - "$here/nginx.conf" "$dir/nginx.conf" "$dir" "127.0.0.1:$port" "$servers" <<-'PY'
	import sys
	src, dst, work, listen, servers = sys.argv[1:]
	conf = open(src).read().replace("@WORK@", work).replace("@LISTEN@", listen)
	conf = conf.replace("@SERVER_NAME@", listen.split(":")[0])
	open(dst, "w").write(conf.replace("@UPSTREAM_SERVERS@\n", servers))
	PY
	[ "$(id -u)" != 0 ] || sed -i "1i user $(id -un) $(id -gn);" "$dir/nginx.conf"
	nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/nginx-error.log"
	echo "http://127.0.0.1:$port" >"$dir/lb"
}

up() {
	local n=${1:-3} url token
	mkdir -p -m 700 "$dir"
	if [ -n "${MODAL_PG_URL:-}" ]; then
		url=$MODAL_PG_URL
	else
		# A cluster of its own, beside DIR: PostgreSQL runs unprivileged.
		mkdir -p "$dir.pg" && chmod 711 "$dir.pg"
		url=$(bash "$top/scripts/pg-start.sh" "$dir.pg/cluster")
	fi
	# One key file for every server of the cluster (docs/scaling.md: keys).
	export MODAL_VAULT_MASTER_KEY=${MODAL_VAULT_MASTER_KEY:-$dir/master.key}
	echo "$url" >"$dir/store"
	MODAL_SERVER_URL=$url "$V" migrate >/dev/null
	MODAL_SERVER_URL=$url "$V" init --name scaling-demo >/dev/null 2>&1 ||
		MODAL_SERVER_URL=$url "$V" workspace current >/dev/null
	token=$(MODAL_SERVER_URL=$url "$V" token create --name scaling-demo --json |
		python3 -c 'import json,sys; t=json.load(sys.stdin); print(t["token_id"], t["token_secret"])')
	start_servers "$n"
	start_nginx "$n"
	read -r id secret <<<"$token"
	umask 077
	printf 'MODAL_SERVER_URL=%s\nMODAL_TOKEN_ID=%s\nMODAL_TOKEN_SECRET=%s\n' \
		"$(cat "$dir/lb")" "$id" "$secret" >"$dir/env"
	echo "load balancer: $(cat "$dir/lb") ($n servers on $url); credentials in $dir/env"
}

down() {
	local f
	# Whatever is still running: a server may have died already.
	if [ -s "$dir/nginx.pid" ]; then kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true; fi
	for f in "$dir"/serve*.pid; do
		[ ! -f "$f" ] || kill -TERM "$(cat "$f")" 2>/dev/null || true
	done
	if [ -d "$dir.pg" ]; then
		bash "$top/scripts/pg-stop.sh" "$dir.pg/cluster"
		rm -rf "$dir.pg"
	fi
	rm -rf "$dir"
}

case $cmd in
up) [ -n "$dir" ] || { echo "usage: run.sh up DIR [N]" >&2; exit 64; }; up "${3:-3}" ;;
down) [ -n "$dir" ] || { echo "usage: run.sh down DIR" >&2; exit 64; }; down ;;
*) echo "usage: run.sh up DIR [N] | run.sh down DIR" >&2; exit 64 ;;
esac
