// Tests of the double-word exponential (double_word_exp.hpp; proofs-notes/13-fast-certified-path.md,
// section double_word_exp). The oracle is MPFR: exp of the exact x.hi + x.lo at 400 bits, compared in MPFR
// (no comparison in doubles). Arguments: uniform over the domain, the double-word numbers nearest to
// multiples of ln2/256 and to their midpoints (r near 0 and at its maximum), 0 and tiny |x| down to
// 2^-1000, low words equal to +-ulp(hi)/2, the ends of the domain. Fixed seed (printed on failure); each
// property prints the largest observed error / bound ("sampled, not a proof").
#include <catch2/catch.hpp>
#include <mpfr.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "ropecert/double_word_exp.hpp"
#include "support/hex_text.hpp"

using ropecert::DoubleWord;
using ropecert_test::hex;

namespace {

constexpr std::uint64_t seed = 20261129;
// Enough bits to hold the exact sum of two doubles of the domain (exponents 10 down to -1074).
constexpr mpfr_prec_t exact_bits = 1200;
constexpr mpfr_prec_t oracle_bits = 400;

std::string text(DoubleWord x) { return "{" + hex(x.hi) + ", " + hex(x.lo) + "}"; }

// A number of MPFR at a fixed precision, freed at scope exit.
struct Mpfr {
  mpfr_t value;
  explicit Mpfr(mpfr_prec_t bits) { mpfr_init2(value, bits); }
  ~Mpfr() { mpfr_clear(value); }
  Mpfr(const Mpfr&) = delete;
  Mpfr& operator=(const Mpfr&) = delete;
};

// out = x.hi + x.lo exactly (out has exact_bits).
void set_exact(mpfr_t out, DoubleWord x) {
  mpfr_set_d(out, x.hi, MPFR_RNDN);
  REQUIRE(mpfr_add_d(out, out, x.lo, MPFR_RNDN) == 0);
}

// oracle = exp(x.hi + x.lo) rounded to nearest at 400 bits: within 2^-400 exp(x).
void set_oracle(mpfr_t oracle, DoubleWord x) {
  Mpfr argument(exact_bits);
  set_exact(argument.value, x);
  mpfr_exp(oracle, argument.value, MPFR_RNDN);
}

// An upper bound of distance / (factor exp_relative_error exp(x)), given the oracle of x: the denominator
// is rounded down and lowered by 2^-390 relative, which covers the oracle's error.
double ratio_to_bound(const mpfr_t distance, const mpfr_t oracle, double factor) {
  Mpfr allowed(oracle_bits), ratio(oracle_bits);
  mpfr_mul_d(allowed.value, oracle, factor * ropecert::exp_relative_error, MPFR_RNDD);
  mpfr_mul_d(allowed.value, allowed.value, 1 - 0x1p-52, MPFR_RNDD);
  mpfr_div(ratio.value, distance, allowed.value, MPFR_RNDU);
  return mpfr_get_d(ratio.value, MPFR_RNDU);
}

// |computed - exp(x)| / (exp_relative_error exp(x)), rounded up: |computed - oracle| plus 2^-390 oracle
// (more than the oracle's error), over the bound.
double error_ratio(DoubleWord computed, DoubleWord x) {
  Mpfr oracle(oracle_bits), distance(exact_bits), oracle_error(oracle_bits);
  set_oracle(oracle.value, x);
  set_exact(distance.value, computed);
  mpfr_sub(distance.value, distance.value, oracle.value, MPFR_RNDU);
  mpfr_abs(distance.value, distance.value, MPFR_RNDU);
  mpfr_mul_2si(oracle_error.value, oracle.value, -390, MPFR_RNDU);
  mpfr_add(distance.value, distance.value, oracle_error.value, MPFR_RNDU);
  return ratio_to_bound(distance.value, oracle.value, 1);
}

// The largest ratio seen by one test case, printed at its end.
struct Worst {
  const char* name;
  double ratio = 0;
  DoubleWord argument{0, 0};
  ~Worst() {
    std::printf("double_word_exp %-34s largest error / bound = %.6f at %s\n", name, ratio, text(argument).c_str());
  }
  void record(double r, DoubleWord x) {
    if (r > ratio) {
      ratio = r;
      argument = x;
    }
  }
};

// A double-word number with the given high word: low word 0, uniform in [-ulp/2, ulp/2] or +-ulp/2 (then
// the high word's last bit is cleared so that the tie keeps hi = RN(hi + lo)).
DoubleWord with_low_word(double hi, std::mt19937_64& random) {
  if (hi == 0) return {0, 0};
  const double half_ulp = std::ldexp(1.0, std::ilogb(hi) - 53);
  switch (random() % 4) {
    case 0: return {hi, 0};
    case 1: {
      const double significand = std::ldexp(hi, 52 - std::ilogb(hi));  // an integer of 53 bits
      const double even_hi = std::ldexp(2 * std::trunc(significand / 2), std::ilogb(hi) - 52);
      const double lo = random() % 2 ? half_ulp : -half_ulp;
      if (even_hi + lo == even_hi) return {even_hi, lo};
      return {even_hi, lo / 2};  // a power of two: below it the spacing halves
    }
    default: {
      const double lo = std::uniform_real_distribution<double>(-1, 1)(random) * half_ulp;
      return {hi, lo};
    }
  }
}

// The double-word number nearest to c * ln2/256 (c a multiple of 1/2), plus a few units of its low word.
DoubleWord near_multiple_of_ln2_256(double c, int low_word_steps) {
  Mpfr value(oracle_bits);
  mpfr_const_log2(value.value, MPFR_RNDN);
  mpfr_mul_d(value.value, value.value, c / 256, MPFR_RNDN);
  const double hi = mpfr_get_d(value.value, MPFR_RNDN);
  mpfr_sub_d(value.value, value.value, hi, MPFR_RNDN);
  double lo = mpfr_get_d(value.value, MPFR_RNDN);
  if (hi == 0) return {0, 0};
  for (int i = 0; i < std::abs(low_word_steps); ++i) lo = std::nextafter(lo, low_word_steps > 0 ? INFINITY : -INFINITY);
  return {hi, lo};
}

std::vector<DoubleWord> arguments() {
  std::mt19937_64 random(seed);
  std::vector<DoubleWord> xs;
  std::uniform_real_distribution<double> domain(ropecert::exp_domain_low, ropecert::exp_domain_high);
  for (int i = 0; i < 200000; ++i) xs.push_back(with_low_word(domain(random), random));
  // Near multiples of ln2/256 (r near 0) and their midpoints (|r| at its maximum), over the whole range of k.
  const double k_low = std::ceil(ropecert::exp_domain_low / (std::log(2.0) / 256)) + 1;
  std::uniform_int_distribution<int> k_random(int(k_low), 368);
  for (int i = 0; i < 6000; ++i) {
    const double k = (i < 512 ? i - 256 : k_random(random));
    const int steps = int(random() % 7) - 3;
    xs.push_back(near_multiple_of_ln2_256(k, steps));
    xs.push_back(near_multiple_of_ln2_256(k + 0.5, steps));
    xs.push_back(near_multiple_of_ln2_256(k - 0.5, steps));
  }
  // 0 and tiny arguments, with the reduced argument around the threshold 2^-110 of Lemma DWE.1.
  xs.push_back({0, 0});
  for (int e = -1000; e <= -1; ++e) {
    const double significand = 1 + std::uniform_real_distribution<double>(0, 1)(random);
    xs.push_back(with_low_word(std::ldexp(significand, e), random));
    xs.push_back(with_low_word(-std::ldexp(significand, e), random));
    xs.push_back({std::ldexp(1.0, e), 0});
    xs.push_back({-std::ldexp(1.0, e), 0});
  }
  // The ends of the domain.
  for (double hi : {ropecert::exp_domain_low, ropecert::exp_domain_high}) {
    for (double lo : {0.0, 0x1p-44, -0x1p-44, 0x1p-53, -0x1p-54, 0x1p-1074, -0x1p-1074}) {
      if (hi + lo == hi) xs.push_back({hi, lo});
    }
    xs.push_back({std::nextafter(hi, 0.0), 0});
  }
  return xs;
}

}  // namespace

