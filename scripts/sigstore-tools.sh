#!/usr/bin/env bash
# sigstore-tools.sh - fetch cosign and a sigstore-enabled skopeo (Debian trixie builds) used to check
# hydra's signatures independently, and cosign 3 (Debian sid's build, `cosign3`: the first cosign that signs images
# as Sigstore bundle referrers). Debian bookworm's skopeo/podman are built with sigstore disabled.
# The .debs are downloaded with a private apt config and unpacked (never installed) under the cache
# dir ${HYDRA_PEERS_CACHE:-$HOME/.cache/hydra-peers}; wrappers `cosign` and `skopeo-sigstore` go to its bin/.
# Usage: BIN=$(scripts/sigstore-tools.sh [--refresh]); "$BIN/cosign" version; "$BIN/cosign3" version
#        (the project's copy of the team peers script, with cosign 3 added)
#        (progress goes to stderr; the last line on stdout is the bin dir)
set -euo pipefail

CACHE=${HYDRA_PEERS_CACHE:-$HOME/.cache/hydra-peers}
S=$CACHE/sigstore      # private apt state, downloaded .debs, unpacked root
ROOT=$S/root
ROOT3=$S/root3         # cosign 3 (sid): a Go binary that needs only glibc >= 2.34, run as it is
BIN=$CACHE/bin
REFRESH=0
case "${1:-}" in
  --refresh) REFRESH=1 ;;
  "") ;;
  -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
  *) echo "usage: $0 [--refresh]" >&2; exit 2 ;;
esac

log() { printf 'sigstore-tools: %s\n' "$*" >&2; }

. "$(dirname "$0")/apt-lib.sh"   # as_root, ensure_pkgs

# The Debian mirror this machine already uses (main archive, not the security one).
debian_mirror() {
  local m=""
  if [ -n "${HYDRA_DEBIAN_MIRROR:-}" ]; then echo "$HYDRA_DEBIAN_MIRROR"; return; fi
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    m=$(awk '/^URIs:/{for (i = 2; i <= NF; i++) if ($i !~ /security/) {print $i; exit}}' \
        /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) {
               if ($i !~ /security/) {print $i; exit} else break }}' /etc/apt/sources.list)
  fi
  [ -n "$m" ] || { log "no Debian mirror found in apt config; set HYDRA_DEBIAN_MIRROR"; return 1; }
  echo "${m%/}"
}

# trixie skopeo/cosign link against the trixie glibc; other shared libs (gpgme, devmapper, ...)
# come from the system, so bookworm's skopeo must be installed to pull them in.
ensure_pkgs skopeo ca-certificates

mkdir -p "$S" "$BIN"
exec 9>"$S/.lock"
flock 9   # one download at a time (parallel CI jobs share the cache)

write_wrappers() {
  local libc="" libdir multiarch ldso f
  for f in "$ROOT"/usr/lib/*/libc.so.6 "$ROOT"/lib/*/libc.so.6; do
    [ -e "$f" ] && { libc=$f; break; }
  done
  [ -n "$libc" ] || { log "libc.so.6 not found under $ROOT"; return 1; }
  libdir=$(dirname "${libc#"$ROOT"/}")        # e.g. usr/lib/x86_64-linux-gnu
  multiarch=$(basename "$libdir")
  ldso=""
  for f in "$(dirname "$libc")"/ld-linux*.so.* "$(dirname "$libc")"/ld64.so.*; do
    [ -e "$f" ] && { ldso=$(basename "$f"); break; }
  done
  [ -n "$ldso" ] || { log "dynamic loader not found next to $libc"; return 1; }
  cat > "$BIN/skopeo-sigstore.tmp" <<EOF
#!/bin/sh
# Written by sigstore-tools.sh: Debian trixie skopeo (sigstore enabled), run through trixie's own
# dynamic loader and glibc; remaining shared libraries come from the system.
root=\$(cd "\$(dirname "\$(readlink -f "\$0")")/../sigstore/root" && pwd)
lib=\$root/$libdir
exec "\$lib/$ldso" --argv0 skopeo --library-path "\$lib:/usr/lib/$multiarch:/lib/$multiarch" \\
  "\$root/usr/bin/skopeo" "\$@"
EOF
  cat > "$BIN/cosign.tmp" <<'EOF'
#!/bin/sh
# Written by sigstore-tools.sh: Debian trixie cosign.
root=$(cd "$(dirname "$(readlink -f "$0")")/../sigstore/root" && pwd)
exec "$root/usr/bin/cosign" "$@"
EOF
  cat > "$BIN/cosign3.tmp" <<'EOF'
#!/bin/sh
# Written by sigstore-tools.sh: Debian sid cosign 3.
root=$(cd "$(dirname "$(readlink -f "$0")")/../sigstore/root3" && pwd)
exec "$root/usr/bin/cosign" "$@"
EOF
  chmod 755 "$BIN/skopeo-sigstore.tmp" "$BIN/cosign.tmp" "$BIN/cosign3.tmp"
  mv -f "$BIN/skopeo-sigstore.tmp" "$BIN/skopeo-sigstore"
  mv -f "$BIN/cosign.tmp" "$BIN/cosign"
  mv -f "$BIN/cosign3.tmp" "$BIN/cosign3"
}

