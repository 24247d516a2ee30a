#!/usr/bin/env bash
# bench-deploy.sh - hydra deploy and the admission webhook, timed on this machine against one hydra serve:
#   hydra deploy IMAGE -o DIR                  median of RUNS (default 7) runs, process start to exit
#   admission review latency, cached verdict   p50/p99 over 300 reviews on one HTTPS keep-alive connection
#   admission review latency, uncached         the same with --cache-ttl 0: every review resolves the tag, reads
#                                              the signatures and verifies them (a signed image, a policy that
#                                              requires its signature)
# No peer runs here for these (policy-controller and Kyverno need a cluster): the figures stand alone.
# Usage: scripts/bench-deploy.sh PATH/TO/hydra   (make bench calls it with a release build)
set -euo pipefail
HYDRA=$(realpath "${1:?usage: $0 PATH/TO/hydra}")
RUNS=${RUNS:-7}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d /tmp/hydra-bench-deploy.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
. scripts/bench-lib.sh
PORT=$((20000 + RANDOM % 10000))
REG=127.0.0.1:$PORT
export HYDRA_HOME=$WORK/home HYDRA_PASSWORD=bench

"$HYDRA" serve --addr "$REG" --root "$WORK/registry" > "$WORK/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://$REG/v2/" && break; sleep 0.05; done
mkdir -p "$WORK/app" && echo app > "$WORK/app/app"
printf 'FROM scratch\nCOPY app /app\nUSER 10001\nEXPOSE 8080\n' > "$WORK/app/Dockerfile"
"$HYDRA" build "$WORK/app" -t bench/app:1 > /dev/null 2>&1
"$HYDRA" push bench/app:1 "$REG/bench/app:1" --tls-verify=false > /dev/null 2>&1
IMAGE=$REG/bench/app:1
cd "$WORK"
"$HYDRA" key generate --output-key-prefix ci > /dev/null
"$HYDRA" sign "$IMAGE" --key ci.key --tls-verify=false > /dev/null
printf 'rules:\n  - images: ["%s/bench/*"]\n    keys: [ci.pub]\n' "$REG" > policy.yaml
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext "subjectAltName=IP:127.0.0.1" -keyout tls.key -out tls.crt 2> /dev/null

samples=()
for i in $(seq 1 "$RUNS"); do samples+=("$(timed "$HYDRA" deploy "$IMAGE" --tls-verify=false -o "out-$i")"); done
deploy=$(printf '%s\n' "${samples[@]}" | median)

# A Pod review body for the image.
printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Pod"},"namespace":"shop","operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"%s"}]}}}}' "$IMAGE" > review.json

latency() { # port, count: "p50 p99" in milliseconds, every answer checked allowed
  python3 - "$1" "$2" <<'PY'
import http.client, json, ssl, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
context = ssl.create_default_context(cafile="tls.crt")
connection = http.client.HTTPSConnection("127.0.0.1", port, context=context)
body = open("review.json", "rb").read()
times = []
for i in range(count + 10):
    start = time.perf_counter()
    connection.request("POST", "/validate", body, {"Content-Type": "application/json"})
    answer = json.loads(connection.getresponse().read())
    elapsed = time.perf_counter() - start
    assert answer["response"]["allowed"], answer
    if i >= 10: times.append(elapsed * 1000)   # 10 warm-up reviews
times.sort()
print(f"{times[len(times) // 2]:.2f} {times[min(len(times) - 1, int(len(times) * 0.99))]:.2f}")
PY
}
serve() { # port, extra flags
  local port=$1; shift
  "$HYDRA" admission serve --policy policy.yaml --addr "127.0.0.1:$port" --tls-cert tls.crt --tls-key tls.key --tls-verify=false "$@" > "admission-$port.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -sf --cacert tls.crt -o /dev/null "https://127.0.0.1:$port/healthz" && return 0; sleep 0.05; done
  log "hydra admission serve did not come up"; exit 1
}
serve $((PORT + 1))
read -r cached50 cached99 <<< "$(latency $((PORT + 1)) 300)"
serve $((PORT + 2)) --cache-ttl 0
read -r uncached50 uncached99 <<< "$(latency $((PORT + 2)) 300)"

echo "| job | hydra |"
echo "|---|---|"
echo "| hydra deploy (resolve, read the config, write 5 objects) | ${deploy} s (median of $RUNS) |"
echo "| admission review, cached verdict | p50 ${cached50} ms, p99 ${cached99} ms |"
echo "| admission review, uncached (resolve + signatures + verify each time) | p50 ${uncached50} ms, p99 ${uncached99} ms |"
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
