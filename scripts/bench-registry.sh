#!/usr/bin/env bash
# bench-registry.sh - hydra serve side by side with the reference registry (CNCF distribution, Debian's
# docker-registry), in one run on this machine, plus the machine's ceiling (nginx serving the same file with
# sendfile), all three running at once and measured in turns. Prints a Markdown table; ratios are hydra / reference (higher is better for rates, lower for RSS).
#   manifest GET requests/s   wrk, 64 connections, 10 s
#   tags list requests/s      a repository with 1,000 tags, wrk 64 connections, 10 s
#   blob PUT MB/s             256 MiB monolithic upload of a blob new to the server (POST + PUT ?digest), median of 5
#   blob GET MB/s             256 MiB download to /dev/null, median of 15
#   peak RSS                  VmHWM of the server process after all of the above
# Usage: scripts/bench-registry.sh PATH/TO/hydra   (make bench calls it with a release build)
set -euo pipefail
HYDRA=${1:?usage: $0 PATH/TO/hydra}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d /tmp/hydra-bench-registry.XXXXXX)
chmod 755 "$WORK"  # nginx workers run as nobody
PIDS=()
# The upload sources live in memory (tmpfs when there is one), so making them costs the disk nothing.
SOURCES=$(mktemp -d "$( [ -w /dev/shm ] && echo /dev/shm || echo /tmp )/hydra-bench-sources.XXXXXX")
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$SOURCES"; [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
. scripts/bench-lib.sh
MIB=${BLOB_MIB:-256}
head -c $((MIB * 1048576)) /dev/urandom > "$WORK/blob"
DIGEST=sha256:$(sha256sum "$WORK/blob" | cut -d' ' -f1)
# Every timed upload stores a blob the server does not hold yet: five variants of the big blob (its first bytes
# changed), each uploaded once to each registry.
PUT_DIGESTS=()
for n in 1 2 3 4 5; do
  cp "$WORK/blob" "$SOURCES/put$n"
  printf 'hydra-bench-upload-%d' "$n" | dd of="$SOURCES/put$n" conv=notrunc status=none
  PUT_DIGESTS+=("sha256:$(sha256sum "$SOURCES/put$n" | cut -d' ' -f1)")
done
OCI_MAN=application/vnd.oci.image.manifest.v1+json

wait_up() { for _ in $(seq 1 100); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; log "$1 did not come up"; return 1; }

