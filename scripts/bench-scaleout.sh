#!/usr/bin/env bash
# bench-scaleout.sh - hydra's registry on its embedded stores, on PostgreSQL + Ceph RGW, and as two replicas on
# them behind a round-robin proxy, side by side with the reference registry (CNCF distribution 2.8) on the same RGW
# through its S3 driver, all in one run on this machine. Prints a Markdown table.
#   manifest GET requests/s and p99   wrk, 64 connections, 10 s
#   blob PUT MB/s                     256 MiB monolithic upload (POST + PUT ?digest), median of 3
#   blob GET MB/s                     256 MiB download to /dev/null, median of 5
# Two cores cannot show two replicas scaling: the replicas, PostgreSQL, Ceph's OSD and gateway and the load
# generator share them. The figures say what one replica costs, not what N give (Docs/scale-out.md).
# Usage: scripts/bench-scaleout.sh PATH/TO/hydra   (make bench calls it with a release build)
set -euo pipefail
HYDRA=${1:?usage: $0 PATH/TO/hydra}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d /tmp/hydra-bench-scaleout.XXXXXX)
chmod 755 "$WORK"  # PostgreSQL runs as the postgres user
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  scripts/ceph-rgw.sh stop "$WORK/ceph" > /dev/null 2>&1 || true
  scripts/postgres.sh stop "$WORK/pg" > /dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
. scripts/bench-lib.sh
MIB=${BLOB_MIB:-256}
OCI_MAN=application/vnd.oci.image.manifest.v1+json

log "starting PostgreSQL and Ceph RGW"
PG=$(scripts/postgres.sh start "$WORK/pg")
scripts/ceph-rgw.sh start "$WORK/ceph" > /dev/null
# shellcheck disable=SC1091
. "$WORK/ceph/env"
curl -sf -o /dev/null --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
  -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" -X PUT "$S3_ENDPOINT/hydra-bench"
for db in single replicas; do psql "$PG" -qc "CREATE DATABASE $db"; done
DB_BASE=${PG%/postgres}
export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY
head -c 32 /dev/urandom | base64 > "$WORK/secret.key"

start() { # name port args...
  local name=$1 port=$2; shift 2
  "$HYDRA" serve --addr "127.0.0.1:$port" --root "$WORK/$name" --secret-key "$WORK/secret.key" "$@" > "$WORK/$name.log" 2>&1 &
  PIDS+=($!)
}
start embedded 5320
start pg-rgw 5321 --metadata "$DB_BASE/single" --storage "s3://hydra-bench/single?endpoint=$S3_ENDPOINT&region=$S3_REGION"
start replica-a 5322 --metadata "$DB_BASE/replicas" --storage "s3://hydra-bench/replicas?endpoint=$S3_ENDPOINT&region=$S3_REGION"
start replica-b 5323 --metadata "$DB_BASE/replicas" --storage "s3://hydra-bench/replicas?endpoint=$S3_ENDPOINT&region=$S3_REGION"
python3 scripts/rr-proxy.py 5324 127.0.0.1:5322 127.0.0.1:5323 > "$WORK/proxy.log" 2>&1 &
PIDS+=($!)
cat > "$WORK/distribution.yml" <<YML
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  s3: {accesskey: $S3_ACCESS_KEY, secretkey: $S3_SECRET_KEY, region: $S3_REGION, regionendpoint: $S3_ENDPOINT, bucket: hydra-bench, rootdirectory: /reference, secure: false, v4auth: true}
  delete: {enabled: true}
  redirect: {disable: true}
http: {addr: 127.0.0.1:5325}
YML
# (the aws SDK in the reference registry cannot take a CA bundle with its transport: leave the environment's out)
env -u AWS_CA_BUNDLE docker-registry serve "$WORK/distribution.yml" > "$WORK/distribution.log" 2>&1 &
PIDS+=($!)

