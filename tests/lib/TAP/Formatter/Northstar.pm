package TAP::Formatter::Northstar;
# The console formatter of prove (TAP::Formatter::Console), plus one
# honest tally line per test file, appended to the file named by
# $NS_TAP_TALLY (tests/run.sh sums them):
#
#   PASSED <tab> FAILED <tab> MILLISECONDS <tab> FILE <tab> PROBLEMS
#
# FAILED is the number of "not ok" lines (TODO excepted), plus one when
# the file's TAP itself is wrong: no plan, a plan that does not match
# what ran, a parse error, a bail out, or no test at all; plus one when
# the producer exited non-zero (or died on a signal) although every test
# it printed passed.  So a file that stops halfway, exits early or dies
# is never counted as passing.
#
# Used by tests/tap-run.pl, and by prove / pg_prove in
# tests/integration/run.sh (--formatter TAP::Formatter::Northstar, with
# tests/lib on PERL5LIB).  Perl core modules only.
use strict;
use warnings;
use parent 'TAP::Formatter::Console';

sub open_test {
    my ( $self, $test, $parser ) = @_;
    my $session = $self->SUPER::open_test( $test, $parser );
    $session->{ns_test}   = $test;
    $session->{ns_parser} = $parser;
    return bless $session, 'TAP::Formatter::Northstar::Session';
}

# tally(PARSER, BAILOUT) — (passed, failed, problems)
sub tally {
    my ( $parser, $bailout ) = @_;
    my $passed = scalar( my @p = $parser->passed );
    my $failed = scalar( my @f = $parser->failed );
    my @problems;
    push @problems, "bail out: $bailout" if defined $bailout;
    push @problems, $parser->parse_errors;
    my $skip = $parser->skip_all;   # "1..0 # SKIP why"; a bare 1..0 has no reason
    push @problems, 'no test ran'
      if !$parser->tests_run && !@problems
      && ( !defined $skip || $skip eq '(no reason given)' );
    my $extra = @problems ? 1 : 0;
    my $wait  = $parser->wait || 0;
    if ($wait) {
        my $why = ( $wait & 0x7f ) ? 'killed by signal ' . ( $wait & 0x7f ) : 'exit status ' . ( $wait >> 8 );
        push @problems, $why;
        $extra ||= $failed ? 0 : 1;   # a failing test explains a non-zero exit
    }
    return ( $passed, $failed + $extra, @problems );
}

sub write_tally {
    my ( $test, $ms, $passed, $failed, @problems ) = @_;
    my $file = $ENV{NS_TAP_TALLY} or return;
    open my $fh, '>>', $file or die "tally $file: $!\n";
    my $why = join '; ', @problems;
    $why =~ s/[\t\n]+/ /g;
    ( my $name = $test ) =~ s/[\t\n]+/ /g;
    printf {$fh} "%d\t%d\t%d\t%s\t%s\n", $passed, $failed, $ms, $name, $why;
    close $fh or die "tally $file: $!\n";
}

package TAP::Formatter::Northstar::Session;
use strict;
use warnings;
use parent -norequire, 'TAP::Formatter::Console::Session';
use Time::HiRes ();

sub result {
    my ( $self, $result ) = @_;
    $self->{ns_t0} //= Time::HiRes::time();
    $self->SUPER::result($result);
    # TAP::Harness dies right after a bail out, before close_test.
    if ( $result->is_bailout && !$self->{ns_done}++ ) {
        TAP::Formatter::Northstar::write_tally(
            $self->{ns_test}, $self->_ns_ms,
            TAP::Formatter::Northstar::tally( $self->{ns_parser}, $result->explanation // '' ) );
    }
}

sub close_test {
    my $self = shift;
    $self->SUPER::close_test(@_);
    return if $self->{ns_done}++;
    TAP::Formatter::Northstar::write_tally( $self->{ns_test}, $self->_ns_ms,
        TAP::Formatter::Northstar::tally( $self->{ns_parser} ) );
}

sub _ns_ms {
    my $self   = shift;
    my $parser = $self->{ns_parser};
    my ( $s, $e ) = ( $parser->start_time, $parser->end_time );
    $s //= $self->{ns_t0};
    $e //= Time::HiRes::time();
    return defined $s ? int( ( $e - $s ) * 1000 + 0.5 ) : 0;
}

1;
