# Runs one test suite, reads its own result lines, and adds them to the totals that
# test/run_all.sh prints as "N passed, N failed".  A suite that crashes or prints no
# result counts as one failure, never as zero tests.

total_passed=0
total_failed=0
suite_lines=()

count_result() {  # suite passed failed
    total_passed=$((total_passed + $2))
    total_failed=$((total_failed + $3))
    suite_lines+=("$(printf '  %-18s %5d passed, %d failed' "$1" "$2" "$3")")
}

print_totals() {
    printf '%s\n' "${suite_lines[@]}"
    echo "$total_passed passed, $total_failed failed"
}

# Catch2 v2 console summary: "All tests passed (A assertions in N test cases)" or
# "test cases: N | P passed | F failed".  Test cases are counted, not assertions.
# catch2_counts <log> <exit code>: prints "passed failed"; no summary counts as one failure.
catch2_counts() {
    local line p f
    line=$(grep -E '^(All tests passed|test cases:)' "$1" | tail -n 1)
    if [[ $line =~ in\ ([0-9]+)\ test\ case ]]; then
        p=${BASH_REMATCH[1]} f=0
    elif [[ $line =~ test\ cases:\ +([0-9]+)\ \|\ +([0-9]+)\ passed\ \|\ +([0-9]+)\ failed ]]; then
        p=${BASH_REMATCH[2]} f=${BASH_REMATCH[3]}
    elif [[ $line =~ test\ cases:\ +([0-9]+)\ \|\ +([0-9]+)\ failed ]]; then
        p=0 f=${BASH_REMATCH[2]}
    else
        p=0 f=1
    fi
    [ "$2" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    echo "$p $f"
}

run_catch2_suite() {  # suite log command...
    local suite=$1 log=$2 rc p f
    shift 2
    "$@" >"$log" 2>&1
    rc=$?
    read -r p f < <(catch2_counts "$log" "$rc")
    [ "$f" -ne 0 ] && tail -n 60 "$log"
    count_result "$suite" "$p" "$f"
}

# Suites that print "<name>: P passed, F failed" as their last result line (our scripts).
run_counted_suite() {  # suite log command...
    local suite=$1 log=$2 rc p f line
    shift 2
    "$@" >"$log" 2>&1
    rc=$?
    line=$(grep -E "^$suite: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n 1)
    if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
        p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
    else
        p=0 f=1
    fi
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    [ "$f" -ne 0 ] && grep -E '^not ok|FAIL|rror' "$log" | head -n 40
    count_result "$suite" "$p" "$f"
}

# pg_regress / pg_isolation_regress: one line per test, "... ok" or "... FAILED".
run_pg_regress_suite() {  # suite log diffs command...
    local suite=$1 log=$2 diffs=$3 rc p f
    shift 3
    "$@" >"$log" 2>&1
    rc=$?
    p=$(grep -cE '\.\.\. ok( |$)' "$log")
    f=$(grep -cE '\.\.\. (FAILED|failed)' "$log")
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    if [ "$f" -ne 0 ]; then
        tail -n 40 "$log"
        [ -f "$diffs" ] && head -n 200 "$diffs"
    fi
    count_result "$suite" "$p" "$f"
}

# TAP (prove --verbose): one "ok N" / "not ok N" line per check; a script that dies before
# its plan is complete makes prove's Result FAIL, which counts as one more failure.
run_tap_suite() {  # suite log command...
    local suite=$1 log=$2 rc p f
    shift 2
    "$@" >"$log" 2>&1
    rc=$?
    p=$(grep -cE '^ok [0-9]+' "$log")
    f=$(grep -cE '^not ok [0-9]+' "$log")
    if ! grep -q '^Result: PASS' "$log" || [ "$rc" -ne 0 ]; then
        [ "$f" -eq 0 ] && f=1
    fi
    [ "$f" -ne 0 ] && grep -E '^not ok|^Result|Dubious|Failed|Parse errors' "$log" | head -n 40
    count_result "$suite" "$p" "$f"
}
