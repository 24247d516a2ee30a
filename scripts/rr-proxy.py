#!/usr/bin/env python3
"""rr-proxy.py - a round-robin TCP load balancer for tests: each new connection goes to the next backend in turn,
as a load balancer without sticky sessions does. Bytes are passed through untouched (HTTP/1.1 keep-alive
connections stay on the backend they started on; every new connection moves on).

Usage: rr-proxy.py LISTEN_PORT BACKEND_HOST:PORT...   (listens on 127.0.0.1; prints "ready" when it does)
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


def main():
    port = int(sys.argv[1])
    backends = [(h, int(p)) for h, p in (b.rsplit(":", 1) for b in sys.argv[2:])]
    turn = itertools.cycle(range(len(backends)))
    lock = threading.Lock()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(512)
    print("ready", flush=True)
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
        threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()


if __name__ == "__main__":
    main()
