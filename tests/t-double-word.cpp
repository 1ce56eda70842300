// Tests of double-word arithmetic (double_word.hpp). The oracle is exact rational arithmetic (GMP mpq):
// each result is compared with the exact sum, product or quotient of the exact operands, and the
// relative error bound of JMP (proofs-notes/13-fast-certified-path.md, section double_word) is checked
// as a rational inequality, with no floating-point tolerance. Operands are drawn inside the hypotheses
// of the bounds (exponent windows below) and biased to cancellation, tiny low words, |y| near ulp(x),
// powers of two and all-ones significands. Each property prints the largest observed error / bound.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ropecert/double_word.hpp"
#include "ropecert/double_word_dot.hpp"
#include "ropecert/exact_numbers.hpp"

using ropecert::DoubleWord;
using ropecert::exact_value;
using ropecert::Rational;

namespace ropecert {
std::ostream& operator<<(std::ostream& os, const DoubleWord& x) {
  char text[96];
  std::snprintf(text, sizeof text, "{%a, %a}", x.hi, x.lo);
  return os << text;
}
}  // namespace ropecert

namespace {

Rational exact(double x) {
  Rational q;
  mpq_set_d(q.backend().data(), x);
  return q;
}

// u^k with u = 2^-53, exactly.
Rational u_power(int k) {
  Rational q(1);
  mpq_div_2exp(q.backend().data(), q.backend().data(), mp_bitcnt_t(53 * k));
  return q;
}

// The published bounds (double_word.hpp), as exact rationals.
const Rational bound_add_double = 2 * u_power(2);
const Rational bound_add = 3 * u_power(2) + 13 * u_power(3);
const Rational bound_mul_double = 2 * u_power(2);
const Rational bound_mul = 5 * u_power(2);
const Rational bound_div = Rational(49, 5) * u_power(2);

// The largest |computed - exact| / (bound |exact|) seen by one property, printed at its end.
struct Worst {
  const char* name;
  double ratio = 0;
  ~Worst() { std::printf("double_word %-28s largest error / bound = %.6f\n", name, ratio); }
};

// Checks the relative error rule exactly and records the ratio.
void check_relative(Worst& worst, const DoubleWord& computed, const Rational& exact_result, const Rational& bound) {
  const Rational error = abs(exact_value(computed) - exact_result);
  const Rational allowed = bound * abs(exact_result);
  RC_LOG() << "computed " << computed << ", error / allowed = "
           << (allowed == 0 ? 0.0 : Rational(error / allowed).convert_to<double>()) << "\n";
  RC_ASSERT(error <= allowed);
  if (allowed != 0) {
    const double ratio = Rational(error / allowed).convert_to<double>();
    if (ratio > worst.ratio) worst.ratio = ratio;
  }
  // The result is a double-word number: hi = RN(hi + lo).
  RC_ASSERT(computed.hi + computed.lo == computed.hi);
}

// A double with exponent in [emin, emax]: random significand, or a power of two, or all ones.
rc::Gen<double> gen_double(int emin, int emax) {
  const auto significand = rc::gen::weightedOneOf<std::uint64_t>(
      {{6, rc::gen::inRange<std::uint64_t>(0, std::uint64_t(1) << 52)},
       {1, rc::gen::just<std::uint64_t>(0)},
       {1, rc::gen::just<std::uint64_t>((std::uint64_t(1) << 52) - 1)}});
  return rc::gen::apply(
      [](bool negative, int exponent, std::uint64_t fraction) {
        const double x = std::ldexp(double((std::uint64_t(1) << 52) + fraction), exponent - 52);
        return negative ? -x : x;
      },
      rc::gen::arbitrary<bool>(), rc::gen::inRange(emin, emax + 1), significand);
}

// A low word for hi: 0, +-ulp(hi)/2 (a tie: kept only if hi = RN(hi + lo)), or |lo| < 2^(e-53-k)
// for k in 1..60 with a random significand.
DoubleWord draw_double_word(int emin, int emax) {
  const double hi = *gen_double(emin, emax);
  const int e = std::ilogb(hi);
  const int kind = *rc::gen::inRange(0, 8);
  double lo = 0;
  if (kind == 1) {
    lo = *rc::gen::element(-1.0, 1.0) * std::ldexp(1.0, e - 53);
  } else if (kind >= 2) {
    lo = *gen_double(e - 53 - 60, e - 54);
  }
  RC_PRE(hi + lo == hi);
  return {hi, lo};
}

// y for x + y: unrelated, or cancelling (y.hi = -x.hi, or a few ulps away), or |y.hi| near ulp(x.hi).
DoubleWord draw_addend(const DoubleWord& x, int emin, int emax) {
  switch (*rc::gen::inRange(0, 4)) {
    case 0: return draw_double_word(emin, emax);
    case 1: {
      double hi = -x.hi;
      for (int steps = *rc::gen::inRange(0, 4); steps > 0; --steps)
        hi = std::nextafter(hi, *rc::gen::arbitrary<bool>() ? INFINITY : -INFINITY);
      const int e = std::ilogb(hi);
      const double lo = *rc::gen::element(0, 1) ? -x.lo : *gen_double(e - 53 - 60, e - 54);
      RC_PRE(hi + lo == hi);
      return {hi, lo};
    }
    default: {
      const int e = std::ilogb(x.hi) - 53 + *rc::gen::inRange(-3, 4);
      return draw_double_word(e, e);
    }
  }
}

constexpr int add_emin = -500, add_emax = 500;
// Products: every double of the operands in [2^-485, 2^485] (double_word.hpp, window W):
// hi exponents in [-240, 240] and low words at most 2^-114 below them.
constexpr int mul_emin = -240, mul_emax = 240;
// Quotients: every double in [2^-160, 2^160] (window W_div): high words in [2^-47, 2^48), low words at
// least 2^-113 times them.
constexpr int div_emin = -47, div_emax = 47;

// x op y for two double-word operands with high-word exponents in [emin, emax], checked against the
// exact operation on their exact values.
template <typename Operation, typename ExactOperation>
void check_double_word_pair(Worst& worst, int emin, int emax, Operation operation, ExactOperation exact_operation,
                            const Rational& bound) {
  const DoubleWord x = draw_double_word(emin, emax);
  const DoubleWord y = draw_double_word(emin, emax);
  RC_LOG() << "x " << x << ", y " << y << "\n";
  check_relative(worst, operation(x, y), exact_operation(exact_value(x), exact_value(y)), bound);
}

TEST_CASE("error-free transformations are exact", "[double_word][eft]") {
  rc::prop("two_sum: s = RN(a + b), s + e = a + b", [] {
    const double a = *gen_double(add_emin, add_emax);
    const double b = *rc::gen::weightedOneOf<double>(
        {{2, gen_double(add_emin, add_emax)}, {1, rc::gen::just(-a)},
         {2, gen_double(std::ilogb(a) - 60, std::ilogb(a) + 2)}});
    const DoubleWord r = ropecert::two_sum(a, b);
    RC_ASSERT(r.hi == a + b);
    RC_ASSERT(exact(r.hi) + exact(r.lo) == exact(a) + exact(b));
  });
  rc::prop("fast_two_sum with |a| >= |b|: s + e = a + b", [] {
    double a = *gen_double(add_emin, add_emax);
    double b = *gen_double(std::ilogb(a) - 60, std::ilogb(a));
    if (std::fabs(b) > std::fabs(a)) std::swap(a, b);
    const DoubleWord r = ropecert::fast_two_sum(a, b);
    RC_ASSERT(r.hi == a + b);
    RC_ASSERT(exact(r.hi) + exact(r.lo) == exact(a) + exact(b));
  });
  rc::prop("two_prod in the window: p + e = a b", [] {
    const double a = *gen_double(-485, 484);
    const double b = *gen_double(-485, 484);
    const DoubleWord r = ropecert::two_prod(a, b);
    RC_ASSERT(r.hi == a * b);
    RC_ASSERT(exact(r.hi) + exact(r.lo) == exact(a) * exact(b));
  });
}

TEST_CASE("double-word operations meet JMP's relative error bounds", "[double_word][bound]") {
  rc::prop("add(DW, double) <= 2u^2", [] {
    static Worst worst{"add(DW, double)"};
    const DoubleWord x = draw_double_word(add_emin, add_emax);
    const DoubleWord y = draw_addend(x, add_emin, add_emax);
    RC_LOG() << "x " << x << ", y " << y.hi << "\n";
    check_relative(worst, ropecert::add(x, y.hi), exact_value(x) + exact(y.hi), bound_add_double);
  });
  rc::prop("add(DW, DW) <= 3u^2 + 13u^3", [] {
    static Worst worst{"add(DW, DW)"};
    const DoubleWord x = draw_double_word(add_emin, add_emax);
    const DoubleWord y = draw_addend(x, add_emin, add_emax);
    RC_LOG() << "x " << x << ", y " << y << "\n";
    check_relative(worst, ropecert::add(x, y), exact_value(x) + exact_value(y), bound_add);
  });
  rc::prop("mul(DW, double) <= 2u^2", [] {
    static Worst worst{"mul(DW, double)"};
    const DoubleWord x = draw_double_word(mul_emin, mul_emax);
    const double y = *gen_double(mul_emin, mul_emax);
    RC_LOG() << "x " << x << ", y " << DoubleWord{y, 0} << "\n";
    check_relative(worst, ropecert::mul(x, y), exact_value(x) * exact(y), bound_mul_double);
  });
  rc::prop("mul(DW, DW) <= 5u^2", [] {
    static Worst worst{"mul(DW, DW)"};
    check_double_word_pair(
        worst, mul_emin, mul_emax, [](DoubleWord x, DoubleWord y) { return ropecert::mul(x, y); },
        [](const Rational& x, const Rational& y) { return Rational(x * y); }, bound_mul);
  });
  rc::prop("div(DW, DW) <= 9.8u^2", [] {
    static Worst worst{"div(DW, DW)"};
    check_double_word_pair(
        worst, div_emin, div_emax, [](DoubleWord x, DoubleWord y) { return ropecert::div(x, y); },
        [](const Rational& x, const Rational& y) { return Rational(x / y); }, bound_div);
  });
}

TEST_CASE("double-word dot product: the exact error is within the a-posteriori bound", "[double_word][dot]") {
  rc::prop("dot(x, y), n in 1..24, with cancelling halves", [] {
    static Worst worst{"dot(x, y) (error / bound)"};
    const int n = *rc::gen::inRange(1, 25);
    const int spread = *rc::gen::element(0, 10, 240);  // exponent spread of the entries
    std::vector<DoubleWord> x, y;
    for (int i = 0; i < n; ++i) {
      x.push_back(draw_double_word(-spread, spread));
      y.push_back(draw_double_word(-spread, spread));
    }
    // Cancellation: the second half repeats the first with x negated (plus a perturbed copy).
    if (*rc::gen::arbitrary<bool>()) {
      for (int i = 0; i < n; ++i) {
        x.push_back(DoubleWord{-x[std::size_t(i)].hi, -x[std::size_t(i)].lo});
        y.push_back(y[std::size_t(i)]);
      }
      if (*rc::gen::arbitrary<bool>()) {
        x.push_back(draw_double_word(-spread - 60, -spread));
        y.push_back(draw_double_word(-spread, spread));
      }
    }
    Rational exact_dot(0);
    for (std::size_t i = 0; i < x.size(); ++i) {
      exact_dot += exact_value(x[i]) * exact_value(y[i]);
      RC_LOG() << "x[" << i << "] " << x[i] << ", y[" << i << "] " << y[i] << "\n";
    }
    const ropecert::DoubleWordDot d = ropecert::dot(x, y);
    RC_LOG() << "value " << d.value << ", bound " << DoubleWord{d.error_bound, 0} << "\n";
    RC_ASSERT(std::isfinite(d.error_bound));
    const Rational error = abs(exact_value(d.value) - exact_dot);
    RC_ASSERT(error <= exact(d.error_bound));
    const double ratio = Rational(error / exact(d.error_bound)).convert_to<double>();
    if (ratio > worst.ratio) worst.ratio = ratio;
  });
}

TEST_CASE("double-word dot product: hypotheses and edge cases", "[double_word][dot][named]") {
  const std::vector<DoubleWord> none;
  CHECK(ropecert::dot(none, none).error_bound == 0);
  CHECK_THROWS_AS(ropecert::dot(none, std::vector<DoubleWord>{{1.0, 0.0}}), std::invalid_argument);
  // 1 * 1 + 2^-60 * 1 is exact in double-word: value 1 + 2^-60, with a positive bound.
  const ropecert::DoubleWordDot exact_case =
      ropecert::dot({{1.0, 0.0}, {0x1p-60, 0.0}}, {{1.0, 0.0}, {1.0, 0.0}});
  CHECK(exact_case.value.hi == 1.0);
  CHECK(exact_case.value.lo == 0x1p-60);
  CHECK(exact_case.error_bound > 0);
  CHECK(exact_case.error_bound < 0x1p-100);
  // The summation term of the bound is needed: s_1 = 1 + (2^53 - 1) 2^-107 (its low word ends at 2^-107), then
  // 48 exact products p = 2^-108 (1 - 2^-40), each just below half the last place of the low word, so each
  // addition can drop nearly all of p. The error then exceeds 6u^2 sum |p_i|, the product term alone.
  std::vector<DoubleWord> x{{1.0, 0x1.fffffffffffffp-55}}, y{{1.0, 0.0}};
  for (int i = 0; i < 48; ++i) {
    x.push_back({0x1p-108 - 0x1p-148, 0.0});
    y.push_back({1.0, 0.0});
  }
  Rational exact_sum(0), product_term(0);
  for (std::size_t i = 0; i < x.size(); ++i) {
    exact_sum += exact_value(x[i]) * exact_value(y[i]);
    product_term += 6 * u_power(2) * abs(exact_value(x[i]) * exact_value(y[i]));
  }
  const ropecert::DoubleWordDot drift = ropecert::dot(x, y);
  const Rational drift_error = abs(exact_value(drift.value) - exact_sum);
  CHECK(drift_error > product_term);
  CHECK(drift_error <= exact(drift.error_bound));
  // Outside the window W, or not a double-word number: uncertified.
  CHECK(std::isinf(ropecert::dot({{0x1p486, 0.0}}, {{1.0, 0.0}}).error_bound));
  CHECK(std::isinf(ropecert::dot({{1.0, 0x1p-486}}, {{1.0, 0.0}}).error_bound));
  CHECK(std::isinf(ropecert::dot({{1.0, 0x1p-52}}, {{1.0, 0.0}}).error_bound));
  CHECK(std::isinf(ropecert::dot({{1.0, 0.0}}, {{NAN, 0.0}}).error_bound));
}

TEST_CASE("double-word named cases", "[double_word][named]") {
  // 1 + 2^-60 is not a double; the pair carries it exactly.
  const DoubleWord s = ropecert::two_sum(1.0, 0x1p-60);
  CHECK(s.hi == 1.0);
  CHECK(s.lo == 0x1p-60);
  // (1 + 2^-52)^2 = 1 + 2^-51 + 2^-104.
  const DoubleWord p = ropecert::two_prod(1 + 0x1p-52, 1 + 0x1p-52);
  CHECK(p.hi == 1 + 0x1p-51);
  CHECK(p.lo == 0x1p-104);
  // Total cancellation of the high words: (1 + 2^-60) + (-1 + 2^-61) = 3 * 2^-61, exact.
  const DoubleWord c = ropecert::add(DoubleWord{1.0, 0x1p-60}, DoubleWord{-1.0, 0x1p-61});
  CHECK(c.hi == 0x1.8p-60);
  CHECK(c.lo == 0.0);
  // 1 / 3 in double-word: hi = RN(1/3), and hi + lo within 9.8u^2 of 1/3.
  const DoubleWord q = ropecert::div(DoubleWord{1.0, 0.0}, DoubleWord{3.0, 0.0});
  CHECK(q.hi == 1.0 / 3.0);
  CHECK(abs(exact_value(q) - Rational(1, 3)) <= bound_div * Rational(1, 3));
  // The exact conversions.
  CHECK(exact_value(DoubleWord{0x1p100, -0x1p-1074}) == exact(0x1p100) - exact(0x1p-1074));
  mpfr_t r;
  mpfr_init2(r, 60);
  CHECK(ropecert::round_to_mpfr(r, DoubleWord{1.0, 0x1p-59}, MPFR_RNDN) == 0);
  CHECK(mpfr_cmp_d(r, 1.0) > 0);
  CHECK(ropecert::round_to_mpfr(r, DoubleWord{1.0, 0x1p-70}, MPFR_RNDU) > 0);
  mpfr_sub_ui(r, r, 1, MPFR_RNDN);  // exact
  CHECK(mpfr_cmp_d(r, 0x1p-59) == 0);
  mpfr_clear(r);
}

}  // namespace