TEST_CASE("exp: relative error at most exp_relative_error (MPFR at 400 bits)", "[double_word_exp]") {
  Worst worst{"exp vs MPFR"};
  for (const DoubleWord& x : arguments()) {
    REQUIRE(x.hi + x.lo == x.hi);  // the generators make double-word numbers
    const DoubleWord y = ropecert::exp(x);
    const double ratio = error_ratio(y, x);
    INFO("seed " << seed << ", x = " << text(x) << ", exp(x) = " << text(y) << ", error / bound = " << ratio);
    REQUIRE(ratio <= 1);
    REQUIRE(y.hi + y.lo == y.hi);  // a double-word number
    worst.record(ratio, x);
  }
}

TEST_CASE("exp agrees with its slow twin exp_reference within 2 exp_relative_error", "[double_word_exp]") {
  Worst worst{"exp vs exp_reference (factor 2)"};
  std::mt19937_64 random(seed + 1);
  std::uniform_real_distribution<double> domain(ropecert::exp_domain_low, ropecert::exp_domain_high);
  for (int i = 0; i < 5000; ++i) {
    const DoubleWord x = with_low_word(domain(random), random);
    const DoubleWord fast = ropecert::exp(x);
    const DoubleWord slow = ropecert::exp_reference(x);
    INFO("seed " << seed + 1 << ", x = " << text(x) << ", exp = " << text(fast) << ", exp_reference = " << text(slow));
    REQUIRE(slow.hi + slow.lo == slow.hi);
    // |fast - slow| <= 2 exp_relative_error exp(x), the distance exact, exp(x) from the oracle.
    Mpfr distance(exact_bits), slow_value(exact_bits), oracle(oracle_bits);
    set_exact(distance.value, fast);
    set_exact(slow_value.value, slow);
    REQUIRE(mpfr_sub(distance.value, distance.value, slow_value.value, MPFR_RNDN) == 0);
    mpfr_abs(distance.value, distance.value, MPFR_RNDN);
    set_oracle(oracle.value, x);
    const double ratio = ratio_to_bound(distance.value, oracle.value, 2);
    REQUIRE(ratio <= 1);
    worst.record(ratio, x);
  }
}