NAMES=(embedded pg-rgw replicas reference)
declare -A URL=([embedded]=http://127.0.0.1:5320 [pg-rgw]=http://127.0.0.1:5321 [replicas]=http://127.0.0.1:5324 [reference]=http://127.0.0.1:5325)
for name in "${NAMES[@]}"; do
  for _ in $(seq 1 100); do curl -sf -o /dev/null "${URL[$name]}/v2/" && break; sleep 0.2; done
  curl -sf -o /dev/null "${URL[$name]}/v2/" || { log "$name did not come up"; cat "$WORK"/*.log >&2; exit 1; }
done

upload_location() {
  local loc
  loc=$(curl -sf -D - -o /dev/null -X POST "$1/v2/$2/blobs/uploads/" | tr -d '\r' | awk 'tolower($1)=="location:"{print $2}')
  case "$loc" in /*) loc="$1$loc" ;; esac
  case "$loc" in *\?*) printf '%s' "$loc" ;; *) printf '%s?' "$loc" ;; esac
}
put_file() { # base repo file -> seconds
  local digest url
  digest=sha256:$(sha256sum "$3" | cut -d' ' -f1)
  url=$(upload_location "$1" "$2")
  curl -sf -o /dev/null -X PUT -H 'Expect:' -H 'Content-Type: application/octet-stream' --data-binary @"$3" -w '%{time_total}' "${url}&digest=$digest"
}
mbps() { awk -v t="$1" -v m="$MIB" 'BEGIN {printf "%.0f", m * 1.048576 / t}'; }

# A small image tagged v1 in each, and the big blob the GETs read.
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' > "$WORK/config"
printf 'layer' > "$WORK/layer"
head -c $((MIB * 1048576)) /dev/urandom > "$WORK/blob"
BLOB=sha256:$(sha256sum "$WORK/blob" | cut -d' ' -f1)
printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":5}]}' \
  "$OCI_MAN" "$(sha256sum "$WORK/config" | cut -d' ' -f1)" "$(stat -c %s "$WORK/config")" "$(sha256sum "$WORK/layer" | cut -d' ' -f1)" > "$WORK/manifest"
for name in "${NAMES[@]}"; do
  put_file "${URL[$name]}" bench/small "$WORK/config" > /dev/null
  put_file "${URL[$name]}" bench/small "$WORK/layer" > /dev/null
  curl -sf -o /dev/null -X PUT -H "Content-Type: $OCI_MAN" --data-binary @"$WORK/manifest" "${URL[$name]}/v2/bench/small/manifests/v1"
  put_file "${URL[$name]}" bench/get "$WORK/blob" > /dev/null
done

# Uploads of blobs new to each server, in turns.
declare -A PUTS GETS
for n in 1 2 3; do
  cp "$WORK/blob" "$WORK/put$n"; printf 'hydra-bench-scaleout-%d' "$n" | dd of="$WORK/put$n" conv=notrunc status=none
  for name in "${NAMES[@]}"; do
    settle "$WORK/put$n"
    PUTS[$name]+="$(mbps "$(put_file "${URL[$name]}" "bench/big$n" "$WORK/put$n")") "
  done
done
for _ in 1 2 3 4 5; do
  for name in "${NAMES[@]}"; do
    GETS[$name]+="$(curl -sf -o /dev/null -w '%{speed_download}' "${URL[$name]}/v2/bench/get/blobs/$BLOB" | awk '{printf "%.0f", $1 / 1e6}') "
  done
done
declare -A RPS P99
for name in "${NAMES[@]}"; do
  out=$(wrk -t2 -c64 -d10s --latency -H "Accept: $OCI_MAN" "${URL[$name]}/v2/bench/small/manifests/v1")
  if grep -qE 'Non-2xx|Socket errors' <<< "$out"; then log "wrk $name: $(grep -E 'Non-2xx|Socket errors' <<< "$out")"; exit 1; fi
  RPS[$name]=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<< "$out")
  P99[$name]=$(awk '$1 == "99%" {print $2}' <<< "$out")
done
for name in "${NAMES[@]}"; do log "$name: PUT ${PUTS[$name]}MB/s, GET ${GETS[$name]}MB/s"; done
med() { tr ' ' '\n' <<< "$1" | grep -v '^$' | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
R_GET=${RPS[reference]}; R_PUT=$(med "${PUTS[reference]}"); R_BLOB=$(med "${GETS[reference]}")
echo "| setup | manifest GET req/s (p99) | blob PUT ${MIB} MiB MB/s | blob GET ${MIB} MiB MB/s | vs reference on RGW (GET req/s, PUT, GET) |"
echo "|---|---|---|---|---|"
for name in "${NAMES[@]}"; do
  label=$name
  case $name in
    embedded) label="hydra, one process, SQLite + files" ;;
    pg-rgw) label="hydra, one replica, PostgreSQL + RGW" ;;
    replicas) label="hydra, two replicas + round-robin proxy, PostgreSQL + RGW" ;;
    reference) label="reference registry 2.8, S3 driver on the same RGW" ;;
  esac
  put=$(med "${PUTS[$name]}"); blob=$(med "${GETS[$name]}")
  echo "| $label | ${RPS[$name]} (${P99[$name]}) | $put | $blob | $(ratio "${RPS[$name]}" "$R_GET")×, $(ratio "$put" "$R_PUT")×, $(ratio "$blob" "$R_BLOB")× |"
done
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r); PostgreSQL $(psql "$PG" -tAc 'SHOW server_version'), Ceph $(ceph --version | awk '{print $3}')"
