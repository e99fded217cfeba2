#!/usr/bin/env bash
# Black-box tests of modal-vault's access commands on an embedded vault:
# tokens, members, proxy tokens and the audit log; every bad input with its
# exit status and exact one-line error, and that a token's secret is shown
# once and never again (not by a listing, not in any file of the vault).
. "$(dirname "$0")/../lib.sh"
V=$MODAL_VAULT

# expect_error CODE MESSAGE CMD...: exit CODE and stderr exactly "modal-vault: MESSAGE".
expect_error() {
	local want=$1 msg=$2 got
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err" </dev/null && got=0 || got=$?
	if [ "$got" = "$want" ] && [ "$(cat "$TMP/err")" = "modal-vault: $msg" ]; then
		ok "$* -> $want '$msg'"
	else
		not_ok "$* -> exit $got, want $want; stderr: $(head -c 300 "$TMP/err"); want: modal-vault: $msg"
	fi
}

# json EXPR: runs the python expression with d = the JSON in $TMP/out.
json() {
	python3 -c "import json,sys; d=json.load(open('$TMP/out')); sys.exit(0 if ($1) else 1)"
}

# --- init prints the vault's public key and the first token's command ------
export MODAL_SERVER_URL="file:$TMP/v"
$V init >"$TMP/init" 2>&1
check "init prints a 64-hex public key" grep -Eq '^Vault public key: [0-9a-f]{64}$' "$TMP/init"
check "init names the next step" grep -q 'modal-vault token create --name admin' "$TMP/init"
$V init --json --server "file:$TMP/v2" >"$TMP/out"
check "init --json has public_key and owner" json 'len(d["public_key"]) == 64 and d["owner_member_id"].startswith("us-")'
pk2=$(python3 -c "import json; print(json.load(open('$TMP/out'))['public_key'])")
check "vaults have different keys" bash -c "! grep -q '$pk2' '$TMP/init'"

# --- token create: the secret once ------------------------------------------
$V token create --name admin >"$TMP/created"
id=$(sed -n 's/^Token ID: *//p' "$TMP/created")
secret=$(sed -n 's/^Token secret: *//p' "$TMP/created")
check "token id is ak- + 21 base62" bash -c "[[ '$id' =~ ^ak-[0-9A-Za-z]{21}$ ]]"
check "token secret is as- + 42 base62" bash -c "[[ '$secret' =~ ^as-[0-9A-Za-z]{42}$ ]]"
check "the secret is printed exactly once" test "$(grep -o "$secret" "$TMP/created" | wc -l)" = 1
check "create says it will not be shown again" grep -q 'will not be shown again' "$TMP/created"
$V token list >"$TMP/list"
$V token list --json >"$TMP/listj"
check "token list shows the token" grep -q "^$id  admin " "$TMP/list"
check "token list never shows the secret" bash -c "! grep -q '${secret:3}' '$TMP/list' '$TMP/listj'"
check "no vault file holds the secret" bash -c "! grep -rqaF -- '${secret:3}' '$TMP/v'"

$V token create --expires 12h --json >"$TMP/out"
check "create --json is TokenWithSecret + expires_at, no last use yet" json '{"token_id","name","workspace_id","created_at","token_secret","expires_at","revoked","member_id"} <= set(d) and d["token_secret"].startswith("as-") and "last_used_at" not in d'
check "--expires 12h is 12 hours" python3 -c "
import json, datetime as t
d = json.load(open('$TMP/out')); f = lambda s: t.datetime.strptime(s, '%Y-%m-%dT%H:%M:%SZ')
assert f(d['expires_at']) - f(d['created_at']) == t.timedelta(hours=12)"
jid=$(python3 -c "import json; print(json.load(open('$TMP/out'))['token_id'])")
jsecret=$(python3 -c "import json; print(json.load(open('$TMP/out'))['token_secret'])")
check "a --json secret is not in token list --json" bash -c "! $V token list --json | grep -q '${jsecret:3}'"
$V token create --expires 1y --json >"$TMP/out"
check "--expires 1y is 365 days" python3 -c "
import json, datetime as t
d = json.load(open('$TMP/out')); f = lambda s: t.datetime.strptime(s, '%Y-%m-%dT%H:%M:%SZ')
assert f(d['expires_at']) - f(d['created_at']) == t.timedelta(days=365)"
$V token list --json >"$TMP/out"
check "token list --json: Token fields, no secret, no last use of unused tokens" json 'all({"token_id","name","workspace_id","created_at","expires_at","revoked","member_id"} <= set(t) and "token_secret" not in t and "last_used_at" not in t for t in d) and len(d) == 3'

