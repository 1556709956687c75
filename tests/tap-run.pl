#!/usr/bin/perl
# tap-run.pl NAME COMMAND [ARG...] — run one TAP producer under
# TAP::Harness (what prove uses), as tests/run.sh does for every suite
# that is a single producer (unit tests, fuzz, forecast-ref, browser):
# the whole TAP is echoed with the file's time (--timer), the verdict is
# TAP::Parser's (plan, parse errors, exit status), and the tally line of
# TAP::Formatter::Northstar goes to $NS_TAP_TALLY.  Exits 0 when the
# producer passed or skipped all (1..0 # SKIP why), else 1 (255 after a
# bail out).
use strict;
use warnings;
use File::Basename qw(dirname);
use lib dirname(__FILE__) . '/lib';
use TAP::Harness;

my ( $name, @cmd ) = @ARGV;
die "usage: $0 NAME COMMAND [ARG...]\n" unless defined $name && @cmd;
my $harness = TAP::Harness->new( {
    formatter_class => 'TAP::Formatter::Northstar',
    verbosity       => 1,
    timer           => 1,
    merge           => 1,
    color           => 0,
    exec            => sub { [@cmd] },
} );
my $aggregate = $harness->runtests( [ $name, $name ] );
exit( $aggregate->has_errors ? 1 : 0 );
