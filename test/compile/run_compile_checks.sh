#!/usr/bin/env bash
# Compile-time guarantees of the C++/PostgreSQL boundary: each accepts_*.cpp must compile and
# each rejects_*.cpp must fail to compile with its static_assert's message; and plain `make`
# builds the whole library.  Ends with
# "compile: P passed, F failed".
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
flags=(-std=c++17 -fsyntax-only -Wall -Wextra -Werror -I"$root/extension"
       -isystem "$("$PG_CONFIG" --includedir-server)")
passed=0 failed=0
for src in "$here"/*.cpp; do
    name=$(basename "$src" .cpp)
    out=$(g++ "${flags[@]}" "$src" 2>&1)
    rc=$?
    case $name in
        *_accepts_*)
            if [ "$rc" -eq 0 ]; then echo "ok - $name compiles"; passed=$((passed + 1))
            else echo "not ok - $name does not compile:"; echo "$out" | head -5; failed=$((failed + 1)); fi ;;
        *_rejects_*)
            if [ "$rc" -ne 0 ] && grep -q 'static assertion failed' <<<"$out"; then
                echo "ok - $name is refused: $(grep -o 'pg::call needs[^"]*' <<<"$out" | head -1)"
                passed=$((passed + 1))
            else echo "not ok - $name was not refused by its static_assert"; echo "$out" | head -5; failed=$((failed + 1)); fi ;;
    esac
done
# Plain `make` (the default goal) builds every object of the library and links it, as the
# README's installation steps run it.
plan=$(make -C "$root" -n -B PG_CONFIG="$PG_CONFIG" 2>&1)
compiled=$(grep -c -- ' -c -o ' <<<"$plan")
listed=$(grep -cE '^\s+(extension|worker)/.*\.o' "$root/Makefile")
if [ "$compiled" -eq "$listed" ] && grep -q -- '-o lead_router.so' <<<"$plan"; then
    echo "ok - plain make compiles all $listed objects and links lead_router.so"; passed=$((passed + 1))
else
    echo "not ok - plain make compiles $compiled of $listed objects (or does not link lead_router.so)"
    failed=$((failed + 1))
fi
echo "compile: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
