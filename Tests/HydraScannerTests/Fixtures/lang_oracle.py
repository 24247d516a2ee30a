#!/usr/bin/python3
"""An independent reading of Alpine's secdb and of the RubySec, FriendsOfPHP and Node.js Security WG feeds, to
check hydra's importers and matcher against. Its own version orders (apk, RubyGems, Composer, SemVer) are checked
first against osv-scalibr's vectors (`selfcheck`), so an oracle that disagrees with hydra is not simply wrong.

Usage: lang_oracle.py selfcheck VECTORS_DIR                 -> {"file": [checked, [failures]]}
       lang_oracle.py alpine SECDB.json...  < packages.json  -> [[name, advisory id], ...]
       lang_oracle.py rubysec ZIP           < packages.json
       lang_oracle.py friendsofphp ZIP      < packages.json
       lang_oracle.py npm ZIP               < packages.json
packages.json: [{"name", "version", "source" (apk origin)}]. Advisory ids are hydra's: ALPINE-vR-REPO-CVE,
RUBYSEC-GEM-FILE, FRIENDSOFPHP-VENDOR/PACKAGE-FILE, NSWG-ECO-N.

Feed rules, as each feed documents them:
- Alpine secdb: `secfixes` maps a fixed version to the CVEs it fixes; a package built from that origin at a lower
  version is affected; a fixed version of "0" means the release was never affected.
- RubySec: a gem is affected unless its version satisfies one of `patched_versions` or `unaffected_versions`.
- FriendsOfPHP: affected when every constraint of one of `branches[].versions` holds.
- Node WG npm: affected when the version is in `vulnerable_versions` and not in `patched_versions`.
"""
import json, os, re, sys, zipfile

import yaml


def sign(x):
    return (x > 0) - (x < 0)


# --- apk (apk-tools' version.c: digits, letters, _suffixes, -rN) ---------------------------------------------
APK_PRE = {"alpha": 0, "beta": 1, "pre": 2, "rc": 3}
APK_POST = {"cvs": 5, "svn": 6, "git": 7, "hg": 8, "p": 9}


def apk_tokens(text):
    """[(kind, value)]: kind orders token types the way apk does (a pre-release suffix sorts before the end)."""
    tokens, i = [], 0
    match = re.match(r"^(\d+)((?:\.\d+)*)([a-z]?)((?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*)(?:-r(\d+))?$", text)
    if not match:
        return None
    first, dots, letter, suffixes, revision = match.groups()
    tokens.append(("digit", first, True))
    for part in dots.split(".")[1:]:
        tokens.append(("digit", part, False))
    if letter:
        tokens.append(("letter", letter, False))
    for suffix in re.findall(r"_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d*)", suffixes):
        tokens.append(("suffix", suffix, False))
    if revision is not None:
        tokens.append(("revision", int(revision), False))
    return tokens


def apk_compare(a, b):
    """apk-tools' order for valid versions (None when either is not one: the oracle does not guess)."""
    ta, tb = apk_tokens(a), apk_tokens(b)
    if ta is None or tb is None:
        return None
    ta, tb = ta + [("end", None, False)], tb + [("end", None, False)]
    for x, y in zip(ta, tb):
        if x[0] != y[0]:
            # Where the token kinds part, a pre-release suffix is older; otherwise the later kind in apk's order
            # (digit, letter, suffix, revision, end) is the older version: "1.2-r0" < "1.2.1", "1.2" < "1.2a".
            if x[0] == "suffix" and x[1][0] in APK_PRE:
                return -1
            if y[0] == "suffix" and y[1][0] in APK_PRE:
                return 1
            return -1 if APK_KINDS.index(x[0]) > APK_KINDS.index(y[0]) else 1
        kind = x[0]
        if kind == "end":
            return 0
        if kind == "digit":
            if x[2] or (not x[1].startswith("0") and not y[1].startswith("0")):
                c = sign(int(x[1]) - int(y[1]))
            else:
                # A component with a leading zero compares as a decimal fraction (apk: "1.01" < "1.1").
                c = sign((x[1] > y[1]) - (x[1] < y[1]))
        elif kind == "letter":
            c = sign((x[1] > y[1]) - (x[1] < y[1]))
        elif kind == "suffix":
            c = sign(apk_suffix_rank(x[1][0]) - apk_suffix_rank(y[1][0]))
            if c == 0:
                c = sign(int(x[1][1] or 0) - int(y[1][1] or 0))
        else:
            c = sign(x[1] - y[1])
        if c:
            return c
    return 0


