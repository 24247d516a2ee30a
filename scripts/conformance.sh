#!/usr/bin/env bash
# conformance.sh - the OCI distribution-spec conformance suite (opencontainers/distribution-spec `conformance/`)
# against hydra: one `hydra serve` on its embedded stores, and three replicas on one PostgreSQL and one Ceph RGW
# behind scripts/rr-proxy.py --per-request (each request to the next replica, no sticky sessions). Prints each run's summary and exits
# non-zero when a run has failures.
# The suite is built outside the repo (Go 1.24 or newer, its dependencies as sources; nothing of it is committed):
#   cd distribution-spec/conformance && go build -o /tmp/conformance .
# Usage: scripts/conformance.sh PATH/TO/conformance PATH/TO/hydra [embedded|replicas|all]
set -euo pipefail
SUITE=${1:?usage: $0 PATH/TO/conformance PATH/TO/hydra [embedded|replicas|all]}
HYDRA=${2:?usage: $0 PATH/TO/conformance PATH/TO/hydra [embedded|replicas|all]}
MODE=${3:-all}
SUITE=$(realpath "$SUITE"); HYDRA=$(realpath "$HYDRA")
cd "$(dirname "$0")/.."
WORK=$(mktemp -d /tmp/hydra-conformance.XXXXXX)
chmod 755 "$WORK"  # PostgreSQL runs as the postgres user
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  scripts/ceph-rgw.sh stop "$WORK/ceph" > /dev/null 2>&1 || true
  scripts/postgres.sh stop "$WORK/pg" > /dev/null 2>&1 || true
  [ -n "${KEEP:-}" ] && echo "kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT
head -c 32 /dev/urandom | base64 > "$WORK/secret.key"

serve() { # name port args...
  local name=$1 port=$2; shift 2
  "$HYDRA" serve --addr "127.0.0.1:$port" --root "$WORK/$name" --secret-key "$WORK/secret.key" "$@" > "$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/v2/" && return; sleep 0.2; done
  echo "conformance: $name did not start" >&2; cat "$WORK/$name.log" >&2; exit 1
}

failed=0
run() { # name registry
  mkdir -p "$WORK/results-$1"
  (cd "$WORK/results-$1" && OCI_REGISTRY=$2 OCI_TLS=disabled OCI_VERSION=1.1 OCI_LOG=error \
    OCI_API_BLOBS_UPLOAD_CANCEL=true OCI_API_BLOBS_DIGEST_HEADER=true OCI_API_MANIFESTS_DIGEST_HEADER=true \
    OCI_RESULTS_DIR="$WORK/results-$1" "$SUITE" > "$WORK/results-$1/out.txt" 2>&1) || true
  local junit="$WORK/results-$1/junit.xml" tests failures errors
  tests=$(grep -o 'tests="[0-9]*"' "$junit" | head -1 | tr -dc 0-9)
  failures=$(grep -o 'failures="[0-9]*"' "$junit" | head -1 | tr -dc 0-9)
  errors=$(grep -o 'errors="[0-9]*"' "$junit" | head -1 | tr -dc 0-9)
  echo "$1: $tests tests, $failures failures, $errors errors"
  if [ "${failures:-1}" != 0 ] || [ "${errors:-1}" != 0 ]; then
    grep ': Fail' "$WORK/results-$1/out.txt" | head -40
    failed=1
  fi
}

if [ "$MODE" = embedded ] || [ "$MODE" = all ]; then
  serve embedded 5340
  run embedded 127.0.0.1:5340
fi
if [ "$MODE" = replicas ] || [ "$MODE" = all ]; then
  PG=$(scripts/postgres.sh start "$WORK/pg")
  scripts/ceph-rgw.sh start "$WORK/ceph" > /dev/null
  # shellcheck disable=SC1091
  . "$WORK/ceph/env"
  curl -sf -o /dev/null --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" -X PUT "$S3_ENDPOINT/conformance"
  export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY
  STORAGE="s3://conformance/replicas?endpoint=$S3_ENDPOINT&region=$S3_REGION"
  for i in 1 2 3; do serve "replica-$i" $((5340 + i)) --metadata "$PG" --storage "$STORAGE"; done
  python3 scripts/rr-proxy.py --per-request 5345 127.0.0.1:5341 127.0.0.1:5342 127.0.0.1:5343 > "$WORK/proxy.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 50); do curl -sf -o /dev/null http://127.0.0.1:5345/v2/ && break; sleep 0.2; done
  run replicas 127.0.0.1:5345
  # Every replica served part of the run (no sticky sessions): count the requests each one logged in /metrics.
  for i in 1 2 3; do
    echo "replica-$i answered $(curl -s "http://127.0.0.1:$((5340 + i))/metrics" | awk '/^hydra_http_requests_total/ {s += $NF} END {print s + 0}') requests"
  done
fi
exit $failed
