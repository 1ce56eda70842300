// Tests of the binary64 exponential (binary64_exp.hpp; proofs-notes/13-fast-certified-path.md, section
// binary64_exp). The oracle is MPFR: exp(x) at 300 bits, compared in MPFR (no comparison in doubles).
// Two properties per argument: the relative error is at most binary64_exp_relative_error (Theorem B64E.5),
// and the result is exp(x) rounded to nearest unless exp(x) lies within the unrounded error of Lemma
// B64E.4 of a rounding boundary (the stronger statement of the proof, which sees errors far below one ulp).
// Arguments: uniform over the domain, the doubles nearest to multiples of ln2/256 and to their midpoints (r
// near 0 and at its maximum) for every table index, 0 and tiny |x| down to 2^-1074, the ends of the domain.
// Fixed seed (printed on failure); each property prints its largest observed ratio ("sampled, not a proof").
#include <catch2/catch.hpp>
#include <mpfr.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "ropecert/binary64_exp.hpp"
#include "support/hex_text.hpp"

using ropecert_test::hex;
using ropecert_test::same_bits;

namespace {

constexpr std::uint64_t seed = 20261129;
constexpr mpfr_prec_t oracle_bits = 300;
// Lemma B64E.4: before its last rounding the result is within this relative distance of exp(x).
constexpr double unrounded_relative_error = 0x1p-60;

// How a result compares with exp(x): error / (binary64_exp_relative_error exp(x)), rounded up; whether it is
// exp(x) rounded to nearest; if not, the distance from exp(x) to the midpoint between the result and the
// nearest double, over unrounded_relative_error exp(x), rounded up.
struct Comparison {
  double error_ratio = 0;
  bool nearest = true;
  double boundary_ratio = 0;
};

// The comparison of y with exp(x). Every MPFR quantity that enters a ratio is exact or rounded towards
// the larger ratio; exp(x) at 300 bits is within 2^-299 exp(x) of the true value, covered by adding
// 2^-290 exp(x) to each distance.
Comparison compare(double y, double x) {
  mpfr_t exact, distance, slack, allowed, ratio;
  mpfr_inits2(oracle_bits, exact, slack, allowed, ratio, static_cast<mpfr_ptr>(nullptr));
  mpfr_init2(distance, 2 * oracle_bits);  // holds y - exact exactly: both near exp(x), 53 and 300 bits
  mpfr_set_d(exact, x, MPFR_RNDN);
  mpfr_exp(exact, exact, MPFR_RNDN);
  mpfr_mul_2si(slack, exact, -290, MPFR_RNDU);
  const auto ratio_of_distance = [&](double bound) {
    mpfr_abs(distance, distance, MPFR_RNDU);
    mpfr_add(distance, distance, slack, MPFR_RNDU);
    mpfr_mul_d(allowed, exact, bound * (1 - 0x1p-52), MPFR_RNDD);
    mpfr_div(ratio, distance, allowed, MPFR_RNDU);
    return mpfr_get_d(ratio, MPFR_RNDU);
  };
  Comparison result;
  mpfr_sub_d(distance, exact, y, MPFR_RNDN);
  result.error_ratio = ratio_of_distance(ropecert::binary64_exp_relative_error);
  const double nearest = mpfr_get_d(exact, MPFR_RNDN);
  result.nearest = same_bits(y, nearest);
  if (!result.nearest) {
    // The rounding boundary between two adjacent doubles is their mean; non-adjacent results fail.
    const bool adjacent = std::nextafter(nearest, y) == y;
    mpfr_set_d(distance, y, MPFR_RNDN);
    mpfr_add_d(distance, distance, nearest, MPFR_RNDN);  // exact: 2 * oracle_bits
    mpfr_div_2ui(distance, distance, 1, MPFR_RNDN);
    mpfr_sub(distance, distance, exact, MPFR_RNDN);
    result.boundary_ratio = adjacent ? ratio_of_distance(unrounded_relative_error) : INFINITY;
  }
  mpfr_clears(exact, distance, slack, allowed, ratio, static_cast<mpfr_ptr>(nullptr));
  return result;
}

// The double nearest to c * ln2/256 (c a multiple of 1/2), moved by `steps` ulps.
double near_multiple_of_ln2_256(double c, int steps) {
  mpfr_t value;
  mpfr_init2(value, oracle_bits);
  mpfr_const_log2(value, MPFR_RNDN);
  mpfr_mul_d(value, value, c / 256, MPFR_RNDN);
  double x = mpfr_get_d(value, MPFR_RNDN);
  mpfr_clear(value);
  for (int i = 0; i < std::abs(steps); ++i) x = std::nextafter(x, steps > 0 ? INFINITY : -INFINITY);
  return x;
}

std::vector<double> arguments() {
  std::mt19937_64 random(seed);
  std::vector<double> xs;
  std::uniform_real_distribution<double> domain(ropecert::binary64_exp_domain_low, ropecert::binary64_exp_domain_high);
  for (int i = 0; i < 200000; ++i) xs.push_back(domain(random));
  // Near multiples of ln2/256 (r near 0) and their midpoints (|r| at its maximum): every table index near
  // k = 0 and random k over the whole range.
  const double ln2_256 = std::log(2.0) / 256;
  const int k_low = int(std::ceil(ropecert::binary64_exp_domain_low / ln2_256)) + 1;
  const int k_high = int(std::floor(ropecert::binary64_exp_domain_high / ln2_256)) - 1;
  std::uniform_int_distribution<int> k_random(k_low, k_high);
  for (int i = 0; i < 20000; ++i) {
    const double k = (i < 512 ? i - 256 : k_random(random));
    const int steps = int(random() % 7) - 3;
    for (double c : {k, k + 0.5, k - 0.5}) xs.push_back(near_multiple_of_ln2_256(c, steps));
  }
  // 0 and tiny arguments, subnormals included.
  for (double zero : {0.0, -0.0}) xs.push_back(zero);
  for (int e = -1074; e <= -1; ++e) {
    const double significand = 1 + std::uniform_real_distribution<double>(0, 1)(random);
    for (double sign : {1.0, -1.0}) {
      xs.push_back(sign * std::ldexp(1.0, e));
      if (e >= -1022) xs.push_back(sign * std::ldexp(significand, e));
    }
  }
  // The ends of the domain.
  for (double end : {ropecert::binary64_exp_domain_low, ropecert::binary64_exp_domain_high}) {
    xs.push_back(end);
    xs.push_back(std::nextafter(end, 0.0));
  }
  return xs;
}

// The largest ratios seen by one test case, printed at its end.
struct Worst {
  const char* name;
  double ratio = 0;
  double argument = 0;
  ~Worst() { std::printf("binary64_exp %-44s largest ratio = %.6f at %s\n", name, ratio, hex(argument).c_str()); }
  void record(double r, double x) {
    if (r > ratio) {
      ratio = r;
      argument = x;
    }
  }
};

}  // namespace

