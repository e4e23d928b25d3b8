#!/usr/bin/perl
# validate_meta.pl -- check a META.json file against the PGXN Meta Spec 1.0.0
# (https://pgxn.org/spec/), using core Perl modules only (JSON::PP, B, File::Spec).
#
#   perl test/meta/validate_meta.pl path/to/META.json
#
# Every failed rule prints one line
#
#   FAIL <json-pointer> [<rule>] <message>
#
# e.g. "FAIL /provides/lead_router/version [required] required key is missing".
# The rule tag in brackets is stable so that tests can grep for it.  If nothing failed
# the script prints "ok - <file> is valid PGXN Meta Spec 1.0.0" and exits 0; otherwise
# it exits 1.  Usage errors and unreadable files exit 2.
#
# Rules (tag: what it checks)
#   json                  the file parses as JSON and its top level is an object
#   required              name, abstract, maintainer, version, license, provides and
#                         meta-spec are present (and file/version in each provides
#                         entry, version in meta-spec)
#   type                  string / list / map / non-empty, where the spec says so
#   term                  a Term: >= 2 characters, no whitespace, control characters,
#                         "/", "\" (nor ":" -- a project rule, stricter than the spec)
#   tag                   a Tag: 1..255 characters, no "/", "\" or control characters
#   semver                a Semantic Version: MAJOR.MINOR.PATCH[-prerelease][+build]
#   version-range         "0", a version, or "<op> version" (op: == != < <= > >=),
#                         several of them AND-ed with commas
#   license               a license string from the spec's list, a list of them,
#                         or a map of license name -> URL
#   url                   an absolute URL (scheme://authority...)
#   email                 something@domain
#   release_status        stable, testing or unstable
#   meta-spec             meta-spec.version is "1.0.0"
#   prereqs.phase         configure, build, test, runtime, develop (or x_ custom)
#   prereqs.relation      requires, recommends, suggests, conflicts (or x_ custom)
#   resources.bugtracker  a map with web and/or mailto
#   resources.repository  a map with web, or url together with type; type lowercase
#   no_index              a map with file and/or directory lists
#   unknown-key           a key the spec does not define and that lacks the x_/X_ prefix
#   project.provides-file-exists
#                         (project-level, not part of the spec) each provides.*.file
#                         exists relative to the directory holding the META file
# A provides.*.docfile that does not exist only prints a "warning:" line on stderr.
use strict;
use warnings;
use B ();
use JSON::PP ();
use File::Basename qw(dirname);
use File::Spec ();

my $SPEC_VERSION = '1.0.0';

my @failures;

sub fail {
    my ($path, $rule, $msg) = @_;
    push @failures, sprintf 'FAIL %s [%s] %s', ($path eq '' ? '/' : $path), $rule, $msg;
}

# JSON Pointer (RFC 6901) of a child of $path.
sub child {
    my ($path, $key) = @_;
    $key =~ s/~/~0/g;
    $key =~ s{/}{~1}g;
    return "$path/$key";
}

# What kind of JSON value this is.  Must be called before the value is used as a
# string or number anywhere (Perl caches conversions in the same flags).
sub kind {
    my ($v) = @_;
    return 'null' unless defined $v;
    if (my $r = ref $v) {
        return 'map'     if $r eq 'HASH';
        return 'list'    if $r eq 'ARRAY';
        return 'boolean' if $r eq 'JSON::PP::Boolean';
        return 'unknown';
    }
    my $flags = B::svref_2object(\$v)->FLAGS;
    return 'string' if $flags & B::SVp_POK;
    return 'number' if $flags & (B::SVp_IOK | B::SVp_NOK);
    return 'string';
}

my %ARTICLE = (map => 'a map', list => 'a list', string => 'a string', number => 'a number',
               boolean => 'a boolean', null => 'null', unknown => 'an unknown value');

sub show { my ($v) = @_; return JSON::PP->new->allow_nonref->canonical->encode($v) }

