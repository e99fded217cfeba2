#!/usr/bin/env python3
"""Prints a curl config (curl -K) of ROUNDS rounds of every kind of request to
the vault server: reads, writes, the fetch, proxy-auth, and the error answers
(401, 404, 400, 413). Each request writes its status and URL on one line.
Writes the status each should get, one a line, to EXPECTED.
Usage: requests.py URL TOKEN_ID:SECRET PROXY_ID:SECRET ROUNDS FETCH_TOOL STATEDIR EXPECTED
"""
import json
import os
import subprocess
import sys

url, owner, proxy, rounds, fetch_tool, state, expected = sys.argv[1:8]
expected = open(expected, "w")
rounds = int(rounds)
wid, wsec = proxy.split(":", 1)
auth = "Authorization: Bearer " + owner
os.makedirs(state, exist_ok=True)


def q(s):
    """A curl config string: quoted, with its backslashes and quotes escaped."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def request(status, method, path, headers=(), body=None):
    expected.write(f"{status}\n")
    lines = ["url = " + q(url + path), "request = " + q(method),
             'output = "/dev/null"', 'write-out = "%{http_code} %{url_effective}\\n"']
    lines += ["header = " + q(h) for h in headers]
    if body is not None:
        lines += ['header = "Content-Type: application/json"', "data-binary = " + q(body)]
    print("\n".join(lines))
    print("next")


def fetch_body(i):
    """A fresh fetch request (its own launch key and nonce) for db."""
    out = subprocess.run([fetch_tool, "request", f"{state}/{i}", "main", "db"],
                         check=True, capture_output=True, text=True).stdout
    return out.strip()


big = json.dumps({"name": "big", "env": {"A": "x" * 40000}})
for i in range(rounds):
    name = f"s{i}"
    # reads, unauthenticated and authenticated
    request(200, "GET", "/healthz")
    request(200, "GET", "/v1/vault-key")
    request(200, "GET", "/metrics")
    request(200, "GET", "/v1/workspaces/current", [auth])
    request(200, "GET", "/v1/environments", [auth])
    request(200, "GET", "/v1/secrets", [auth])
    request(200, "GET", "/v1/secrets/db", [auth])
    request(200, "GET", "/v1/secrets/db/versions", [auth])
    request(200, "GET", "/v1/tokens", [auth])
    request(200, "GET", "/v1/workspaces/current/members", [auth])
    request(200, "GET", "/v1/proxy-tokens?environment=main", [auth])
    request(200, "GET", "/v1/audit?limit=5", [auth])
    # writes: a secret's life, an environment's life
    request(201, "POST", "/v1/secrets", [auth], json.dumps({"name": name, "env": {"K": f"v{i}"}}))
    request(200, "PUT", f"/v1/secrets/{name}", [auth], json.dumps({"env": {"K": f"w{i}"}, "version": 1}))
    request(204, "DELETE", f"/v1/secrets/{name}", [auth])
    request(201, "POST", "/v1/environments", [auth], json.dumps({"name": f"e{i}"}))
    request(204, "DELETE", f"/v1/environments/e{i}", [auth])
    # the launcher's fetch and nginx's proxy-auth
    request(200, "POST", "/v1/fetch", [auth], fetch_body(i))
    request(204, "GET", "/v1/proxy-auth", ["Modal-Key: " + wid, "Modal-Secret: " + wsec])
    # error answers
    request(401, "GET", "/v1/secrets")  # no token
    request(401, "GET", "/v1/secrets", ["Authorization: Bearer tk-nobody:ts-wrong"])
    request(404, "GET", "/v1/nosuch", [auth])
    request(404, "GET", "/v1/secrets/nosuch", [auth])
    request(400, "POST", "/v1/secrets", [auth], '{"name":')  # truncated JSON
    request(413, "POST", "/v1/secrets", [auth], big)
    request(400, "POST", "/v1/fetch", [auth], '{"secrets":["db"]}')  # no key
