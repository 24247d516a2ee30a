#!/usr/bin/env bash
# bench-api.sh - what authorization costs the registry's hottest route, and the REST API's repository list at the
# scale where Harbor's list pages take seconds (goharbor/harbor#13327, #18598). One run, servers side by side:
#   manifest GET req/s   wrk, 64 connections, 10 s, 5 rounds in turns (medians): hydra without authentication
#                        (loopback), hydra with projects and a cached token (a Developer of a private project), and
#                        the same with audit.skip: [pull]; the rate and the server's CPU time per request
#                        -> authorization's cost in % (goal: <= 5% with the token cached)
#   repository list      a project with REPOS (10,000) repositories of ARTIFACTS (10) artifacts each, seeded
#                        through the registry API; GET /api/v2.0/projects/big/repositories at random pages
#                        (page_size 10 and 100) as a member with Basic credentials, wrk 8 connections, 10 s:
#                        p50 and p99 latency (goal: p99 <= 50 ms)
# Usage: scripts/bench-api.sh PATH/TO/hydra   (make bench calls it with a release build)
set -euo pipefail
HYDRA=${1:?usage: $0 PATH/TO/hydra}
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
REPOS=${REPOS:-10000}
ARTIFACTS=${ARTIFACTS:-10}
WORK=$(mktemp -d /tmp/hydra-bench-api.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
OCI_MAN=application/vnd.oci.image.manifest.v1+json
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_up() { for _ in $(seq 1 200); do curl -sf -o /dev/null "$1/healthz" && return 0; sleep 0.1; done; log "$1 did not come up"; return 1; }

htpasswd -nbB root root-pw > "$WORK/htpasswd"
htpasswd -nbB dev dev-pw >> "$WORK/htpasswd"
serve() { # NAME [CONFIG-YAML] -> starts hydra serve; its base URL goes to $WORK/NAME/url
  local name=$1 port
  port=$(free_port)
  mkdir -p "$WORK/$name"
  local config=()
  if [ -n "${2:-}" ]; then printf '%s\n' "$2" > "$WORK/$name/config.yaml"; config=(--config "$WORK/$name/config.yaml"); fi
  "$HYDRA" serve --addr "127.0.0.1:$port" --root "$WORK/$name/data" "${config[@]}" > /dev/null 2> "$WORK/$name/log" &
  PIDS+=($!)
  wait_up "http://127.0.0.1:$port"
  echo "http://127.0.0.1:$port" > "$WORK/$name/url"
}
PROJECTS="auth: {htpasswd: $WORK/htpasswd, admins: [root], tokenLifetime: 3600}
projects:
  - {name: bench, members: [{user: dev, role: developer}]}
  - {name: big, members: [{user: dev, role: developer}]}"
serve open
serve authed "$PROJECTS"
serve skipped "$PROJECTS
audit: {skip: [pull]}"
OPEN=$(cat "$WORK/open/url"); AUTHED=$(cat "$WORK/authed/url"); SKIPPED=$(cat "$WORK/skipped/url")

seed_one() { # BASE [CURL-AUTH…]
  local base=$1; shift
  printf '{"architecture":"amd64","os":"linux"}' > "$WORK/config"; printf 'layer' > "$WORK/layer"
  for f in config layer; do
    curl -sf -o /dev/null "$@" -X POST -H 'Content-Type: application/octet-stream' --data-binary @"$WORK/$f" \
      "$base/v2/bench/small/blobs/uploads/?digest=sha256:$(sha256sum "$WORK/$f" | cut -d' ' -f1)"
  done
  printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":5}]}' \
    "$OCI_MAN" "$(sha256sum "$WORK/config" | cut -d' ' -f1)" "$(stat -c %s "$WORK/config")" "$(sha256sum "$WORK/layer" | cut -d' ' -f1)" > "$WORK/manifest"
  curl -sf -o /dev/null "$@" -X PUT -H "Content-Type: $OCI_MAN" --data-binary @"$WORK/manifest" "$base/v2/bench/small/manifests/v1"
}
seed_one "$OPEN"
seed_one "$AUTHED" -u root:root-pw
seed_one "$SKIPPED" -u root:root-pw
token() { curl -sf -u dev:dev-pw "$1/service/token?service=hydra&scope=repository:bench/small:pull" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
AUTHED_TOKEN=$(token "$AUTHED")
SKIPPED_TOKEN=$(token "$SKIPPED")

wrk_out() { # wrk's output, failing on any error or non-2xx answer
  local out
  out=$(wrk --latency "$@")
  if grep -qE 'Non-2xx|Socket errors' <<< "$out"; then log "wrk $*: $(grep -E 'Non-2xx|Socket errors' <<< "$out")"; return 1; fi
  printf '%s\n' "$out"
}
rate() { awk '/Requests\/sec/ {printf "%.0f", $2}'; }
percentile() { # 50% or 99% latency in ms from wrk --latency
  awk -v p="$1" '$1 == p { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 }; printf "%.1f", v }'
}

# Manifest GET, the three servers in turns, ROUNDS (5) times: the median rate of each, and the server's own CPU time
# per request (utime + stime from /proc over the run / requests served), which the other processes on the machine
# disturb far less than the rate.
ROUNDS=${ROUNDS:-5}
TICK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
measure() { # NAME PID URL [wrk args…] -> appends "rate cpu_us_per_request" to $WORK/NAME.runs
  local name=$1 pid=$2 url=$3; shift 3
  local before after out requests
  before=$(cpu_ticks "$pid")
  out=$(wrk_out -t2 -c64 -d10s -H "Accept: $OCI_MAN" "$@" "$url")
  after=$(cpu_ticks "$pid")
  requests=$(awk '/requests in/ {print $1}' <<< "$out")
  echo "$(rate <<< "$out") $(awk -v t=$((after - before)) -v hz="$TICK" -v n="$requests" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')" >> "$WORK/$name.runs"
}
for round in $(seq 1 "$ROUNDS"); do
  measure open "${PIDS[0]}" "$OPEN/v2/bench/small/manifests/v1"
  measure authed "${PIDS[1]}" "$AUTHED/v2/bench/small/manifests/v1" -H "Authorization: Bearer $AUTHED_TOKEN"
  measure skipped "${PIDS[2]}" "$SKIPPED/v2/bench/small/manifests/v1" -H "Authorization: Bearer $SKIPPED_TOKEN"
done
column_median() { awk -v c="$2" '{print $c}' "$WORK/$1.runs" | median; }
OPEN_GET=$(column_median open 1); AUTHED_GET=$(column_median authed 1); SKIPPED_GET=$(column_median skipped 1)
OPEN_CPU=$(column_median open 2); AUTHED_CPU=$(column_median authed 2); SKIPPED_CPU=$(column_median skipped 2)
cost() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (a - b) * 100 / a}'; }
extra() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b - a) * 100 / a}'; }