# Checks that $v is of kind $want; reports a [type] failure otherwise.
sub expect {
    my ($path, $v, $want) = @_;
    my $k = kind($v);
    return 1 if $k eq $want;
    fail($path, 'type', "must be $ARTICLE{$want}, found $ARTICLE{$k}");
    return 0;
}

sub nonempty_string {
    my ($path, $v) = @_;
    expect($path, $v, 'string') or return 0;
    return 1 if length $v;
    fail($path, 'type', 'must be a non-empty string');
    return 0;
}

sub is_custom_key { return $_[0] =~ /\A[xX]_./s }

sub unknown_key {
    my ($path, $key, $where) = @_;
    fail(child($path, $key), 'unknown-key',
         "unknown key \"$key\" in $where; custom keys must begin with \"x_\" or \"X_\"");
}

# ---- value classes --------------------------------------------------------------------

# Semantic Versioning (https://semver.org/), as the PGXN v1 schema accepts it:
# MAJOR.MINOR.PATCH without leading zeros, optional -prerelease, optional +build.
my $PRE_ID  = qr/(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)/;
my $SEMVER  = qr/(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)
                 (?:-$PRE_ID(?:\.$PRE_ID)*)?
                 (?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?/x;

sub semver {
    my ($path, $v) = @_;
    expect($path, $v, 'string') or return 0;
    return 1 if $v =~ /\A$SEMVER\z/;
    fail($path, 'semver', show($v) . ' is not a semantic version (MAJOR.MINOR.PATCH[-prerelease][+build], e.g. "1.2.3")');
    return 0;
}

sub version_range {
    my ($path, $v) = @_;
    my $k = kind($v);
    return 1 if $k eq 'number' && $v == 0;    # the spec's own example: "sha1": 0
    unless ($k eq 'string') {
        fail($path, 'version-range', 'must be a version range string (or the number 0), found ' . $ARTICLE{$k});
        return 0;
    }
    my @parts = split /,/, $v, -1;
    my $ok = @parts > 0;
    for my $part (@parts) {
        $ok = 0 unless $part =~ /\A\s*(?:(?:==|!=|<=|>=|<|>)\s*)?(?:$SEMVER|0)\s*\z/;
    }
    return 1 if $ok;
    fail($path, 'version-range', show($v) . ' is not a valid version range ("0", "1.2.3", ">= 1.2.3", "< 2.0.0, != 1.5.0", ...)');
    return 0;
}

sub term {
    my ($path, $v, $what) = @_;
    expect($path, $v, 'string') or return 0;
    if (length($v) < 2) {
        fail($path, 'term', ($what // 'value') . ' ' . show($v) . ' must be at least 2 characters long');
        return 0;
    }
    if ($v =~ m{[\s\p{Cntrl}/\\:]}) {
        fail($path, 'term', ($what // 'value') . ' ' . show($v)
             . ' must not contain whitespace, control characters, "/", "\\" or ":"');
        return 0;
    }
    return 1;
}

sub tag {
    my ($path, $v) = @_;
    expect($path, $v, 'string') or return 0;
    if (length($v) < 1 || length($v) > 255) {
        fail($path, 'tag', 'tag ' . show($v) . ' must be 1 to 255 characters long');
        return 0;
    }
    if ($v =~ m{[\p{Cntrl}/\\]}) {
        fail($path, 'tag', 'tag ' . show($v) . ' must not contain "/", "\\" or control characters');
        return 0;
    }
    return 1;
}

sub url {
    my ($path, $v) = @_;
    nonempty_string($path, $v) or return 0;
    return 1 if $v =~ m{\A[A-Za-z][A-Za-z0-9+.-]*://[^/?#\s]+[^\s]*\z};
    fail($path, 'url', show($v) . ' is not an absolute URL (scheme://host/...)');
    return 0;
}

sub email {
    my ($path, $v) = @_;
    nonempty_string($path, $v) or return 0;
    return 1 if $v =~ /\A[^@\s]+@[^@\s]+\.[^@\s]+\z/;
    fail($path, 'email', show($v) . ' is not an email address');
    return 0;
}

my %LICENSES = map { $_ => 1 } qw(
    agpl_3 apache_1_1 apache_2_0 artistic_1 artistic_2 bsd freebsd gfdl_1_2 gfdl_1_3
    gpl_1 gpl_2 gpl_3 lgpl_2_1 lgpl_3_0 mit mozilla_1_0 mozilla_1_1 openssl perl_5
    postgresql qpl_1_0 ssleay sun zlib open_source restricted unrestricted unknown
);

sub license_string {
    my ($path, $v) = @_;
    expect($path, $v, 'string') or return 0;
    return 1 if $LICENSES{$v};
    fail($path, 'license', show($v) . ' is not a license string of the spec (postgresql, mit, bsd, gpl_3, ...); '
         . 'use a map {"Name": "URL"} for other licenses');
    return 0;
}

# A list whose items are all checked by $item; the spec lets some lists be a lone string.
sub list_of {
    my ($path, $v, $item, $string_ok) = @_;
    my $k = kind($v);
    return $item->($path, $v) if $string_ok && $k eq 'string';
    unless ($k eq 'list') {
        fail($path, 'type', 'must be a list' . ($string_ok ? ' (or a single string)' : '') . ", found $ARTICLE{$k}");
        return 0;
    }
    unless (@$v) {
        fail($path, 'type', 'must not be an empty list');
        return 0;
    }
    my $i = 0;
    $item->(child($path, $i++), $_) for @$v;
    return 1;
}

# ---- structures -----------------------------------------------------------------------

sub check_license {
    my ($path, $v) = @_;
    my $k = kind($v);
    if ($k eq 'map') {
        unless (%$v) { fail($path, 'license', 'license map must not be empty'); return }
        for my $name (sort keys %$v) {
            fail(child($path, $name), 'license', 'license name must not be empty') unless length $name;
            url(child($path, $name), $v->{$name});
        }
        return;
    }
    if ($k eq 'string' || $k eq 'list') {
        list_of($path, $v, \&license_string, 1);
        return;
    }
    fail($path, 'license', "must be a license string, a list of them or a map of name -> URL, found $ARTICLE{$k}");
}

my %PROVIDES_KEYS = map { $_ => 1 } qw(file version abstract docfile);

sub check_provides {
    my ($path, $v, $base_dir) = @_;
    expect($path, $v, 'map') or return;
    unless (%$v) { fail($path, 'type', 'must provide at least one extension'); return }
    for my $ext (sort keys %$v) {
        my $p = child($path, $ext);
        term($p, $ext, 'extension name');
        my $entry = $v->{$ext};
        expect($p, $entry, 'map') or next;
        for my $req (qw(file version)) {
            fail(child($p, $req), 'required', 'required key is missing') unless exists $entry->{$req};
        }
        for my $key (sort keys %$entry) {
            next if $PROVIDES_KEYS{$key} || is_custom_key($key);
            unknown_key($p, $key, 'a provides entry');
        }
        semver(child($p, 'version'), $entry->{version}) if exists $entry->{version};
        nonempty_string(child($p, 'abstract'), $entry->{abstract}) if exists $entry->{abstract};
        if (exists $entry->{file} && nonempty_string(child($p, 'file'), $entry->{file})) {
            my $f = File::Spec->rel2abs($entry->{file}, $base_dir);
            fail(child($p, 'file'), 'project.provides-file-exists',
                 show($entry->{file}) . " does not exist relative to $base_dir") unless -f $f;
        }
        if (exists $entry->{docfile} && nonempty_string(child($p, 'docfile'), $entry->{docfile})) {
            my $f = File::Spec->rel2abs($entry->{docfile}, $base_dir);
            print STDERR 'warning: ' . child($p, 'docfile') . ' ' . show($entry->{docfile})
                . " does not exist (yet) relative to $base_dir\n" unless -f $f;
        }
    }
}

sub check_meta_spec {
    my ($path, $v) = @_;
    expect($path, $v, 'map') or return;
    for my $key (sort keys %$v) {
        next if $key eq 'version' || $key eq 'url' || is_custom_key($key);
        unknown_key($path, $key, 'meta-spec');
    }
    if (!exists $v->{version}) {
        fail(child($path, 'version'), 'required', 'required key is missing');
    } elsif (expect(child($path, 'version'), $v->{version}, 'string') && $v->{version} ne $SPEC_VERSION) {
        fail(child($path, 'version'), 'meta-spec', 'meta-spec version ' . show($v->{version}) . " is not \"$SPEC_VERSION\"");
    }
    url(child($path, 'url'), $v->{url}) if exists $v->{url};
}

my @PHASES    = qw(configure build test runtime develop);
my @RELATIONS = qw(requires recommends suggests conflicts);

sub check_prereqs {
    my ($path, $v) = @_;
    expect($path, $v, 'map') or return;
    for my $phase (sort keys %$v) {
        my $pp = child($path, $phase);
        next if is_custom_key($phase);
        unless (grep { $_ eq $phase } @PHASES) {
            fail($pp, 'prereqs.phase', "unknown prereq phase \"$phase\"; must be one of " . join(', ', @PHASES));
            next;
        }
        my $rels = $v->{$phase};
        expect($pp, $rels, 'map') or next;
        fail($pp, 'type', 'phase must list at least one relation') unless %$rels;
        for my $rel (sort keys %$rels) {
            my $rp = child($pp, $rel);
            next if is_custom_key($rel);
            unless (grep { $_ eq $rel } @RELATIONS) {
                fail($rp, 'prereqs.relation', "unknown prereq relation \"$rel\"; must be one of " . join(', ', @RELATIONS));
                next;
            }
            my $deps = $rels->{$rel};
            expect($rp, $deps, 'map') or next;
            for my $name (sort keys %$deps) {
                my $dp = child($rp, $name);
                term($dp, $name, 'prerequisite name');
                version_range($dp, $deps->{$name});
            }
        }
    }
}

sub check_bugtracker {
    my ($path, $v) = @_;
    my $k = kind($v);
    unless ($k eq 'map') {
        fail($path, 'type', "resources.bugtracker must be a map with web and/or mailto, found $ARTICLE{$k}");
        return;
    }
    fail($path, 'resources.bugtracker', 'bugtracker needs "web" and/or "mailto"')
        unless exists $v->{web} || exists $v->{mailto};
    for my $key (sort keys %$v) {
        next if $key eq 'web' || $key eq 'mailto' || is_custom_key($key);
        unknown_key($path, $key, 'resources.bugtracker');
    }
    url(child($path, 'web'), $v->{web})         if exists $v->{web};
    email(child($path, 'mailto'), $v->{mailto}) if exists $v->{mailto};
}

sub check_repository {
    my ($path, $v) = @_;
    my $k = kind($v);
    unless ($k eq 'map') {
        fail($path, 'type', "resources.repository must be a map with url/web/type, found $ARTICLE{$k}");
        return;
    }
    for my $key (sort keys %$v) {
        next if $key eq 'url' || $key eq 'web' || $key eq 'type' || is_custom_key($key);
        unknown_key($path, $key, 'resources.repository');
    }
    fail($path, 'resources.repository', 'repository needs "web", or "url" together with "type"')
        unless exists $v->{web} || (exists $v->{url} && exists $v->{type});
    fail(child($path, 'type'), 'resources.repository', '"url" is given, so "type" (git, hg, svn, ...) must be too')
        if exists $v->{url} && !exists $v->{type} && exists $v->{web};
    url(child($path, 'url'), $v->{url}) if exists $v->{url};
    url(child($path, 'web'), $v->{web}) if exists $v->{web};
    if (exists $v->{type} && nonempty_string(child($path, 'type'), $v->{type}) && $v->{type} =~ /\p{Upper}/) {
        fail(child($path, 'type'), 'resources.repository', 'repository type ' . show($v->{type}) . ' must be lowercase');
    }
}

sub check_resources {
    my ($path, $v) = @_;
    expect($path, $v, 'map') or return;
    fail($path, 'type', 'resources must not be an empty map') unless %$v;
    for my $key (sort keys %$v) {
        my $p = child($path, $key);
        if    ($key eq 'homepage')   { url($p, $v->{$key}) }
        elsif ($key eq 'bugtracker') { check_bugtracker($p, $v->{$key}) }
        elsif ($key eq 'repository') { check_repository($p, $v->{$key}) }
        elsif (!is_custom_key($key)) { unknown_key($path, $key, 'resources') }
    }
}

sub check_no_index {
    my ($path, $v) = @_;
    expect($path, $v, 'map') or return;
    fail($path, 'no_index', 'no_index needs "file" and/or "directory"')
        unless exists $v->{file} || exists $v->{directory};
    for my $key (sort keys %$v) {
        my $p = child($path, $key);
        if ($key eq 'file' || $key eq 'directory') {
            list_of($p, $v->{$key}, \&nonempty_string, 0);
        } elsif (!is_custom_key($key)) {
            unknown_key($path, $key, 'no_index');
        }
    }
}

sub check_release_status {
    my ($path, $v) = @_;
    expect($path, $v, 'string') or return;
    return if $v =~ /\A(?:stable|testing|unstable)\z/;
    fail($path, 'release_status', 'release_status ' . show($v) . ' must be one of stable, testing, unstable');
}

# ---- top level ------------------------------------------------------------------------

my @REQUIRED = qw(name abstract maintainer version license provides meta-spec);

sub validate {
    my ($meta, $base_dir) = @_;
    unless (kind($meta) eq 'map') {
        fail('', 'json', 'the top level of META.json must be a JSON object');
        return;
    }
    for my $key (@REQUIRED) {
        fail(child('', $key), 'required', 'required key is missing') unless exists $meta->{$key};
    }
    my %check = (
        'name'           => sub { term($_[0], $_[1], 'name') },
        'abstract'       => \&nonempty_string,
        'description'    => \&nonempty_string,
        'version'        => \&semver,
        'maintainer'     => sub { list_of($_[0], $_[1], \&nonempty_string, 1) },
        'license'        => \&check_license,
        'provides'       => sub { check_provides(@_, $base_dir) },
        'meta-spec'      => \&check_meta_spec,
        'generated_by'   => \&nonempty_string,
        'release_status' => \&check_release_status,
        'tags'           => sub { list_of($_[0], $_[1], \&tag, 0) },
        'no_index'       => \&check_no_index,
        'prereqs'        => \&check_prereqs,
        'resources'      => \&check_resources,
    );
    for my $key (sort keys %$meta) {
        if (my $c = $check{$key}) {
            $c->(child('', $key), $meta->{$key});
        } elsif (!is_custom_key($key)) {
            unknown_key('', $key, 'the top level');
        }
    }
}

# ---- main -----------------------------------------------------------------------------

if (@ARGV != 1 || $ARGV[0] =~ /\A-/) {
    print STDERR "usage: perl $0 path/to/META.json\n";
    exit 2;
}
my $file = $ARGV[0];
my $text = do {
    open my $fh, '<:raw', $file or do { print STDERR "cannot read $file: $!\n"; exit 2 };
    local $/;
    <$fh>;
};
my $meta = eval { JSON::PP->new->utf8->decode($text) };
if (!defined $meta && $@) {
    (my $err = $@) =~ s/\s+\z//;
    $err =~ s/ at \S+ line \d+\.\z//;
    fail('', 'json', "not valid JSON: $err");
} else {
    my $base_dir = File::Spec->rel2abs(dirname($file));
    validate($meta, $base_dir);
}

if (@failures) {
    print "$_\n" for @failures;
    exit 1;
}
print "ok - $file is valid PGXN Meta Spec $SPEC_VERSION\n";
exit 0;
