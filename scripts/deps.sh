#!/usr/bin/env bash
# Installs the Debian 12 packages the build, the tests and the benchmarks need.
# Safe to run again: it installs only what is missing.
set -euo pipefail

packages=(
	# build
	cmake make gcc pkg-config libsodium-dev libyaml-dev libsqlite3-dev libjansson-dev
	# modal-run's musl flavour: its libraries built from Debian's sources
	musl-tools dpkg-dev autoconf automake libtool tcl
	# the vault client: libcurl headers to build, the library loaded at run time
	libcurl4-openssl-dev libcurl4
	# tests, fuzzing, benchmarks
	libcmocka-dev clang libclang-rt-14-dev python3 sqlite3 hyperfine procps util-linux strace linux-perf
	# memcheck over the real programs (tests/valgrind), coverage per folder (scripts/coverage.sh)
	valgrind gcovr
	# the PostgreSQL store: libpq headers to build, a server for its tests
	libpq-dev postgresql faketime
	# the vault server (libmicrohttpd with GnuTLS); its tests and bench/serve
	libmicrohttpd-dev curl openssl nginx-light wrk python3-yaml python3-jsonschema
	# the container images' runtime root, built without a container engine
	debootstrap
	# the Debian package (scripts/package.sh) and its test: lintian checks it,
	# systemd-analyze verifies and rates the units, systemd-socket-activate
	# starts the server as socket activation does, bash-completion loads completions
	lintian systemd bash-completion
	# --from-dotenv is checked against python-dotenv itself (tests/vault/dotenv_compat.sh)
	python3-dotenv
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
