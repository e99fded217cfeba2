#!/usr/bin/env bash
# Exit statuses: the target's own once it runs (signals as the shell sees
# them), 126/127 as env(1), and the launcher's sysexits codes, each failure
# one line on stderr starting "modal-run: " that shows no secret value.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launch_lib.sh"
new_vault "$TMP/v"
printf '{"A": "needle-a-value", "B": "needle-b-value"}' >"$TMP/s1.json"
chmod 0600 "$TMP/s1.json"
mk s1 --from-json "$TMP/s1.json"
NEEDLES=(needle-a-value needle-b-value)

# --- the target's own status ------------------------------------------------
for code in 0 1 42 255; do
	expect_exit "$code" "" "$R" -s s1 -- sh -c "exit $code"
done
for sig in TERM KILL INT USR1; do
	num=$(kill -l "$sig")
	expect_exit $((128 + num)) "" "$R" -s s1 -- sh -c "kill -$sig \$\$"
done

# --- 126 found but not executable, 127 not found ----------------------------
printf 'echo hi\n' >"$TMP/noexec"
chmod 0644 "$TMP/noexec"
mkdir "$TMP/adir" "$TMP/bin"
fails 126 "$TMP/noexec: Permission denied" "$R" -s s1 -- "$TMP/noexec"
fails 126 "Permission denied" "$R" -s s1 -- "$TMP/adir"
cp "$TMP/noexec" "$TMP/bin/noexec-by-name"
fails 126 "noexec-by-name: Permission denied" env PATH="$TMP/bin:$PATH" "$R" -s s1 -- noexec-by-name
fails 127 "no-such-command-xyz: No such file or directory" "$R" -s s1 -- no-such-command-xyz
fails 127 "No such file or directory" "$R" -s s1 -- "$TMP/no/such/file"
fails 127 "No such file or directory" "$R" -s s1 -- ''
fails 127 "No such file or directory" env PATH="$TMP/bin" "$R" -s s1 -- sh
# A file without #! runs under /bin/sh (ENOEXEC), with its arguments.
printf 'printf "%%s|" "$0" "$@" >"$1"\nexit 3\n' >"$TMP/bin/script"
chmod 0755 "$TMP/bin/script"
expect_exit 3 "" "$R" -s s1 -- "$TMP/bin/script" "$TMP/script.out" "two words"
is "$(cat "$TMP/script.out" 2>/dev/null)" "$TMP/bin/script|$TMP/script.out|two words|" \
	"a script without #! runs under /bin/sh with \$0 and its arguments"
expect_exit 3 "" env PATH="$TMP/bin:$PATH" "$R" -s s1 -- script "$TMP/script.out" x
is "$(cat "$TMP/script.out")" "$TMP/bin/script|$TMP/script.out|x|" "... found through PATH too"
# PATH search: skips a directory holding a non-executable file of that name.
mkdir "$TMP/bin2"
cp "$TMP/noexec" "$TMP/bin2/script"
expect_exit 3 "" env PATH="$TMP/bin2:$TMP/bin:$PATH" "$R" -s s1 -- script "$TMP/script.out"

# --- 64 usage -----------------------------------------------------------------
fails 64 "no command given" "$R" -s s1
fails 64 "no command given" "$R" -s s1 --
fails 64 "unknown option '--bogus'" "$R" --bogus -s s1 -- touch "$TMP/ran"
fails 64 "unknown option" "$R" -x -s s1 -- touch "$TMP/ran"
fails 64 "--on-conflict" "$R" --on-conflict=sometimes -s s1 -- touch "$TMP/ran"
fails 64 "--secret: invalid name" "$R" -s 'bad name' -- touch "$TMP/ran"
fails 64 "--secret: invalid name" "$R" -s '-leading' -- touch "$TMP/ran"
fails 64 "--env: invalid environment name" "$R" -e 'no/slash' -s s1 -- touch "$TMP/ran"
fails 64 "--keep only applies with --clean-env" "$R" --keep HOME -s s1 -- touch "$TMP/ran"
fails 64 "--keep: invalid variable name" "$R" --clean-env --keep 'A=B' -s s1 -- touch "$TMP/ran"
fails 64 "--preserve-env: invalid variable name" "$R" --preserve-env=A,1B -s s1 -- touch "$TMP/ran"
fails 64 "--secret" "$R" --secret
fails 64 "MODAL_ENVIRONMENT" env MODAL_ENVIRONMENT='bad env' "$R" -s s1 -- touch "$TMP/ran"

