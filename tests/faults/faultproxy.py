#!/usr/bin/env python3
"""faultproxy.py — a TCP proxy between a client and a real server that
misbehaves on purpose, for the fault tests.

    faultproxy.py MODE UPSTREAM_HOST UPSTREAM_PORT [later]

Prints the loopback port it listens on, then serves until killed. With
"later" it forwards unchanged until SIGUSR1 arms it (it prints "armed");
SIGUSR2 disarms it (it prints "disarmed"): new connections pass again, and
in hang mode those already frozen stay frozen. MODE:
  pass          forwards both ways unchanged
  trickle       forwards each HTTP answer one byte per second
  truncate      sends an HTTP answer's headers and half its body, then closes
  short         the same, with Content-Length cut to match (well framed, cut body)
  tamper        changes one byte in the middle of each HTTP answer's body
  hang          forwards nothing in either direction but keeps every
                connection open (a network that stops delivering)
"""
import os
import select
import signal
import socket
import sys
import threading
import time

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
armed = threading.Event()
frozen = threading.Event()  # armed, in hang mode


def arm(*_):
    armed.set()
    if mode == "hang":
        frozen.set()


def arm_and_say(*_):
    arm()
    print("armed", flush=True)


def disarm_and_say(*_):
    armed.clear()
    frozen.clear()
    print("disarmed", flush=True)


signal.signal(signal.SIGUSR1, arm_and_say)
signal.signal(signal.SIGUSR2, disarm_and_say)


def read_answer(up):
    """One HTTP answer from upstream: (head bytes, body bytes), framed by
    Content-Length (the vault server always sends one)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = up.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = up.recv(65536)
        if not chunk:
            break
        body += chunk
    return head, body


def set_length(head, n):
    lines = [l for l in head.split(b"\r\n")
             if not l.lower().startswith(b"content-length:")]
    return b"\r\n".join(lines + [b"Content-Length: %d" % n])


def answers(client, up):
    """Upstream to client, one answer at a time, changed as MODE says."""
    while True:
        got = read_answer(up)
        if got is None:
            return
        head, body = got
        if not armed.is_set():
            client.sendall(head + b"\r\n\r\n" + body)
            continue
        if mode == "trickle":
            for b in head + b"\r\n\r\n" + body:
                client.sendall(bytes([b]))
                time.sleep(1)
            continue
        if mode in ("truncate", "short"):
            cut = body[: len(body) // 2]
            if mode == "short":
                head = set_length(head, len(cut))
            client.sendall(head + b"\r\n\r\n" + cut)
            client.shutdown(socket.SHUT_RDWR)
            return
        if mode == "tamper" and body:
            i = len(body) // 2
            body = body[:i] + (b"B" if body[i:i + 1] == b"A" else b"A") + body[i + 1:]
        client.sendall(head + b"\r\n\r\n" + body)


def pump(src, dst):
    """Raw bytes one way; stops moving them once frozen."""
    try:
        pump_until_closed(src, dst)
    except OSError:
        pass  # the other direction closed the connection


def pump_until_closed(src, dst):
    while True:
        r, _, _ = select.select([src], [], [], 0.2)
        if frozen.is_set():
            threading.Event().wait()  # hold the connection open, forever
        if not r:
            continue
        data = src.recv(65536)
        if not data or frozen.is_set():
            if not data:
                dst.shutdown(socket.SHUT_WR)
                return
            threading.Event().wait()
        dst.sendall(data)


def serve(client):
    try:
        up = socket.create_connection((host, port))
        if mode in ("pass", "hang"):
            t = threading.Thread(target=pump, args=(up, client), daemon=True)
            t.start()
            pump(client, up)
            t.join()
        else:
            threading.Thread(target=pump, args=(client, up), daemon=True).start()
            answers(client, up)
    except OSError:
        pass
    finally:
        if not frozen.is_set():
            client.close()


if sys.argv[4:] != ["later"]:
    arm()
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(128)
print(listener.getsockname()[1], flush=True)
while True:
    c, _ = listener.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