TEST_CASE("exp_binary64: error at most the bound; rounded to nearest unless exp(x) is near a boundary",
          "[binary64_exp]") {
  Worst error{"error / bound (Theorem B64E.5)"};
  Worst boundary{"boundary distance / unrounded error (B64E.4)"};
  long not_nearest = 0;
  const std::vector<double> xs = arguments();
  for (double x : xs) {
    const double y = ropecert::exp_binary64(x);
    const Comparison c = compare(y, x);
    INFO("seed " << seed << ", x = " << hex(x) << ", exp_binary64(x) = " << hex(y) << ", error / bound = "
                 << c.error_ratio << ", boundary distance / unrounded error = " << c.boundary_ratio);
    REQUIRE(c.error_ratio <= 1);
    REQUIRE(c.boundary_ratio <= 1);
    error.record(c.error_ratio, x);
    boundary.record(c.boundary_ratio, x);
    not_nearest += !c.nearest;
  }
  std::printf("binary64_exp not rounded to nearest: %ld of %zu arguments\n", not_nearest, xs.size());
}

TEST_CASE("exp_binary64: the array form equals the scalar form bit for bit, any length and alignment",
          "[binary64_exp]") {
  const std::vector<double> xs = arguments();
  std::vector<double> ys(xs.size() + 1, -1.0);
  ropecert::exp_binary64(xs.data(), ys.data(), xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    INFO("x = " << hex(xs[i]) << ", array " << hex(ys[i]));
    REQUIRE(same_bits(ys[i], ropecert::exp_binary64(xs[i])));
  }
  REQUIRE(ys.back() == -1.0);  // nothing written past n
  // Short lengths and odd offsets: the vector loop's prologue and remainder.
  for (std::size_t n : {0, 1, 2, 3, 4, 5, 7, 8, 13, 31}) {
    for (std::size_t offset : {0, 1}) {
      std::vector<double> out(n + offset + 1, -1.0);
      ropecert::exp_binary64(xs.data() + 1000 + offset, out.data() + offset, n);
      for (std::size_t i = 0; i < n; ++i) {
        INFO("n = " << n << ", offset = " << offset << ", i = " << i);
        REQUIRE(same_bits(out[offset + i], ropecert::exp_binary64(xs[1000 + offset + i])));
      }
      REQUIRE(out[n + offset] == -1.0);
      if (offset == 1) REQUIRE(out[0] == -1.0);
    }
  }
}
