#!/usr/bin/env python3
"""s3-faults.py - moto's S3 server (PyPI) with faults injected on request, for the tests of hydra's S3 client and
blob storage: what a real object store does on a bad day (503 SlowDown, 500 InternalError on a part, a connection
dropped before or after the request took effect).

Usage: s3-faults.py PORT [CERT KEY]   (listens on 127.0.0.1, with TLS when given a certificate and its key; PORT 0
takes a free port; prints "ready PORT" when it listens). moto accepts any credentials. Virtual-host requests
(Host: BUCKET.localhost:PORT) reach the bucket as path-style ones do.

Faults are rules a test sets with  POST /_faults  (a JSON list, replacing the rules) and reads back, with how
often each one fired, with  GET /_faults . A rule:
  {"method": "PUT", "query": "partNumber=", "path": "blobs/", "count": 2,
   "status": 503, "code": "SlowDown"}          answer with this S3 error instead of serving the request
   "drop": "before"                              close the connection without an answer, nothing done
   "drop": "after"                               serve the request, then close the connection without the answer
   "drop": "midway"                              serve the request, send half of the answer, then close
method, query, path and host (substrings of the query string, the path and the Host header) are optional filters; count is how many
matching requests the rule catches (default 1). The first matching rule with count left fires; "fired" counts it.
"""
import json
import socket
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

rules = []
lock = threading.Lock()


def take_rule(environ):
    method = environ["REQUEST_METHOD"]
    query = environ.get("QUERY_STRING", "")
    path = environ.get("PATH_INFO", "")
    with lock:
        for rule in rules:
            if rule["count"] <= 0:
                continue
            if rule.get("method") not in (None, method):
                continue
            if rule.get("query") is not None and rule["query"] not in query:
                continue
            if rule.get("path") is not None and rule["path"] not in path:
                continue
            if rule.get("host") is not None and rule["host"] not in environ.get("HTTP_HOST", ""):
                continue
            rule["count"] -= 1
            rule["fired"] += 1
            return dict(rule)
    return None


def drop(environ):
    """Closes the client's connection with no answer; werkzeug treats the ConnectionError as a dropped client."""
    connection = environ.get("werkzeug.socket")
    if connection is not None:
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionAbortedError("fault injected: connection dropped")


class Faults:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        global rules
        if environ.get("PATH_INFO") == "/_faults":
            if environ["REQUEST_METHOD"] == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                given = json.loads(environ["wsgi.input"].read(length) or b"[]")
                with lock:
                    rules = [dict(rule, count=rule.get("count", 1), fired=0) for rule in given]
            with lock:
                body = json.dumps(rules).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        rule = take_rule(environ)
        if rule is None:
            return self.app(environ, start_response)
        if rule.get("drop") == "midway":
            captured = {}
            def capture(status, headers, exc_info=None):
                captured["status"], captured["headers"] = status, headers
            result = self.app(environ, capture)
            body = b"".join(result)
            if hasattr(result, "close"):
                result.close()
            headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
            start_response(captured["status"], headers + [("Content-Length", str(len(body)))])

            def half():
                yield body[: len(body) // 2]
                drop(environ)
            return half()
        if rule.get("drop") == "after":
            status_headers = []
            result = self.app(environ, lambda status, headers, exc_info=None: status_headers.append(status))
            for _ in result:
                pass
            if hasattr(result, "close"):
                result.close()
            drop(environ)
        # The request's body is read first, as a server that answers an error does: the connection stays in step.
        length = int(environ.get("CONTENT_LENGTH") or 0)
        while length > 0:
            chunk = environ["wsgi.input"].read(min(length, 1 << 20))
            if not chunk:
                break
            length -= len(chunk)
        if rule.get("drop") == "before":
            drop(environ)
        code = rule.get("code", "InternalError")
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code>"
                f"<Message>fault injected by s3-faults.py</Message></Error>").encode()
        status = rule.get("status", 500)
        reason = {500: "Internal Server Error", 503: "Service Unavailable", 403: "Forbidden", 404: "Not Found"}.get(status, "Error")
        start_response(f"{status} {reason}", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
        return [body]


def main():
    port = int(sys.argv[1])
    app = Faults(DomainDispatcherApplication(create_backend_app))
    tls = (sys.argv[2], sys.argv[3]) if len(sys.argv) > 3 else None
    server = make_server("127.0.0.1", port, app, threaded=True, ssl_context=tls)
    print(f"ready {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
