#!/usr/bin/env bash
# demo.sh - the hydra flow on the embedded default, in a fresh HYDRA_HOME: import a busybox root file system,
# list and inspect it, save it to an archive, remove it and load it back.
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
step "$HYDRA" image inspect demo/busybox:1.0 --output json
echo
echo "demo: done (HYDRA_HOME=$HYDRA_HOME)"
