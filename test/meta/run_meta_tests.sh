#!/usr/bin/env bash
# META.json tests: validates the project's META.json against the PGXN Meta Spec 1.0.0
# (test/meta/validate_meta.pl, core Perl only), checks that it agrees with the control
# file, and proves the validator by running it on fixtures:
#   test/meta/valid/*.json    must be accepted
#   test/meta/invalid/*.json  must be rejected, each for exactly one reason: the validator
#                             must print exactly one FAIL line, and that line must name the
#                             JSON path and rule listed for the fixture in EXPECT below.
# Prints TAP-like "ok N - ..." / "not ok N - ..." lines, then "meta: P passed, F failed";
# exits non-zero if anything failed.  Run from anywhere: bash test/meta/run_meta_tests.sh
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
validator="$here/validate_meta.pl"
meta="$root/META.json"
control="$root/extension/lead_router.control"
PERL=${PERL:-perl}

n=0 passed=0 failed=0
ok()     { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check()  { local desc=$1; shift; if "$@"; then ok "$desc"; else not_ok "$desc"; fi; }
diag()   { sed 's/^/# /'; }

# The one FAIL line each invalid fixture must produce (fixed string: "FAIL <path> [<rule>]").
declare -A EXPECT=(
    [missing_name]='FAIL /name [required]'
    [missing_provides]='FAIL /provides [required]'
    [bad_version]='FAIL /version [semver]'
    [version_leading_v]='FAIL /version [semver]'
    [bad_license]='FAIL /license [license]'
    [license_map_bad_url]='FAIL /license/PostgreSQL [url]'
    [provides_without_version]='FAIL /provides/lead_router/version [required]'
    [provides_without_file]='FAIL /provides/lead_router/file [required]'
    [provides_file_missing]='FAIL /provides/lead_router/file [project.provides-file-exists]'
    [bad_meta_spec_version]='FAIL /meta-spec/version [meta-spec]'
    [unknown_top_level_key]='FAIL /homepage [unknown-key]'
    [prereqs_unknown_phase]='FAIL /prereqs/install [prereqs.phase]'
    [prereqs_unknown_relation]='FAIL /prereqs/runtime/needs [prereqs.relation]'
    [prereqs_bad_version_range]='FAIL /prereqs/runtime/requires/PostgreSQL [version-range]'
    [bad_release_status]='FAIL /release_status [release_status]'
    [bugtracker_not_map]='FAIL /resources/bugtracker [type]'
    [bugtracker_bad_mailto]='FAIL /resources/bugtracker/mailto [email]'
    [repository_url_no_type]='FAIL /resources/repository [resources.repository]'
    [name_with_slash]='FAIL /name [term]'
    [name_too_short]='FAIL /name [term]'
    [tags_not_list]='FAIL /tags [type]'
    [no_index_unknown_key]='FAIL /no_index/files [unknown-key]'
    [maintainer_not_string]='FAIL /maintainer/0 [type]'
    [not_json]='FAIL / [json]'
)

tmp=$(mktemp -d /tmp/lead_router_meta.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Reads one value out of a JSON file: json_get FILE KEY [KEY...]; prints "" if absent.
json_get() {
    "$PERL" -MJSON::PP -e '
        my ($file, @path) = @ARGV;
        open my $fh, "<:raw", $file or exit 1;
        my $v = eval { JSON::PP->new->utf8->decode(do { local $/; <$fh> }) } or exit 1;
        for my $k (@path) { $v = ref $v eq "HASH" ? $v->{$k} : undef }
        print defined $v && !ref $v ? $v : "";
    ' "$@"
}

# ---- (a) the project's META.json -------------------------------------------------------

if ! command -v "$PERL" >/dev/null 2>&1 || ! "$PERL" -MJSON::PP -e 1 2>/dev/null; then
    not_ok "perl with JSON::PP is available"
    echo "meta: $passed passed, $failed failed"
    exit 1
fi

"$PERL" "$validator" "$meta" >"$tmp/meta.out" 2>"$tmp/meta.err"
rc=$?
if [ "$rc" -eq 0 ] && grep -qx "ok - $meta is valid PGXN Meta Spec 1.0.0" "$tmp/meta.out"; then
    ok "META.json is valid PGXN Meta Spec 1.0.0"
else
    not_ok "META.json is valid PGXN Meta Spec 1.0.0 (validator exit $rc)"
    diag <"$tmp/meta.out"
fi
[ -s "$tmp/meta.err" ] && diag <"$tmp/meta.err"

# ---- (b) META.json agrees with the extension --------------------------------------------

meta_version=$(json_get "$meta" version)
meta_name=$(json_get "$meta" name)
control_version=$(sed -nE "s/^[[:space:]]*default_version[[:space:]]*=[[:space:]]*'([^']*)'.*/\1/p" "$control" 2>/dev/null | head -n 1)
provides_file=$(json_get "$meta" provides lead_router file)
provides_version=$(json_get "$meta" provides lead_router version)

check "META.json version ($meta_version) equals default_version in extension/lead_router.control ($control_version)" \
    test -n "$meta_version" -a "$meta_version" = "$control_version"
check "META.json name ($meta_name) is the extension name lead_router" \
    test "$meta_name" = "lead_router"
check "provides.lead_router.version ($provides_version) equals the distribution version" \
    test -n "$provides_version" -a "$provides_version" = "$meta_version"
check "provides.lead_router.file ($provides_file) exists" \
    test -n "$provides_file" -a -f "$root/$provides_file"
# The install script is the base version's; later versions are reached through the chain of
# upgrade scripts (as pg_cron ships them), so CREATE EXTENSION installs default_version.
base_version=${provides_file#extension/lead_router--}
base_version=${base_version%.sql}
upgrade_chain_complete() {
    local from=$1 to=$2 next
    while [ "$from" != "$to" ]; do
        next=$(ls "$root"/extension/lead_router--"$from"--*.sql 2>/dev/null | head -n 1)
        [ -n "$next" ] || return 1
        next=${next##*--}
        from=${next%.sql}
    done
}
check "provides.lead_router.file is an install script (extension/lead_router--X.Y.Z.sql)" \
    test -f "$root/$provides_file" -a "extension/lead_router--$base_version.sql" = "$provides_file"
check "upgrade scripts lead from $base_version to default_version $control_version" \
    upgrade_chain_complete "$base_version" "$control_version"
check "META.json declares meta-spec version 1.0.0" \
    test "$(json_get "$meta" meta-spec version)" = "1.0.0"

# ---- (c) the validator rejects each broken fixture for its intended reason --------------

shopt -s nullglob
invalid=("$here"/invalid/*.json)
valid=("$here"/valid/*.json)

check "at least 8 invalid fixtures exist (found ${#invalid[@]})" test "${#invalid[@]}" -ge 8

for f in "${invalid[@]}"; do
    name=$(basename "$f" .json)
    want=${EXPECT[$name]:-}
    if [ -z "$want" ]; then
        not_ok "invalid/$name.json has an expected failure listed in run_meta_tests.sh"
        continue
    fi
    "$PERL" "$validator" "$f" >"$tmp/out" 2>&1
    rc=$?
    fails=$(grep -c '^FAIL ' "$tmp/out")
    if [ "$rc" -eq 1 ] && [ "$fails" -eq 1 ] && grep -qF -- "$want" "$tmp/out"; then
        ok "invalid/$name.json rejected: $want"
    else
        not_ok "invalid/$name.json rejected only with '$want' (exit $rc, $fails FAIL lines)"
        diag <"$tmp/out"
    fi
done

for name in "${!EXPECT[@]}"; do
    [ -f "$here/invalid/$name.json" ] || not_ok "fixture invalid/$name.json listed in EXPECT exists"
done

# ---- the validator accepts valid variants (no false positives) -------------------------

check "at least 1 valid fixture exists (found ${#valid[@]})" test "${#valid[@]}" -ge 1
for f in "${valid[@]}"; do
    name=$(basename "$f" .json)
    "$PERL" "$validator" "$f" >"$tmp/out" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ] && ! grep -q '^FAIL ' "$tmp/out"; then
        ok "valid/$name.json accepted"
    else
        not_ok "valid/$name.json accepted (exit $rc)"
        diag <"$tmp/out"
    fi
done

# ---- command-line behaviour -------------------------------------------------------------

"$PERL" "$validator" >/dev/null 2>&1
check "validator without arguments exits 2 (usage)" test $? -eq 2
"$PERL" "$validator" "$tmp/does-not-exist.json" >/dev/null 2>&1
check "validator on a missing file exits 2" test $? -eq 2

echo "meta: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
