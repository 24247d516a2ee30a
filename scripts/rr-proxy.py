#!/usr/bin/env python3
"""rr-proxy.py - a round-robin TCP load balancer for tests: each new connection goes to the next backend in turn,
as a load balancer without sticky sessions does. Bytes are passed through untouched (HTTP/1.1 keep-alive
connections stay on the backend they started on; every new connection moves on).

Usage: rr-proxy.py [--per-request] LISTEN_PORT BACKEND_HOST:PORT...   (listens on 127.0.0.1, on a free port with
LISTEN_PORT 0; prints "ready PORT")
--per-request: every HTTP request goes to the next backend, as an HTTP load balancer without sticky sessions does.
The proxy rewrites each connection's first request to `Connection: close`, so the backend closes after answering
and the client opens a new connection (to the next backend) for its next request.
A backend that refuses the connection is skipped for that connection (the next one is tried), as a health-checking
balancer would: a killed replica does not fail new requests.
"""
import itertools
import socket
import sys
import threading


def pipe(source, target):
    try:
        while True:
            data = source.recv(262144)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, target):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def close_after_one(client, upstream):
    """Passes the client's first request head on with `Connection: close`, then the rest untouched."""
    data = b""
    try:
        while b"\r\n\r\n" not in data and len(data) < 65536:
            more = client.recv(65536)
            if not more:
                break
            data += more
    except OSError:
        pass
    head, separator, rest = data.partition(b"\r\n\r\n")
    if separator:
        lines = [line for line in head.split(b"\r\n")
                 if not line.lower().startswith((b"connection:", b"keep-alive:"))]
        data = b"\r\n".join(lines + [b"Connection: close"]) + separator + rest
    try:
        upstream.sendall(data)
    except OSError:
        pass
    pipe(client, upstream)


def main():
    arguments = sys.argv[1:]
    per_request = arguments[:1] == ["--per-request"]
    if per_request:
        arguments = arguments[1:]
    port = int(arguments[0])
    backends = [(h, int(p)) for h, p in (b.rsplit(":", 1) for b in arguments[1:])]
    turn = itertools.cycle(range(len(backends)))
    lock = threading.Lock()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(512)
    print(f"ready {server.getsockname()[1]}", flush=True)
    while True:
        client, _ = server.accept()
        with lock:
            start = next(turn)
        upstream = None
        for i in range(len(backends)):
            try:
                upstream = socket.create_connection(backends[(start + i) % len(backends)], timeout=5)
                upstream.settimeout(None)
                break
            except OSError:
                continue
        if upstream is None:
            client.close()
            continue
        forward = close_after_one if per_request else pipe
        threading.Thread(target=forward, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()


if __name__ == "__main__":
    main()