forms='expected a duration such as 12h, 7d, 2w, 1y or 1h30m'
expect_error 64 "--expires '3x': $forms" $V token create --expires 3x
expect_error 64 "--expires '30m': a token lives between 1 hour and 366 days" $V token create --expires 30m
expect_error 64 "--expires '0h': a token lives between 1 hour and 366 days" $V token create --expires 0h
expect_error 64 "--expires '59m59s': a token lives between 1 hour and 366 days" \
	$V token create --expires 59m59s
expect_error 64 "--expires '': $forms" $V token create --expires ''
expect_error 64 "--expires '7d ': $forms" $V token create --expires '7d '
expect_error 64 "--expires '400d': a token lives between 1 hour and 366 days" $V token create --expires 400d
expect_error 64 "--expires '2y': a token lives between 1 hour and 366 days" $V token create --expires 2y
expect_error 64 "--expires '1.5h': $forms" $V token create --expires 1.5h
expect_error 64 "--expires '99999999999999999999y': $forms" $V token create --expires 99999999999999999999y
long=$(printf 'n%.0s' {1..65})
expect_error 65 "invalid token name '$long': at most 64 of [A-Za-z0-9._-], starting alphanumeric" \
	$V token create --name "$long"
expect_error 65 "invalid token name 'a b': at most 64 of [A-Za-z0-9._-], starting alphanumeric" \
	$V token create --name 'a b'
expect_error 65 "member 'us-nobody' not found" $V token create --member us-nobody
expect_exit 64 "does not apply here" $V token list --expires 1d
check "refused creates made no token" test "$($V token list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 3

# --- token revoke ------------------------------------------------------------
expect_error 65 "token 'ak-nope' not found" $V token revoke ak-nope -y
expect_exit 64 "pass -y/--yes" $V token revoke "$id"
check "an unconfirmed revoke changed nothing" bash -c "$V token list | grep '^$id ' | grep -q active"
expect_exit 0 "" $V token revoke "$id" -y
check "revoked token shows as revoked" bash -c "$V token list | grep '^$id ' | grep -q revoked"
check "token list --json says revoked" bash -c "$V token list --json | python3 -c 'import json,sys; assert [t[\"revoked\"] for t in json.load(sys.stdin) if t[\"token_id\"] == \"$id\"] == [True]'"
expect_error 65 "token '$id' is already revoked" $V token revoke "$id" -y
expect_error 64 "missing argument (usage: modal-vault token revoke ID [-y])" $V token revoke

# --- members -------------------------------------------------------------------
$V workspace members list --json >"$TMP/out"
check "a new vault has one owner" json '[(m["Name"], m["Role"]) for m in d] == [("owner", "owner")]'
check "members list --json: Modal-style columns" json 'all(set(m) == {"Member ID", "Name", "Role", "Created at"} for m in d)'
owner=$(python3 -c "import json; print(json.load(open('$TMP/out'))[0]['Member ID'])")
expect_error 64 "--role 'admin': expected owner, manager or user" $V workspace members add ann --role admin
expect_error 64 "--role is required: owner, manager or user" $V workspace members update "$owner"
$V workspace members add ann@example.com --role manager --json >"$TMP/out"
check "members add --json is a Member" json 'd["name"] == "ann@example.com" and d["role"] == "manager" and d["member_id"].startswith("us-") and "created_at" in d'
ann=$(python3 -c "import json; print(json.load(open('$TMP/out'))['member_id'])")
expect_error 65 "member 'ann@example.com' already exists" $V workspace members add ann@example.com
expect_error 65 "invalid member name '$long': at most 64 of [A-Za-z0-9._@+-], starting alphanumeric" \
	$V workspace members add "$long"
expect_error 65 "member '$owner' is the workspace's last owner: make another member owner first" \
	$V workspace members update "$owner" --role user