# Seeds a repository: one small image (manifest tagged t0000..t0999) and the big blob in bench/big.
seed() {
  local base=$1 config layer
  printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' > "$WORK/config"
  printf 'layer' > "$WORK/layer"
  for f in config layer; do
    local d=sha256:$(sha256sum "$WORK/$f" | cut -d' ' -f1)
    # POST then PUT: the reference registry does not take a monolithic POST ?digest=.
    curl -sf -o /dev/null -X PUT -H 'Expect:' -H 'Content-Type: application/octet-stream' --data-binary @"$WORK/$f" \
      "$(upload_location "$base" bench/small)&digest=$d"
  done
  config=$(sha256sum "$WORK/config" | cut -d' ' -f1); layer=$(sha256sum "$WORK/layer" | cut -d' ' -f1)
  printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":5}]}' \
    "$OCI_MAN" "$config" "$(stat -c %s "$WORK/config")" "$layer" > "$WORK/manifest"
  local batch=()
  for i in $(seq -f '%04g' 0 999); do
    curl -sf -o /dev/null -X PUT -H "Content-Type: $OCI_MAN" --data-binary @"$WORK/manifest" "$base/v2/bench/small/manifests/t$i" &
    batch+=($!)
    if (( ${#batch[@]} == 16 )); then wait "${batch[@]}"; batch=(); fi
  done
  [ ${#batch[@]} -eq 0 ] || wait "${batch[@]}"
}
upload_location() { # base repo -> absolute upload URL with a '?' or '&' ready for more parameters
  local loc
  loc=$(curl -sf -D - -o /dev/null -X POST "$1/v2/$2/blobs/uploads/" | tr -d '\r' | awk 'tolower($1)=="location:"{print $2}')
  case "$loc" in /*) loc="$1$loc" ;; esac
  case "$loc" in *\?*) printf '%s' "$loc" ;; *) printf '%s?' "$loc" ;; esac
}
put_rate() { # base repo file digest -> MB/s of a monolithic upload of the file (into a repository of its own)
  local base=$1 repo=$2 file=$3 digest=$4 url t
  url=$(upload_location "$base" "$repo")
  t=$(curl -sf -o /dev/null -X PUT -H 'Expect:' -H 'Content-Type: application/octet-stream' --data-binary @"$file" -w '%{time_total}' "${url}&digest=$digest")
  awk -v t="$t" -v m="$MIB" 'BEGIN {printf "%.0f", m * 1.048576 / t}'
}
get_rate() { curl -sf -o /dev/null -w '%{speed_download}' "$1" | awk '{printf "%.0f", $1 / 1e6}'; }
# Requests/s; a run with any error or non-2xx answer measures nothing and stops the benchmark.
wrk_rate() {
  local out
  out=$(wrk -t2 -c64 -d10s -H "Accept: $OCI_MAN" "$1")
  if grep -qE 'Non-2xx|Socket errors' <<< "$out"; then log "wrk $1: $(grep -E 'Non-2xx|Socket errors' <<< "$out")"; return 1; fi
  awk '/Requests\/sec/ {printf "%.0f", $2}' <<< "$out"
}

# the ceiling: nginx with sendfile serving the same bytes and a tiny file
mkdir -p "$WORK/www"; cp "$WORK/blob" "$WORK/www/blob"; printf '{}' > "$WORK/www/ping"
cat > "$WORK/nginx.conf" <<NGX
worker_processes 2; pid $WORK/nginx.pid; error_log $WORK/nginx.err; daemon off;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on; server { listen 127.0.0.1:5312; root $WORK/www; } }
NGX
nginx -c "$WORK/nginx.conf" -p "$WORK" &
PIDS+=($!)
NGINX=http://127.0.0.1:5312

# hydra
"$HYDRA" serve --addr 127.0.0.1:5310 --root "$WORK/hydra" > "$WORK/hydra.log" 2>&1 &
PIDS+=($!); HPID=$!
HYDRA_URL=http://127.0.0.1:5310

# the reference registry
cat > "$WORK/distribution.yml" <<YML
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $WORK/distribution}, delete: {enabled: true}}
http: {addr: 127.0.0.1:5311}
YML
docker-registry serve "$WORK/distribution.yml" > "$WORK/distribution.log" 2>&1 &
PIDS+=($!); DPID=$!
REFERENCE_URL=http://127.0.0.1:5311

wait_up $NGINX/ping; wait_up $HYDRA_URL/healthz; wait_up $REFERENCE_URL/v2/
seed $HYDRA_URL; seed $REFERENCE_URL

# All three run at once and take turns, one request at a time, so each figure is set beside its peer's from
# the same moment of this shared, noisy machine. Each upload starts settled (bench-lib.sh), so no server pays
# for another's writeback or for memory this VM has not handed out before.
H_PUT=(); R_PUT=(); H_BLOB=(); R_BLOB=(); N_BLOB=()
for n in 1 2 3 4 5; do
  settle "$SOURCES/put$n"; H_PUT+=("$(put_rate $HYDRA_URL "bench/big$n" "$SOURCES/put$n" "${PUT_DIGESTS[$((n - 1))]}")")
  settle "$SOURCES/put$n"; R_PUT+=("$(put_rate $REFERENCE_URL "bench/big$n" "$SOURCES/put$n" "${PUT_DIGESTS[$((n - 1))]}")")
done
# The blob the GETs read (the same bytes nginx serves), uploaded untimed.
put_rate $HYDRA_URL bench/get "$WORK/blob" "$DIGEST" > /dev/null
put_rate $REFERENCE_URL bench/get "$WORK/blob" "$DIGEST" > /dev/null
settle "$WORK/hydra/storage/objects" "$WORK/distribution/docker/registry/v2/blobs" "$WORK/www"
# One untimed GET each first (the first read of a file after an upload is the slowest), then fifteen turns:
# a single 256 MiB GET here varies by ±20% from one to the next.
get_rate "$HYDRA_URL/v2/bench/get/blobs/$DIGEST" > /dev/null
get_rate "$REFERENCE_URL/v2/bench/get/blobs/$DIGEST" > /dev/null
get_rate "$NGINX/blob" > /dev/null
for _ in $(seq 15); do
  H_BLOB+=("$(get_rate "$HYDRA_URL/v2/bench/get/blobs/$DIGEST")")
  R_BLOB+=("$(get_rate "$REFERENCE_URL/v2/bench/get/blobs/$DIGEST")")
  N_BLOB+=("$(get_rate "$NGINX/blob")")
done
hydra_PUT=$(printf '%s\n' "${H_PUT[@]}" | median); reference_PUT=$(printf '%s\n' "${R_PUT[@]}" | median)
hydra_BLOB=$(printf '%s\n' "${H_BLOB[@]}" | median); reference_BLOB=$(printf '%s\n' "${R_BLOB[@]}" | median)
NGINX_BLOB=$(printf '%s\n' "${N_BLOB[@]}" | median)
hydra_GET=$(wrk_rate "$HYDRA_URL/v2/bench/small/manifests/t0500")
reference_GET=$(wrk_rate "$REFERENCE_URL/v2/bench/small/manifests/t0500")
hydra_TAGS=$(wrk_rate "$HYDRA_URL/v2/bench/small/tags/list")
reference_TAGS=$(wrk_rate "$REFERENCE_URL/v2/bench/small/tags/list")
NGINX_PING=$(wrk_rate $NGINX/ping)
rss() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' /proc/"$1"/status; }
hydra_RSS=$(rss $HPID); reference_RSS=$(rss $DPID)
log "PUT MB/s: hydra ${H_PUT[*]}, reference ${R_PUT[*]}"
log "GET MB/s: hydra ${H_BLOB[*]}, reference ${R_BLOB[*]}, nginx ${N_BLOB[*]}"
SHA=$(openssl dgst -sha256 "$WORK/blob" > /dev/null; s=$(date +%s.%N); openssl dgst -sha256 "$WORK/blob" > /dev/null; e=$(date +%s.%N); awk -v s="$s" -v e="$e" -v m="$MIB" 'BEGIN {printf "%.0f", m * 1.048576 / (e - s)}')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "| figure | hydra | reference registry 2.8 | hydra / reference | ceiling |"
echo "|---|---|---|---|---|"
echo "| manifest GET, 64 connections | $hydra_GET req/s | $reference_GET req/s | $(ratio "$hydra_GET" "$reference_GET")× | nginx tiny file $NGINX_PING req/s |"
echo "| tags list (1,000 tags), 64 connections | $hydra_TAGS req/s | $reference_TAGS req/s | $(ratio "$hydra_TAGS" "$reference_TAGS")× | |"
echo "| blob PUT, ${MIB} MiB | $hydra_PUT MB/s | $reference_PUT MB/s | $(ratio "$hydra_PUT" "$reference_PUT")× | openssl SHA-256 $SHA MB/s |"
echo "| blob GET, ${MIB} MiB | $hydra_BLOB MB/s | $reference_BLOB MB/s | $(ratio "$hydra_BLOB" "$reference_BLOB")× | nginx sendfile $NGINX_BLOB MB/s (hydra/nginx $(ratio "$hydra_BLOB" "$NGINX_BLOB")×) |"
echo "| peak RSS | $hydra_RSS MiB | $reference_RSS MiB | $(ratio "$hydra_RSS" "$reference_RSS")× | |"
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
