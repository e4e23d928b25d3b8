#!/usr/bin/perl
# Extracts the extension's saved SPI statements from its C++ sources, so that the bench
# EXPLAINs the texts the extension really runs rather than copies of them (bench/README.md).
#
#   perl bench/extract_statements.pl [--root DIR] [--list]
#
# Reads every *.cpp / *.h file under DIR/extension and DIR/worker (DIR: the repository, by
# default the parent of this script's directory) and finds each declaration
#
#   [static] [pg::]Statement name_stmt = {<string literals and string macros>, NARGS, {OID, ...}};
#
# where the literals are plain "..." strings or R"delim(...)delim" raw strings, concatenated as
# the compiler does, and a macro is a #define of string literals (LEAD_ROUTER_LEAD_COLUMNS).
# Prints SQL for psql: one INSERT INTO bench.statements (name, source, line, sql, types) per
# statement, the text (surrounding blanks trimmed) dollar-quoted, the parameter types as SQL
# type names (UUIDARRAYOID -> uuid[]).  --list prints "name  source:line  (types)" instead.
# Uses perl-base modules only (python is not on every machine that runs the bench).
#
# Exits non-zero, naming file and line, when a declaration cannot be parsed, an OID macro is
# not in the table below, NARGS disagrees with the OID list or the text, or no statement is
# found: a change of the sources' format must stop the bench, not make it explain nothing.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use Getopt::Long qw(GetOptions);

my %sql_type = (
    BOOLOID => 'boolean',
    BOOLARRAYOID => 'boolean[]',
    INT2OID => 'smallint',
    INT2ARRAYOID => 'smallint[]',
    INT4OID => 'integer',
    INT4ARRAYOID => 'integer[]',
    INT8OID => 'bigint',
    INT8ARRAYOID => 'bigint[]',
    FLOAT4OID => 'real',
    FLOAT8OID => 'double precision',
    FLOAT8ARRAYOID => 'double precision[]',
    NUMERICOID => 'numeric',
    TEXTOID => 'text',
    TEXTARRAYOID => 'text[]',
    VARCHAROID => 'character varying',
    NAMEOID => 'name',
    UUIDOID => 'uuid',
    UUIDARRAYOID => 'uuid[]',
    TIMESTAMPTZOID => 'timestamptz',
    TIMESTAMPTZARRAYOID => 'timestamptz[]',
    INTERVALOID => 'interval',
    JSONOID => 'json',
    JSONBOID => 'jsonb',
    JSONBARRAYOID => 'jsonb[]',
    OIDOID => 'oid',
);

my $root = dirname(dirname(abs_path($0)));
my $list = 0;
GetOptions('root=s' => \$root, 'list' => \$list)
    or do { print STDERR "usage: perl bench/extract_statements.pl [--root DIR] [--list]\n"; exit 2 };
-d $root or do { print STDERR "extract_statements: $root is not a directory\n"; exit 1 };
$root =~ s{/+$}{};

sub source_files {
    my ($dir) = @_;
    opendir(my $dh, $dir) or die "extract_statements: cannot read $dir: $!\n";
    my @entries = sort grep { !/^\./ } readdir($dh);
    closedir($dh);
    my @files;
    for my $e (@entries) {
        my $path = "$dir/$e";
        if (-d $path) { push @files, source_files($path) }
        elsif ($e =~ /\.(?:cpp|cc|h|hpp)$/) { push @files, $path }
    }
    return @files;
}

my @files = map { -d "$root/$_" ? source_files("$root/$_") : () } qw(extension worker);
my %text;
for my $path (@files) {
    open(my $fh, '<', $path) or die "extract_statements: cannot read $path: $!\n";
    local $/;
    $text{$path} = <$fh>;
    close($fh);
}

our $where;   # "file:line" of the declaration being parsed, for messages
sub fail {
    my $message = "extract_statements: $where: $_[0]\n";
    die $message if $^S;    # inside an eval (reading a #define)
    print STDERR $message;
    exit 1;
}

