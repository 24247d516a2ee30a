# apt-lib.sh - sourced by the scripts that fetch peer tools (sigstore-tools.sh, k8s-validate.sh): run a command
# as root (directly, or through sudo) and install missing Debian packages. Each caller defines log() first.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else log "need root for: $*"; return 1; fi
}

# Install Debian packages that are missing; `apt-get update` runs only when something is missing.
ensure_pkgs() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local i
  for i in $(seq 1 30); do
    as_root apt-get -o DPkg::Lock::Timeout=600 update -qq && break
    [ "$i" = 30 ] && return 1
    log "apt-get update failed (lock held?), retrying in 10 s"; sleep 10
  done
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq -o Dpkg::Use-Pty=0 "${missing[@]}" >&2
}
