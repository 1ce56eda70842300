// The Ozaki splitting (exact_product.hpp; proofs-notes/13-fast-certified-path.md, section exact_product):
// the exact sum of the slice products against the exact product computed by a slow twin with FLINT integers
// (every binary64 entry is an integer times a power of two), on shapes with 1 and primes, k up to 300, entries
// with widely spread exponents, signs, zeros and cancellations; the refusals; independence of the thread count.
#include <catch2/catch.hpp>
#include <cblas.h>
#include <flint/fmpz.h>
#include <flint/fmpz_mat.h>

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "ropecert/exact_product.hpp"

using namespace ropecert;

namespace {

// The exponent f of the last bit of v's significand (v != 0): v = m 2^f with m an integer, |m| < 2^53.
int last_bit_exponent(double v) {
  int e = 0;
  std::frexp(v, &e);
  return std::max(e - 53, -1074);
}

// v * 2^-scale as an integer, for v a multiple of 2^scale.
void set_scaled(fmpz_t out, double v, int scale) {
  if (v == 0) {
    fmpz_zero(out);
    return;
  }
  const int f = last_bit_exponent(v);
  const double significand = std::ldexp(v, -f);  // an integer of magnitude < 2^53
  fmpz_set_si(out, static_cast<slong>(significand));
  REQUIRE(f >= scale);
  fmpz_mul_2exp(out, out, static_cast<ulong>(f - scale));
}

// The least last-bit exponent of the nonzero entries of the matrices (0 if all are zero).
int common_scale(const std::vector<const Matrix*>& ms) {
  int scale = std::numeric_limits<int>::max();
  for (const Matrix* m : ms)
    for (double v : m->values)
      if (v != 0) scale = std::min(scale, last_bit_exponent(v));
  return scale == std::numeric_limits<int>::max() ? 0 : scale;
}

// The matrix 2^scale m, m an integer matrix (FLINT).
struct ScaledIntegerMatrix {
  fmpz_mat_t m;
  int scale = 0;  // the matrix is 2^scale m
  ScaledIntegerMatrix(std::size_t r, std::size_t c) { fmpz_mat_init(m, static_cast<slong>(r), static_cast<slong>(c)); }
  ~ScaledIntegerMatrix() { fmpz_mat_clear(m); }
  ScaledIntegerMatrix(const ScaledIntegerMatrix&) = delete;
  ScaledIntegerMatrix& operator=(const ScaledIntegerMatrix&) = delete;
};

void set_matrix(ScaledIntegerMatrix& out, const Matrix& x, int scale) {
  out.scale = scale;
  for (std::size_t i = 0; i < x.rows; ++i)
    for (std::size_t j = 0; j < x.cols; ++j)
      set_scaled(fmpz_mat_entry(out.m, static_cast<slong>(i), static_cast<slong>(j)), x.at(i, j), scale);
}

// Whether the exact sum of result.products equals A B, the slow twin from the definition: A = 2^sA IA and
// B = 2^sB IB with integer matrices, A B = 2^(sA + sB) IA IB by fmpz_mat_mul, compared at a common scale
// (the first difference is printed).
bool sum_is_exact_product(const SliceProducts& result, const Matrix& a, const Matrix& b) {
  ScaledIntegerMatrix ia(a.rows, a.cols), ib(b.rows, b.cols), exact(a.rows, b.cols), sum(a.rows, b.cols),
      term(a.rows, b.cols);
  set_matrix(ia, a, common_scale({&a}));
  set_matrix(ib, b, common_scale({&b}));
  fmpz_mat_mul(exact.m, ia.m, ib.m);
  std::vector<const Matrix*> products;
  for (const Matrix& c : result.products) products.push_back(&c);
  const int scale = std::min(ia.scale + ib.scale, common_scale(products));
  fmpz_mat_scalar_mul_2exp(exact.m, exact.m, static_cast<ulong>(ia.scale + ib.scale - scale));
  fmpz_mat_zero(sum.m);
  for (const Matrix& c : result.products) {
    set_matrix(term, c, scale);
    fmpz_mat_add(sum.m, sum.m, term.m);
  }
  if (fmpz_mat_equal(sum.m, exact.m)) return true;
  for (std::size_t i = 0; i < a.rows; ++i)
    for (std::size_t j = 0; j < b.cols; ++j) {
      const auto si = static_cast<slong>(i), sj = static_cast<slong>(j);
      if (!fmpz_equal(fmpz_mat_entry(sum.m, si, sj), fmpz_mat_entry(exact.m, si, sj))) {
        std::cerr << "first difference at (" << i << ", " << j << "), scale 2^" << scale << "\n";
        return false;
      }
    }
  return false;
}

enum class Entries { uniform, wide_exponents, positive_near_one, sparse_wide };

double random_entry(Entries kind, std::mt19937_64& random) {
  std::uniform_real_distribution<double> unit(-1, 1);
  auto full_significand = [&] { return std::ldexp(static_cast<double>((random() >> 11) | (std::uint64_t{1} << 52)), -52); };
  const double sign = (random() & 1) ? -1 : 1;
  switch (kind) {
    case Entries::uniform: return unit(random);
    case Entries::positive_near_one: return 0.5 + 0.5 * std::fabs(unit(random));
    case Entries::wide_exponents: return sign * std::ldexp(full_significand(), static_cast<int>(random() % 301) - 150);
    case Entries::sparse_wide:
      if (random() % 3 == 0) return 0.0;
      return sign * std::ldexp(full_significand(), static_cast<int>(random() % 121) - 60);
  }
  return 0;
}

Matrix random_matrix(std::size_t r, std::size_t c, Entries kind, std::mt19937_64& random) {
  Matrix x(r, c);
  for (double& v : x.values) v = random_entry(kind, random);
  return x;
}

// Columns 2l and 2l + 1 of A equal, row 2l + 1 of B the negated row 2l with its last bit changed: each
// product entry is a sum of near-cancelling pairs (zeros stay zero).
void make_cancelling(Matrix& a, Matrix& b) {
  for (std::size_t l = 0; l + 1 < a.cols; l += 2) {
    for (std::size_t i = 0; i < a.rows; ++i) a.at(i, l + 1) = a.at(i, l);
    for (std::size_t j = 0; j < b.cols; ++j) {
      const double x = b.at(l, j);
      b.at(l + 1, j) = x == 0 ? 0.0 : -std::nextafter(x, 2 * x);
    }
  }
}

const char* name(Entries kind) {
  switch (kind) {
    case Entries::uniform: return "uniform [-1, 1]";
    case Entries::wide_exponents: return "exponents in [-150, 150]";
    case Entries::positive_near_one: return "positive in [1/2, 1]";
    case Entries::sparse_wide: return "a third zeros, exponents in [-60, 60]";
  }
  return "";
}

}  // namespace

