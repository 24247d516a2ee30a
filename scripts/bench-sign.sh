#!/usr/bin/env bash
# bench-sign.sh - hydra's signer side by side with cosign 2.5, in one run on this machine, against one hydra serve:
#   key generate   hydra key generate          vs cosign generate-key-pair   (both seal with scrypt N=65536, r=8)
#   sign           hydra sign IMAGE --key      vs cosign sign --key --tlog-upload=false   (legacy .sig tag)
#   verify         hydra verify IMAGE --key    vs cosign verify --key --insecure-ignore-tlog
# Prints a Markdown table of median seconds over RUNS (default 7) and hydra/cosign (lower is better; the goal is
# <= 0.5). Both sign commands open a sealed key, so both pay for scrypt; the scrypt line is libsodium's alone (what
# hydra uses), the floor for generate and sign.
# Usage: scripts/bench-sign.sh PATH/TO/hydra   (make bench calls it with a release build)
set -euo pipefail
HYDRA=$(realpath "${1:?usage: $0 PATH/TO/hydra}")
RUNS=${RUNS:-7}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d /tmp/hydra-bench-sign.XXXXXX)
SERVER=""
cleanup() { [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true; [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
. scripts/bench-lib.sh
COSIGN=$(scripts/sigstore-tools.sh 2>/dev/null)/cosign
PORT=$((20000 + RANDOM % 10000))
REG=127.0.0.1:$PORT
export HYDRA_HOME=$WORK/home HYDRA_PASSWORD=bench COSIGN_PASSWORD=bench TUF_ROOT=$WORK/tuf

"$HYDRA" serve --addr "$REG" --root "$WORK/registry" > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://$REG/v2/" && break; sleep 0.05; done
mkdir -p "$WORK/rootfs" && echo bench > "$WORK/rootfs/hello" && tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" .
"$HYDRA" image import "$WORK/rootfs.tar" bench:1 > /dev/null
"$HYDRA" push bench:1 "$REG/bench/app:1" --tls-verify=false > /dev/null 2>&1
IMAGE=$REG/bench/app:1
cd "$WORK"
"$HYDRA" key generate --output-key-prefix hydra > /dev/null
"$COSIGN" generate-key-pair --output-key-prefix cosign > /dev/null 2>&1

# The floor: libsodium's scrypt with cosign's parameters, in C.
cat > scrypt.c <<'C'
#include <sodium.h>
int main(void) {
  unsigned char key[32], salt[32] = {0};
  if (sodium_init() < 0) return 1;
  return crypto_pwhash_scryptsalsa208sha256_ll((const unsigned char *)"bench", 5, salt, 32, 65536, 8, 1, key, 32) != 0;
}
C
cc -O2 -o scrypt scrypt.c -lsodium

declare -A times
run() { # name, then the command
  local name=$1; shift
  local samples=()
  for i in $(seq 1 "$RUNS"); do rm -f gen-"$i".* ; samples+=("$(timed "$@")"); done
  times[$name]=$(printf '%s\n' "${samples[@]}" | median)
}
gen_hydra() { rm -f g.key g.pub; "$HYDRA" key generate --output-key-prefix g; }
gen_cosign() { rm -f c.key c.pub; "$COSIGN" generate-key-pair --output-key-prefix c; }
for round in 1 2; do  # interleaved, so drift on this VM affects both alike
  run "gen-hydra-$round" gen_hydra
  run "gen-cosign-$round" gen_cosign
  run "sign-hydra-$round" "$HYDRA" sign "$IMAGE" --key hydra.key --tls-verify=false
  run "sign-cosign-$round" "$COSIGN" sign --key cosign.key --tlog-upload=false --allow-http-registry --yes "$IMAGE"
  run "verify-hydra-$round" "$HYDRA" verify "$IMAGE" --key hydra.pub --tls-verify=false
  run "verify-cosign-$round" "$COSIGN" verify --key cosign.pub --insecure-ignore-tlog=true --allow-http-registry "$IMAGE"
done
run scrypt ./scrypt
pick() { printf '%s\n%s\n' "${times[$1-1]}" "${times[$1-2]}" | median; }

echo "| job | hydra | cosign 2.5 | hydra/cosign |"
echo "|---|---|---|---|"
for job in gen:"key generate (scrypt N=65536, r=8)" sign:"sign one image (legacy .sig)" verify:"verify one image"; do
  key=${job%%:*}; label=${job#*:}
  h=$(pick "$key-hydra"); c=$(pick "$key-cosign")
  awk -v l="$label" -v h="$h" -v c="$c" 'BEGIN {printf "| %s | %.3f s | %.3f s | %.2f |\n", l, h, c, h / c}'
done
echo "| floor: libsodium scrypt alone | ${times[scrypt]} s | | |"
echo
echo "runs: $RUNS per tool per round, 2 interleaved rounds; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
