#!/usr/bin/env bash
# debian-rootfs.sh - a Debian bookworm minbase root file system directory (about 120 MB), made once with
# debootstrap from the machine's Debian mirror and kept; prints its path. Needs root.
# Usage: scripts/debian-rootfs.sh [DIR (default ${HYDRA_CACHE:-$HOME/.cache/hydra}/debian-bookworm-minbase)]
set -euo pipefail
dir=${1:-${HYDRA_CACHE:-$HOME/.cache/hydra}/debian-bookworm-minbase}
if [ -f "$dir/.complete" ]; then echo "$dir"; exit 0; fi
command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2; }
mirror=${HYDRA_DEBIAN_MIRROR:-}
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/{for (i = 2; i <= NF; i++) if ($i !~ /security/) {print $i; exit}}' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || { echo "debian-rootfs: no Debian mirror in the apt configuration; set HYDRA_DEBIAN_MIRROR" >&2; exit 1; }
rm -rf "$dir"
mkdir -p "$dir"
debootstrap --variant=minbase bookworm "$dir" "$mirror" >&2
# Slim what differs from run to run and is not part of a base image.
rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/var/log/* "$dir"/etc/resolv.conf "$dir"/etc/hostname
touch "$dir/.complete"
echo "$dir"
