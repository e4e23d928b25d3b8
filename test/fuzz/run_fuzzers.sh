#!/usr/bin/env bash
# Builds the libFuzzer targets of the pure C++ core (`make -C test fuzz`) and runs each for a bounded
# time, as CI does (test/run_all.sh, suite "fuzz").
#
#   bash test/fuzz/run_fuzzers.sh [seconds per target]     (default 30; or FUZZ_SECONDS)
#
# Per target, in order:
#   1. replay: every file of test/fuzz/corpus/<target>/regression/ runs once (crashers found
#      before; a fixed bug must stay fixed);
#   2. fuzz: libFuzzer for the given time, from a copy of test/fuzz/corpus/<target>/ (seeds
#      and regression cases) in a temporary directory, so that the repository's corpus is
#      never modified; test/fuzz/<target>.dict is the dictionary when present.
# Each replay and each fuzz run is one check.  Prints per target the executions and whether
# it found anything, ends with "fuzz: P passed, F failed" and exits non-zero on any finding.
# A finding's input is kept in the temporary directory (its path is printed); add it to
# corpus/<target>/regression/ once understood.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fuzz_dir=$root/test/fuzz
seconds=${1:-${FUZZ_SECONDS:-30}}
targets=(rule_conditions identity)
passed=0
failed=0

finish() {
    echo "fuzz: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

echo "== build (make -C test fuzz)"
if ! make -C "$root/test" -s -j"$(nproc)" fuzz; then
    echo "build of the fuzz targets failed"
    failed=$((failed + 1))
    finish
fi

work=$(mktemp -d /tmp/lead_router_fuzz.XXXXXX)

for target in "${targets[@]}"; do
    corpus=$fuzz_dir/corpus/$target
    out=$work/$target
    mkdir -p "$out/artifacts"
    # A copy of the binary: a `make clean` elsewhere in the tree must not pull it away mid-run.
    bin=$out/fuzz_$target
    if ! cp "$fuzz_dir/fuzz_$target" "$bin"; then
        echo "$target: no binary test/fuzz/fuzz_$target"
        failed=$((failed + 2))
        continue
    fi

    # 1. Regression replay: the files as arguments run once each, without fuzzing.
    mapfile -t cases < <(find "$corpus/regression" -type f 2>/dev/null | sort)
    if [ ${#cases[@]} -eq 0 ]; then
        echo "$target replay: 0 regression inputs, ok"
        passed=$((passed + 1))
    elif "$bin" -timeout=10 -rss_limit_mb=2048 "${cases[@]}" >"$out/replay.log" 2>&1; then
        echo "$target replay: ${#cases[@]} regression inputs, ok"
        passed=$((passed + 1))
    else
        echo "$target replay: FAILED (${#cases[@]} regression inputs; log $out/replay.log)"
        # The input that failed is the last one libFuzzer started.
        grep -E '^Running: ' "$out/replay.log" | tail -n 1
        grep -E 'invariant violated|ERROR: |SUMMARY: |runtime error' "$out/replay.log" | head -n 5
        failed=$((failed + 1))
    fi

    # 2. Fuzzing, from a copy of the corpus (libFuzzer adds what it finds to the first dir).
    cp -R "$corpus" "$out/corpus"
    dict=()
    [ -f "$fuzz_dir/$target.dict" ] && dict=(-dict="$fuzz_dir/$target.dict")
    started=$(date +%s)
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
        -print_final_stats=1 "${dict[@]}" -artifact_prefix="$out/artifacts/" \
        "$out/corpus" >"$out/fuzz.log" 2>&1
    rc=$?
    runs=$(sed -nE 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\1/p' "$out/fuzz.log" | tail -n 1)
    [ -z "$runs" ] &&
        runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$out/fuzz.log" | tail -n 1)
    artifacts=$(find "$out/artifacts" -type f | wc -l)
    if [ "$rc" -eq 0 ] && [ "$artifacts" -eq 0 ]; then
        echo "$target fuzz: ${runs:-?} executions in $(( $(date +%s) - started )) s, nothing found"
        passed=$((passed + 1))
    else
        echo "$target fuzz: FOUND something after ${runs:-?} executions (exit $rc; log $out/fuzz.log)"
        grep -E 'invariant violated|ERROR: |SUMMARY: |runtime error|Test unit written' \
            "$out/fuzz.log" | head -n 8
        for a in "$out"/artifacts/*; do
            [ -f "$a" ] && echo "  input $a: $(od -An -tx1 -v "$a" | head -c 600 | tr -s ' \n' ' ')"
        done
        failed=$((failed + 1))
    fi
done

if [ "$failed" -eq 0 ]; then
    rm -rf "$work"
else
    echo "inputs and logs kept in $work"
fi
finish
