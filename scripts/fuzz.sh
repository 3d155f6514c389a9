#!/usr/bin/env bash
# Builds the libFuzzer harnesses under Tests/Fuzz/Harnesses and runs each for a while (docs/fuzzing.md).
#
#   scripts/fuzz.sh [SECONDS [HARNESS...]]   run each harness SECONDS (default 30); exit 1 if any crashed
#   scripts/fuzz.sh --merge [HARNESS...]     add what the runs found that reaches new code to the kept corpus
#
# Every input kept under Tests/Fuzz/Crashes/HARNESS is replayed first and must pass (each is a fixed
# bug). A run reads the kept corpus and writes what it finds to .build-fuzz/corpus/HARNESS; a crash is
# written to Tests/Fuzz/Crashes/HARNESS/ for the fix and its regression test. The harnesses build with
# FLUX_FUZZ=1 (Package.swift) in .build-fuzz, apart from the normal build.
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
scratch=.build-fuzz
# Swift's own crash backtracer would run inside AddressSanitizer and trip it; libFuzzer prints the stack.
export SWIFT_BACKTRACE=enable=no
all=(FuzzChatFrame FuzzTextChat FuzzPayloads FuzzRPC FuzzConfiguration FuzzWebSocket)

merge=false
if [ "${1:-}" = "--merge" ]; then
    merge=true
    shift
else
    seconds=${1:-30}
    shift || true
    [[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS [HARNESS...]] | --merge [HARNESS...]" >&2; exit 2; }
fi
if [ $# -gt 0 ]; then harnesses=("$@"); else harnesses=("${all[@]}"); fi

build() {
    FLUX_FUZZ=1 "$SWIFT" build -c release --scratch-path "$scratch" "$@"
}

start=$(date +%s)
for harness in "${harnesses[@]}"; do
    echo "== building $harness"
    build --product "$harness"
done
bin=$(build --show-bin-path)
echo "== built in $(( $(date +%s) - start )) s"

options() {
    case "$1" in
        FuzzTextChat | FuzzPayloads | FuzzWebSocket) echo "-dict=Tests/Fuzz/json.dict" ;;
        FuzzConfiguration) echo "-dict=Tests/Fuzz/config.dict" ;;
    esac
}

if $merge; then
    for harness in "${harnesses[@]}"; do
        mkdir -p "Tests/Fuzz/Corpus/$harness" "$scratch/corpus/$harness"
        # A small set of inputs that reaches every edge the found ones reach (hit counts ignored).
        "$bin/$harness" -set_cover_merge=1 -use_counters=0 "Tests/Fuzz/Corpus/$harness" "$scratch/corpus/$harness" 2>&1 |
            grep -E "MERGE-OUTER: [0-9]+ new files" | sed "s/^/$harness: /" || true
    done
    exit 0
fi

failed=()
for harness in "${harnesses[@]}"; do
    crashes="Tests/Fuzz/Crashes/$harness"
    corpus="$scratch/corpus/$harness"
    log="$scratch/logs/$harness.log"
    mkdir -p "$crashes" "$corpus" "$scratch/logs"
    kept=("$crashes"/*)
    if [ -e "${kept[0]}" ]; then
        echo "== $harness: replaying ${#kept[@]} kept crash input(s)"
        if ! "$bin/$harness" "${kept[@]}" >"$log" 2>&1; then
            tail -n 40 "$log"
            failed+=("$harness (a kept crash input fails again)")
            continue
        fi
    fi
    echo "== $harness: fuzzing for $seconds s"
    if "$bin/$harness" $(options "$harness") -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$crashes/" "$corpus" "Tests/Fuzz/Corpus/$harness" >"$log" 2>&1; then
        { grep -E "^Done [0-9]+ runs|stat::peak_rss_mb" "$log" || true; } | tr -s ' \n' '  '
        echo "corpus: $(ls "$corpus" | wc -l) new + $(ls "Tests/Fuzz/Corpus/$harness" | wc -l) kept"
    else
        tail -n 60 "$log"
        failed+=("$harness (see $log; the input is in $crashes/)")
    fi
done

echo "== fuzzing took $(( $(date +%s) - start )) s"
if [ ${#failed[@]} -gt 0 ]; then
    printf 'FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "no crash"