expect_error 65 "member '$owner' is the workspace's last owner and cannot be removed" \
	$V workspace members remove "$owner" -y
expect_error 65 "member 'us-nope' not found" $V workspace members update us-nope --role user
expect_error 65 "member 'us-nope' not found" $V workspace members remove us-nope -y
$V token create --member "$ann" --name ann-ci >"$TMP/created"
annid=$(sed -n 's/^Token ID: *//p' "$TMP/created")
check "a member's token is listed under their name" bash -c "$V token list | grep '^$annid ' | grep -q ann@example.com"
expect_exit 0 "" $V workspace members update "$ann" --role owner
expect_exit 0 "" $V workspace members update "$owner" --role manager
expect_exit 0 "" $V workspace members update "$owner" --role owner
expect_exit 64 "pass -y/--yes" $V workspace members remove "$ann"
expect_exit 0 "" $V workspace members remove "$ann" -y
check "removing a member revoked their token" bash -c "$V token list | grep '^$annid ' | grep -q revoked"
check "members list is back to the owner" bash -c "[ \"\$($V workspace members list | tail -n +2 | wc -l)\" = 1 ]"

# --- proxy tokens ------------------------------------------------------------------
$V environment create prod >/dev/null
$V workspace proxy-tokens create --name web --json >"$TMP/out"
check "proxy create --json: wk-/ws-, allowed in main" json 'd["token_id"].startswith("wk-") and d["token_secret"].startswith("ws-") and d["environments"] == ["main"] and d["expires_at"] is None'
wk=$(python3 -c "import json; print(json.load(open('$TMP/out'))['token_id'])")
ws=$(python3 -c "import json; print(json.load(open('$TMP/out'))['token_secret'])")
check "proxy list never shows the secret" bash -c "! $V workspace proxy-tokens list --json | grep -q '${ws:3}'"
expect_exit 0 "" $V workspace proxy-tokens allow "$wk" prod
expect_exit 0 "" $V workspace proxy-tokens allow "$wk" prod
expect_exit 0 "" $V workspace proxy-tokens revoke "$wk" main
expect_error 65 "proxy token '$wk' is not allowed in environment 'main'" $V workspace proxy-tokens revoke "$wk" main
expect_error 65 "environment 'nowhere' not found" $V workspace proxy-tokens allow "$wk" nowhere
expect_error 65 "proxy token '$jid' not found" $V workspace proxy-tokens allow "$jid" prod
expect_error 65 "proxy token 'wk-nope' not found" $V workspace proxy-tokens allow wk-nope prod
$V workspace proxy-tokens list -e prod --json >"$TMP/out"
check "proxy list -e prod has the token" json '[(t["Token ID"], t["Environments"], t["Last used at"]) for t in d] == [("'"$wk"'", "prod", "-")] and set(d[0]) == {"Token ID", "Name", "Environments", "Created at", "Last used at", "Expires at"} and d[0]["Expires at"] is None'
$V workspace proxy-tokens list -e main --json >"$TMP/out"
check "proxy list -e main no longer has it" json 'd == []'
MODAL_ENVIRONMENT=main $V workspace proxy-tokens list --json >"$TMP/out"
check "MODAL_ENVIRONMENT does not filter the listing" json 'len(d) == 1'
expect_error 65 "environment 'nowhere' not found" $V workspace proxy-tokens list -e nowhere
expect_error 65 "token '$wk' is a proxy token: use 'modal-vault workspace proxy-tokens delete'" $V token revoke "$wk" -y
expect_error 65 "proxy token '$jid' is an API token: use 'modal-vault token revoke'" $V workspace proxy-tokens delete "$jid" -y
expect_exit 64 "pass -y/--yes" $V workspace proxy-tokens delete "$wk"
expect_exit 0 "" $V workspace proxy-tokens delete "$wk" -y
expect_error 65 "token '$wk' not found" $V workspace proxy-tokens delete "$wk" -y
check "token list does not show proxy tokens" bash -c "! $V token list | grep -q '^wk-'"

# --- secrets and environments are audited too ----------------------------------------
$V secret create db A=1 >/dev/null
$V secret create db A=2 --force >/dev/null
$V secret delete db -y >/dev/null
$V environment delete prod -y >/dev/null

