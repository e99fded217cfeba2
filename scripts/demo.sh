#!/usr/bin/env bash
# The product's main job on the embedded default: a throwaway vault, a secret
# stored in it, and a program launched with it. Installs and builds what it needs.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/scripts/deps.sh"
build=$(bash "$top/scripts/build.sh" release)
demo=$(mktemp -d /tmp/modal-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT

# A throwaway vault instead of the default file:$XDG_DATA_HOME/modal-vault.
export MODAL_SERVER_URL="file:$demo/vault"
run() { echo "\$ $*"; "$@"; }

run "$build/vault/cli/modal-vault" init
# The password comes from stdin (KEY=-), so it never appears in argv.
echo "\$ printf 'correct horse battery staple' | modal-vault secret create db DB_USER=app DB_PASSWORD=-"
printf 'correct horse battery staple' | "$build/vault/cli/modal-vault" secret create db DB_USER=app DB_PASSWORD=-
run "$build/vault/cli/modal-vault" secret get db
echo
echo "\$ modal-run --secret db -- sh -c 'echo ...'"
"$build/launcher/modal-run" --secret db -- sh -c \
	'echo "pid $$ received DB_USER=$DB_USER and DB_PASSWORD=$DB_PASSWORD (${#DB_PASSWORD} bytes)"'
echo
run "$build/launcher/modal-run" --secret db --check -- true