// The table of Lemma DWE.2, against 2^(j/256) at 400 bits rounded to a double-word number; and the
// hypothesis of Lemma DWE.6 on its low words: 0 or at least 2^-153 in magnitude.
TEST_CASE("exp table: 2^(j/256) rounded to double-word numbers, low words 0 or >= 2^-153", "[double_word_exp]") {
  Mpfr exponent(64), power(oracle_bits);
  double smallest_low = INFINITY;
  for (int j = 0; j < 256; ++j) {
    mpfr_set_si_2exp(exponent.value, j, -8, MPFR_RNDN);
    mpfr_exp2(power.value, exponent.value, MPFR_RNDN);
    const double hi = mpfr_get_d(power.value, MPFR_RNDN);
    mpfr_sub_d(power.value, power.value, hi, MPFR_RNDN);
    const double lo = mpfr_get_d(power.value, MPFR_RNDN);
    const DoubleWord entry = ropecert::exp_table_entry(j);
    INFO("j = " << j << ": entry " << text(entry) << ", expected {" << hex(hi) << ", " << hex(lo) << "}");
    CHECK(entry.hi == hi);
    CHECK(entry.lo == lo);
    CHECK(entry.hi + entry.lo == entry.hi);
    CHECK((entry.lo == 0 || std::fabs(entry.lo) >= 0x1p-153));
    if (entry.lo != 0) smallest_low = std::fmin(smallest_low, std::fabs(entry.lo));
  }
  std::printf("double_word_exp table: smallest nonzero |low word| = %a\n", smallest_low);
  CHECK_THROWS_AS(ropecert::exp_table_entry(-1), std::out_of_range);
  CHECK_THROWS_AS(ropecert::exp_table_entry(256), std::out_of_range);
}
