// Double-word arithmetic, JMP's algorithms written operation by operation as published; the
// bounds and hypotheses are in double_word.hpp and proofs-notes/13-fast-certified-path.md, section
// double_word. Kept out of line so that every operation is compiled with ropecert_lib's
// -ffp-contract=off -frounding-math (a fused a * b + c would change the results the proofs cover).
#include "ropecert/double_word.hpp"

#include <cmath>

namespace ropecert {

DoubleWord two_sum(double a, double b) {
  const double s = a + b;
  const double a_rounded = s - b;
  const double b_rounded = s - a_rounded;
  const double a_error = a - a_rounded;
  const double b_error = b - b_rounded;
  return {s, a_error + b_error};
}

DoubleWord fast_two_sum(double a, double b) {
  const double s = a + b;
  const double b_rounded = s - a;
  return {s, b - b_rounded};
}

DoubleWord two_prod(double a, double b) {
  const double p = a * b;
  return {p, std::fma(a, b, -p)};
}

// Algorithm 4 (DWPlusFP).
DoubleWord add(DoubleWord x, double y) {
  const DoubleWord s = two_sum(x.hi, y);
  const double v = x.lo + s.lo;
  return fast_two_sum(s.hi, v);
}

void accumulate(DoubleWord* sums, double* magnitudes, const double* terms, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) {
    sums[k] = add(sums[k], terms[k]);
    magnitudes[k] += std::fabs(sums[k].hi);
  }
}

// Algorithm 6 (AccurateDWPlusDW).
DoubleWord add(DoubleWord x, DoubleWord y) {
  const DoubleWord s = two_sum(x.hi, y.hi);
  const DoubleWord t = two_sum(x.lo, y.lo);
  const double c = s.lo + t.hi;
  const DoubleWord v = fast_two_sum(s.hi, c);
  const double w = t.lo + v.lo;
  return fast_two_sum(v.hi, w);
}

// Algorithm 9 (DWTimesFP3).
DoubleWord mul(DoubleWord x, double y) {
  const DoubleWord c = two_prod(x.hi, y);
  const double c_lo = std::fma(x.lo, y, c.lo);
  return fast_two_sum(c.hi, c_lo);
}

// Algorithm 12 (DWTimesDW3).
DoubleWord mul(DoubleWord x, DoubleWord y) {
  const DoubleWord c = two_prod(x.hi, y.hi);
  const double t_lo0 = x.lo * y.lo;
  const double t_lo1 = std::fma(x.hi, y.lo, t_lo0);
  const double c_lo2 = std::fma(x.lo, y.hi, t_lo1);
  const double c_lo3 = c.lo + c_lo2;
  return fast_two_sum(c.hi, c_lo3);
}

// Algorithm 18 (DWDivDW3): one Newton step for 1 / y in double-word, then x times it.
DoubleWord div(DoubleWord x, DoubleWord y) {
  const double t_hi = 1.0 / y.hi;
  const double r_hi = std::fma(-y.hi, t_hi, 1.0);
  const double r_lo = -(y.lo * t_hi);
  const DoubleWord e = fast_two_sum(r_hi, r_lo);
  const DoubleWord delta = mul(e, t_hi);
  const DoubleWord m = add(delta, t_hi);
  return mul(x, m);
}

Rational exact_value(DoubleWord x) {
  Rational hi, lo;
  mpq_set_d(hi.backend().data(), x.hi);
  mpq_set_d(lo.backend().data(), x.lo);
  return hi + lo;
}

int round_to_mpfr(mpfr_t out, DoubleWord x, mpfr_rnd_t rnd) {
  mpfr_set_d(out, x.hi, MPFR_RNDN);  // exact: precision >= 53
  return mpfr_add_d(out, out, x.lo, rnd);
}

}  // namespace ropecert
