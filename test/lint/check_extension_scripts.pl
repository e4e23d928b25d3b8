#!/usr/bin/perl
# The install and upgrade scripts follow PostgreSQL's "Security Considerations for
# Extensions" (README "Security").  For each script given, checks:
#   guard        it starts with the \echo ... \quit guard
#   no-replace   no CREATE OR REPLACE (CVE-2022-2625 class)
#   no-if-exists no IF NOT EXISTS on CREATE (the same class)
#   extschema    @extschema@ never inside a quoted string or a dollar-quoted body
#                (CVE-2023-39417 class), where it would be substituted unquoted
#   qualified    every table, function, procedure, type, view and sequence it creates is
#                created in @extschema@ (or pg_temp); in a relocatable extension (its control
#                file beside the script says relocatable = true) every object is created
#                unqualified, in the schema CREATE EXTENSION picks, and @extschema@ is never
#                used (ALTER EXTENSION ... SET SCHEMA would leave it pointing at the old schema)
#   definer      every SECURITY DEFINER routine pins its search_path (SET search_path)
# Prints "ok N - <script>: <check>" or "not ok N - <script>: <check>: <where>" per check.
# Exits 1 when any check failed.  Core Perl only.
use strict;
use warnings;

my ($n, $failed) = (0, 0);

sub report {
    my ($ok, $what, $why) = @_;
    $n++;
    if ($ok) {
        print "ok $n - $what\n";
    } else {
        $failed++;
        print "not ok $n - $what: $why\n";
    }
}

# Splits a script into code (with strings and comments blanked, newlines kept) and the list
# of quoted regions [start, end, text].
sub scan {
    my ($sql) = @_;
    my ($code, @quoted) = ('');
    my $i = 0;
    my $len = length $sql;
    while ($i < $len) {
        my $rest = substr($sql, $i);
        my $token;
        if ($rest =~ /^(--[^\n]*)/) {
            $token = $1;
            $code .= ' ' x length $token;
        } elsif ($rest =~ m{^(/\*.*?\*/)}s) {
            $token = $1;
            (my $blank = $token) =~ s/[^\n]/ /g;
            $code .= $blank;
        } elsif ($rest =~ /^(\$([A-Za-z_][A-Za-z_0-9]*)?\$)/) {
            my $tag = $1;
            my $end = index($sql, $tag, $i + length $tag);
            $end = $len - length $tag if $end < 0;
            $token = substr($sql, $i, $end + length($tag) - $i);
            push @quoted, [$i, $token];
            (my $blank = $token) =~ s/[^\n]/ /g;
            $code .= $blank;
        } elsif ($rest =~ /^([Ee]?'(?:[^']|'')*'?)/) {
            $token = $1;
            push @quoted, [$i, $token];
            (my $blank = $token) =~ s/[^\n]/ /g;
            $code .= $blank;
        } elsif ($rest =~ /^("(?:[^"]|"")*"?)/) {
            $token = $1;
            push @quoted, [$i, $token];
            (my $blank = $token) =~ s/[^\n]/ /g;
            $code .= $blank;
        } else {
            $token = substr($rest, 0, 1);
            $code .= $token;
        }
        $i += length $token;
    }
    return ($code, \@quoted);
}

sub line_of {
    my ($text, $offset) = @_;
    return 1 + (substr($text, 0, $offset) =~ tr/\n//);
}

sub slurp {
    my ($path) = @_;
    open(my $fh, '<', $path) or die "$path: $!";
    local $/;
    my $text = <$fh>;
    close $fh;
    return $text;
}

# Whether the extension a script belongs to is relocatable: its control file, beside the
# script, named by the part of the file name before "--".
sub relocatable {
    my ($script) = @_;
    (my $control = $script) =~ s{--[^/]*$}{.control};
    return 0 unless -f $control;
    return slurp($control) =~ /^\s*relocatable\s*=\s*(?:true|'true')\s*$/m ? 1 : 0;
}

# The code of every script given, for checks that look across the upgrade chain.
my $all_code = {map { $_ => (scan(slurp($_)))[0] } @ARGV};

for my $script (@ARGV) {
    my $sql = slurp($script);
    (my $name = $script) =~ s{.*/}{};
    my ($code, $quoted) = scan($sql);

    my ($first) = grep { /\S/ && !/^\s*--/ } split /\n/, $sql;
    report(scalar(defined $first && $first =~ /^\\echo .*\\quit\s*$/), "$name: guard",
           'the first statement is not \echo ... \quit');

    my @replace;
    push @replace, line_of($code, $-[0]) while $code =~ /\bCREATE\s+OR\s+REPLACE\b/gi;
    report(!@replace, "$name: no-replace", "CREATE OR REPLACE at line @replace");

    my @if_not_exists;
    push @if_not_exists, line_of($code, $-[0]) while $code =~ /\bCREATE\b[^;]*?\bIF\s+NOT\s+EXISTS\b/gi;
    report(!@if_not_exists, "$name: no-if-exists", "IF NOT EXISTS at line @if_not_exists");

    my @inside;
    for my $q (@$quoted) {
        my ($start, $text) = @$q;
        push @inside, line_of($sql, $start + $-[0]) while $text =~ /\@extschema\@/g;
    }
    report(!@inside, "$name: extschema", "\@extschema\@ inside quotes at line @inside");

    my @misplaced;
    if (relocatable($script)) {
        push @misplaced, line_of($code, $-[0]) . ' (@extschema@)' while $code =~ /\@extschema\@/g;
        while ($code =~ /\bCREATE\s+(?:TABLE|FUNCTION|PROCEDURE|TYPE|VIEW|SEQUENCE|AGGREGATE)\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w"]+)\./gi) {
            push @misplaced, line_of($code, $-[0]) . " ($1.)";
        }
        report(!@misplaced, "$name: qualified", "a relocatable extension names a schema at line @misplaced");
    } else {
        while ($code =~ /\bCREATE\s+(?:TABLE|FUNCTION|PROCEDURE|TYPE|VIEW|SEQUENCE|AGGREGATE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(\S+)/gi) {
            my ($object, $at) = ($1, $-[0]);
            push @misplaced, line_of($code, $at) . " ($object)" unless $object =~ /^(\@extschema\@|pg_temp)\./;
        }
        report(!@misplaced, "$name: qualified", "created outside \@extschema\@ at line @misplaced");
    }

    my @unpinned;
    for my $statement (split /;/, $code) {
        next unless $statement =~ /\bSECURITY\s+DEFINER\b/i;
        next if $statement =~ /\bSET\s+search_path\b/i;
        # ALTER FUNCTION ... SECURITY DEFINER of a routine created (in any script) with a
        # pinned search_path
        my ($routine) = $statement =~ /\bALTER\s+(?:FUNCTION|PROCEDURE)\s+\@extschema\@\.(\w+)/i;
        next if defined $routine && grep {
            /\bCREATE\s+(?:FUNCTION|PROCEDURE)\s+\@extschema\@\.\Q$routine\E\b[^;]*\bSET\s+search_path\b/i
        } values %$all_code;
        push @unpinned, line_of($code, index($code, $statement));
    }
    report(!@unpinned, "$name: definer", "SECURITY DEFINER without SET search_path at line @unpinned");
}

exit($failed ? 1 : 0);