# The repository list: the big project seeded on the authenticated server.
log "seeding $REPOS repositories x $ARTIFACTS artifacts"
SEED=$(timed python3 scripts/bench-seed-repositories.py "$AUTHED" root root-pw big "$REPOS" "$ARTIFACTS" 4)
pages10=$(( (REPOS + 9) / 10 )); pages100=$(( (REPOS + 99) / 100 ))
cat > "$WORK/pages.lua" <<LUA
math.randomseed(7)
local size = tonumber(os.getenv("PAGE_SIZE"))
local pages = tonumber(os.getenv("PAGES"))
request = function()
  return wrk.format("GET", "/api/v2.0/projects/big/repositories?page=" .. math.random(1, pages) .. "&page_size=" .. size)
end
LUA
DEV="Authorization: Basic $(printf 'dev:dev-pw' | base64)"
total=$(curl -sf -D - -o /dev/null -H "$DEV" "$AUTHED/api/v2.0/projects/big/repositories?page_size=1" | tr -d '\r' | awk 'tolower($1)=="x-total-count:"{print $2}')
[ "$total" = "$REPOS" ] || { log "the project lists $total repositories, not $REPOS"; exit 1; }
LIST10=$(PAGE_SIZE=10 PAGES=$pages10 wrk_out -t2 -c8 -d10s -s "$WORK/pages.lua" -H "$DEV" "$AUTHED")
LIST100=$(PAGE_SIZE=100 PAGES=$pages100 wrk_out -t2 -c8 -d10s -s "$WORK/pages.lua" -H "$DEV" "$AUTHED")

echo "| measurement | hydra | baseline | result |"
echo "|---|---|---|---|"
echo "| manifest GET, token cached (audit records pulls) | $AUTHED_GET req/s, $AUTHED_CPU µs CPU/request | $OPEN_GET req/s, $OPEN_CPU µs without authentication | rate $(cost "$OPEN_GET" "$AUTHED_GET")% lower, CPU $(extra "$OPEN_CPU" "$AUTHED_CPU")% more |"
echo "| manifest GET, token cached, \`audit.skip: [pull]\` | $SKIPPED_GET req/s, $SKIPPED_CPU µs CPU/request | $OPEN_GET req/s, $OPEN_CPU µs without authentication | rate $(cost "$OPEN_GET" "$SKIPPED_GET")% lower, CPU $(extra "$OPEN_CPU" "$SKIPPED_CPU")% more |"
echo "| repository list, $REPOS repositories / $((REPOS * ARTIFACTS)) artifacts, random pages of 10 | p50 $(percentile 50% <<< "$LIST10") ms, p99 $(percentile 99% <<< "$LIST10") ms | goal p99 ≤ 50 ms | $(rate <<< "$LIST10") req/s |"
echo "| repository list, random pages of 100 | p50 $(percentile 50% <<< "$LIST100") ms, p99 $(percentile 99% <<< "$LIST100") ms | goal p99 ≤ 50 ms | $(rate <<< "$LIST100") req/s |"
log "seeding took ${SEED}s"
