#!/usr/bin/python3
"""An independent reading of the Ubuntu CVE Tracker and Debian's DSA/DLA lists, to check hydra's importers and
matcher against. Versions compare with Debian's own apt_pkg.version_compare (python3-apt).

Usage: distro_oracle.py ubuntu RELEASE TRACKER.tar.xz < packages.json > matches.json
       distro_oracle.py debian CODENAME DSA_LIST DLA_LIST < packages.json > matches.json
packages.json: [{"name": binary, "source": source package, "version": installed version}]
matches.json:  [[binary, advisory id], ...] sorted: UBUNTU-CVE-… for the tracker, DSA-…/DLA-… for Debian.

Tracker rules (as Ubuntu documents its statuses): for the release's own line, `released (V)` fixes at V;
`needed`, `deferred`, `pending` mean affected with no fix; anything else decides nothing, and then a Pro stream's
line for that release (esm-infra/R, esm-apps/R, R/esm) decides the same way. A release whose own line is
`needed` takes a fix a Pro stream released.
"""
import json, re, sys, tarfile

import apt_pkg

apt_pkg.init_system()

RELEASES = {"xenial": "16.04", "bionic": "18.04", "focal": "20.04", "jammy": "22.04", "kinetic": "22.10",
            "lunar": "23.04", "mantic": "23.10", "noble": "24.04", "trusty": "14.04"}
LINE = re.compile(r"^([a-z0-9/-]+)_([a-z0-9.+-]+): ([a-z-]+)(?: \((.*)\))?\s*$")


def decide(status, detail):
    if status == "released" and detail and detail[0].isdigit():
        return ("fixed", detail)
    if status in ("needed", "deferred", "pending"):
        return ("unfixed", None)
    return None


def ubuntu(release, tarball, packages):
    wanted = RELEASES[release] if release in RELEASES else release
    codename = {v: k for k, v in RELEASES.items()}[wanted]
    by_source = {}
    for p in packages:
        by_source.setdefault(p["source"], []).append(p)
    matches = set()
    with tarfile.open(tarball) as archive:
        for member in archive:
            if not member.isfile():
                continue
            text = archive.extractfile(member).read().decode("utf-8", "replace")
            candidate = re.search(r"^Candidate: (\S+)", text, re.M)
            if not candidate:
                continue
            own, pro = {}, {}
            for line in text.splitlines():
                m = LINE.match(line.rstrip("\r"))
                if not m:
                    continue
                stream, package, status, detail = m.groups()
                parts = stream.split("/")
                if codename not in parts:
                    continue
                decision = decide(status, detail)
                if len(parts) == 1:
                    own[package] = decision
                elif pro.get(package, (None,))[0] != "fixed":
                    pro[package] = decision
            for package in set(own) | set(pro):
                if package not in by_source:
                    continue
                mine, theirs = own.get(package), pro.get(package)
                if mine and mine[0] == "fixed":
                    decision = mine
                elif mine and mine[0] == "unfixed":
                    decision = theirs if theirs and theirs[0] == "fixed" else mine
                else:
                    decision = theirs
                if not decision:
                    continue
                for p in by_source[package]:
                    if decision[0] == "unfixed" or apt_pkg.version_compare(p["version"], decision[1]) < 0:
                        matches.add((p["name"], "UBUNTU-" + candidate.group(1)))
    return matches


def debian(codename, lists, packages):
    by_source = {}
    for p in packages:
        by_source.setdefault(p["source"], []).append(p)
    matches = set()
    for path in lists:
        current = None
        for line in open(path, encoding="utf-8", errors="replace"):
            header = re.match(r"^\[[^\]]+\] ((?:DSA|DLA|DTSA)-\S+)", line)
            if header:
                current = header.group(1)
                continue
            entry = re.match(r"^\s+\[" + re.escape(codename) + r"\] - (\S+) (\S+)", line)
            if not entry or not current:
                continue
            package, version = entry.groups()
            if package not in by_source or (version.startswith("<") and version != "<unfixed>"):
                continue
            for p in by_source[package]:
                if version == "<unfixed>" or apt_pkg.version_compare(p["version"], version) < 0:
                    matches.add((p["name"], current))
    return matches


if __name__ == "__main__":
    packages = json.load(sys.stdin)
    if sys.argv[1] == "ubuntu":
        found = ubuntu(sys.argv[2], sys.argv[3], packages)
    else:
        found = debian(sys.argv[2], sys.argv[3:], packages)
    json.dump(sorted(found), sys.stdout)
