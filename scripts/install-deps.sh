#!/usr/bin/env bash
# install-deps.sh - install the Debian packages hydra builds and tests with (idempotent; apt-get update only when
# something is missing). Build: libarchive, zlib, zstd, OpenSSL headers and pkg-config. Tests: umoci, skopeo, podman, buildah,
# runc (podman runs test images with it: crun does not work on these machines), docker-registry (the reference
# registry), busybox-static (base images), GNU tar, gzip, jq, curl, htpasswd
# (apache2-utils), openssl (test certificates), openssh-client (an SSH agent for RUN --mount=type=ssh), Go 1.19 and
# Debian's golang.org/x sources (the scanner's Go fixture), python3-yaml and python3-packaging (the scanner's
# independent OSV oracle), python3-apt (Debian version order for the distro oracle), binutils (objcopy makes the cargo-auditable test binary),
# postgresql (the scale-out metadata store's tests start a private server with scripts/postgres.sh), Ceph's monitor,
# OSD and RADOS Gateway (the S3 blob storage's tests start a single-node cluster with scripts/ceph-rgw.sh), libldap-dev
# (LDAP sign-in) and slapd (the LDAP tests start a private directory with scripts/slapd.sh).
# Usage: scripts/install-deps.sh [--bench]   (--bench adds what make bench compares against: pigz, hyperfine, wrk,
# the reference registry (docker-registry), nginx, debootstrap)
set -euo pipefail
PKGS=(pkg-config libarchive-dev zlib1g-dev libzstd-dev libssl-dev libsodium-dev libldap-dev slapd python3-cryptography python3-venv umoci skopeo podman runc buildah docker-registry busybox-static tar gzip jq curl apache2-utils openssl openssh-client
  golang-1.19-go golang-golang-x-net-dev golang-golang-x-text-dev golang-golang-x-crypto-dev python3-yaml python3-packaging python3-apt binutils postgresql ceph-mon ceph-osd radosgw ceph-common)
[ "${1:-}" = --bench ] && PKGS+=(pigz hyperfine openssl wrk docker-registry nginx-light debootstrap)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$' || missing+=("$p")
done
# oras-py (PyPI), the ORAS client the registry tests push artifacts with, into hydra's cache (not the system).
PYDIR=${HYDRA_CACHE:-$HOME/.cache/hydra}/python
if [ ! -d "$PYDIR/oras" ]; then
  python3 -m pip install -q --disable-pip-version-check --no-deps --target "$PYDIR" oras==0.2.43 >&2
fi
python3 -c 'import requests, jsonschema' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check --target "$PYDIR" requests jsonschema >&2
# cvss (PyPI, Red Hat's CVSS v3/v4 calculator): the scanner's tests check hydra's scores against it.
[ -d "$PYDIR/cvss" ] || python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-deps --target "$PYDIR" cvss==3.6 >&2
# sigstore-protobuf-specs (PyPI, with betterproto and pydantic): the published Sigstore bundle schema, which the
# signer's tests check hydra's bundles against. A directory of its own: its dependencies stay out of the above.
[ -d "$PYDIR-sigstore/sigstore_protobuf_specs" ] || \
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --target "$PYDIR-sigstore" sigstore-protobuf-specs==0.5.2 >&2
# moto (PyPI), an S3 server the S3 storage's fault-injection tests run behind scripts/s3-faults.py.
[ -d "$PYDIR-moto/moto" ] || \
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --target "$PYDIR-moto" "moto[s3]==5.2.1" flask==3.1.3 flask-cors==6.0.1 >&2
# schemathesis (PyPI), which fuzzes the REST API against its OpenAPI document (Tests: APISchemathesisTests).
[ -x "$PYDIR-schemathesis/bin/st" ] || \
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --target "$PYDIR-schemathesis" schemathesis==4.32.5 >&2
# django-oidc-provider (PyPI, on Django): the OpenID Connect provider the OIDC sign-in tests run
# (scripts/oidc-provider.sh).
[ -d "$PYDIR-oidc-provider/oidc_provider" ] || \
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --target "$PYDIR-oidc-provider" django==5.2.20 django-oidc-provider==0.9.0 >&2

[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
# Packages with services (nginx, docker-registry) must not start them: benchmarks start their own, on loopback.
blocked=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d > /dev/null && $SUDO chmod +x /usr/sbin/policy-rc.d && blocked=1
fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >&2
[ "$blocked" = 1 ] && $SUDO rm -f /usr/sbin/policy-rc.d
exit 0
