// Correct rounding to IEEE-754 binary formats, written from the definition with GMP integers:
// the result is q * 2^u where 2^u is the quantum (unit in the last place) of |x| in `format`
// and q is |x| / 2^u rounded to an integer; subnormals are the numbers whose quantum is clamped
// to 2^(emin - precision + 1).
#include "ropecert/rounding.hpp"

#include "ropecert/exact_numbers.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace ropecert {
namespace {

// The e with 2^e <= num / den < 2^(e+1), for num, den > 0.
long binary_exponent(const Integer& num, const Integer& den) {
  // num in [2^a, 2^(a+1)) and den in [2^b, 2^(b+1)) put num / den in (2^(a-b-1), 2^(a-b+1)).
  const long e = static_cast<long>(msb(num)) - static_cast<long>(msb(den));
  const bool below = e >= 0 ? num < (den << e) : (num << -e) < den;
  return below ? e - 1 : e;
}

// The 16-bit encoding of x in `format` (1 sign bit, 15 - (precision - 1) exponent bits with bias emax,
// precision - 1 trailing significand bits): IEEE-754 section 3.4, written from the definition.
std::uint16_t encode16(double x, BinaryFormat format) {
  const std::string where = std::string(format.name) + "_bits: ";
  if (std::isnan(x)) throw std::invalid_argument(where + "NaN has no single encoding");
  const int trailing = format.precision - 1;
  const std::uint32_t sign = std::signbit(x) ? 1 : 0;
  const double magnitude = std::fabs(x);
  std::uint32_t field = 0, significand = 0;  // +-0
  if (std::isinf(x)) {
    field = 2 * static_cast<std::uint32_t>(format.emax) + 1;  // all ones
  } else if (magnitude != 0) {
    MPFR_DECL_INIT(exact, 53);
    mpfr_set_d(exact, x, MPFR_RNDN);  // exact
    // x is a number of the format iff it rounds to itself; the allocation-free path when that is a normal number.
    const std::optional<double> normal = round_mpfr_to_normal(exact, format, RoundingMode::nearest_even);
    const double rounded = normal ? *normal : round_mpfr(exact, format, RoundingMode::nearest_even);
    if (rounded != x) {
      char text[64];
      std::snprintf(text, sizeof text, "%a", x);
      throw std::invalid_argument(where + text + " is not a " + format.name + " number");
    }
    if (magnitude < std::ldexp(1.0, format.emin)) {
      // Subnormal: an integer multiple m < 2^trailing of the quantum 2^(emin - trailing).
      significand = static_cast<std::uint32_t>(std::ldexp(magnitude, trailing - format.emin));
    } else {
      int e;
      std::frexp(magnitude, &e);  // 2^(e-1) <= magnitude < 2^e
      field = static_cast<std::uint32_t>(e - 1 + format.emax);
      significand =
          static_cast<std::uint32_t>(std::ldexp(magnitude, trailing - (e - 1))) - (std::uint32_t(1) << trailing);
    }
  }
  return static_cast<std::uint16_t>((sign << 15) | (field << trailing) | significand);
}

}  // namespace

double round_rational(const mpq_t x, BinaryFormat format, RoundingMode mode) {
  const int sign = mpq_sgn(x);
  if (sign == 0) return 0.0;
  const Integer num = abs(Integer(mpq_numref(x)));
  const Integer den(mpq_denref(x));

  // Quantum exponent: precision bits below the leading bit, never below the subnormal quantum.
  const long e = binary_exponent(num, den);
  const long u = std::max<long>(e, format.emin) - (format.precision - 1);

  // |x| / 2^u = n / d = q + r / d with 0 <= r < d.
  const Integer n = u <= 0 ? Integer(num << -u) : num;
  const Integer d = u <= 0 ? den : Integer(den << u);
  Integer q = n / d;
  const Integer r = n % d;

  // A directed mode rounds the magnitude either toward zero or away from it.
  const bool directed = mode != RoundingMode::nearest_even;
  const bool toward_zero = directed && (mode == RoundingMode::up) != (sign > 0);
  bool away_from_zero;  // increment the magnitude q?
  if (directed) {
    away_from_zero = !toward_zero && r != 0;
  } else {
    const Integer twice_r = r << 1;  // compares r / d with 1/2
    away_from_zero = twice_r > d || (twice_r == d && bit_test(q, 0));
  }
  if (away_from_zero) ++q;

  // Now q <= 2^precision, so q * 2^u is the rounded value with unbounded exponent range.
  // The next number of that grid after the largest finite one is 2^(emax+1): reaching it
  // overflows; IEEE-754 then gives infinity unless the magnitude was rounded toward zero.
  double magnitude;
  if (q == 0) {
    magnitude = 0.0;  // below half the smallest subnormal
  } else if (static_cast<long>(msb(q)) + u > format.emax) {
    magnitude = toward_zero ? std::ldexp(std::ldexp(1.0, format.precision) - 1.0,
                                         format.emax - format.precision + 1)
                            : HUGE_VAL;
  } else {
    // q <= 2^53 and q * 2^u is a binary64 number, so both conversions are exact.
    magnitude = std::ldexp(q.convert_to<double>(), static_cast<int>(u));
  }
  return sign < 0 ? -magnitude : magnitude;
}