sub line_of { my ($s, $pos) = @_; return 1 + (substr($s, 0, $pos) =~ tr/\n//) }

# Skips blanks and comments at pos($$s).
sub skip_space {
    my ($s) = @_;
    1 while $$s =~ /\G\s+/gc || $$s =~ m{\G//[^\n]*}gc || $$s =~ m{\G/\*.*?\*/}gcs;
}

# The value of a "..." literal's body.
sub unescape {
    my ($body) = @_;
    my %esc = (n => "\n", t => "\t", r => "\r", '\\' => '\\', '"' => '"', "'" => "'", '?' => '?');
    $body =~ s{\\(.)}{ $esc{$1} // fail("unsupported escape \\$1 in a string literal") }ge;
    return $body;
}

my %macro;    # name => string value, filled before declarations are read

# Reads adjacent string literals and string macros at pos($$s); returns their concatenation,
# or undef when there is none.
sub string_literals {
    my ($s) = @_;
    my $value;
    while (1) {
        skip_space($s);
        if ($$s =~ /\GR"([^()\\\s]{0,16})\(/gc) {
            my $end = ")$1\"";
            my $start = pos($$s);
            my $stop = index($$s, $end, $start);
            fail('unterminated raw string literal') if $stop < 0;
            $value .= substr($$s, $start, $stop - $start);
            pos($$s) = $stop + length($end);
        } elsif ($$s =~ /\G"((?:[^"\\\n]|\\.)*)"/gc) {
            $value .= unescape($1);
        } elsif ($$s =~ /\G([A-Za-z_]\w*)/gc) {
            my $name = $1;
            if (!exists $macro{$name}) {
                pos($$s) -= length($name);
                last;
            }
            $value .= $macro{$name};
        } else {
            last;
        }
    }
    return $value;
}

# String macros: #define NAME "..." "..." (with line continuations).
for my $path (@files) {
    my $s = $text{$path};
    while ($s =~ /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+((?:[^\n]*\\\n)*[^\n]*)/mg) {
        my ($name, $body, $at) = ($1, $2, $-[0]);
        local $where = "$path:" . line_of($s, $at);
        $body =~ s/\\\n/ /g;
        # a define this cannot read (not a string, an unsupported escape) is not a string macro
        my $value = eval { my $v = string_literals(\$body); skip_space(\$body); $v };
        $macro{$name} = $value if defined $value && pos($body) == length($body);
    }
}

my @statements;
my %seen;
for my $path (@files) {
    my $s = $text{$path};
    (my $source = $path) =~ s{^\Q$root\E/}{};
    while ($s =~ /^[ \t]*(?:static[ \t]+)?(?:const[ \t]+)?(?:\w+::)*Statement[ \t]+(\w+)\s*=?\s*\{/mg) {
        my $name = $1;
        my $line = line_of($s, $-[0]);
        local $where = "$source:$line";
        my $sql = string_literals(\$s);
        defined $sql or fail("statement $name: expected its SQL text (string literals)");
        skip_space(\$s);
        $s =~ /\G,\s*(\d+)\s*,\s*\{/gc
            or fail("statement $name: expected ', NARGS, {' after the SQL text");
        my $nargs = $1;
        $s =~ /\G([\w\s,]*?)\s*,?\s*\}\s*,?\s*\}\s*;/gc
            or fail("statement $name: expected '{OID, ...}};' after NARGS");
        my @oids = grep { length } split /\s*,\s*/, $1 =~ s/^\s+|\s+$//gr;
        my @types = map {
            $sql_type{$_} // fail("statement $name: unknown type OID macro $_ (add it to %sql_type)")
        } @oids;
        fail("statement $name: NARGS is $nargs but " . scalar(@types) . " type OIDs are listed")
            if @types != $nargs;
        my ($max) = sort { $b <=> $a } ($sql =~ /\$(\d+)/g), 0;
        fail("statement $name: the text refers to \$$max but declares $nargs parameters")
            if $max > $nargs;
        fail("statement $name: the text contains a NUL byte") if index($sql, "\0") >= 0;
        fail("statement $name is declared twice in $source") if $seen{"$source\0$name"}++;
        $sql =~ s/^\s+|\s+$//g;
        push @statements,
            { name => $name, source => $source, line => $line, sql => $sql, types => \@types };
    }
    # Any other declaration-looking line (say `inline pg::Statement x = {`) would be missed.
    while ($s =~ /^(?![ \t]*(?:\/\/|\*))[^\n]*\bStatement[ \t]+(\w+)\s*=?\s*\{/mg) {
        my ($name, $at) = ($1, $-[0]);
        next if $seen{"$source\0$name"};
        local $where = "$source:" . line_of($s, $at);
        fail("statement $name: declaration not understood (expected `Statement $name = {`)");
    }
}

$where = $root;
fail('no Statement declarations found under extension/ and worker/') unless @statements;

sub quote_literal { my ($v) = @_; $v =~ s/'/''/g; return "'$v'" }

# A dollar quote whose closing tag first occurs where the text ends.
sub dollar_quote {
    my ($v) = @_;
    my $tag = '$sql$';
    for (my $n = 1; index($v . $tag, $tag) != length($v); ++$n) { $tag = "\$sql$n\$" }
    return $tag . $v . $tag;
}

if ($list) {
    for my $st (@statements) {
        printf "%-24s %-48s (%s)\n", $st->{name}, "$st->{source}:$st->{line}",
               join(', ', @{ $st->{types} });
    }
    exit 0;
}
print "-- generated by bench/extract_statements.pl: ", scalar(@statements),
      " statements of the extension's C++ sources\n";
print "BEGIN;\n";
for my $st (@statements) {
    my $types = @{ $st->{types} }
        ? 'ARRAY[' . join(', ', map { quote_literal($_) } @{ $st->{types} }) . ']'
        : 'ARRAY[]::text[]';
    print "INSERT INTO bench.statements (name, source, line, sql, types) VALUES (",
          join(', ', quote_literal($st->{name}), quote_literal($st->{source}), $st->{line},
               dollar_quote($st->{sql}), $types), ");\n";
}
print "COMMIT;\n";
