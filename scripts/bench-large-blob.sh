#!/usr/bin/env bash
# bench-large-blob.sh - memory while one very large blob goes up to and comes down from hydra serve (and the
# reference registry, side by side): the server's resident memory is sampled every 0.2 s during a streamed
# monolithic PUT (curl reading /dev/zero, chunked) and a GET to /dev/null. Prints a Markdown table.
# Usage: scripts/bench-large-blob.sh PATH/TO/hydra [GiB]   (default 10 GiB; needs that much free disk twice)
set -euo pipefail
HYDRA=${1:?usage: $0 PATH/TO/hydra [GiB]}
GIB=${2:-10}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d /tmp/hydra-bench-large.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
log() { printf '# %s\n' "$*" >&2; }
BYTES=$((GIB * 1073741824))
log "digest of $GIB GiB of zeros"
DIGEST=sha256:$(head -c "$BYTES" /dev/zero | sha256sum | cut -d' ' -f1)

rss() { awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$1/status"; }
# Runs a command while sampling a process's RSS; prints "seconds peak-MiB".
sampled() {
  local pid=$1; shift
  local peak=0 start end
  start=$(date +%s.%N)
  "$@" & local job=$!
  while kill -0 "$job" 2>/dev/null; do
    local now; now=$(rss "$pid"); (( now > peak )) && peak=$now
    sleep 0.2
  done
  wait "$job"
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" -v p="$peak" 'BEGIN {printf "%.1f %d\n", b - a, p}'
}
upload() { # base
  local loc
  loc=$(curl -sf -D - -o /dev/null -X POST "$1/v2/big/blob/blobs/uploads/" | tr -d '\r' | awk 'tolower($1)=="location:"{print $2}')
  case "$loc" in /*) loc="$1$loc" ;; esac
  case "$loc" in *\?*) loc="$loc&" ;; *) loc="$loc?" ;; esac
  head -c "$BYTES" /dev/zero | curl -sf -o /dev/null -X PUT -H 'Expect:' -H 'Content-Type: application/octet-stream' -T - "${loc}digest=$DIGEST"
}
download() { curl -sf -o /dev/null "$1/v2/big/blob/blobs/$DIGEST"; }

measure() { # name pid base
  local rest up down
  rest=$(rss "$2")
  up=$(sampled "$2" upload "$3")
  down=$(sampled "$2" download "$3")
  printf '| %s | %s MiB | %s MiB (%s s) | %s MiB (%s s) |\n' "$1" "$rest" "${up#* }" "${up% *}" "${down#* }" "${down% *}"
}

PORT=$((20000 + RANDOM % 10000))
"$HYDRA" serve --addr 127.0.0.1:$PORT --root "$WORK/hydra" > "$WORK/hydra.log" 2>&1 & PIDS+=($!)
HPID=$!
cat > "$WORK/ref.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $WORK/ref}}
http: {addr: 127.0.0.1:$((PORT + 1))}
YML
docker-registry serve "$WORK/ref.yml" > "$WORK/ref.log" 2>&1 & PIDS+=($!)
RPID=$!
for base in "http://127.0.0.1:$PORT" "http://127.0.0.1:$((PORT + 1))"; do
  for _ in $(seq 1 100); do curl -sf -o /dev/null "$base/v2/" && break; sleep 0.1; done
done
echo "| server, $GIB GiB blob | RSS at rest | peak RSS during PUT | peak RSS during GET |"
echo "|---|---|---|---|"
measure "hydra serve" "$HPID" "http://127.0.0.1:$PORT"
rm -rf "$WORK/hydra"
measure "reference registry 2.8" "$RPID" "http://127.0.0.1:$((PORT + 1))"
