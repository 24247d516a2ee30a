#!/usr/bin/env bash
# bench-client.sh - hydra's registry client side by side with skopeo, in one run on this machine, pushing and
# pulling the same images to and from the same registry (a fresh hydra serve for every run, so that no client
# finds blobs already there), plus the floor: curl moving the same bytes one blob after another.
#   push: an OCI layout -> the registry        pull: the registry -> a fresh OCI layout
#   images: 50 MB in one layer, 500 MB in ten layers (random bytes, so compression plays no part)
# Prints a Markdown table of median seconds over RUNS (default 3) and the ratios hydra/skopeo and hydra/curl
# (lower is better; the goals are <= 0.5 and <= 1.1).
# Usage: scripts/bench-client.sh PATH/TO/hydra   (make bench calls it with a release build)
set -euo pipefail
HYDRA=${1:?usage: $0 PATH/TO/hydra}
RUNS=${RUNS:-3}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d /tmp/hydra-bench-client.XXXXXX)
SERVER=""
cleanup() { [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true; [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
. scripts/bench-lib.sh
PORT=$((20000 + RANDOM % 10000))
REG=127.0.0.1:$PORT
export HYDRA_HOME=$WORK/home

# An OCI layout with LAYERS layers of MB/LAYERS megabytes of random bytes each.
make_layout() {
  local dir=$1 mb=$2 layers=$3 i digests=() sizes=()
  mkdir -p "$dir/blobs/sha256"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$dir/oci-layout"
  for i in $(seq 1 "$layers"); do
    head -c $((mb * 1000000 / layers)) /dev/urandom > "$dir/layer"
    local d; d=$(sha256sum "$dir/layer" | cut -d' ' -f1)
    mv "$dir/layer" "$dir/blobs/sha256/$d"
    digests+=("$d"); sizes+=("$(stat -c %s "$dir/blobs/sha256/$d")")
  done
  local diffs layerjson="" config cd
  diffs=$(printf '"sha256:%s",' "${digests[@]}"); diffs=${diffs%,}
  printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[%s]}}' "$diffs" > "$dir/config"
  cd=$(sha256sum "$dir/config" | cut -d' ' -f1); mv "$dir/config" "$dir/blobs/sha256/$cd"
  for i in "${!digests[@]}"; do
    layerjson+=$(printf '{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s},' "${digests[$i]}" "${sizes[$i]}")
  done
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
    "$cd" "$(stat -c %s "$dir/blobs/sha256/$cd")" "${layerjson%,}" > "$dir/manifest"
  local md ms; md=$(sha256sum "$dir/manifest" | cut -d' ' -f1); ms=$(stat -c %s "$dir/manifest"); mv "$dir/manifest" "$dir/blobs/sha256/$md"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' "$md" "$ms" > "$dir/index.json"
  echo "$md"
}

# A fresh, empty registry on $REG.
fresh_registry() {
  [ -z "$SERVER" ] || { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; }
  rm -rf "$WORK/registry"
  "$HYDRA" serve --addr "$REG" --root "$WORK/registry" > "$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf -o /dev/null "http://$REG/v2/" && return 0; sleep 0.05; done
  log "hydra serve did not come up"; exit 1
}

forget_skopeo_cache() { rm -f /var/lib/containers/cache/blob-info-cache-v1.sqlite "$HOME/.local/share/containers/cache/blob-info-cache-v1.sqlite"; }
forget_hydra_cache() { rm -rf "$HYDRA_HOME/cache"; }

# curl, one blob after another: POST + PUT ?digest= for each blob, then the manifest.
curl_push() {
  local layout=$1 repo=$2 manifest=$3 d loc
  for d in $(jq -r '.config.digest, .layers[].digest' "$layout/blobs/sha256/${manifest}" | cut -d: -f2); do
    loc=$(curl -sf -D - -o /dev/null -X POST "http://$REG/v2/$repo/blobs/uploads/" | tr -d '\r' | awk 'tolower($1)=="location:"{print $2}')
    case "$loc" in /*) loc="http://$REG$loc" ;; esac
    case "$loc" in *\?*) loc="$loc&" ;; *) loc="$loc?" ;; esac
    curl -sf -o /dev/null -X PUT -H 'Expect:' -H 'Content-Type: application/octet-stream' --data-binary @"$layout/blobs/sha256/$d" "${loc}digest=sha256:$d"
  done
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary @"$layout/blobs/sha256/$manifest" "http://$REG/v2/$repo/manifests/v1"
}

# curl, one blob after another, into files.
curl_pull() {
  local repo=$1 out=$2 d
  mkdir -p "$out"
  curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' -o "$out/manifest" "http://$REG/v2/$repo/manifests/v1"
  for d in $(jq -r '.config.digest, .layers[].digest' "$out/manifest"); do
    curl -sf -o "$out/${d#sha256:}" "http://$REG/v2/$repo/blobs/$d"
  done
}

# Each measurement starts settled (bench-lib.sh) with the inputs in the page cache, so that no tool pays for
# another's disk writeback or for memory this VM has not handed out before.
timed() { local start end; settle "$WORK"; start=$(now); "$@" > /dev/null 2>&1 || { log "failed: $*"; exit 1; }; end=$(now); awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f\n", b - a}'; }

bench_image() { # name mb layers
  local name=$1 mb=$2 layers=$3 layout=$WORK/$1 manifest
  manifest=$(make_layout "$layout" "$mb" "$layers")
  local hp=() sp=() cp=() hl=() sl=() cl=() i
  for i in $(seq 1 "$RUNS"); do
    fresh_registry; forget_hydra_cache; hp+=("$(timed "$HYDRA" copy "oci:$layout:v1" "docker://$REG/h/$name:v1" --dest-tls-verify=false)")
    fresh_registry; forget_skopeo_cache; sp+=("$(timed skopeo copy --dest-tls-verify=false "oci:$layout:v1" "docker://$REG/s/$name:v1")")
    fresh_registry; cp+=("$(timed curl_push "$layout" "c/$name" "$manifest")")
    # Pull: the registry holds the image; each client writes a fresh directory. An untimed pull first, so the
    # registry has served this image once before any client is timed (the first requests a server answers are
    # its slowest, and whoever came first would pay for them); the clients then take turns in a rotating order.
    rm -rf "$WORK/out"; curl_pull "c/$name" "$WORK/out"
    local pulls=(hydra skopeo curl) k
    for k in 0 1 2; do
      rm -rf "$WORK/out"
      case ${pulls[$(( (i + k) % 3 ))]} in
        hydra) forget_hydra_cache; hl+=("$(timed "$HYDRA" copy "docker://$REG/c/$name:v1" "oci:$WORK/out:v1" --src-tls-verify=false)") ;;
        skopeo) forget_skopeo_cache; sl+=("$(timed skopeo copy --src-tls-verify=false "docker://$REG/c/$name:v1" "oci:$WORK/out:v1")") ;;
        curl) cl+=("$(timed curl_pull "c/$name" "$WORK/out")") ;;
      esac
    done
  done
  log "$name push s: hydra ${hp[*]} | skopeo ${sp[*]} | curl ${cp[*]}"
  log "$name pull s: hydra ${hl[*]} | skopeo ${sl[*]} | curl ${cl[*]}"
  local h s c
  for direction in push pull; do
    if [ $direction = push ]; then h=$(printf '%s\n' "${hp[@]}" | median); s=$(printf '%s\n' "${sp[@]}" | median); c=$(printf '%s\n' "${cp[@]}" | median)
    else h=$(printf '%s\n' "${hl[@]}" | median); s=$(printf '%s\n' "${sl[@]}" | median); c=$(printf '%s\n' "${cl[@]}" | median); fi
    awk -v n="$name" -v d="$direction" -v h="$h" -v s="$s" -v c="$c" \
      'BEGIN {printf "| %s %s | %.2f s | %.2f s | %.2f s | %.2f | %.2f |\n", n, d, h, s, c, h / s, h / c}'
  done
}

log "hydra $("$HYDRA" version 2>/dev/null | head -1), $(skopeo --version), curl $(curl --version | head -1 | cut -d' ' -f2); $RUNS runs each, medians"
echo "| image, direction | hydra | skopeo | curl (floor) | hydra/skopeo | hydra/curl |"
echo "|---|---|---|---|---|---|"
[ "${IMAGES:-all}" = large ] || bench_image 50mb-1layer 50 1
[ "${IMAGES:-all}" = small ] || bench_image 500mb-10layers 500 10
