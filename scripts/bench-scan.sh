#!/usr/bin/env bash
# bench-scan.sh - the scanner's figures, in one run on this machine:
#  1. `hydra db import` of every advisory source in Tests/HydraScannerTests/Fixtures/advisories.tar.xz (the shared
#     PyPA, Go, RustSec, Alpine secdb and OSV samples; goal <= 10 s);
#  2. `hydra scan` of the Debian bookworm minbase image and of a ~1 GB image (that base plus Go 1.19, a JVM, old
#     PyPI releases and an old Go binary, in five layers), against the floor: `gzip -dc` of the same layers, one
#     after the other (goal <= 1.3x the floor); peak RSS of each scan.
# Median of RUNS (default 3). Prints a Markdown table.
# Usage: scripts/bench-scan.sh PATH/TO/hydra
set -euo pipefail
HYDRA=${1:?usage: $0 PATH/TO/hydra}
RUNS=${RUNS:-3}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d /tmp/hydra-bench-scan.XXXXXX)
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
. scripts/bench-lib.sh
export HYDRA_HOME=$WORK/home

log "advisories"
tar -xJf Tests/HydraScannerTests/Fixtures/advisories.tar.xz -C "$WORK"
SOURCES=("$WORK/advisories/pypa" "$WORK/advisories/govulndb" "$WORK/advisories/rustsec-osv" "$WORK/advisories/alpine-secdb" "$WORK/advisories/osv-samples")
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
    awk -v l="$label" -v mb="$size" -v n="$(layers "$image" | wc -l)" -v f="$floor" -v s="$scan" -v m="$memory" -v p="$packages" -v v="$findings" \
        'BEGIN {printf "| %s (%d MB uncompressed, %d layers; %d packages, %d findings) | %.2f s | %.2f s | **%.2f×** %s | %.0f MiB |\n", l, mb, n, p, v, s, f, s / f, (s / f <= 1.3 ? "✔" : "✘"), m / 1024}'
}

echo
echo "| job | hydra | goal |"
echo "|---|---|---|"
awk -v t="$IMPORT" -v r="$RECORDS" 'BEGIN {printf "| db import of every shared advisory source (%d records) | %.2f s | ≤ 10 s %s |\n", r, t, (t <= 10 ? "✔" : "✘")}'
echo
echo "| image | hydra scan | floor: gzip -dc of the layers | scan / floor (goal ≤ 1.3×) | peak RSS |"
echo "|---|---|---|---|---|"
row bench/debian:bookworm "Debian bookworm minbase"
row bench/big:1 "Debian + Go 1.19 + JVM + PyPI + Go binary"