# --- 65 data: missing secret or environment, conflict, policy ----------------
printf '{"A": "needle-other"}' >"$TMP/s2.json"
chmod 0600 "$TMP/s2.json"
mk s2 --from-json "$TMP/s2.json"
NEEDLES+=(needle-other)
fails 65 "secret 'nope' not found" "$R" -s s1 -s nope -- touch "$TMP/ran"
fails 65 "environment 'staging' not found" "$R" -e staging -s s1 -- touch "$TMP/ran"
fails 65 "environment 'staging' not found" env MODAL_ENVIRONMENT=staging "$R" -s s1 -- touch "$TMP/ran"
fails 65 "key 'A' is defined by secrets 's1' and 's2'" "$R" -s s1 -s s2 -- touch "$TMP/ran"
printf '{"LD_PRELOAD": "/tmp/needle-evil.so"}' >"$TMP/ld.json"
chmod 0600 "$TMP/ld.json"
mk ld --from-json "$TMP/ld.json"
NEEDLES+=(needle-evil)
fails 65 "LD_PRELOAD" "$R" -s ld -- touch "$TMP/ran"
cat >"$TMP/policy.yaml" <<'YAML'
version: 1
secrets:
  s1:
    keys:
      A: {pattern: "[0-9]+"}
      B:
YAML
chmod 0600 "$TMP/policy.yaml"
fails 65 "s1" "$R" --policy "$TMP/policy.yaml" -s s1 -- touch "$TMP/ran"
fails 65 "s2" env MODAL_POLICY="$TMP/policy.yaml" "$R" -s s2 -- touch "$TMP/ran"
# An empty MODAL_POLICY is unset: the built-in default, which allows s1.
expect_exit 0 "" env MODAL_POLICY= "$R" -s s1 -- true

# --- 78 configuration ---------------------------------------------------------
fails 78 "no vault at $TMP/none" "$R" --server "file:$TMP/none" -s s1 -- touch "$TMP/ran"
fails 78 "no vault at $TMP/none" env MODAL_SERVER_URL="file:$TMP/none" "$R" -s s1 -- touch "$TMP/ran"
fails 78 "http://127.0.0.1:9/" "$R" --server http://127.0.0.1:9/ -s s1 -- touch "$TMP/ran"
fails 78 "gopher://x" "$R" --server gopher://x -s s1 -- touch "$TMP/ran"
cp -a "$TMP/v" "$TMP/v644"
chmod 0644 "$TMP/v644/master.key"
fails 78 "master key" "$R" --server "file:$TMP/v644" -s s1 -- touch "$TMP/ran"
check "the 0644 key is reported with its mode" grep -q 0600 "$TMP/err"
# No configured vault at all: the default under XDG_DATA_HOME, which is empty.
fails 78 "$TMP/xdg/modal-vault" env -u MODAL_SERVER_URL XDG_DATA_HOME="$TMP/xdg" \
	"$R" -s s1 -- touch "$TMP/ran"
# An empty MODAL_SERVER_URL counts as unset too.
fails 78 "$TMP/xdg/modal-vault" env MODAL_SERVER_URL= XDG_DATA_HOME="$TMP/xdg" \
	"$R" -s s1 -- touch "$TMP/ran"
# The flag wins over the variable.
expect_exit 0 "" env MODAL_SERVER_URL="file:$TMP/none" "$R" --server "file:$TMP/v" -s s1 -- true

# --- no value in any process's argv -------------------------------------------
# While the target runs, every process's command line is readable by all.
"$R" -s s1 -- sh -c 'cat /proc/[0-9]*/cmdline >"$1" 2>/dev/null; :' sh "$TMP/cmdlines"
check "no secret value in the argv of any process" \
	eval "! tr '\\0' '\\n' <\"$TMP/cmdlines\" | grep -q needle"
check "(the scan saw command lines)" grep -q "cmdlines" "$TMP/cmdlines"
finish