TEST_CASE("ozaki_beta is the least beta with 2^(2 beta) >= 2^53 k") {
  for (std::size_t k : {1, 2, 3, 4, 5, 63, 64, 65, 127, 128, 129, 300, 4096, 1000003}) {
    const int beta = ozaki_beta(k);
    // 2^(2 beta - 53) >= k > 2^(2 beta - 55), compared as integers.
    REQUIRE(2 * beta - 53 >= 0);
    REQUIRE((std::uint64_t{1} << (2 * beta - 53)) >= k);
    REQUIRE((2 * beta - 55 < 0 || (std::uint64_t{1} << (2 * beta - 55)) < k));
  }
  CHECK(ozaki_beta(64) == 30);   // ceil((53 + 6) / 2)
  CHECK(ozaki_beta(300) == 31);  // ceil((53 + 8.23) / 2)
  CHECK_THROWS_AS(ozaki_beta(0), std::invalid_argument);
}

TEST_CASE("the BLAS passes the start-up self-test") { CHECK(blas_products_are_exact()); }

TEST_CASE("the slice products sum exactly to A B (FLINT twin)") {
  const std::uint64_t seed = 20261207;
  std::mt19937_64 random(seed);
  std::size_t cases = 0;
  for (Entries kind : {Entries::uniform, Entries::wide_exponents, Entries::positive_near_one, Entries::sparse_wide})
    for (std::size_t k : {1, 2, 5, 17, 64, 128, 257, 300})
      for (std::size_t m : {1, 3, 13})
        for (std::size_t n : {1, 2, 7}) {
          Matrix a = random_matrix(m, k, kind, random), b = random_matrix(k, n, kind, random);
          if ((m + n) % 3 == 0) make_cancelling(a, b);
          const SliceProducts result = exact_product(a, b);
          INFO("seed " << seed << ", " << name(kind) << ", m " << m << " k " << k << " n " << n << ", slices "
                       << result.a_slices << " x " << result.b_slices << ", refused: " << result.refused);
          REQUIRE(result.refused.empty());
          REQUIRE(result.products.size() == result.a_slices * result.b_slices);
          REQUIRE(sum_is_exact_product(result, a, b));
          ++cases;
        }
  std::cout << "exact_product: " << cases << " random products summed exactly\n";
}

