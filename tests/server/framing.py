#!/usr/bin/env python3
"""framing.py HOST PORT: raw-socket requests with ambiguous framing (RFC 9112
6.3, 3.2): two different Content-Length headers, Content-Length with
Transfer-Encoding: chunked, a control character (raw or percent-encoded) in
the target. Each must get exactly one answer, 400 with Connection: close, and
the connection closed; the request smuggled behind it (GET of a path holding
a marker) is never answered. Prints one line per case ("ok ..." or
"FAIL ..."); the caller also checks that the marker is not in the log."""
import socket
import sys

HOST, PORT = sys.argv[1], int(sys.argv[2])
MARK = "smuggled-7f3a"
SMUGGLED = ("GET /v1/%s HTTP/1.1\r\nHost: x\r\n\r\n" % MARK).encode()


def exchange(raw):
    """Sends raw, reads until the server closes (or 5 s of silence)."""
    s = socket.create_connection((HOST, PORT), timeout=5)
    s.sendall(raw)
    got = b""
    closed = False
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            got += chunk
    except socket.timeout:
        pass
    s.close()
    return got, closed


def body_of(extra_headers, body):
    return ("POST /v1/secrets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + extra_headers + "\r\n").encode() + body


CASES = [
    ("two different Content-Length headers",
     body_of("Content-Length: 2\r\nContent-Length: %d\r\n" % (2 + len(SMUGGLED)),
             b"{}" + SMUGGLED)),
    ("two different Content-Length headers (smaller second)",
     body_of("Content-Length: %d\r\nContent-Length: 2\r\n" % (2 + len(SMUGGLED)),
             b"{}" + SMUGGLED)),
    ("a Content-Length list '2, 40'",
     body_of("Content-Length: 2, 40\r\n", b"{}" + SMUGGLED)),
    ("Content-Length with Transfer-Encoding: chunked",
     body_of("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n" + SMUGGLED)),
    ("Transfer-Encoding: chunked with Content-Length",
     body_of("Transfer-Encoding: chunked\r\nContent-Length: 40\r\n", b"0\r\n\r\n" + SMUGGLED)),
    ("%00 in the path",
     b"GET /healthz%00x HTTP/1.1\r\nHost: x\r\n\r\n" + SMUGGLED),
    ("%00 at the end of a route's path",
     b"GET /v1/secrets%00 HTTP/1.1\r\nHost: x\r\n\r\n" + SMUGGLED),
    ("%0a (percent-encoded newline) in the path",
     b"GET /v1/secrets/a%0ab HTTP/1.1\r\nHost: x\r\n\r\n" + SMUGGLED),
    ("%1b (escape) in the path",
     b"GET /v1/secrets/a%1bb HTTP/1.1\r\nHost: x\r\n\r\n" + SMUGGLED),
    ("%7f (DEL) in the path",
     b"GET /v1/secrets/a%7Fb HTTP/1.1\r\nHost: x\r\n\r\n" + SMUGGLED),
    ("a raw control character in the path",
     b"GET /v1/secrets/a\x01b HTTP/1.1\r\nHost: x\r\n\r\n" + SMUGGLED),
    ("%00 in a query parameter",
     b"GET /v1/secrets?environment=main%00x HTTP/1.1\r\nHost: x\r\n\r\n" + SMUGGLED),
]

failed = 0
for what, raw in CASES:
    got, closed = exchange(raw)
    head = got.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    status = head.split("\r\n", 1)[0]
    # libmicrohttpd answers a few faults itself (a Content-Length list),
    # with its own 400: any other status line is the smuggled request's.
    others = [l for l in got.split(b"\r\n")
              if l.startswith(b"HTTP/1.1 ") and not l.startswith(b"HTTP/1.1 400")]
    problems = []
    if not status.startswith("HTTP/1.1 400"):
        problems.append("status '%s'" % status)
    if "connection: close" not in head.lower():
        problems.append("no Connection: close")
    if not closed:
        problems.append("connection left open")
    if others or MARK.encode() in got:
        problems.append("another answer %r (the smuggled request ran)" % others[:1])
    if problems:
        failed += 1
        print("FAIL framing: %s: %s" % (what, ", ".join(problems)))
    else:
        print("ok   framing: %s -> 400, closed" % what)

# A well-framed request still works, keep-alive and all.
got, _ = exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
if got.count(b"HTTP/1.1 200") == 2:
    print("ok   framing: two well-framed requests on one connection -> 200, 200")
else:
    failed += 1
    print("FAIL framing: two well-framed requests: %r" % got[:300])
sys.exit(1 if failed else 0)
