#!/bin/bash
# modal_toml.sh — a ~/.modal.toml as Modal's client writes it (its toml.dump
# of every key modal/config.py defines, several profiles) is read by both
# programs; an unknown key is one warning naming file and line; a file with
# profiles of which none applies is exit 78, never the embedded vault.
. "$(dirname "$0")/../lib.sh"
export HOME="$TMP/home"
mkdir -p "$HOME"
unset MODAL_CONFIG_PATH MODAL_SERVER_URL
vault="$TMP/v"

# What `modal token set` + `modal config set-environment` + hand edits of
# Modal's documented settings leave: strings, booleans and numbers.
write_modal_file() {
	cat >"$HOME/.modal.toml" <<TOML
[default]
token_id = "ak-AAAAAAAAAAAAAAAAAAAAAA"
token_secret = "as-aaaaaaaaaaaaaaaaaaaaaa"
loglevel = "DEBUG"
log_format = "JSON"
log_pattern = "[modal-client] %(asctime)s %(message)s"
image_builder_version = "2024.10"
logs_timeout = 20.0
heartbeat_interval = 15
serve_timeout = 1e3
force_build = false
ignore_cache = "1"
traceback = true
default_cloud = "aws"
build_validation = "warn"
strict_parameters = false
snapshot_debug = "0"
task_id = "ta-1"
sync_entrypoint = "x"
image_id = "im-1"
function_runtime = "gvisor"
function_runtime_debug = false
runtime_perf_record = false
worker_id = "w"
restore_state_path = "/__modal/restore-state.json"
cuda_checkpoint_path = "/__modal/.bin/cuda-checkpoint"

[work]
token_id = "ak-BBBBBBBBBBBBBBBBBBBBBB"
token_secret = "as-bbbbbbbbbbbbbbbbbbbbbb"
server_url = "file:$vault"
environment = "main"
loglevel = "INFO"
active = true
$1
TOML
	chmod 600 "$HOME/.modal.toml"
}

MODAL_SERVER_URL="file:$vault" "$MODAL_VAULT" init >/dev/null
write_modal_file ""
expect_exit 0 "" "$MODAL_VAULT" secret list
check "Modal's file: no warning" test ! -s "$TMP/err"
expect_exit 0 "" "$MODAL_RUN" -- true
check "Modal's file: modal-run says nothing" test ! -s "$TMP/err"

# A key neither Modal nor we define: one line naming file, line, column.
write_modal_file 'colour = "blue"'
expect_exit 0 '~/.modal.toml:35:1: unknown key "colour" in [work] ignored' "$MODAL_VAULT" secret list
check "unknown key: one warning line" test "$(wc -l <"$TMP/err")" = 1
expect_exit 0 'modal-run: warning: ~/.modal.toml:35:1: unknown key "colour"' "$MODAL_RUN" -- true

# Strictness kept: malformed, two active, group-writable.
write_modal_file 'loglevel = [1]'
expect_exit 78 '~/.modal.toml:35:1: duplicate key "loglevel" in [work]' "$MODAL_VAULT" secret list
write_modal_file 'colour = [1]'
expect_exit 78 '~/.modal.toml:35:10: "colour" must be a string, a boolean or a number, not an array' "$MODAL_VAULT" secret list
write_modal_file '[b]
active = true'
expect_exit 78 'two active profiles' "$MODAL_VAULT" secret list
expect_exit 78 'two active profiles' "$MODAL_RUN" -- true
write_modal_file ""
chmod 620 "$HOME/.modal.toml"
expect_exit 78 'writable by group or others' "$MODAL_VAULT" secret list

# Profiles, none active, none [default], no MODAL_PROFILE: say so, exit 78.
printf '[a]\ntoken_id = "ak-A"\n\n[b]\nserver_url = "file:%s"\n' "$vault" >"$HOME/.modal.toml"
chmod 600 "$HOME/.modal.toml"
expect_exit 78 '~/.modal.toml: no profile applies' "$MODAL_VAULT" secret list
expect_exit 78 '~/.modal.toml: no profile applies' "$MODAL_RUN" -- true
expect_exit 0 "" env MODAL_PROFILE=b "$MODAL_VAULT" secret list
# Nothing configured at all (no file, or no profile in it): the embedded default.
: >"$HOME/.modal.toml"
XDG_DATA_HOME="$TMP/xdg" "$MODAL_VAULT" init >/dev/null
expect_exit 0 "" env XDG_DATA_HOME="$TMP/xdg" "$MODAL_VAULT" secret list
rm "$HOME/.modal.toml"
expect_exit 0 "" env XDG_DATA_HOME="$TMP/xdg" "$MODAL_VAULT" secret list
finish