TEST_CASE("slice counts for d = 64 and 128, entries in [-1, 1]") {
  std::mt19937_64 random(64128);
  for (std::size_t d : {64, 128}) {
    const Matrix u = random_matrix(256, d, Entries::uniform, random), v = random_matrix(d, 256, Entries::uniform, random);
    const SliceProducts result = exact_product(u, v);
    REQUIRE(result.refused.empty());
    REQUIRE(sum_is_exact_product(result, u, v));
    std::cout << "exact_product: d = " << d << ", 256 x " << d << " times " << d << " x 256, entries in [-1, 1]: "
              << result.a_slices << " x " << result.b_slices << " slices, " << result.products.size()
              << " DGEMMs\n";
  }
}

TEST_CASE("zero matrices have no slices") {
  const SliceProducts result = exact_product(Matrix(3, 4), Matrix(4, 2));
  CHECK(result.refused.empty());
  CHECK(result.a_slices == 0);
  CHECK(result.products.empty());
}

TEST_CASE("the slice products do not depend on OpenBLAS's thread count") {
  std::mt19937_64 random(2);
  const Matrix a = random_matrix(200, 300, Entries::sparse_wide, random), b = random_matrix(300, 190, Entries::uniform, random);
  const SliceProducts one = exact_product(a, b);
  openblas_set_num_threads(2);
  const SliceProducts two = exact_product(a, b);
  openblas_set_num_threads(1);
  REQUIRE(one.refused.empty());
  CHECK(one.products == two.products);
}

TEST_CASE("exact_product refuses inputs outside its range, with the reason") {
  auto refusal = [](const Matrix& a, const Matrix& b) { return exact_product(a, b).refused; };
  Matrix a(2, 2), b(2, 2);
  a.values = {1, 2, 3, 4};
  b.values = {1, 0, 0, 1};
  CHECK(refusal(a, b).empty());

  Matrix bad = a;
  bad.at(1, 0) = std::numeric_limits<double>::quiet_NaN();
  CHECK(refusal(bad, b) == "an entry of A or B is not finite");
  bad.at(1, 0) = std::numeric_limits<double>::infinity();
  CHECK(refusal(a, bad) == "an entry of A or B is not finite");

  Matrix huge = a;
  huge.at(0, 0) = 0x1p1000;  // sigma = 0.75 2^(1000 + beta) overflows
  CHECK_THAT(refusal(huge, b), Catch::Contains("outside the exponent range"));

  Matrix tiny = a;
  for (double& v : tiny.values) v *= 0x1p-600;  // products of slices near 2^-1200 + 2^-600
  Matrix tiny_b = b;
  for (double& v : tiny_b.values) v *= 0x1p-600;
  CHECK_THAT(refusal(tiny, tiny_b), Catch::Contains("below 2^-1022"));

  Matrix small = a;  // A's slice entries would fall below 2^-1022 (grid 2^(-1000 + 27 - 53)), though the
  Matrix large = b;  // products with B's would not: refused, so that no DGEMM input is subnormal
  for (double& v : small.values) v *= 0x1p-1002;
  for (double& v : large.values) v *= 0x1p900;
  CHECK_THAT(refusal(small, large), Catch::Contains("outside the exponent range"));

  Matrix spread = a;
  spread.at(0, 1) = std::numeric_limits<double>::denorm_min();  // the remainder of row 0 needs sigma < 2^-1022
  CHECK_THAT(refusal(spread, b), Catch::Contains("outside the exponent range"));

  const int mode = std::fegetround();
  std::fesetround(FE_UPWARD);
  const std::string upward = refusal(a, b);
  std::fesetround(mode);
  CHECK_THAT(upward, Catch::Contains("not round to nearest"));

  CHECK_THROWS_AS(exact_product(Matrix(2, 3), Matrix(2, 2)), std::invalid_argument);
  CHECK_THROWS_AS(exact_product(Matrix(2, 0), Matrix(0, 2)), std::invalid_argument);
}