# --- audit -----------------------------------------------------------------------------------
$V audit --json --limit 1000 >"$TMP/out"
check "audit --json: AuditRecord fields, oldest first" json 'all(set(r) == {"id","time","token_id","action","resource","status","client"} for r in d) and [r["id"] for r in d] == sorted(r["id"] for r in d)'
check "local records: client local, no token, status 0" json 'all(r["client"] == "local" and r["token_id"] == "" and r["status"] == 0 for r in d)'
check "every local change is recorded, in order" json '[r["action"] for r in d] == ["token.create"]*3 + ["token.revoke", "member.add", "token.create", "member.update", "member.update", "member.update", "member.remove", "environment.create", "proxy_token.create", "proxy_token.allow", "proxy_token.allow", "proxy_token.revoke", "proxy_token.delete", "secret.create", "secret.update", "secret.delete", "environment.delete"]'
check "resources name things, never values" json '[r["resource"] for r in d if r["action"].startswith("secret.")] == ["secret:main/db"]*3 and "token:'"$id"'" in [r["resource"] for r in d]'
check "no audit record holds a secret" bash -c "! grep -q '${secret:3}' '$TMP/out'"
$V audit --action 'proxy_token.*' --json >"$TMP/out"
check "--action prefix.* filters" json '[r["action"] for r in d] == ["proxy_token.create", "proxy_token.allow", "proxy_token.allow", "proxy_token.revoke", "proxy_token.delete"]'
$V audit --action token.revoke --json >"$TMP/out"
check "--action exact filters" json 'len(d) == 1'
$V audit --limit 10 --json >"$TMP/out"
check "--limit 10 gives a page of 10" json 'len(d) == 10'
cursor=$(python3 -c "import json; print(json.load(open('$TMP/out'))[-1]['id'])")
$V audit --limit 10 --after "$cursor" --json >"$TMP/out"
check "--after pages on" json 'len(d) == 10 and d[0]["id"] == '"$cursor"' + 1'
$V audit --since 1h --json >"$TMP/out"
check "--since 1h sees everything just done" json 'len(d) == 20'
$V audit --since 1h30m --json >"$TMP/out"
check "--since 1h30m (the one duration grammar) sees everything just done" json 'len(d) == 20'
$V audit --until 2000-01-01 --json >"$TMP/out"
check "--until in the past sees nothing" json 'd == []'
$V audit --since 2000-01-01T00:00:00Z --actor "" --json >"$TMP/out"
check "--actor '' is the local actor" json 'len(d) == 20'
$V audit --actor "$id" --json >"$TMP/out"
check "--actor a token: none of its own" json 'd == []'
$V audit --limit 2 >"$TMP/out"
check "the table says where the next page starts" grep -q '^More: modal-vault audit --after 2$' "$TMP/out"
tforms="expected an RFC 3339 UTC time (2026-11-23T12:00:00Z), a date (2026-11-23) or an age (12h, 7d)"
expect_error 64 "--since 'yesterday': $tforms" $V audit --since yesterday
expect_error 64 "--until '2026-13-01': $tforms" $V audit --until 2026-13-01
expect_error 64 "--since '2026': $tforms" $V audit --since 2026
expect_error 64 "--limit '0': expected a whole number from 1 to 1000" $V audit --limit 0
expect_error 64 "--limit '1001': expected a whole number from 1 to 1000" $V audit --limit 1001
expect_error 64 "--limit 'ten': expected a whole number from 1 to 1000" $V audit --limit ten
expect_error 64 "--after '-1': expected a whole number from 0 to 9223372036854775807" $V audit --after -1
expect_error 65 "invalid audit action 'secret*': expected an action (secret.create) or a prefix (secret.*)" \
	$V audit --action 'secret*'

# Last, as it adds a token: --expires takes the same durations as --timeout.
$V token create --expires 1h30m --json >"$TMP/out"
check "--expires 1h30m is 90 minutes" python3 -c "
import json, datetime as t
d = json.load(open('$TMP/out')); f = lambda s: t.datetime.strptime(s, '%Y-%m-%dT%H:%M:%SZ')
assert f(d['expires_at']) - f(d['created_at']) == t.timedelta(minutes=90)"
finish
