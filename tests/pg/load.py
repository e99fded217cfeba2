#!/usr/bin/env python3
"""load.py — concurrent clients of several vault servers, for the scale-out
tests. Every request carries the bearer token in MODAL_TEST_TOKEN (id:secret).

  race URLS NAME N          N creates of one secret at once, spread over the
                            servers; prints {"201": 1, "409": N-1, ...}
  cas URLS NAME CLIENTS K   CLIENTS clients each add K keys to one secret by
                            read-modify-write with compare-and-set (PUT with
                            the version read, again on 409); prints the keys
                            acknowledged and the conflicts retried
  chaos URLS SECONDS CLIENTS OUT
                            creates (unique names, random values) and CAS
                            key-appends on shared secrets while servers are
                            killed; writes what was acknowledged (2xx) to OUT
  hammer URLS SECONDS OUT   reads and writes while the database goes away;
                            records every status, Retry-After and latency
URLS is a comma-separated list of http://HOST:PORT.
"""
import http.client
import json
import os
import random
import string
import sys
import threading
import time
import urllib.parse

TOKEN = os.environ.get("MODAL_TEST_TOKEN", "")
TIMEOUT = 10


def request(url, method, path, body=None):
    """(status, headers, parsed body or None, seconds); status 0: no answer."""
    u = urllib.parse.urlsplit(url)
    t0 = time.monotonic()
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=TIMEOUT)
    headers = {"Authorization": "Bearer " + TOKEN}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return resp.status, dict(resp.getheaders()), parsed, time.monotonic() - t0
    except (OSError, http.client.HTTPException):
        return 0, {}, None, time.monotonic() - t0
    finally:
        conn.close()


def rand_value(n=24):
    return "".join(random.choice(string.ascii_letters + string.digits) for _ in range(n))


def race(urls, name, n):
    barrier = threading.Barrier(n)
    counts = {}
    lock = threading.Lock()

    def one(i):
        barrier.wait()
        st = request(urls[i % len(urls)], "POST", "/v1/secrets",
                     {"name": name, "env": {"K": str(i)}})[0]
        with lock:
            counts[str(st)] = counts.get(str(st), 0) + 1

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(counts, sort_keys=True))


def cas_append(url, name, key, stop=None):
    """Adds key to secret name by GET + PUT(version); retries on 409.
    Returns (acknowledged, conflicts); gives up on other failures."""
    conflicts = 0
    while stop is None or time.monotonic() < stop:
        st, _, meta, _ = request(url, "GET", "/v1/secrets/" + name)
        if st != 200:
            return False, conflicts
        env = {k: "x" for k in meta["keys"]}
        env[key] = "x"
        st = request(url, "PUT", "/v1/secrets/" + name,
                     {"env": env, "version": meta["version"]})[0]
        if st == 200:
            return True, conflicts
        if st != 409:
            return False, conflicts
        conflicts += 1
    return False, conflicts


def cas(urls, name, clients, k):
    acked, conflicts, lock = [], [0], threading.Lock()

    def client(c):
        for i in range(k):
            key = "K_%d_%d" % (c, i)
            ok, n = cas_append(urls[(c + i) % len(urls)], name, key)
            with lock:
                conflicts[0] += n
                if ok:
                    acked.append(key)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"acked": sorted(acked), "conflicts": conflicts[0]}))


def chaos(urls, seconds, clients, out):
    stop = time.monotonic() + seconds
    creates, appends, tried, lock = [], [], [], threading.Lock()
    counts = {}

    def client(c):
        n = 0
        while time.monotonic() < stop:
            url = urls[n % len(urls)]
            n += 1
            if n % 4 == 0:
                key = "A_%d_%d" % (c, n)
                with lock:
                    tried.append(key)
                ok, _ = cas_append(url, "shared%d" % (c % 2), key, stop)
                if ok:
                    with lock:
                        appends.append(key)
                continue
            name, key, value = "c%d-%d" % (c, n), "K_%d_%d" % (c, n), rand_value()
            st = request(url, "POST", "/v1/secrets", {"name": name, "env": {key: value}})[0]
            with lock:
                counts[str(st)] = counts.get(str(st), 0) + 1
                if st == 201:
                    creates.append({"name": name, "key": key, "value": value})
            if st == 0:
                time.sleep(0.02)   # the server is being restarted

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(out, "w") as f:
        json.dump({"creates": creates, "appends": appends, "tried": tried,
                   "statuses": counts}, f)


def hammer(urls, seconds, out):
    """At least `seconds`, then on until the last second was all 2xx (the
    servers are back) or 30 s have passed: how long a database takes to come
    back from a crash depends on the machine's load, not on the servers."""
    start = time.monotonic()
    stop, hard_stop = start + seconds, start + 30.0
    records, lock, run = [], threading.Lock(), rand_value(6)

    def going():
        now = time.monotonic()
        if now < stop:
            return True
        with lock:
            tail = [r["status"] for r in records if r["t"] > now - 1.0]
        return now < hard_stop and not (tail and all(s in (200, 201) for s in tail))

    def client(c):
        n = 0
        while going():
            n += 1
            url = urls[n % len(urls)]
            if n % 2:
                st, hdrs, _, dt = request(url, "GET", "/v1/secrets")
            else:
                st, hdrs, _, dt = request(url, "POST", "/v1/secrets",
                                          {"name": "h%s-%d-%d" % (run, c, n), "env": {"K": "v"}})
            with lock:
                records.append({"t": time.monotonic(), "status": st, "seconds": dt,
                                "retry_after": hdrs.get("Retry-After")})
            time.sleep(0.01)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(out, "w") as f:
        json.dump(records, f)


def main(argv):
    urls = argv[2].split(",")
    if argv[1] == "race":
        race(urls, argv[3], int(argv[4]))
    elif argv[1] == "cas":
        cas(urls, argv[3], int(argv[4]), int(argv[5]))
    elif argv[1] == "chaos":
        chaos(urls, float(argv[3]), int(argv[4]), argv[5])
    elif argv[1] == "hammer":
        hammer(urls, float(argv[3]), argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
