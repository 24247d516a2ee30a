#!/usr/bin/env bash
# demo.sh - the hydra flow on the embedded default, in a fresh HYDRA_HOME: import a busybox root file system,
# list and inspect it, save it to an archive, remove it and load it back; build a Dockerfile on it (RUN in runc,
# COPY, a second build all cached); then run the registry (hydra serve) on loopback, push the built image with
# hydra, copy it with skopeo, list tags, inspect it and pull it back with hydra; import the advisory snapshot and
# scan an image with an old Python library, locally and in the registry, and write its SBOM; make a key pair, sign
# the image, attach the scan as a signed attestation, check both against a trust policy, and write hardened,
# digest-pinned Kubernetes manifests for it.
# Usage: scripts/demo.sh [HYDRA_HOME]
set -euo pipefail
cd "$(dirname "$0")/.."
export HYDRA_HOME=${1:-$PWD/.build/demo-home}
HYDRA="$(swift build --show-bin-path)/hydra"
rm -rf "$HYDRA_HOME"
mkdir -p "$HYDRA_HOME"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
scripts/busybox-rootfs.sh "$HYDRA_HOME/busybox-rootfs.tar"
step "$HYDRA" version
step "$HYDRA" image import "$HYDRA_HOME/busybox-rootfs.tar" demo/busybox:1.0 --change 'CMD ["/bin/sh"]' --change 'LABEL org.opencontainers.image.title=busybox'
step "$HYDRA" image ls
step "$HYDRA" image inspect demo/busybox:1.0
step "$HYDRA" image save demo/busybox:1.0 -o "$HYDRA_HOME/busybox.oci.tar"
step "$HYDRA" image rm demo/busybox:1.0
step "$HYDRA" image load "$HYDRA_HOME/busybox.oci.tar"
step "$HYDRA" image inspect demo/busybox:1.0 --format json

mkdir -p "$HYDRA_HOME/app"
printf 'hello from a hydra build\n' > "$HYDRA_HOME/app/message.txt"
cat > "$HYDRA_HOME/app/Dockerfile" <<'DOCKERFILE'
FROM demo/busybox:1.0
RUN mkdir -p /app && echo "built on $(uname -m)" > /app/arch.txt
COPY message.txt /app/
CMD ["cat", "/app/message.txt", "/app/arch.txt"]
DOCKERFILE
step "$HYDRA" build "$HYDRA_HOME/app" -t demo/app:1.0
step "$HYDRA" build "$HYDRA_HOME/app" -t demo/app:1.0
step "$HYDRA" images
step "$HYDRA" image history demo/app:1.0

PORT=${HYDRA_DEMO_PORT:-5055}
echo
echo "\$ $HYDRA serve --addr 127.0.0.1:$PORT --root $HYDRA_HOME/registry &"
"$HYDRA" serve --addr "127.0.0.1:$PORT" --root "$HYDRA_HOME/registry" > "$HYDRA_HOME/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
step skopeo copy --dest-tls-verify=false "oci:$HYDRA_HOME/images:docker.io/demo/busybox:1.0" "docker://127.0.0.1:$PORT/demo/busybox:1.0"
step curl -s "http://127.0.0.1:$PORT/v2/demo/busybox/tags/list"
echo
step skopeo inspect --tls-verify=false "docker://127.0.0.1:$PORT/demo/busybox:1.0"
step skopeo copy --src-tls-verify=false "docker://127.0.0.1:$PORT/demo/busybox:1.0" "oci:$HYDRA_HOME/pulled:1.0"
step "$HYDRA" push demo/app:1.0 "127.0.0.1:$PORT/demo/app:1.0" --tls-verify=false
step "$HYDRA" ls "127.0.0.1:$PORT/demo/app" --tls-verify=false
step "$HYDRA" inspect "127.0.0.1:$PORT/demo/app:1.0" --tls-verify=false
step "$HYDRA" pull "127.0.0.1:$PORT/demo/app:1.0" --tls-verify=false

# Scan: an image with an old Python library, against the offline advisory database (the repository's snapshot).
mkdir -p "$HYDRA_HOME/pyapp/site-packages/requests-2.19.0.dist-info"
printf 'Metadata-Version: 2.1\nName: requests\nVersion: 2.19.0\n\n' > "$HYDRA_HOME/pyapp/site-packages/requests-2.19.0.dist-info/METADATA"
printf 'FROM demo/app:1.0\nCOPY site-packages /usr/lib/python3/dist-packages/\n' > "$HYDRA_HOME/pyapp/Dockerfile"
step "$HYDRA" build "$HYDRA_HOME/pyapp" -t demo/pyapp:1.0
step "$HYDRA" db import Tests/HydraScannerTests/Fixtures/advisories.tar.xz
step "$HYDRA" db status
step "$HYDRA" scan demo/pyapp:1.0
step "$HYDRA" push demo/pyapp:1.0 "127.0.0.1:$PORT/demo/pyapp:1.0" --tls-verify=false
step "$HYDRA" scan "127.0.0.1:$PORT/demo/pyapp:1.0" --tls-verify=false --severity HIGH,MEDIUM,UNKNOWN --format sarif -o "$HYDRA_HOME/pyapp.sarif"
step "$HYDRA" sbom demo/pyapp:1.0 --format cyclonedx -o "$HYDRA_HOME/pyapp.cdx.json"

# Sign, attest, verify against a policy, deploy.
export HYDRA_PASSWORD=${HYDRA_PASSWORD:-demo}
IMAGE="127.0.0.1:$PORT/demo/pyapp:1.0"
step "$HYDRA" key generate --output-key-prefix "$HYDRA_HOME/cosign"
step "$HYDRA" sign "$IMAGE" --key "$HYDRA_HOME/cosign.key" --tls-verify=false
step "$HYDRA" scan "$IMAGE" --tls-verify=false --attest "$HYDRA_HOME/cosign.key" --format json -o "$HYDRA_HOME/pyapp.json"
cat > "$HYDRA_HOME/policy.yaml" <<POLICY
rules:
  - name: demo
    images: ["127.0.0.1:$PORT/demo/*"]
    keys: [cosign.pub]
    attestations: [vuln]
POLICY
step "$HYDRA" verify "$IMAGE" --policy "$HYDRA_HOME/policy.yaml" --tls-verify=false
step "$HYDRA" deploy "$IMAGE" --tls-verify=false --run-as-user 10001 --port 8080 -o "$HYDRA_HOME/deploy"
step head -n 40 "$HYDRA_HOME/deploy/manifests.yaml"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
echo
echo "demo: done (HYDRA_HOME=$HYDRA_HOME)"
