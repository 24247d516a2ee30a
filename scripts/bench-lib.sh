# bench-lib.sh - helpers the bench-*.sh scripts source: log to stderr, the median of numbers on stdin, a clock,
# and `timed CMD…` (seconds, failing loudly with CMD's output; needs $WORK).
log() { printf '# %s\n' "$*" >&2; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
now() { date +%s.%N; }
timed() { local s e; s=$(now); "$@" > "$WORK/last.log" 2>&1 || { cat "$WORK/last.log" >&2; log "failed: $*"; exit 1; }; e=$(now); awk -v a="$s" -v b="$e" 'BEGIN {printf "%.3f\n", b - a}'; }
