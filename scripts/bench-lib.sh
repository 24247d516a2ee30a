# bench-lib.sh - helpers the bench-*.sh scripts source: log to stderr, the median of numbers on stdin, a clock,
# `timed CMD…` (seconds, failing loudly with CMD's output; needs $WORK) and `settle PATH…`.
log() { printf '# %s\n' "$*" >&2; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
now() { date +%s.%N; }
timed() { local s e; s=$(now); "$@" > "$WORK/last.log" 2>&1 || { cat "$WORK/last.log" >&2; log "failed: $*"; exit 1; }; e=$(now); awk -v a="$s" -v b="$e" 'BEGIN {printf "%.3f\n", b - a}'; }
# settle PATH…: writes every dirty page back, pauses (SETTLE_PAUSE seconds, default 3), has this VM hand the
# guest 1 GiB of memory afresh (fills a tmpfs file and frees it) and reads PATH… into the page cache, so each
# measurement starts from the same state rather than from whatever the previous one left. On this VM page cache
# landing in memory the host has not backed lately fills at ~400 MB/s, in memory just touched at ~5 GB/s; the
# host takes freed memory back within seconds, so the fill helps only a measurement that starts at once (see
# Docs/benchmarks.md, "Uploads past the page cache"). Dropping the page cache instead also evicted the tools'
# own binaries, which then paid for reading themselves from disk.
settle() {
  sync
  sleep "${SETTLE_PAUSE:-3}"
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    local fill=/dev/shm/hydra-bench-settle.$$
    head -c $((1 << 30)) /dev/zero > "$fill" 2>/dev/null || true
    rm -f "$fill"
  fi
  [ $# -eq 0 ] || find "$@" -type f -exec cat {} + > /dev/null 2>&1 || true
}
