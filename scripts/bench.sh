#!/usr/bin/env bash
# bench.sh - hydra side by side with the peer tool for each job, in one run, with hyperfine; prints a Markdown
# table of mean times and ratios (peer time / hydra time: above 1 means hydra is faster).
#   SHA-256 of 1 GiB          vs openssl dgst -sha256 (and swift-crypto's SHA-256)
#   gzip -6 of 200 MB         vs gzip -6
#   parallel gzip -6, 2 cores vs pigz -6 -p 2
#   deterministic tar of a Debian minbase rootfs (~120 MB) vs GNU tar with the same determinism flags
# Usage: scripts/bench.sh PATH/TO/HydraBench   (make bench builds it and calls this)
set -euo pipefail
BENCH=${1:?usage: $0 HydraBench}
cd "$(dirname "$0")/.."
data=${HYDRA_BENCH_DIR:-${HYDRA_CACHE:-$HOME/.cache/hydra}/bench}
mkdir -p "$data"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
RUNS=${HYDRA_BENCH_RUNS:-5}

[ -f "$data/random-1g" ] || { head -c 1G /dev/urandom > "$data/random-1g.tmp" && mv "$data/random-1g.tmp" "$data/random-1g"; }
if [ ! -f "$data/usr-200m" ]; then
  # Real-world bytes (binaries, libraries, text) rather than random or zeros.
  (tar -cf - /usr/lib /usr/share /usr/bin 2>/dev/null || true) | head -c 200000000 > "$data/usr-200m.tmp"
  mv "$data/usr-200m.tmp" "$data/usr-200m"
fi
rootfs=$(scripts/debian-rootfs.sh)

hf() { hyperfine --style none --warmup 1 --runs "$RUNS" --export-json "$out/$1.json" -n hydra "$2" -n peer "$3" >&2; }
ratio() {
  python3 - "$out/$1.json" "$2" "$3" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
h, p = results["hydra"]["mean"], results["peer"]["mean"]
print(f"| {sys.argv[2]} | {h:.3f} s ± {results['hydra']['stddev']:.3f} | {sys.argv[3]} {p:.3f} s ± {results['peer']['stddev']:.3f} | {p / h:.2f}× |")
PY
}

hf sha256 "$BENCH sha256 $data/random-1g" "openssl dgst -sha256 $data/random-1g"
hf sha256-crypto "$BENCH sha256 $data/random-1g" "$BENCH sha256-swift-crypto $data/random-1g"
hf gzip "$BENCH gzip 6 $data/usr-200m $out/h.gz" "gzip -6 -c $data/usr-200m > $out/g.gz"
hf pigz "$BENCH pgzip 6 2 $data/usr-200m $out/hp.gz" "pigz -6 -p 2 -c $data/usr-200m > $out/p.gz"
hf tar "$BENCH tar $rootfs $out/h.tar" \
  "tar -C $rootfs --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 --clamp-mtime --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf $out/g.tar ."

echo "| job | hydra | peer | ratio (peer/hydra) |"
echo "|---|---|---|---|"
ratio sha256 "SHA-256, 1 GiB" "openssl dgst -sha256"
ratio sha256-crypto "SHA-256, 1 GiB (OpenSSL EVP in hydra)" "swift-crypto SHA256"
ratio gzip "gzip -6, 200 MB" "gzip -6"
ratio pigz "parallel gzip -6, 2 threads, 200 MB" "pigz -6 -p 2"
ratio tar "deterministic tar, Debian minbase ($(du -sh "$rootfs" | cut -f1))" "GNU tar"
echo
echo "sizes: hydra gzip $(stat -c %s "$out/h.gz"), gzip $(stat -c %s "$out/g.gz"); hydra pgzip $(stat -c %s "$out/hp.gz"), pigz $(stat -c %s "$out/p.gz"); hydra tar $(stat -c %s "$out/h.tar"), GNU tar $(stat -c %s "$out/g.tar")"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
