#!/usr/bin/env bash
# fuzz.sh - builds hydra-fuzz (libFuzzer and AddressSanitizer, in .build/fuzz) and runs every target for SECONDS
# seconds on a copy of its seed corpus (Fuzz/Corpus/TARGET). A crash, a memory error, a timeout or running out of memory
# fails the run; the input is kept in .build/fuzz-artifacts/. (Leak detection is off: the Swift runtime keeps
# metadata caches for the life of the process.)
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(dockerfile archive advisory manifest config key)
SWIFT=${SWIFT:-swift}
FLAGS=(--scratch-path .build/fuzz -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --product hydra-fuzz)
HYDRA_FUZZ=1 "$SWIFT" build "${FLAGS[@]}"
BIN="$(HYDRA_FUZZ=1 "$SWIFT" build "${FLAGS[@]}" --show-bin-path)/hydra-fuzz"
mkdir -p .build/fuzz-artifacts
passed=0
failed=0
for target in "${TARGETS[@]}"; do
    work=.build/fuzz-work/$target
    rm -rf "$work"
    mkdir -p "$work"
    cp Fuzz/Corpus/"$target"/* "$work"/
    echo "fuzz: $target for ${SECONDS_EACH} s"
    # Inputs up to 256 KiB; 10 s for one input is a hang; 2 GiB is unbounded memory.
    if HYDRA_FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=0 "$BIN" "$work" -max_total_time="$SECONDS_EACH" -max_len=262144 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=".build/fuzz-artifacts/$target-" \
        > ".build/fuzz-artifacts/$target.log" 2>&1; then
        passed=$((passed + 1))
        grep -E "stat::number_of_executed_units|stat::peak_rss_mb" ".build/fuzz-artifacts/$target.log" | sed "s/^/  /" || true
    else
        failed=$((failed + 1))
        echo "fuzz: $target FAILED; its log (last 40 lines):"
        tail -40 ".build/fuzz-artifacts/$target.log"
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
