#!/usr/bin/env python3
"""bench-seed-repositories.py - fills a project with REPOS repositories of ARTIFACTS manifests each, through the
registry API as any client would (keep-alive connections, THREADS at once): one config and one layer blob, mounted
into every repository, and ARTIFACTS distinct manifests per repository (told apart by an annotation), each tagged.
Usage: bench-seed-repositories.py BASE_URL USER PASSWORD PROJECT REPOS ARTIFACTS [THREADS]"""
import base64
import hashlib
import http.client
import json
import sys
import threading
import urllib.parse

base, user, password, project = sys.argv[1:5]
repos, artifacts = int(sys.argv[5]), int(sys.argv[6])
threads = int(sys.argv[7]) if len(sys.argv) > 7 else 4
url = urllib.parse.urlparse(base)
auth = {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
layer = b"bench layer"
digest = lambda data: "sha256:" + hashlib.sha256(data).hexdigest()
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def connection():
    return http.client.HTTPConnection(url.hostname, url.port, timeout=60)


def call(conn, method, path, body=None, headers=None, expect=(200, 201, 202)):
    conn.request(method, path, body=body, headers={**auth, **(headers or {})})
    answer = conn.getresponse()
    data = answer.read()
    if answer.status not in expect:
        raise SystemExit(f"{method} {path}: {answer.status} {data[:200]!r}")
    return answer


def seed(first, last):
    conn = connection()
    source = f"{project}/r00000"
    for index in range(first, last):
        repo = f"{project}/r{index:05d}"
        for blob in (config, layer):
            if repo == source:
                call(conn, "POST", f"/v2/{repo}/blobs/uploads/?digest={digest(blob)}", body=blob,
                     headers={"Content-Type": "application/octet-stream"})
            else:
                call(conn, "POST", f"/v2/{repo}/blobs/uploads/?mount={digest(blob)}&from={source}", expect=(201,))
        for n in range(artifacts):
            manifest = json.dumps({
                "schemaVersion": 2, "mediaType": MANIFEST,
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(config), "size": len(config)},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest(layer), "size": len(layer)}],
                "annotations": {"bench": f"{repo}:{n}"},
            }).encode()
            call(conn, "PUT", f"/v2/{repo}/manifests/v{n}", body=manifest, headers={"Content-Type": MANIFEST})


failures = []


def run(first, last):
    try:
        seed(first, last)
    except BaseException as error:  # a thread's SystemExit would otherwise end only the thread
        failures.append(error)


seed(0, 1)  # the repository the others mount from
step = (repos - 1 + threads - 1) // threads
workers = [threading.Thread(target=run, args=(1 + t * step, min(repos, 1 + (t + 1) * step))) for t in range(threads)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
if failures:
    sys.exit(f"seeding failed: {failures[0]}")
print(f"seeded {repos} repositories with {artifacts} artifacts each", file=sys.stderr)