double round_mpfr(const mpfr_t x, BinaryFormat format, RoundingMode mode) {
  if (mpfr_nan_p(x)) return NAN;
  if (mpfr_inf_p(x)) return mpfr_sgn(x) > 0 ? HUGE_VAL : -HUGE_VAL;
  if (mpfr_zero_p(x)) return 0.0;

  // Far outside the format's range every x rounds like a bound of the same sign; replacing it
  // spares mpfr_get_q an integer of up to 2^30 bits. |x| < 2^(emin-precision-1) lies below half
  // the smallest subnormal 2^(emin-precision+1); |x| >= 2^(emax+2) overflows in every mode.
  mpfr_t bounded;
  mpfr_init2(bounded, 2);
  mpfr_srcptr source = x;
  const mpfr_exp_t exponent = mpfr_get_exp(x);  // 2^(exponent-1) <= |x| < 2^exponent
  if (exponent <= format.emin - format.precision - 1) {
    mpfr_set_si_2exp(bounded, mpfr_sgn(x), format.emin - format.precision - 2, MPFR_RNDN);
    source = bounded;
  } else if (exponent > format.emax + 2) {
    mpfr_set_si_2exp(bounded, mpfr_sgn(x), format.emax + 2, MPFR_RNDN);
    source = bounded;
  }

  mpq_t exact;
  mpq_init(exact);
  mpfr_get_q(exact, source);
  const double result = round_rational(exact, format, mode);
  mpq_clear(exact);
  mpfr_clear(bounded);
  return result;
}

std::optional<double> round_mpfr_to_normal(const mpfr_t x, BinaryFormat format, RoundingMode mode) {
  if (!mpfr_regular_p(x)) return std::nullopt;
  const mpfr_exp_t exponent = mpfr_get_exp(x);  // 2^(exponent-1) <= |x| < 2^exponent
  if (exponent - 1 < format.emin || exponent > format.emax) return std::nullopt;
  const mpfr_rnd_t rnd = mode == RoundingMode::nearest_even ? MPFR_RNDN
                         : mode == RoundingMode::down       ? MPFR_RNDD
                                                            : MPFR_RNDU;
  // Stack-allocated variables of each format's precision (MPFR_DECL_INIT needs a constant precision).
  MPFR_DECL_INIT(p53, 53);
  MPFR_DECL_INIT(p24, 24);
  MPFR_DECL_INIT(p11, 11);
  MPFR_DECL_INIT(p8, 8);
  mpfr_ptr rounded = format.precision == 53   ? p53
                     : format.precision == 24 ? p24
                     : format.precision == 11 ? p11
                     : format.precision == 8  ? p8
                                              : nullptr;
  if (rounded == nullptr) return std::nullopt;
  mpfr_set(rounded, x, rnd);                 // correctly rounded to `precision` bits, ties to even
  return mpfr_get_d(rounded, MPFR_RNDN);     // exact: at most 53 bits, exponent inside binary64's range
}

std::optional<double> decided_rounding(const mpfr_t lo, const mpfr_t hi, BinaryFormat format) {
  if (!mpfr_number_p(lo) || !mpfr_number_p(hi)) return std::nullopt;
  auto nearest = [format](const mpfr_t x) {
    const std::optional<double> fast = round_mpfr_to_normal(x, format, RoundingMode::nearest_even);
    return fast ? *fast : round_mpfr(x, format, RoundingMode::nearest_even);
  };
  const double a = nearest(lo);
  const double b = nearest(hi);
  // -0 (a negative end) and +0 (zero or a positive end) differ: the enclosure then holds reals of both
  // roundings (proofs-notes/10-certified-evaluation.md, Lemma 4, Zero).
  if (a != b || std::signbit(a) != std::signbit(b)) return std::nullopt;
  return a;
}

std::uint16_t binary16_bits(double x) { return encode16(x, binary16); }

std::uint16_t bfloat16_bits(double x) { return encode16(x, bfloat16); }

}  // namespace ropecert
