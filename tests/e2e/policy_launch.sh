#!/usr/bin/env bash
# Launch-time policy violations: each names the secret and key (never the
# value) and the rule broken, exits 65, and runs nothing. Also the secure
# default without any policy, and `modal-run policy check`.
. "$(dirname "$0")/../lib.sh"
V=$MODAL_VAULT R=$MODAL_RUN
new_vault "$TMP/v"
$V environment create prod >/dev/null
$V environment create dev >/dev/null
mk() { local name=$1; shift; $V secret create "$name" "$@" >/dev/null; }
mk db DB_PASSWORD=Abcdefgh12345678 DB_HOST=db.internal
mk dbshort DB_PASSWORD=short-VALUE-xyz
mk dblong DB_PASSWORD="$(printf 'A%.0s' {1..80})"
mk extra DB_PASSWORD=Abcdefgh12345678 EXTRA_KEY=needle-extra
mk nohost DB_HOST=only-host
mk color COLOR=redblue
mk ml NOTE="$(printf 'two\nlines-needle')"
mk ldpre LD_PRELOAD=/tmp/evil-needle.so
mk pathy PATH=/tmp/needle-bin
mk pyp PYTHONPATH=/tmp/needle-py
mk nodeo NODE_OPTIONS=--require=needle
mk bashenv BASH_ENV=/tmp/needle.sh
mk ifs IFS=needle
mk tunables GLIBC_TUNABLES=glibc.needle=1
mk aws AWS_SESSION_TOKEN=needle-aws
mk perl PERL5LIB=/tmp/needle-perl
mk ruby RUBYOPT=-rneedle
mk prompt PROMPT_COMMAND=needle
mk dyld DYLD_INSERT_LIBRARIES=/tmp/needle.dylib
mk lone LONE=needle-lone
mk c1 SHARED=needle-one
mk c2 SHARED=needle-two
mk cert CERT_PEM="$(printf -- "-----BEGIN-----\nneedle-cert\n-----END-----")"
$V secret create pdb DB_PASSWORD=Abcdefgh12345678 -e prod >/dev/null
$V secret create ddb DB_PASSWORD=Abcdefgh12345678 -e dev >/dev/null

cat >"$TMP/policy.yaml" <<'YAML'
version: 1
environments: [main, prod]
deny: ["AWS_SESSION_*"]
on_conflict: error
secrets:
  "db*":
    keys:
      DB_PASSWORD: {required: true, pattern: "[A-Za-z0-9]{16,64}", max_length: 64}
      DB_HOST:
  extra:
    keys:
      DB_PASSWORD:
  nohost:
    keys:
      DB_PASSWORD: {required: true}
      DB_HOST:
  color:
    keys:
      COLOR: {pattern: "red|blue"}
  ml:
    keys:
      NOTE: {multiline: false}
  aws:
    keys:
      "AWS_*":
  "c[12]":
    keys:
      SHARED:
  cert:
    keys:
      CERT_PEM: {delivery: file, multiline: true}
  pdb:
    keys:
      DB_PASSWORD:
  ddb:
    keys:
      DB_PASSWORD:
YAML
chmod 0600 "$TMP/policy.yaml"
P=(--policy "$TMP/policy.yaml")

# violation NAME MESSAGE ARGS...: exit 65, the message, nothing ran, no value.
violation() {
	local what=$1 msg=$2
	shift 2
	rm -f "$TMP/ran"
	expect_exit 65 "$msg" "$R" "$@" -- touch "$TMP/ran"
	check "$what: nothing ran" test ! -e "$TMP/ran"
	check "$what: no value on stderr" bash -c "! grep -qi -e needle -e short-VALUE -e AAAAAAAA '$TMP/err'"
}

