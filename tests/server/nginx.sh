#!/usr/bin/env bash
# A real nginx with auth_request in front of a small HTTP service (a second
# server block of the same nginx serving a static file), asking the vault's
# /v1/proxy-auth: no proxy token, a wrong one, an API token, one not allowed
# in the environment and a good one each get the right answer.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/server_lib.sh"
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$NGINX" ] || { echo "nginx not installed (scripts/deps.sh installs nginx-light)"; exit 1; }

vault_init "$TMP/v"
read -r OID OSEC < <(cli_token --name owner)
OWNER=$(bearer "$OID" "$OSEC")
start_server
json POST /v1/environments '{"name":"prod","webhook_suffix":"prodsfx"}' -H "$OWNER"
expect 201 "environment prod with a webhook suffix"
json POST /v1/proxy-tokens '{"name":"web"}' -H "$OWNER"
WID=$(field "j['token_id']")
WSEC=$(field "j['token_secret']")

# nginx: the service on APP, the proxy on PROXY; all of it under $TMP.
APP=$(free_port)
PROXY=$(free_port)
N="$TMP/nginx"
mkdir -p "$N/www" "$N/logs" "$N/tmp"
echo "hello from the service" >"$N/www/index.html"
cat >"$N/nginx.conf" <<EOF
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
		root $N/www;
	}
	server {
		listen 127.0.0.1:$PROXY;
		location / {
			auth_request /_modal_auth;
			proxy_pass http://127.0.0.1:$APP;
		}
		location = /_modal_auth {
			internal;
			proxy_pass $URL/v1/proxy-auth;
			proxy_pass_request_body off;
			proxy_set_header Content-Length "";
			proxy_set_header Host \$host;
			proxy_set_header X-Real-IP \$remote_addr;
		}
	}
}
EOF
[ "$(id -u)" = 0 ] && sed -i "1i user $(id -un) $(id -gn);" "$N/nginx.conf"
"$NGINX" -p "$N" -c "$N/nginx.conf" -e stderr -t >"$TMP/nginx.t" 2>&1 ||
	{ cat "$TMP/nginx.t"; exit 1; }
"$NGINX" -p "$N" -c "$N/nginx.conf" -e stderr 2>>"$TMP/nginx.log"
trap 'kill "$(cat "$N/nginx.pid" 2>/dev/null)" 2>/dev/null; stop_server; rm -rf "$TMP"' EXIT
for i in $(seq 50); do [ -s "$N/nginx.pid" ] && break; sleep 0.05; done

# through: STATUS WHAT CURL_ARGS...: a request through nginx to the service.
through() {
	local want=$1 what=$2 got
	shift 2
	got=$(curl -s -o "$TMP/through" -w '%{http_code}' "$@" "http://127.0.0.1:$PROXY/index.html")
	if [ "$got" = "$want" ] && { [ "$want" != 200 ] || grep -q "hello from the service" "$TMP/through"; }; then
		ok "nginx: $what -> $want"
	else
		not_ok "nginx: $what -> $got, want $want: $(head -c 200 "$TMP/through")"
	fi
}
check "the service answers on its own" bash -c "curl -sf http://127.0.0.1:$APP/index.html | grep -q hello"
through 401 "no proxy token"
through 401 "a wrong secret" -H "Modal-Key: $WID" -H "Modal-Secret: $(wrong "$WSEC")"
through 401 "an unknown token" -H "Modal-Key: wk-unknownunknownunknown" -H "Modal-Secret: $WSEC"
through 401 "an API token" -H "Authorization: Bearer $OID:$OSEC"
through 401 "an API token in Modal-Key" -H "Modal-Key: $OID" -H "Modal-Secret: $OSEC"
through 200 "a good token (Modal-Key, Modal-Secret)" -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC"
through 200 "a good token (Bearer wk-.ws-)" -H "Authorization: Bearer $WID.$WSEC"
through 401 "not allowed in prod (X-Modal-Environment)" -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC" \
	-H "X-Modal-Environment: prod"
through 401 "not allowed in prod (Host app-prodsfx)" -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC" \
	-H "Host: shop-prodsfx.example.com"
req PUT "/v1/proxy-tokens/$WID/environments/prod" -H "$OWNER"
expect 204 "allow the token in prod"
through 200 "allowed in prod now (Host app-prodsfx)" -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC" \
	-H "Host: shop-prodsfx.example.com"
req DELETE "/v1/proxy-tokens/$WID" -H "$OWNER"
expect 204 "delete the proxy token"
through 401 "a deleted token" -H "Modal-Key: $WID" -H "Modal-Secret: $WSEC"
check "the vault saw nginx's checks" bash -c "[ \$(grep -c 'GET /v1/proxy-auth' '$TMP/serve.log') -ge 11 ]"
req GET "/v1/audit?action=proxy_auth.check&limit=1000" -H "$OWNER"
body_has "each check is audited from nginx's address" "len(j['data']) >= 11 and all(r['client'] == '127.0.0.1' for r in j['data'])"
kill "$(cat "$N/nginx.pid")"
stop_server
validate_responses
finish
