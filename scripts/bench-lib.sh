# bench-lib.sh - helpers the bench-*.sh scripts source: log to stderr, the median of numbers on stdin, a clock,
# `timed CMD…` (seconds, failing loudly with CMD's output; needs $WORK) and `settle PATH…`.
log() { printf '# %s\n' "$*" >&2; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
now() { date +%s.%N; }
timed() { local s e; s=$(now); "$@" > "$WORK/last.log" 2>&1 || { cat "$WORK/last.log" >&2; log "failed: $*"; exit 1; }; e=$(now); awk -v a="$s" -v b="$e" 'BEGIN {printf "%.3f\n", b - a}'; }
# settle PATH…: writes every dirty page back, empties the page cache (as root) and reads PATH… back into it, so a
# measurement neither pays for the last one's writeback nor depends on whether the memory it writes into was
# ever touched before: on this VM, page cache in memory the guest has not used yet fills at ~400 MB/s, in memory
# it has (freed by the drop) at ~2.4 GB/s, which made upload figures swing 3× from one run to the next.
settle() {
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then echo 1 > /proc/sys/vm/drop_caches; fi
  [ $# -eq 0 ] || find "$@" -type f -exec cat {} + > /dev/null 2>&1 || true
}