violation "pattern" "secret 'dbshort' key 'DB_PASSWORD': value does not match the pattern" "${P[@]}" --secret dbshort
violation "max_length" "secret 'dblong' key 'DB_PASSWORD': value is longer than max_length 64" "${P[@]}" --secret dblong
violation "unknown key" "secret 'extra' key 'EXTRA_KEY': not allowed by the policy (unknown_keys: reject)" "${P[@]}" --secret extra
violation "required" "secret 'nohost': required key 'DB_PASSWORD' is missing" "${P[@]}" --secret nohost
violation "anchored pattern" "secret 'color' key 'COLOR': value does not match the pattern" "${P[@]}" --secret color
violation "multiline" "secret 'ml' key 'NOTE': value has a line break and multiline is false" "${P[@]}" --secret ml
violation "secret not in policy" "secret 'lone' is not in the policy's secrets" "${P[@]}" --secret lone
violation "environment not in policy" "environment 'dev' is not in the policy's environments" "${P[@]}" --secret ddb -e dev
violation "policy deny list" "secret 'aws' key 'AWS_SESSION_TOKEN': denied by 'AWS_SESSION_*'" "${P[@]}" --secret aws
violation "policy conflict mode" "SHARED" "${P[@]}" --secret c1 --secret c2
MODAL_POLICY="$TMP/policy.yaml" violation "MODAL_POLICY is read" "secret 'dbshort' key 'DB_PASSWORD'" --secret dbshort
# The secure default, with no policy at all.
violation "default denies LD_PRELOAD" "secret 'ldpre' key 'LD_PRELOAD': denied by 'LD_*'" --secret ldpre
violation "default denies PATH" "secret 'pathy' key 'PATH': denied by 'PATH'" --secret pathy
violation "default denies PYTHONPATH" "secret 'pyp' key 'PYTHONPATH': denied by 'PYTHON*'" --secret pyp
violation "default denies NODE_OPTIONS" "secret 'nodeo' key 'NODE_OPTIONS': denied by 'NODE_*'" --secret nodeo
violation "default denies BASH_ENV" "secret 'bashenv' key 'BASH_ENV': denied by 'BASH_ENV'" --secret bashenv
violation "default denies IFS" "secret 'ifs' key 'IFS': denied by 'IFS'" --secret ifs
violation "default denies GLIBC_TUNABLES" "secret 'tunables' key 'GLIBC_TUNABLES': denied by 'GLIBC_TUNABLES'" --secret tunables
violation "default denies PERL5LIB" "secret 'perl' key 'PERL5LIB': denied by 'PERL5*'" --secret perl
violation "default denies RUBYOPT" "secret 'ruby' key 'RUBYOPT': denied by 'RUBY*'" --secret ruby
violation "default denies PROMPT_COMMAND" "secret 'prompt' key 'PROMPT_COMMAND': denied by 'PROMPT_COMMAND'" --secret prompt
violation "default denies DYLD_*" "secret 'dyld' key 'DYLD_INSERT_LIBRARIES': denied by 'DYLD_*'" --secret dyld
violation "a denied key fails the whole launch" "secret 'pathy' key 'PATH'" --secret db --secret pathy
violation "--check refuses too" "secret 'dbshort' key 'DB_PASSWORD'" "${P[@]}" --check --secret dbshort

# What the policy allows still launches.
expect_exit 0 "" "$R" "${P[@]}" --secret db -- true
expect_exit 0 "" "$R" "${P[@]}" --secret pdb -e prod -- true
check "a dropped or allowed key reaches the child" bash -c "'$R' --policy '$TMP/policy.yaml' --secret db -- sh -c 'test \"\$DB_HOST\" = db.internal'"
printf -- '-----BEGIN-----\nneedle-cert\n-----END-----' >"$TMP/cert.want"
check "file delivery gives KEY_FILE with the exact value, not KEY" bash -c "'$R' --policy '$TMP/policy.yaml' --secret cert -- sh -c 'cmp -s \"\$CERT_PEM_FILE\" \"$TMP/cert.want\" && test -z \"\${CERT_PEM+x}\"'"
check "the delivered file is sealed against writes" bash -c "! '$R' --policy '$TMP/policy.yaml' --secret cert -- sh -c 'echo x >>\"\$CERT_PEM_FILE\"' 2>/dev/null"

# Bad policies are refused before anything is fetched or run.
printf 'version: 1\nbogus: 1\n' >"$TMP/bad.yaml"; chmod 0600 "$TMP/bad.yaml"
expect_exit 65 "bad.yaml:2:1:" "$R" --policy "$TMP/bad.yaml" --secret db -- true
expect_exit 65 "" "$R" policy check "$TMP/bad.yaml"
printf 'version: 1\nsecrets:\n  x:\n    keys:\n      LD: {delivery: file}\n' >"$TMP/ldfile.yaml"; chmod 0600 "$TMP/ldfile.yaml"
expect_exit 65 "LD_FILE is denied by 'LD_*'" "$R" --policy "$TMP/ldfile.yaml" --secret db -- true
expect_exit 0 "" "$R" policy check "$TMP/policy.yaml"
expect_exit 78 "" "$R" --policy "$TMP/missing.yaml" --secret db -- true

# The profile's policy (~/.modal.toml), below --policy and MODAL_POLICY.
printf 'version: 1\nsecrets:\n  other:\n    keys:\n      K:\n' >"$TMP/only-other.yaml"; chmod 0600 "$TMP/only-other.yaml"
printf '[default]\npolicy = "%s"\n' "$TMP/only-other.yaml" >"$TMP/modal.toml"; chmod 0600 "$TMP/modal.toml"
expect_exit 65 "'db'" "$R" --config "$TMP/modal.toml" --secret db -- true
expect_exit 65 "'db'" env MODAL_CONFIG_PATH="$TMP/modal.toml" "$R" --secret db -- true
expect_exit 0 "" env MODAL_POLICY="$TMP/policy.yaml" "$R" --config "$TMP/modal.toml" --secret db -- true
expect_exit 0 "" "$R" --policy "$TMP/policy.yaml" --config "$TMP/modal.toml" --secret db -- true
finish