APK_KINDS = ["digit", "letter", "suffix", "revision", "end"]


def apk_suffix_rank(name):
    return APK_PRE.get(name, APK_POST.get(name, 4))


# --- RubyGems (Gem::Version) ----------------------------------------------------------------------------------
def gem_segments(text):
    text = text.strip().replace("-", ".pre.")
    parts = re.findall(r"[0-9]+|[a-z]+", text.lower())
    segments = [int(p) if p.isdigit() else p for p in parts]
    # Trailing zeros do not count (1.0 == 1), also before a pre-release part.
    while len(segments) > 1 and segments[-1] == 0:
        segments.pop()
    i = next((k for k, s in enumerate(segments) if isinstance(s, str)), None)
    if i is not None:
        head = segments[:i]
        while head and head[-1] == 0:
            head.pop()
        segments = head + segments[i:]
    return segments


def gem_compare(a, b):
    sa, sb = gem_segments(a), gem_segments(b)
    for k in range(max(len(sa), len(sb))):
        x = sa[k] if k < len(sa) else 0
        y = sb[k] if k < len(sb) else 0
        if x == y:
            continue
        if isinstance(x, str) and isinstance(y, int):
            return -1
        if isinstance(x, int) and isinstance(y, str):
            return 1
        return sign((x > y) - (x < y))
    return 0


def gem_satisfies(version, requirement):
    """One RubyGems requirement: '>= 1.2, < 2' (a conjunction), '~> 2.3.1', '= 1.0'."""
    for clause in requirement.split(","):
        clause = clause.strip()
        m = re.match(r"^(~>|>=|<=|!=|>|<|=)?\s*(\S+)$", clause)
        if not m:
            return False
        op, target = m.group(1) or "=", m.group(2)
        c = gem_compare(version, target)
        if op == "~>":
            parts = [p for p in re.findall(r"[0-9]+|[a-z]+", target.lower())]
            numeric = [p for p in parts if p.isdigit()]
            bump = numeric[:-1] if len(numeric) > 1 else numeric
            upper = ".".join(bump[:-1] + [str(int(bump[-1]) + 1)])
            ok = c >= 0 and gem_compare(version, upper) < 0
        else:
            ok = {"=": c == 0, "!=": c != 0, ">": c > 0, "<": c < 0, ">=": c >= 0, "<=": c <= 0}[op]
        if not ok:
            return False
    return True


# --- Composer (version_compare after normalisation) -----------------------------------------------------------
# PHP's special forms, matched by prefix in this order (version_compare's table).
PHP_SPECIAL = [("dev", 0), ("alpha", 1), ("a", 1), ("beta", 2), ("b", 2), ("RC", 3), ("rc", 3), ("#", 4), ("pl", 5), ("p", 5)]


def php_canon(text):
    text = re.sub(r"[-_+]", ".", text)
    text = re.sub(r"(?<=\d)(?=[^\d.])|(?<=[^\d.])(?=\d)", ".", text)
    return [p for p in text.split(".") if p != ""]


def php_rank(word):
    return next((rank for name, rank in PHP_SPECIAL if word.startswith(name)), -6)


def php_compare(a, b):
    """PHP's version_compare (case-sensitive, as Composer's comparisons and osv-scalibr's vectors use it), after
    a leading v is dropped."""
    return php_compare_parts(php_canon(composer_normalise(a)), php_canon(composer_normalise(b)))


def php_compare_parts(pa, pb):
    for x, y in zip(pa, pb):
        if x.isdigit() and y.isdigit():
            c = sign(int(x) - int(y))
        elif not x.isdigit() and not y.isdigit():
            c = sign(php_rank(x) - php_rank(y))
        elif x.isdigit():
            c = sign(php_rank("#") - php_rank(y))
        else:
            c = sign(php_rank(x) - php_rank("#"))
        if c:
            return c
    # One ran out: a number left makes the longer one newer; anything else is compared with "#N#" (a release).
    if len(pa) > len(pb):
        rest = pa[len(pb):]
        return 1 if rest[0].isdigit() else php_compare_parts(rest, ["#N#"])
    if len(pb) > len(pa):
        rest = pb[len(pa):]
        return -1 if rest[0].isdigit() else php_compare_parts(["#N#"], rest)
    return 0


