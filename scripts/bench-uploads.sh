#!/usr/bin/env bash
# bench-uploads.sh - many uploads at once: hydra serve and the reference registry (CNCF distribution, Debian's
# docker-registry) each take COUNT (default 200) concurrent uploads of distinct 16 MiB blobs (POST, then a
# streamed PUT ?digest=), in alternating turns (default 3) on one run. Every upload must answer 201 and every blob
# must then be listed with its size (HEAD), or the benchmark fails. Prints a Markdown table: aggregate MB/s (all
# bytes / wall time from the first POST to the last 201), median of the turns, and the servers' peak RSS.
# Usage: scripts/bench-uploads.sh PATH/TO/hydra   (make bench calls it with a release build)
set -euo pipefail
HYDRA=${1:?usage: $0 PATH/TO/hydra}
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
COUNT=${UPLOADS:-200}
MIB=${UPLOAD_MIB:-16}
TURNS=${TURNS:-3}
WORK=$(mktemp -d /tmp/hydra-bench-uploads.XXXXXX)
# The sources live in memory (tmpfs when there is one): reading them costs the disk nothing.
SOURCES=$(mktemp -d "$( [ -w /dev/shm ] && echo /dev/shm || echo /tmp )/hydra-bench-uploads.XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$SOURCES"; [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT

wait_up() { for _ in $(seq 1 100); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; log "$1 did not come up"; return 1; }

"$HYDRA" serve --addr 127.0.0.1:5330 --root "$WORK/hydra" > "$WORK/hydra.log" 2>&1 &
PIDS+=($!); HPID=$!
cat > "$WORK/distribution.yml" <<YML
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $WORK/distribution}, delete: {enabled: true}}
http: {addr: 127.0.0.1:5331}
YML
docker-registry serve "$WORK/distribution.yml" > "$WORK/distribution.log" 2>&1 &
PIDS+=($!); DPID=$!
wait_up http://127.0.0.1:5330/healthz; wait_up http://127.0.0.1:5331/v2/

head -c $((MIB << 20)) /dev/urandom > "$SOURCES/template"
for i in $(seq 1 "$COUNT"); do cp "$SOURCES/template" "$SOURCES/blob$i"; done
rm "$SOURCES/template"

# mark TAG: gives every source blob new first bytes (so each turn uploads blobs no server holds yet) and writes
# "file digest" lines to $SOURCES/digests.
mark() {
  local i
  for i in $(seq 1 "$COUNT"); do printf 'hydra-bench-%s-%06d' "$1" "$i" | dd of="$SOURCES/blob$i" conv=notrunc status=none; done
  (cd "$SOURCES" && ls blob* | xargs -P "$(nproc)" -n 16 sha256sum) | awk '{print $2, "sha256:" $1}' > "$SOURCES/digests"
}
# upload_one BASE FILE DIGEST: POST, then the streamed PUT; prints the PUT's status.
upload_one() {
  local base=$1 file=$2 digest=$3 repo loc
  repo=bench/up-${file##*/}
  loc=$(curl -sf -D - -o /dev/null -X POST "$base/v2/$repo/blobs/uploads/" | tr -d '\r' | awk 'tolower($1)=="location:"{print $2}')
  case "$loc" in /*) loc="$base$loc" ;; esac
  case "$loc" in *\?*) loc="$loc&" ;; *) loc="$loc?" ;; esac
  curl -s -o /dev/null -w '%{http_code}\n' -X PUT -H 'Expect:' -H 'Content-Type: application/octet-stream' \
    -T "$SOURCES/$file" "${loc}digest=$digest"
}
export -f upload_one
export SOURCES
# turn BASE: all uploads at once; prints aggregate MB/s. Fails unless every PUT answered 201 and every blob is there.
turn() {
  local base=$1 s e codes
  s=$(now)
  codes=$(xargs -P "$COUNT" -L 1 bash -c 'upload_one "$0" "$1" "$2"' "$base" < "$SOURCES/digests" | sort | uniq -c)
  e=$(now)
  if [ "$(awk '$2 == 201 {print $1}' <<< "$codes")" != "$COUNT" ]; then log "$base: PUT answers: $codes"; return 1; fi
  while read -r file digest; do
    size=$(curl -sfI "$base/v2/bench/up-$file/blobs/$digest" | tr -d '\r' | awk 'tolower($1)=="content-length:"{print $2}')
    [ "$size" = $((MIB << 20)) ] || { log "$base: $file is not there after its upload ($size)"; return 1; }
  done < "$SOURCES/digests"
  awk -v s="$s" -v e="$e" -v n="$COUNT" -v m="$MIB" 'BEGIN {printf "%.0f", n * m * 1.048576 / (e - s)}'
}

H=(); R=()
for t in $(seq 1 "$TURNS"); do
  mark "h$t"; settle; H+=("$(turn http://127.0.0.1:5330)")
  mark "r$t"; settle; R+=("$(turn http://127.0.0.1:5331)")
  log "turn $t: hydra ${H[-1]} MB/s, reference ${R[-1]} MB/s"
done
rss() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' /proc/"$1"/status; }
h=$(printf '%s\n' "${H[@]}" | median); r=$(printf '%s\n' "${R[@]}" | median)
echo "| figure | hydra | reference registry 2.8 | hydra / reference |"
echo "|---|---|---|---|"
echo "| $COUNT concurrent uploads of $MIB MiB, aggregate (median of $TURNS turns) | $h MB/s | $r MB/s | $(awk -v a="$h" -v b="$r" 'BEGIN {printf "%.2f", a / b}')× |"
echo "| peak RSS | $(rss $HPID) MiB | $(rss $DPID) MiB | |"
