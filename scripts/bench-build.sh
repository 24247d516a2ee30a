#!/usr/bin/env bash
# bench-build.sh - hydra build side by side with `buildah bud --layers --isolation chroot` (overlay storage), in one
# run on this machine, on Benchmarks/build-context (17 steps, two stages, over a Debian bookworm minbase made by
# scripts/debian-rootfs.sh; no network in the steps). For each tool: a cold build (empty cache, base image
# already local), a no-op rebuild, and a rebuild after one source file changed. Median of RUNS (default 3).
# Prints a Markdown table with the ratios hydra/buildah (lower is better; goals 0.5, 0.1, 0.5).
# Usage: scripts/bench-build.sh PATH/TO/hydra
set -euo pipefail
HYDRA=${1:?usage: $0 PATH/TO/hydra}
RUNS=${RUNS:-3}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d /tmp/hydra-bench-build.XXXXXX)
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
. scripts/bench-lib.sh

ROOTFS=$(scripts/debian-rootfs.sh)
log "base: $ROOTFS"
tar -C "$ROOTFS" --numeric-owner --sort=name -cf "$WORK/debian.tar" .
"$HYDRA" --version > /dev/null 2>&1 || true
export HYDRA_HOME=$WORK/seed
"$HYDRA" image import "$WORK/debian.tar" bench/debian:bookworm > /dev/null
"$HYDRA" image save bench/debian:bookworm -o "$WORK/debian-oci.tar" > /dev/null
# buildah's pull leaves the base unpacked in its storage; unpack hydra's too (builder/layers), so that both cold
# builds start from a base that is local and unpacked.
mkdir -p "$WORK/warm" && printf 'FROM bench/debian:bookworm\nRUN true\n' > "$WORK/warm/Dockerfile"
"$HYDRA" build "$WORK/warm" > /dev/null 2>&1
rm -rf "$WORK/seed/builder/steps"

hydra_home() { rm -rf "$WORK/hydra"; cp -a "$WORK/seed" "$WORK/hydra"; }
BUILDAH=(buildah --root "$WORK/buildah-root" --runroot "$WORK/buildah-run" --storage-driver overlay)
buildah_store() {
  "${BUILDAH[@]}" rm --all > /dev/null 2>&1 || true
  "${BUILDAH[@]}" rmi --all --force > /dev/null 2>&1 || true
  local id; id=$("${BUILDAH[@]}" pull -q "oci-archive:$WORK/debian-oci.tar")
  "${BUILDAH[@]}" tag "$id" docker.io/bench/debian:bookworm
}
context() { rm -rf "$WORK/context"; cp -a Benchmarks/build-context "$WORK/context"; }

hc=() hn=() hf=() bc=() bn=() bf=()
for run in $(seq 1 "$RUNS"); do
  log "run $run"
  context; hydra_home
  hc+=("$(HYDRA_HOME=$WORK/hydra timed "$HYDRA" build "$WORK/context" -t bench/app:1)")
  hn+=("$(HYDRA_HOME=$WORK/hydra timed "$HYDRA" build "$WORK/context" -t bench/app:1)")
  echo "changed in run $run" >> "$WORK/context/src/file3.txt"
  hf+=("$(HYDRA_HOME=$WORK/hydra timed "$HYDRA" build "$WORK/context" -t bench/app:1)")
  context; buildah_store
  bc+=("$(timed "${BUILDAH[@]}" bud --layers --isolation chroot -t bench-app "$WORK/context")")
  bn+=("$(timed "${BUILDAH[@]}" bud --layers --isolation chroot -t bench-app "$WORK/context")")
  echo "changed in run $run" >> "$WORK/context/src/file3.txt"
  bf+=("$(timed "${BUILDAH[@]}" bud --layers --isolation chroot -t bench-app "$WORK/context")")
done
"${BUILDAH[@]}" rmi --all --force > /dev/null 2>&1 || true
echo "| build | hydra | buildah | hydra / buildah | goal |"
echo "|---|---|---|---|---|"
row() { awk -v n="$1" -v h="$2" -v b="$3" -v g="$4" 'BEGIN {printf "| %s | %.2f s | %.2f s | %.2f | ≤ %s %s |\n", n, h, b, h / b, g, (h / b <= g) ? "✔" : "✘"}'; }
row "cold (17 steps, empty cache)" "$(printf '%s\n' "${hc[@]}" | median)" "$(printf '%s\n' "${bc[@]}" | median)" 0.5
row "no-op rebuild" "$(printf '%s\n' "${hn[@]}" | median)" "$(printf '%s\n' "${bn[@]}" | median)" 0.1
row "one source file changed" "$(printf '%s\n' "${hf[@]}" | median)" "$(printf '%s\n' "${bf[@]}" | median)" 0.5
