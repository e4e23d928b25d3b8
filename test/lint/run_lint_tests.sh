#!/usr/bin/env bash
# The extension-script lint (check_extension_scripts.pl) on every install and upgrade script,
# and on the scripts in violations/, each of which breaks exactly the rule its name says and
# must be caught.  Prints the checks, then "lint: P passed, F failed"; exits non-zero on any
# failure.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
lint=$here/check_extension_scripts.pl
passed=0 failed=0

out=$(perl "$lint" "$root"/extension/*--*.sql)
rc=$?
echo "$out"
passed=$((passed + $(grep -c '^ok ' <<<"$out")))
failed=$((failed + $(grep -c '^not ok ' <<<"$out")))
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1

# Each violation fixture must fail exactly its own check and pass the others.
for fixture in "$here"/violations/*.sql; do
    rule=$(basename "$fixture" .sql)
    out=$(perl "$lint" "$fixture")
    caught=$(grep -c "^not ok .*: $rule:" <<<"$out")
    others=$(grep '^not ok ' <<<"$out" | grep -vc ": $rule:")
    if [ "$caught" -eq 1 ] && [ "$others" -eq 0 ]; then
        echo "ok - violations/$rule.sql is caught by $rule alone"
        passed=$((passed + 1))
    else
        echo "not ok - violations/$rule.sql: caught $caught times by $rule, $others other failures"
        echo "$out" | sed 's/^/    /'
        failed=$((failed + 1))
    fi
done

echo "lint: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
