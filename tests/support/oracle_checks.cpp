#include "support/oracle_checks.hpp"

#include <cmath>

#include "ropecert/rounding.hpp"
#include "support/mpfr_twin.hpp"

namespace ropecert_test {

namespace {

// arb_get_interval_mpfr rounds outward, so any precision gives rigorous endpoints.
constexpr mpfr_prec_t endpoint_precision = 1024;

// Equal values with equal signs: -0 and +0 are different roundings (the sign of a zero output is part of it).
bool same_signed(double a, double b) { return a == b && std::signbit(a) == std::signbit(b); }

}  // namespace

BallRoundings ball_roundings(const ArbBall& ball) {
  mpfr_t lo, hi;
  mpfr_inits2(endpoint_precision, lo, hi, static_cast<mpfr_ptr>(nullptr));
  arb_get_interval_mpfr(lo, hi, ball.get());
  BallRoundings r;
  r.t64 = mpfr_get_d(lo, MPFR_RNDN);
  r.decided64 = same_signed(r.t64, mpfr_get_d(hi, MPFR_RNDN));
  r.t32 = mpfr_get_flt(lo, MPFR_RNDN);
  r.decided32 = same_signed(r.t32, mpfr_get_flt(hi, MPFR_RNDN));
  r.t16 = mpfr_emulated(lo, ropecert::binary16, MPFR_RNDN);
  r.decided16 = same_signed(r.t16, mpfr_emulated(hi, ropecert::binary16, MPFR_RNDN));
  r.tbf16 = mpfr_emulated(lo, ropecert::bfloat16, MPFR_RNDN);
  r.decided_bf16 = same_signed(r.tbf16, mpfr_emulated(hi, ropecert::bfloat16, MPFR_RNDN));
  mpfr_clears(lo, hi, static_cast<mpfr_ptr>(nullptr));
  return r;
}

bool consistent(const ArbBall& ball, const mpfr_t lo, const mpfr_t hi) {
  mpfr_t ball_lo, ball_hi;
  mpfr_inits2(endpoint_precision, ball_lo, ball_hi, static_cast<mpfr_ptr>(nullptr));
  arb_get_interval_mpfr(ball_lo, ball_hi, ball.get());
  const bool share = arb_is_finite(ball.get()) && mpfr_lessequal_p(ball_lo, hi) && mpfr_lessequal_p(lo, ball_hi);
  mpfr_clears(ball_lo, ball_hi, static_cast<mpfr_ptr>(nullptr));
  return share;
}

bool consistent(const ArbBall& ball, double lo, double hi) {
  mpfr_t l, h;
  mpfr_inits2(53, l, h, static_cast<mpfr_ptr>(nullptr));
  mpfr_set_d(l, lo, MPFR_RNDN);
  mpfr_set_d(h, hi, MPFR_RNDN);
  const bool result = consistent(ball, l, h);
  mpfr_clears(l, h, static_cast<mpfr_ptr>(nullptr));
  return result;
}

}  // namespace ropecert_test
