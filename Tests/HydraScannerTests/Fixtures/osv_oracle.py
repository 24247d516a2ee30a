#!/usr/bin/env python3
"""An independent reading of OSV's evaluation rules, to check hydra's matcher against.

Usage: osv_oracle.py ADVISORY_DIR... < packages.json > matches.json
packages.json: [{"ecosystem": "PyPI"|"Go", "name": ..., "version": ...}]
matches.json:  [{"ecosystem", "name", "version", "id"}] for every non-withdrawn record that affects a package.
PyPI versions compare with `packaging.version` (PEP 440, as pip does); Go versions with a SemVer 2 reading.
"""
import json, os, re, sys

import yaml
from packaging.version import InvalidVersion, Version


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def semver_key(text):
    text = text[1:] if text.startswith("v") else text
    if text.startswith("go"):
        text = text[2:]
    core, _, pre = text.split("+")[0].partition("-")
    numbers = [int(x) for x in core.split(".")] + [0, 0, 0]
    identifiers = []
    for part in pre.split(".") if pre else []:
        identifiers.append((0, int(part), "") if part.isdigit() else (1, 0, part))
    # A release sorts after its pre-releases.
    return (numbers[:3], 1 if not pre else 0, identifiers)


def compare(ecosystem, a, b):
    if ecosystem == "PyPI":
        x, y = Version(a), Version(b)
    else:
        x, y = semver_key(a), semver_key(b)
    return (x > y) - (x < y)


def affected(ecosystem, version, entry):
    for listed in entry.get("versions") or []:
        try:
            if compare(ecosystem, listed, version) == 0:
                return True
        except InvalidVersion:
            if listed == version:
                return True
    for r in entry.get("ranges") or []:
        if r.get("type") == "GIT":
            continue
        events = r.get("events") or []
        limits = [e["limit"] for e in events if "limit" in e]
        if limits and not any(l == "*" or compare(ecosystem, version, l) < 0 for l in limits):
            continue

        def key(e):
            value = e.get("introduced") or e.get("fixed") or e.get("last_affected")
            return value

        ordered = [e for e in events if key(e) is not None]
        import functools

        def order(e, f):
            if e.get("introduced") == "0":
                return -1 if f.get("introduced") != "0" else 0
            if f.get("introduced") == "0":
                return 1
            return compare(ecosystem, key(e), key(f))

        ordered.sort(key=functools.cmp_to_key(order))
        vulnerable = False
        for e in ordered:
            if "introduced" in e and (e["introduced"] == "0" or compare(ecosystem, version, e["introduced"]) >= 0):
                vulnerable = True
            elif "fixed" in e and compare(ecosystem, version, e["fixed"]) >= 0:
                vulnerable = False
            elif "last_affected" in e and compare(ecosystem, version, e["last_affected"]) > 0:
                vulnerable = False
        if vulnerable:
            return True
    return False


def records(directories):
    for directory in directories:
        for root, _, files in os.walk(directory):
            for name in sorted(files):
                path = os.path.join(root, name)
                if name.endswith(".json"):
                    with open(path) as f:
                        yield json.load(f)
                elif name.endswith(".yaml"):
                    with open(path) as f:
                        yield yaml.load(f, Loader=yaml.BaseLoader)


def main():
    packages = json.load(sys.stdin)
    wanted = {}
    for p in packages:
        name = pep503(p["name"]) if p["ecosystem"] == "PyPI" else p["name"]
        wanted.setdefault((p["ecosystem"], name), []).append(p["version"])
    matches = []
    for record in records(sys.argv[1:]):
        if record.get("withdrawn"):
            continue
        for entry in record.get("affected") or []:
            package = entry.get("package") or {}
            ecosystem = package.get("ecosystem")
            name = package.get("name", "")
            name = pep503(name) if ecosystem == "PyPI" else name
            for version in wanted.get((ecosystem, name), []):
                if affected(ecosystem, version, entry):
                    matches.append({"ecosystem": ecosystem, "name": name, "version": version, "id": record["id"]})
    unique = {(m["ecosystem"], m["name"], m["version"], m["id"]): m for m in matches}
    json.dump(sorted(unique.values(), key=lambda m: (m["name"], m["id"])), sys.stdout, indent=1)


if __name__ == "__main__":
    main()
