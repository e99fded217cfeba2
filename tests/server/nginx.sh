#!/usr/bin/env bash
# A real nginx with auth_request in front of small HTTP services (a server
# block of the same nginx that echoes the headers it was sent), configured as
# docs/protocol.md documents it, asking the vault's /v1/proxy-auth: no proxy
# token, a wrong one, an API token, one not allowed in the environment and a
# good one each get the right answer. And the attacks on that set-up: a
# client's X-Modal-Environment widening a token to another environment's
# service, credentials reaching the protected service, X-Real-IP rotated to
# escape the failed-auth limit or spoofed to lock a real client out.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/server_lib.sh"
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$NGINX" ] || { echo "nginx not installed (scripts/deps.sh installs nginx-light)"; exit 1; }

vault_init "$TMP/v"
read -r OID OSEC < <(cli_token --name owner)
OWNER=$(bearer "$OID" "$OSEC")
# As documented: the vault trusts the nginx in front (on loopback) for
# X-Real-IP; nginx sets that header and X-Modal-Environment itself.
start_server --trust-proxy 127.0.0.1 --auth-fail-limit 30
json POST /v1/environments '{"name":"prod","webhook_suffix":"prodsfx"}' -H "$OWNER"
expect 201 "environment prod with a webhook suffix"
json POST /v1/environments '{"name":"dev","webhook_suffix":"devsfx"}' -H "$OWNER"
expect 201 "environment dev with a webhook suffix"
json POST /v1/proxy-tokens '{"name":"web"}' -H "$OWNER"
WID=$(field "j['token_id']")
WSEC=$(field "j['token_secret']")

# nginx: the services on APP, the proxy on PROXY; all of it under $TMP. The
# proxy's server blocks are docs/protocol.md's, one per service (and so per
# environment), server_name pinned, and a default server answering nothing
# for any other Host.
APP=$(free_port)
PROXY=$(free_port)
N="$TMP/nginx"
mkdir -p "$N/logs" "$N/tmp"
# service HOST: the documented server block of the service at HOST.
service() {
	cat <<SERVICE
	server {
		listen 127.0.0.1:$PROXY;
		server_name $1;
		location / {
			auth_request /_modal_auth;
			# The service never sees the proxy token.
			proxy_set_header Modal-Key "";
			proxy_set_header Modal-Secret "";
			proxy_set_header Authorization "";
			proxy_pass http://127.0.0.1:$APP;
		}
		location = /_modal_auth {
			internal;
			proxy_pass $URL/v1/proxy-auth;
			proxy_pass_request_body off;
			# Only the headers set here reach the vault, none as the client sent it.
			proxy_pass_request_headers off;
			proxy_set_header Content-Length "";
			proxy_set_header Host \$server_name;
			proxy_set_header X-Real-IP \$remote_addr;
			proxy_set_header X-Modal-Environment "";
			proxy_set_header Modal-Key \$http_modal_key;
			proxy_set_header Modal-Secret \$http_modal_secret;
			proxy_set_header Authorization \$http_authorization;
		}
	}
SERVICE
}
cat >"$N/nginx.conf" <<CONF
worker_processes 1;
pid $N/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $N/tmp/body;
	proxy_temp_path $N/tmp/proxy;
	fastcgi_temp_path $N/tmp/fastcgi;
	uwsgi_temp_path $N/tmp/uwsgi;
	scgi_temp_path $N/tmp/scgi;
	server {
		listen 127.0.0.1:$APP;
		default_type text/plain;
		return 200 "hello from the service key=[\$http_modal_key] secret=[\$http_modal_secret] auth=[\$http_authorization]\n";
	}
	server {
		listen 127.0.0.1:$PROXY default_server;
		server_name _;
		return 444;
	}
$(service shop.example.com)
$(service shop-prodsfx.example.com)
$(service shop-devsfx.example.com)
}
CONF
[ "$(id -u)" = 0 ] && sed -i "1i user $(id -un) $(id -gn);" "$N/nginx.conf"
"$NGINX" -p "$N" -c "$N/nginx.conf" -e stderr -t >"$TMP/nginx.t" 2>&1 ||
	{ cat "$TMP/nginx.t"; exit 1; }
"$NGINX" -p "$N" -c "$N/nginx.conf" -e stderr 2>>"$TMP/nginx.log"
trap 'kill "$(cat "$N/nginx.pid" 2>/dev/null)" 2>/dev/null; stop_server; rm -rf "$TMP"' EXIT
for i in $(seq 50); do [ -s "$N/nginx.pid" ] && break; sleep 0.05; done

