#!/usr/bin/env bash
# bench-scan.sh - the scanner's figures, in one run on this machine:
#  1. `hydra db import` of every shared advisory source (../shared/data/advisories: PyPA, Go, RustSec, Alpine secdb
#     YAML and JSON v3.2-v3.21, OSV samples, Debian's DSA/DLA lists, RubySec, FriendsOfPHP, Node WG, the Ubuntu CVE
#     Tracker; goal <= 10 s), or, without ../shared, of the repository's fixtures (a subset: the figure says so);
#  2. `hydra scan` of the Debian bookworm minbase image and of a ~1 GB image (that base plus Go 1.19, a JVM, old
#     PyPI releases and an old Go binary, in five layers), against the floor: `gzip -dc` of the same layers, one
#     after the other (goal <= 1.3x the floor); peak RSS of each scan; the share of findings of UNKNOWN severity
#     (goal < 20%);
#  3. `hydra db push` and `hydra db pull` of that database through `hydra serve` (an OCI artifact, zstd).
# Median of RUNS (default 3). Prints Markdown tables.
# Usage: scripts/bench-scan.sh PATH/TO/hydra
set -euo pipefail
HYDRA=${1:?usage: $0 PATH/TO/hydra}
RUNS=${RUNS:-3}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d /tmp/hydra-bench-scan.XXXXXX)
cleanup() { [ -z "${SERVER:-}" ] || kill "$SERVER" 2>/dev/null || true; [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
. scripts/bench-lib.sh
export HYDRA_HOME=$WORK/home

log "advisories"
SHARED=${SHARED_ADVISORIES:-../shared/data/advisories}
if [ -f "$SHARED/ubuntu/uct/uct-active-retired.tar.xz" ]; then
  SOURCES=("$SHARED/pypa" "$SHARED/govulndb" "$SHARED/rustsec-osv" "$SHARED/alpine-secdb" "$SHARED/osv-samples"
           "$SHARED/debian-tracker" "$SHARED/alpine-secdb-2024" "$SHARED/rubysec" "$SHARED/friendsofphp"
           "$SHARED/nodejs-security-wg" "$SHARED/ubuntu/uct/uct-active-retired.tar.xz")
  WHAT="every shared advisory source"
else
  tar -xJf Tests/HydraScannerTests/Fixtures/advisories.tar.xz -C "$WORK"
  tar -xJf Tests/HydraScannerTests/Fixtures/feeds.tar.xz -C "$WORK"
  SOURCES=("$WORK/advisories/pypa" "$WORK/advisories/govulndb" "$WORK/advisories/rustsec-osv" "$WORK/advisories/alpine-secdb"
           "$WORK/advisories/osv-samples" "$WORK"/feeds/*)
  WHAT="the repository's fixtures (no ../shared: a subset of the shared sources)"
fi
import_once() { rm -f "$WORK/db.sqlite"*; "$HYDRA" db import --db "$WORK/db.sqlite" "${SOURCES[@]}"; }
IMPORT=$(for _ in $(seq "$RUNS"); do timed import_once; done | median)
RECORDS=$("$HYDRA" db status --db "$WORK/db.sqlite" --format json | jq .advisories)

log "images"
ROOTFS=$(scripts/debian-rootfs.sh)
SITE=$(scripts/pypi-fixture.sh)
GOBIN=$(scripts/go-fixture.sh)
tar -C "$ROOTFS" --numeric-owner --sort=name -cf "$WORK/debian.tar" .
"$HYDRA" image import "$WORK/debian.tar" bench/debian:bookworm > /dev/null
mkdir -p "$WORK/ctx"
cp -a /usr/lib/go-1.19 "$WORK/ctx/go-1.19"
cp -a /usr/lib/jvm "$WORK/ctx/jvm"
cp -a "$SITE" "$WORK/ctx/site-packages"
cp "$GOBIN" "$WORK/ctx/oldmods"
cat > "$WORK/ctx/Dockerfile" <<'DOCKERFILE'
FROM bench/debian:bookworm
COPY go-1.19 /usr/lib/go-1.19
COPY jvm /usr/lib/jvm
COPY site-packages /usr/lib/python3/dist-packages
COPY oldmods /usr/local/bin/oldmods
DOCKERFILE
"$HYDRA" build -t bench/big:1 "$WORK/ctx" > /dev/null 2>&1
rm -rf "$WORK/ctx"

# The floor: gzip -dc of every layer of an image, one after the other.
layers() { "$HYDRA" image inspect "$1" --format json | jq -r '.layers[].digest' | sed 's/^sha256:/sha256\//' | sed "s|^|$HYDRA_HOME/images/blobs/|"; }
floor_once() { for blob in $(layers "$1"); do gzip -dc "$blob" > /dev/null; done; }
scan_once() { "$HYDRA" scan "$1" --db "$WORK/db.sqlite" --format json -o "$WORK/report.json"; }
rss() { /usr/bin/time -f %M "$HYDRA" scan "$1" --db "$WORK/db.sqlite" --format json -o "$WORK/report.json" 2>&1 >/dev/null | tail -1; }

row() {
    local image=$1 label=$2
    local size floor scan memory packages findings
    size=$(for blob in $(layers "$image"); do gzip -dc "$blob" | wc -c; done | awk '{s += $1} END {printf "%.0f", s / 1e6}')
    floor=$(for _ in $(seq "$RUNS"); do timed floor_once "$image"; done | median)
    scan=$(for _ in $(seq "$RUNS"); do timed scan_once "$image"; done | median)
    memory=$(rss "$image")
    packages=$(jq '.packages | length' "$WORK/report.json")
    findings=$(jq '.findings | length' "$WORK/report.json")
    unknown=$(jq '[.findings[] | select(.severity == "UNKNOWN")] | length' "$WORK/report.json")
    awk -v l="$label" -v mb="$size" -v n="$(layers "$image" | wc -l)" -v f="$floor" -v s="$scan" -v m="$memory" -v p="$packages" -v v="$findings" -v u="$unknown" \
        'BEGIN {share = (v > 0 ? 100 * u / v : 0);
                printf "| %s (%d MB uncompressed, %d layers; %d packages, %d findings) | %.2f s | %.2f s | **%.2f×** %s | %.0f MiB | %d (%.0f%%) %s |\n", l, mb, n, p, v, s, f, s / f, (s / f <= 1.3 ? "✔" : "✘"), m / 1024, u, share, (share < 20 ? "✔" : "✘")}'
}

echo
echo "| job | hydra | goal |"
echo "|---|---|---|"
awk -v t="$IMPORT" -v r="$RECORDS" -v w="$WHAT" 'BEGIN {printf "| db import of %s (%d records) | %.2f s | ≤ 10 s %s |\n", w, r, t, (t <= 10 ? "✔" : "✘")}'
echo
echo "| image | hydra scan | floor: gzip -dc of the layers | scan / floor (goal ≤ 1.3×) | peak RSS | UNKNOWN severity (goal < 20%) |"
echo "|---|---|---|---|---|---|"
row bench/debian:bookworm "Debian bookworm minbase"
row bench/big:1 "Debian + Go 1.19 + JVM + PyPI + Go binary"

log "db push / db pull through hydra serve"
PORT=$((20000 + RANDOM % 10000))
REG=127.0.0.1:$PORT
"$HYDRA" serve --addr "$REG" --root "$WORK/registry" > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://$REG/v2/" && break; sleep 0.05; done
push_once() { "$HYDRA" db push "$REG/advisories/db:bench" --db "$WORK/db.sqlite" --tls-verify=false; }
pull_once() { rm -f "$WORK/pulled.sqlite"*; "$HYDRA" db pull "$REG/advisories/db:bench" --db "$WORK/pulled.sqlite" --tls-verify=false; }
PUSH=$(for _ in $(seq "$RUNS"); do timed push_once; done | median)
PULL=$(for _ in $(seq "$RUNS"); do timed pull_once; done | median)
DB_MB=$(du -m "$WORK/db.sqlite" | cut -f1)
ARTIFACT_MB=$(find "$WORK/registry" -type f -size +1M -printf '%s\n' | sort -n | tail -1 | awk '{printf "%.0f", $1 / 1e6}')
PULLED=$("$HYDRA" db status --db "$WORK/pulled.sqlite" --format json | jq .advisories)
[ "$PULLED" = "$RECORDS" ] || { log "the pulled database holds $PULLED records, the pushed one $RECORDS"; exit 1; }
echo
echo "| job (database of $RECORDS records, $DB_MB MB; artifact layer $ARTIFACT_MB MB zstd) | hydra |"
echo "|---|---|"
awk -v t="$PUSH" 'BEGIN {printf "| db push to hydra serve (snapshot, zstd, upload) | %.2f s |\n", t}'
awk -v t="$PULL" 'BEGIN {printf "| db pull from hydra serve (download, verify, decompress, open) | %.2f s |\n", t}'
