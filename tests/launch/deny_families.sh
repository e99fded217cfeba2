#!/usr/bin/env bash
# The default denylist (issue 11): a manager who can write a secret must not
# get code run on the launch host, nor move the target's trust. First the
# real attacks (git diff running GIT_EXTERNAL_DIFF, less running LESSOPEN),
# then one name of every family, refused with 65 naming the key and the
# glob; a policy lifts one name, exactly that name, and it reaches the child.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/launch_lib.sh"
new_vault "$TMP/v"
NEEDLES=(needle)

# The marker "helper" an attacker would name: it leaves a file behind.
printf '#!/bin/sh\ntouch "%s/pwned"\n' "$TMP" >"$TMP/marker"
chmod 0755 "$TMP/marker"
git init -q "$TMP/repo"
printf 'one\n' >"$TMP/repo/f"
git -C "$TMP/repo" add f
git -C "$TMP/repo" -c user.name=t -c user.email=t@t commit -qm one
printf 'two\n' >"$TMP/repo/f"
printf 'hello\n' >"$TMP/text"

# attack NAME COMMAND...: the launch is refused and the marker never runs.
attack() {
	local what=$1
	shift
	rm -f "$TMP/pwned"
	fails 65 "$what" "$R" "$@"
	check "  the helper it names never ran" test ! -e "$TMP/pwned"
}

mk gitdiff GIT_EXTERNAL_DIFF="$TMP/marker"
attack "secret 'gitdiff' key 'GIT_EXTERNAL_DIFF': denied by 'GIT_*'" \
	-s gitdiff -- git -C "$TMP/repo" diff
mk lessopen LESSOPEN="|$TMP/marker %s"
attack "secret 'lessopen' key 'LESSOPEN': denied by 'LESS*'" \
	-s lessopen -- less -f "$TMP/text"
mk gitpager GIT_PAGER="$TMP/marker"
attack "secret 'gitpager' key 'GIT_PAGER': denied by 'GIT_*'" \
	-s gitpager -- git -C "$TMP/repo" -p diff

# One name of each family, and the glob that denies it.
while read -r key glob; do
	mk "k-$key" "$key=needle-$key" --force
	fails 65 "secret 'k-$key' key '$key': denied by '$glob'" "$R" -s "k-$key" -- touch "$TMP/ran"
done <<'LIST'
LD_AUDIT LD_*
GLIBC_TUNABLES GLIBC_TUNABLES
MUSL_LOCPATH MUSL_LOCPATH
TZ TZ
LC_ALL LC_*
TERMINFO TERMINFO
ZDOTDIR ZDOTDIR
PS0 PS[0-4]
PS1 PS[0-4]
PS4 PS[0-4]
HISTFILE HISTFILE
HOME HOME
MAKEFILES MAKEFILES
GIT_DIR GIT_*
GIT_TEMPLATE_DIR GIT_*
GIT_CONFIG_COUNT GIT_*
GIT_SSH_COMMAND GIT_*
GIT_SSL_CAINFO GIT_*
PAGER *PAGER
MANPAGER *PAGER
SYSTEMD_PAGER *PAGER
LESSCLOSE LESS*
EDITOR EDITOR
VISUAL VISUAL
SUDO_EDITOR *_EDITOR
VIMINIT VIMINIT
EXINIT EXINIT
BROWSER BROWSER
CLASSPATH CLASSPATH
JAVA_TOOL_OPTIONS JAVA_TOOL_OPTIONS
NODE_EXTRA_CA_CERTS NODE_*
npm_config_registry npm_config_*
NPM_CONFIG_REGISTRY npm_config_*
PERL5OPT PERL5*
RUBYOPT RUBY*
GEM_HOME GEM_*
PYTHONSTARTUP PYTHON*
GOFLAGS GOFLAGS
RUSTC_WRAPPER RUSTC_WRAPPER
PIP_INDEX_URL PIP_*
R_PROFILE_USER R_*
PHPRC PHP*
SSL_CERT_FILE SSL_CERT_FILE
SSL_CERT_DIR SSL_CERT_DIR
SSLKEYLOGFILE SSLKEYLOGFILE
CURL_CA_BUNDLE *CA_BUNDLE
REQUESTS_CA_BUNDLE *CA_BUNDLE
OPENSSL_CONF OPENSSL_*
KUBECONFIG KUBECONFIG
http_proxy *_proxy
HTTP_PROXY *_proxy
https_proxy *_proxy
HTTPS_PROXY *_proxy
ALL_PROXY *_proxy
all_proxy *_proxy
no_proxy *_proxy
NO_PROXY *_proxy
Https_Proxy *_proxy
GTK_MODULES GTK*
GTK_PATH GTK*
QT_PLUGIN_PATH QT_*
GDK_PIXBUF_MODULE_FILE GDK_*
XDG_CONFIG_HOME XDG_*
XDG_CONFIG_DIRS XDG_*
DBUS_SESSION_BUS_ADDRESS DBUS_*
VK_LAYER_PATH VK_*
LIST

# A policy lifts a name, exactly that name: http_proxy passes and reaches the
# child, HTTP_PROXY stays denied, GIT_PAGER too.
cat >"$TMP/lift.yaml" <<'YAML'
version: 1
allow_denied: [http_proxy, TZ]
YAML
chmod 0600 "$TMP/lift.yaml"
mk lifted http_proxy=http://proxy.internal:3128 TZ=UTC
check "a lifted name passes and reaches the child" bash -c \
	"'$R' --policy '$TMP/lift.yaml' -s lifted -- sh -c 'test \"\$http_proxy\" = http://proxy.internal:3128 && test \"\$TZ\" = UTC'"
mk upper HTTP_PROXY=http://needle
fails 65 "secret 'upper' key 'HTTP_PROXY': denied by '*_proxy'" \
	"$R" --policy "$TMP/lift.yaml" -s upper -- touch "$TMP/ran"
fails 65 "secret 'gitpager' key 'GIT_PAGER': denied by 'GIT_*'" \
	"$R" --policy "$TMP/lift.yaml" -s gitpager -- touch "$TMP/ran"
# What programs read and nobody lists stays allowed: a plain key passes.
mk plain DB_PASSWORD=needle-plain NODE=x PERL=x TERM=xterm
expect_exit 0 "" "$R" -s plain -- true
finish