# through: STATUS WHAT CURL_ARGS...: a request through nginx to the service
# (Host shop.example.com, the default environment's, unless the args say).
through() {
	local want=$1 what=$2 got host=(-H "Host: shop.example.com") a
	shift 2
	for a in "$@"; do case $a in Host:*) host=() ;; esac; done
	got=$(curl -s -o "$TMP/through" -w '%{http_code}' "${host[@]}" "$@" \
		"http://127.0.0.1:$PROXY/index.html")
	if [ "$got" = "$want" ] && { [ "$want" != 200 ] || grep -q "hello from the service" "$TMP/through"; }; then
		ok "nginx: $what -> $want"
	else
		not_ok "nginx: $what -> $got, want $want: $(head -c 200 "$TMP/through")"
	fi
}
PROD=(-H "Host: shop-prodsfx.example.com")
DEV=(-H "Host: shop-devsfx.example.com")
KEY=(-H "Modal-Key: $WID" -H "Modal-Secret: $WSEC")
check "the service answers on its own" bash -c "curl -sf http://127.0.0.1:$APP/index.html | grep -q hello"
through 401 "no proxy token"
through 401 "a wrong secret" -H "Modal-Key: $WID" -H "Modal-Secret: $(wrong "$WSEC")"
through 401 "an unknown token" -H "Modal-Key: wk-unknownunknownunknown" -H "Modal-Secret: $WSEC"
through 401 "an API token" -H "Authorization: Bearer $OID:$OSEC"
through 401 "an API token in Modal-Key" -H "Modal-Key: $OID" -H "Modal-Secret: $OSEC"
through 200 "a good token (Modal-Key, Modal-Secret)" "${KEY[@]}"
check "the service saw neither Modal-Key nor Modal-Secret" grep -q 'key=\[\] secret=\[\] auth=\[\]' "$TMP/through"
through 200 "a good token (Bearer wk-.ws-)" -H "Authorization: Bearer $WID.$WSEC"
check "the service did not see Authorization" grep -q 'key=\[\] secret=\[\] auth=\[\]' "$TMP/through"
through 000 "an unknown Host: no service, no answer" "${KEY[@]}" -H "Host: elsewhere.example.com"
through 401 "not allowed in prod (Host app-prodsfx)" "${KEY[@]}" "${PROD[@]}"
through 401 "not allowed in prod, whatever X-Modal-Environment the client sends" "${KEY[@]}" "${PROD[@]}" \
	-H "X-Modal-Environment: main"
req PUT "/v1/proxy-tokens/$WID/environments/prod" -H "$OWNER"
expect 204 "allow the token in prod"
through 200 "allowed in prod now (Host app-prodsfx)" "${KEY[@]}" "${PROD[@]}"

# The attack: a token allowed only in dev, on the prod service, naming dev.
json POST /v1/proxy-tokens '{"name":"dev-only"}' -H "$OWNER"
DID=$(field "j['token_id']")
DSEC=$(field "j['token_secret']")
req PUT "/v1/proxy-tokens/$DID/environments/dev" -H "$OWNER"
req DELETE "/v1/proxy-tokens/$DID/environments/main" -H "$OWNER"
expect 204 "the dev-only token is allowed in dev alone"
DKEY=(-H "Modal-Key: $DID" -H "Modal-Secret: $DSEC")
through 200 "dev-only token on the dev service" "${DKEY[@]}" "${DEV[@]}"
through 401 "dev-only token on the prod service" "${DKEY[@]}" "${PROD[@]}"
through 401 "dev-only token on the prod service with X-Modal-Environment: dev" "${DKEY[@]}" "${PROD[@]}" \
	-H "X-Modal-Environment: dev"
through 401 "... and with X-Modal-Environment: dev twice" "${DKEY[@]}" "${PROD[@]}" \
	-H "X-Modal-Environment: dev" -H "X-Modal-Environment: dev"
through 401 "dev-only token on the default service" "${DKEY[@]}"

req DELETE "/v1/proxy-tokens/$WID" -H "$OWNER"
expect 204 "delete the proxy token"
through 401 "a deleted token" "${KEY[@]}"
check "the vault saw nginx's checks" bash -c "[ \$(grep -c 'GET /v1/proxy-auth' '$TMP/serve.log') -ge 15 ]"
req GET "/v1/audit?action=proxy_auth.check&limit=1000" -H "$OWNER"
body_has "each check is audited from nginx's address" "len(j['data']) >= 15 and all(r['client'] == '127.0.0.1' for r in j['data'])"

# The failed-auth limit (30 here) counts per end client, the address nginx
# saw: a client at 127.0.0.5 rotating X-Real-IP (and X-Forwarded-For) is
# still one client, and one naming 127.0.0.6 does not lock 127.0.0.6 out.
# Past the limit the vault answers 429, which auth_request turns into 500.
for i in $(seq 30); do
	curl -s -o /dev/null --interface 127.0.0.5 -H "Host: shop.example.com" -H "X-Real-IP: 127.0.0.6" \
		-H "X-Forwarded-For: 10.5.0.$i" -H "Modal-Key: $DID" -H "Modal-Secret: $(wrong "$DSEC")" \
		"http://127.0.0.1:$PROXY/index.html"
done
through 500 "X-Real-IP rotation does not escape the limit (vault 429)" --interface 127.0.0.5 \
	-H "X-Real-IP: 10.5.0.99" "${DKEY[@]}" "${DEV[@]}"
check "the vault said 429 to it" grep -q 'GET /v1/proxy-auth 429' "$TMP/serve.log"
through 200 "the client a spoofed X-Real-IP named is not locked out" --interface 127.0.0.6 "${DKEY[@]}" "${DEV[@]}"
kill "$(cat "$N/nginx.pid")"
stop_server
validate_responses
finish
