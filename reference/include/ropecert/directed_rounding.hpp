// Directed roundings to binary64 of the few operations the validator needs (proofs-notes/12-validation-
// policies.md): each is one correctly rounded MPFR operation at 53 bits with MPFR's wide exponent range
// (binary64 inputs are exact in it) followed by a conversion to binary64 in the same direction, so the
// result is rounded in that direction overall. Overflow gives +inf for upward roundings.
#pragma once
#include "ropecert/rounding.hpp"

namespace ropecert {

// RU(|a - b|): an upper bound of |a - b|, exact when |a - b| is a binary64 number.
double abs_difference_up(double a, double b);

// RD(dist(x, [lo, hi])) for lo <= hi: 0 for lo <= x <= hi, RD(lo - x) below, RD(x - hi) above. A lower
// bound of |x - T| for every T in [lo, hi] (proofs-notes/12-validation-policies.md, Lemma 2).
double distance_down(double x, double lo, double hi);

// RU(a / b) for a >= 0, b > 0.
double quotient_up(double a, double b);

// RU(a * 2^k) for a >= 0 (the scaling is exact in MPFR; only the conversion to binary64 rounds).
double scaled_up(double a, long k);

// RD(atol + RD(rtol * m)) for atol, rtol, m >= 0: at most atol + rtol * m.
double tolerance_down(double atol, double rtol, double m);

// RD(k * a) for k, a >= 0: at most k * a.
double product_down(double k, double a);

// RN_format(x), ties to even, for a binary64 x (correctly rounded once).
double round_to(double x, BinaryFormat format);

// min over [lo, hi] of |x| for lo <= hi (exact): a lower bound of |T| for every T in [lo, hi].
double magnitude_lower(double lo, double hi);

}  // namespace ropecert