tools_work() {
  [ -x "$ROOT/usr/bin/cosign" ] && [ -x "$ROOT/usr/bin/skopeo" ] && [ -x "$ROOT3/usr/bin/cosign" ] &&
    "$BIN/cosign" version >/dev/null 2>&1 && "$BIN/skopeo-sigstore" --version >/dev/null 2>&1 &&
    "$BIN/cosign3" version >/dev/null 2>&1
}

# Downloads PACKAGE/SUITE... with a private apt configuration (the system's keyring checks the suite's Release
# file) and unpacks them into the directory DEST, listing "package version" in DEST/.versions.
fetch_debs() {
  local suite=$1 dest=$2; shift 2
  local mirror A signed d
  mirror=$(debian_mirror)
  log "downloading $* from Debian $suite ($mirror)"
  A=$S/apt
  rm -rf "$A"
  mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/state" "$A/sources.list.d" \
           "$A/preferences.d" "$A/debs"
  : > "$A/status"
  signed=""
  [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] &&
    signed="[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
  echo "deb ${signed}${mirror} $suite main" > "$A/sources.list"
  local APT=(apt-get -q
       -o "Dir::Etc::SourceList=$A/sources.list" -o "Dir::Etc::SourceParts=$A/sources.list.d"
       -o "Dir::Etc::Preferences=$A/preferences" -o "Dir::Etc::PreferencesParts=$A/preferences.d"
       -o "Dir::State=$A/state" -o "Dir::State::Lists=$A/lists" -o "Dir::State::status=$A/status"
       -o "Dir::Cache=$A/cache" -o "Dir::Cache::archives=$A/cache/archives"
       -o APT::Default-Release=)
  [ "$(id -u)" = 0 ] && APT+=(-o APT::Sandbox::User=root)   # the cache dir may not be readable by _apt
  "${APT[@]}" update -qq >&2
  (cd "$A/debs" && "${APT[@]}" download "$@" >&2)
  rm -rf "$dest.new"
  mkdir -p "$dest.new"
  for d in "$A"/debs/*.deb; do
    dpkg-deb -x "$d" "$dest.new"
    echo "$(dpkg-deb -f "$d" Package) $(dpkg-deb -f "$d" Version)" >> "$dest.new/.versions"
  done
  rm -rf "$dest" "$A"
  mv "$dest.new" "$dest"
}

if [ "$REFRESH" = 1 ] || ! { [ -x "$ROOT/usr/bin/cosign" ] && [ -x "$ROOT/usr/bin/skopeo" ]; }; then
  fetch_debs trixie "$ROOT" cosign/trixie skopeo/trixie libc6/trixie
fi
if [ "$REFRESH" = 1 ] || [ ! -x "$ROOT3/usr/bin/cosign" ]; then
  fetch_debs sid "$ROOT3" cosign/sid
fi

write_wrappers
if ! tools_work; then
  log "the unpacked tools do not run; try again with --refresh"
  "$BIN/cosign" version >&2 || true
  "$BIN/skopeo-sigstore" --version >&2 || true
  exit 1
fi
log "$(cat "$ROOT/.versions" "$ROOT3/.versions" | tr '\n' ';' | sed 's/;$//; s/;/, /g')"
log "$("$BIN/skopeo-sigstore" --version) (sigstore enabled); tools in $BIN"
echo "$BIN"
