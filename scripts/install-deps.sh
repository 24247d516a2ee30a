#!/usr/bin/env bash
# install-deps.sh - install the Debian packages hydra builds and tests with (idempotent; apt-get update only when
# something is missing). Build: libarchive, zlib, zstd, OpenSSL headers and pkg-config. Tests and peers: umoci,
# skopeo, busybox-static (base images), gzip/pigz (interop and benchmarks), GNU tar, jq, curl, htpasswd (apache2-utils).
# Usage: scripts/install-deps.sh [--bench]   (--bench adds hyperfine and pigz for make bench)
set -euo pipefail
PKGS=(pkg-config libarchive-dev zlib1g-dev libzstd-dev libssl-dev umoci skopeo busybox-static tar gzip jq curl apache2-utils)
[ "${1:-}" = --bench ] && PKGS+=(pigz hyperfine openssl)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >&2
