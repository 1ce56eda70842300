// Directed roundings with MPFR (directed_rounding.hpp).
#include "ropecert/directed_rounding.hpp"

#include <gmp.h>
#include <mpfr.h>

namespace ropecert {
namespace {

// A 53-bit MPFR number with MPFR's wide exponent range: binary64 inputs are exact in it, and each
// operation below is one correctly rounded MPFR operation followed by a conversion to binary64 in
// the same direction, so the result is rounded in that direction overall.
class Scratch {
 public:
  explicit Scratch(double x) {
    mpfr_init2(v_, 53);
    mpfr_set_d(v_, x, MPFR_RNDN);  // exact
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { mpfr_clear(v_); }
  mpfr_ptr get() { return v_; }

 private:
  mpfr_t v_;
};

}  // namespace

// RU(|a - b|).
double abs_difference_up(double a, double b) {
  Scratch x(a);
  mpfr_sub_d(x.get(), x.get(), b, MPFR_RNDA);  // away from zero: |result| >= |a - b|
  mpfr_abs(x.get(), x.get(), MPFR_RNDN);       // exact
  return mpfr_get_d(x.get(), MPFR_RNDU);
}

// RD(dist(x, [lo, hi])) for lo <= hi: 0 inside, RD(lo - x) below, RD(x - hi) above. A lower bound of
// |x - T| for every T in [lo, hi] (the distance from x to the interval is the minimum of |x - T|).
double distance_down(double x, double lo, double hi) {
  if (lo <= x && x <= hi) return 0.0;
  Scratch d(x < lo ? lo : x);
  mpfr_sub_d(d.get(), d.get(), x < lo ? x : hi, MPFR_RNDD);  // a positive difference, rounded down
  return mpfr_get_d(d.get(), MPFR_RNDD);
}

// RU(a / b) for a >= 0, b > 0.
double quotient_up(double a, double b) {
  Scratch x(a);
  mpfr_div_d(x.get(), x.get(), b, MPFR_RNDU);
  return mpfr_get_d(x.get(), MPFR_RNDU);
}

// RU(a * 2^k) for a >= 0 (the scaling is exact in MPFR; only the conversion to binary64 rounds).
double scaled_up(double a, long k) {
  Scratch x(a);
  mpfr_mul_2si(x.get(), x.get(), k, MPFR_RNDU);
  return mpfr_get_d(x.get(), MPFR_RNDU);
}

// RD(atol + RD(rtol * m)) for atol, rtol, m >= 0: at most atol + rtol * m.
double tolerance_down(double atol, double rtol, double m) {
  Scratch x(rtol);
  mpfr_mul_d(x.get(), x.get(), m, MPFR_RNDD);
  mpfr_add_d(x.get(), x.get(), atol, MPFR_RNDD);
  return mpfr_get_d(x.get(), MPFR_RNDD);
}

// RD(k * a) for k, a >= 0.
double product_down(double k, double a) {
  Scratch x(k);
  mpfr_mul_d(x.get(), x.get(), a, MPFR_RNDD);
  return mpfr_get_d(x.get(), MPFR_RNDD);
}

// RN_format(x) for a binary64 x.
double round_to(double x, BinaryFormat format) {
  Scratch v(x);
  return round_mpfr(v.get(), format, RoundingMode::nearest_even);
}

// min over [lo, hi] of |x|: a lower bound of |T| for every T in [lo, hi].
double magnitude_lower(double lo, double hi) { return lo > 0 ? lo : hi < 0 ? -hi : 0.0; }

}  // namespace ropecert