def composer_normalise(version):
    version = version.strip()
    if version[:1] in ("v", "V"):
        version = version[1:]
    return version


def composer_satisfies(version, constraint):
    m = re.match(r"^(>=|<=|>|<|==|=|!=)?\s*(\S+)$", constraint.strip())
    if not m:
        return False
    op, target = m.group(1) or "==", composer_normalise(m.group(2))
    c = php_compare(version, target)
    return {"==": c == 0, "=": c == 0, "!=": c != 0, ">": c > 0, "<": c < 0, ">=": c >= 0, "<=": c <= 0}[op]


# --- SemVer and npm ranges ------------------------------------------------------------------------------------
def semver_key(text):
    text = text.strip().lstrip("v=")
    core, _, pre = text.split("+")[0].partition("-")
    numbers = [int(x) for x in core.split(".")]
    numbers += [0] * (3 - len(numbers))
    ids = []
    for part in pre.split(".") if pre else []:
        ids.append((0, int(part), "") if part.isdigit() else (1, 0, part))
    return (numbers[:3], 1 if not pre else 0, ids)


def semver_compare(a, b):
    x, y = semver_key(a), semver_key(b)
    return sign((x > y) - (x < y))


def npm_comparator_set(version, text):
    """One space-separated comparator set ('>=1.0.0 <1.2.3', '^1.2.0', '~1.2', '1.x', '*', '1.0.0 - 2.0.0')."""
    text = text.strip()
    if text in ("", "*", "x", "X"):
        return True
    hyphen = re.match(r"^(\S+)\s+-\s+(\S+)$", text)
    if hyphen:
        return semver_compare(version, hyphen.group(1)) >= 0 and semver_compare(version, hyphen.group(2)) <= 0
    text = re.sub(r"(>=|<=|>|<|=|\^|~)\s+", r"\1", text)
    for token in text.split():
        m = re.match(r"^(>=|<=|>|<|=|\^|~)?v?(.+)$", token)
        op, target = m.group(1) or "=", m.group(2)
        parts = target.split(".")
        wildcard = [p in ("x", "X", "*") for p in parts]
        if any(wildcard) or len(parts) < 3 and op in ("=",):
            fixed = [int(p) for p, w in zip(parts, wildcard) if not w][: next((i for i, w in enumerate(wildcard) if w), len(parts))]
            low = fixed + [0] * (3 - len(fixed))
            high = fixed[:-1] + [fixed[-1] + 1] + [0] * (3 - len(fixed)) if fixed else None
            lows = ".".join(map(str, low))
            if semver_compare(version, lows) < 0 or (high and semver_compare(version, ".".join(map(str, high[:3]))) >= 0):
                return False
            continue
        c = semver_compare(version, target)
        if op == "^":
            nums = semver_key(target)[0]
            if nums[0] > 0:
                high = f"{nums[0] + 1}.0.0"
            elif nums[1] > 0:
                high = f"0.{nums[1] + 1}.0"
            else:
                high = f"0.0.{nums[2] + 1}"
            ok = c >= 0 and semver_compare(version, high) < 0
        elif op == "~":
            nums = semver_key(target)[0]
            high = f"{nums[0]}.{nums[1] + 1}.0" if len(parts) > 1 else f"{nums[0] + 1}.0.0"
            ok = c >= 0 and semver_compare(version, high) < 0
        else:
            ok = {"=": c == 0, ">": c > 0, "<": c < 0, ">=": c >= 0, "<=": c <= 0}[op]
        if not ok:
            return False
    return True


def npm_satisfies(version, ranges):
    if ranges is None:
        return False
    return any(npm_comparator_set(version, part) for part in str(ranges).split("||"))


# --- the feeds ------------------------------------------------------------------------------------------------
def alpine(paths, packages):
    matches = set()
    for path in paths:
        data = json.load(open(path))
        release, repository = data["distroversion"], data["reponame"]
        by_origin = {}
        for p in packages:
            by_origin.setdefault(p.get("source") or p["name"], []).append(p)
        for entry in data["packages"]:
            pkg = entry["pkg"]
            for fixed, cves in (pkg.get("secfixes") or {}).items():
                for cve in cves or []:
                    cve = str(cve).split()[0]
                    for p in by_origin.get(pkg["name"], []):
                        if fixed != "0" and apk_compare(p["version"], fixed) < 0:
                            matches.add((p["name"], f"ALPINE-{release}-{repository}-{cve}"))
    return matches


def zip_documents(path, suffixes):
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith(suffixes) and not name.endswith("/"):
                yield name, archive.read(name)


def rubysec(path, packages):
    by_name = {}
    for p in packages:
        by_name.setdefault(p["name"], []).append(p)
    matches = set()
    for name, body in zip_documents(path, (".yml",)):
        if "/gems/" not in "/" + name:
            continue
        doc = yaml.safe_load(body)
        gem = doc.get("gem")
        if gem not in by_name:
            continue
        stem = os.path.splitext(os.path.basename(name))[0]
        safe = (doc.get("patched_versions") or []) + (doc.get("unaffected_versions") or [])
        for p in by_name[gem]:
            if not any(gem_satisfies(p["version"], str(r)) for r in safe):
                matches.add((p["name"], f"RUBYSEC-{gem}-{stem}"))
    return matches


def friendsofphp(path, packages):
    by_name = {}
    for p in packages:
        by_name.setdefault(p["name"].lower(), []).append(p)
    matches = set()
    for name, body in zip_documents(path, (".yaml", ".yml")):
        doc = yaml.safe_load(body)
        if not isinstance(doc, dict) or not str(doc.get("reference", "")).startswith("composer://"):
            continue
        package = doc["reference"][len("composer://"):].lower()
        if package not in by_name:
            continue
        stem = os.path.splitext(os.path.basename(name))[0]
        for p in by_name[package]:
            for branch in (doc.get("branches") or {}).values():
                if all(composer_satisfies(p["version"], c) for c in branch.get("versions") or []) and branch.get("versions"):
                    matches.add((p["name"], f"FRIENDSOFPHP-{package}-{stem}"))
    return matches


def npm(path, packages):
    # npm names are lowercase (the registry refuses others since 2017); the feed spells some as their projects do
    # ("jQuery").
    by_name = {}
    for p in packages:
        by_name.setdefault(p["name"].lower(), []).append(p)
    matches = set()
    for name, body in zip_documents(path, (".json",)):
        if "/npm/" not in "/" + name:
            continue
        doc = json.loads(body)
        module = str(doc.get("module_name", "")).lower()
        if module not in by_name:
            continue
        for p in by_name[module]:
            if npm_satisfies(p["version"], doc.get("vulnerable_versions")) and not npm_satisfies(p["version"], doc.get("patched_versions")):
                matches.add((p["name"], f"NSWG-ECO-{doc['id']}"))
    return matches


# --- self-check against osv-scalibr's vectors ----------------------------------------------------------------
def selfcheck(directory):
    files = {"alpine-versions.txt": apk_compare, "alpine-versions-generated.txt": apk_compare,
             "semver-versions.txt": semver_compare, "rubygems-versions.txt": gem_compare,
             "rubygems-versions-generated.txt": gem_compare, "packagist-versions.txt": php_compare,
             "packagist-versions-generated.txt": php_compare}
    report = {}
    for name, compare in files.items():
        checked, failures = 0, []
        for line in open(os.path.join(directory, name), encoding="utf-8"):
            if line.startswith(("#", "//")):
                continue
            parts = line.split()
            if len(parts) != 3 or parts[1] not in ("<", "=", ">"):
                continue
            a, op, b = parts
            expected = {"<": -1, "=": 0, ">": 1}[op]
            checked += 1
            try:
                got = compare(a, b)
            except (ValueError, IndexError):
                got = None
            if got is None and compare is apk_compare:
                # Not valid apk versions ("1-r", "1-ruff2"): apk itself disagrees across releases; not counted.
                checked -= 1
                continue
            if got != expected:
                failures.append(line.strip())
        report[name] = [checked, failures]
    return report


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "selfcheck":
        json.dump(selfcheck(sys.argv[2]), sys.stdout)
        sys.exit(0)
    packages = json.load(sys.stdin)
    found = {"alpine": lambda: alpine(sys.argv[2:], packages), "rubysec": lambda: rubysec(sys.argv[2], packages),
             "friendsofphp": lambda: friendsofphp(sys.argv[2], packages), "npm": lambda: npm(sys.argv[2], packages)}[command]()
    json.dump(sorted(found), sys.stdout)
