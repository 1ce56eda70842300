// Tests of Toeplitz times vectors (toeplitz.hpp, proofs-notes/21-circulant-embedding.md).
// Twins: the dense definition against the exact polynomial route (identical rationals) and against
// the FFT route (within fft_error_bound, checked against the exact product by exact rational
// comparison); the circulant embedding against T entry by entry; the non-embedded n x n circulant
// against T (equal iff the symbol is n-periodic, claim C3); FFTW itself against Arb's DFT (Model A).
// RapidCheck seeds are pinned in CTest (RC_PARAMS); set RC_PARAMS="seed=N" to reproduce.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <acb.h>
#include <acb_dft.h>
#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ropecert/toeplitz.hpp"
#include "support/arb_oracle.hpp"
#include "support/hex_text.hpp"

using namespace ropecert;
using ropecert_test::ArbBall;

namespace {

using ropecert_test::hex;  // beside the overloads below

const std::vector<std::size_t> sizes = {1, 2, 3, 4, 6, 8, 12, 30, 59, 64, 100};
// Deterministic checks also run at larger n: N = 1000, 4116 = 2^2 3 7^3, 20000 = 2^5 5^4.
const std::vector<std::size_t> large_sizes = {500, 2049, 10000};
constexpr double u = 0x1p-53;

std::string hex(const std::vector<double>& values) {
  std::string text;
  for (double v : values) text += hex(v) + " ";
  return text;
}

// ---- generators -------------------------------------------------------------------------------
// Entries are drawn at the nominal size: RapidCheck's small sizes would make them all equal.

// Zeros, small integers, dyadics k / 2^j, non-dyadic fractions k/3, k/7, .., and numerators ~2^200.
rc::Gen<Rational> gen_rational() {
  using rc::gen::inRange;
  using rc::gen::map;
  using rc::gen::pair;
  using Pair = std::pair<int, int>;
  return rc::gen::resize(
      rc::kNominalSize,
      rc::gen::weightedOneOf<Rational>({
          {2, rc::gen::just(Rational(0))},
          {3, map(inRange(-9, 10), [](int k) { return Rational(k); })},
          {3, map(pair(inRange(-1000, 1001), inRange(0, 61)),
                  [](Pair p) { return Rational(p.first) / Rational(Integer(1) << p.second); })},
          {3, map(pair(inRange(-50, 51), rc::gen::elementOf(std::vector<int>{3, 7, 9, 21, 49})),
                  [](Pair p) { return Rational(p.first) / Rational(p.second); })},
          {1, map(pair(inRange(-3, 4), inRange(1, 1000)),
                  [](Pair p) {
                    const Integer numerator = (Integer(1) << 200) * p.first + p.second;
                    return Rational(numerator) / Rational(p.second % 7 + 1);
                  })},
      }));
}

// Zeros, small integers, short dyadics, and full 53-bit significands scaled by 2^[-20, 20].
rc::Gen<double> gen_double() {
  using rc::gen::inRange;
  using rc::gen::map;
  using rc::gen::pair;
  constexpr std::int64_t two53 = std::int64_t(1) << 53;
  return rc::gen::resize(
      rc::kNominalSize,
      rc::gen::weightedOneOf<double>({
          {1, rc::gen::just(0.0)},
          {1, map(inRange(-9, 10), [](int k) { return double(k); })},
          {1, map(pair(inRange(-1000, 1001), inRange(0, 41)),
                  [](std::pair<int, int> p) { return std::ldexp(p.first, -p.second); })},
          {6, map(pair(inRange(-two53 + 1, two53), inRange(-20, 21)),
                  [](std::pair<std::int64_t, int> p) { return std::ldexp(double(p.first), p.second - 53); })},
      }));
}

// Long inputs are not shrunk: shrinking hundreds of entries, each step an exact product, would
// take hours. RapidCheck prints the drawn values (rationals exactly; doubles also via RC_LOG in hex).
template <class T>
std::vector<T> draw(std::size_t count, const rc::Gen<T>& gen) {
  const rc::Gen<std::vector<T>> entries = rc::gen::container<std::vector<T>>(count, gen);
  return count > 40 ? *rc::gen::noShrink(entries) : *entries;
}

template <class MatrixT, class T>
MatrixT matrix(std::size_t rows, std::size_t cols, std::vector<T> values) {
  MatrixT m(rows, cols);
  m.values = std::move(values);
  return m;
}

template <class MatrixT>
MatrixT identity(std::size_t n) {
  MatrixT m(n, n);
  for (std::size_t i = 0; i < n; ++i) m.at(i, i) = 1;
  return m;
}

// GMP's invariant for mpq_t, which mpq_equal and printing rely on: gcd(num, den) = 1, den > 0.
bool is_canonical(const Rational& q) {
  mpq_srcptr v = q.backend().data();
  Integer gcd;
  mpz_gcd(gcd.backend().data(), mpq_numref(v), mpq_denref(v));
  return mpz_sgn(mpq_denref(v)) > 0 && gcd == 1;
}

std::size_t draw_columns() { return *rc::gen::elementOf(std::vector<std::size_t>{1, 3}); }

// x with N - n zero rows appended.
RationalMatrix zero_padded(const RationalMatrix& x, std::size_t size) {
  RationalMatrix padded(size, x.cols);
  std::copy(x.values.begin(), x.values.end(), padded.values.begin());
  return padded;
}

// t_{-k} == t_{n-k} for k = 1 .. n-1.
bool is_n_periodic(const std::vector<Rational>& symbol) {
  const std::size_t n = toeplitz_order(symbol.size());
  for (std::size_t k = 1; k < n; ++k)
    if (symbol[n - 1 - k] != symbol[n - 1 + n - k]) return false;
  return true;
}

// The first column t_0 .. t_{n-1} of the n x n circulant that skips the embedding.
std::vector<Rational> naive_circulant_column(const std::vector<Rational>& symbol) {
  const std::size_t n = toeplitz_order(symbol.size());
  return std::vector<Rational>(symbol.begin() + std::ptrdiff_t(n - 1), symbol.end());
}

std::vector<Rational> to_rational(const std::vector<double>& values) {
  return std::vector<Rational>(values.begin(), values.end());  // exact: every double is a rational
}

RationalMatrix to_rational(const Matrix& x) { return matrix<RationalMatrix>(x.rows, x.cols, to_rational(x.values)); }

// An upper bound on gamma_n (|T| |X|), the error of the dense binary64 twin: 2 n u times the
// computed |T| |X| (whose own relative error is below gamma_n, so 2 n u suffices for n u < 1/4).
Matrix dense_twin_error(const std::vector<double>& symbol, const Matrix& x) {
  std::vector<double> abs_symbol(symbol.size());
  std::transform(symbol.begin(), symbol.end(), abs_symbol.begin(), [](double t) { return std::fabs(t); });
  Matrix abs_x = x;
  for (double& v : abs_x.values) v = std::fabs(v);
  Matrix bound = toeplitz_times_vectors_dense(abs_symbol, abs_x);
  for (double& v : bound.values) v *= 2 * double(x.rows) * u;
  return bound;
}

// max_ic |Y~_ic - (T X)_ic| computed exactly, rounded to double for reporting.
Rational max_exact_error(const Matrix& approximate, const RationalMatrix& exact) {
  Rational largest = 0;
  for (std::size_t e = 0; e < exact.values.size(); ++e) {
    const Rational error = abs(Rational(approximate.values[e]) - exact.values[e]);
    if (error > largest) largest = error;
  }
  return largest;
}

// "bound/error in [10^k, 10^(k+1))", or "error 0".
std::string ratio_bucket(double bound, double error) {
  if (error == 0) return "error 0";
  const int k = int(std::floor(std::log10(bound / error)));
  return "bound/error in [1e" + std::to_string(k) + ", 1e" + std::to_string(k + 1) + ")";
}

// The smallest double >= every point of the ball.
double upper_bound(const ArbBall& ball) {
  arf_t upper;
  arf_init(upper);
  arb_get_ubound_arf(upper, ball.get(), 64);
  const double result = arf_get_d(upper, ARF_RND_UP);
  arf_clear(upper);
  return result;
}

// u ||x||_2 [kappa L (2 ||t||_1 + sqrt(N) ||t||_2) + 5 ||t||_1], written from the note (Theorem 4)
// in ball arithmetic; ||x||_2 is the largest column 2-norm, L = ceil(log2 N).
ArbBall bound_formula(const std::vector<double>& symbol, const Matrix& x) {
  const slong prec = 256;
  ArbBall tau, sigma, xi, column, term, result;
  for (double t : symbol) {
    arb_set_d(term.get(), t);
    arb_addmul(sigma.get(), term.get(), term.get(), prec);
    arb_abs(term.get(), term.get());
    arb_add(tau.get(), tau.get(), term.get(), prec);
  }
  arb_sqrt(sigma.get(), sigma.get(), prec);
  for (std::size_t c = 0; c < x.cols; ++c) {
    arb_zero(column.get());
    for (std::size_t j = 0; j < x.rows; ++j) {
      arb_set_d(term.get(), x.at(j, c));
      arb_addmul(column.get(), term.get(), term.get(), prec);
    }
    arb_sqrt(column.get(), column.get(), prec);
    arb_max(xi.get(), xi.get(), column.get(), prec);
  }
  const std::size_t size = fft_embedding_size(x.rows);
  ulong levels = 0;
  while ((std::size_t(1) << levels) < size) ++levels;
  arb_sqrt_ui(result.get(), size, prec);
  arb_mul(result.get(), result.get(), sigma.get(), prec);
  arb_mul_2exp_si(term.get(), tau.get(), 1);
  arb_add(result.get(), result.get(), term.get(), prec);
  arb_mul_ui(result.get(), result.get(), ulong(fft_model_constant) * levels, prec);
  arb_addmul_ui(result.get(), tau.get(), 5, prec);
  arb_mul(result.get(), result.get(), xi.get(), prec);
  arb_mul_2exp_si(result.get(), result.get(), -53);
  return result;
}

}  // namespace

// ---- shapes -------------------------------------------------------------------------------------

TEST_CASE("the symbol has 2n - 1 entries and X has n rows", "[toeplitz]") {
  CHECK(toeplitz_order(1) == 1);
  CHECK(toeplitz_order(7) == 4);
  CHECK_THROWS_AS(toeplitz_order(0), std::invalid_argument);
  CHECK_THROWS_AS(toeplitz_order(6), std::invalid_argument);
  CHECK_THROWS_AS(toeplitz_order(5, 2), std::invalid_argument);
  const std::vector<Rational> symbol(5, Rational(1));
  CHECK_THROWS_AS(toeplitz_times_vectors_dense(symbol, RationalMatrix(2, 1)), std::invalid_argument);
  CHECK_THROWS_AS(toeplitz_times_vectors_exact(symbol, RationalMatrix(4, 1)), std::invalid_argument);
  CHECK_THROWS_AS(toeplitz_times_vectors_fft(std::vector<double>(5, 1.0), Matrix(2, 1)), std::invalid_argument);
  CHECK_THROWS_AS(fft_error_bound(std::vector<double>(4, 1.0), Matrix(2, 1)), std::invalid_argument);
  CHECK_THROWS_AS(circulant_times_vectors_dense(symbol, RationalMatrix(4, 1)), std::invalid_argument);
  CHECK(toeplitz_times_vectors_exact(symbol, RationalMatrix(3, 0)).cols == 0);
}

// ---- exact routes -------------------------------------------------------------------------------

TEST_CASE("hand case: T_ij = t_{i-j}, the indexing of W_{i-j}", "[toeplitz]") {
  // n = 2, (t_{-1}, t_0, t_1) = (1/3, 2, -5/7): T = [[2, 1/3], [-5/7, 2]], x = (3, 1/2):
  // y_0 = 6 + 1/6 = 37/6, y_1 = -15/7 + 1 = -8/7.
  const std::vector<Rational> symbol = {Rational(1) / 3, Rational(2), Rational(-5) / 7};
  const RationalMatrix x = matrix<RationalMatrix>(2, 1, std::vector<Rational>{Rational(3), Rational(1) / 2});
  const std::vector<Rational> expected = {Rational(37) / 6, Rational(-8) / 7};
  CHECK(toeplitz_times_vectors_dense(symbol, x).values == expected);
  CHECK(toeplitz_times_vectors_exact(symbol, x).values == expected);
  // The same in binary64 with representable entries: (t_{-1}, t_0, t_1) = (0.25, 2, -0.5), x = (3, 0.5).
  const std::vector<double> symbol64 = {0.25, 2, -0.5};
  const Matrix x64 = matrix<Matrix>(2, 1, std::vector<double>{3, 0.5});
  CHECK(toeplitz_times_vectors_dense(symbol64, x64).values == std::vector<double>{6.125, -0.5});
  const Matrix y64 = toeplitz_times_vectors_fft(symbol64, x64);
  CHECK(std::fabs(y64.at(0, 0) - 6.125) <= fft_error_bound(symbol64, x64));
  CHECK(std::fabs(y64.at(1, 0) + 0.5) <= fft_error_bound(symbol64, x64));
}

TEST_CASE("the exact route equals the dense twin exactly", "[toeplitz]") {
  for (std::size_t n : sizes)
    rc::prop("n = " + std::to_string(n), [n] {
      const std::size_t m = draw_columns();
      const std::vector<Rational> symbol = draw(2 * n - 1, gen_rational());
      const RationalMatrix x = matrix<RationalMatrix>(n, m, draw(n * m, gen_rational()));
      const RationalMatrix fast = toeplitz_times_vectors_exact(symbol, x);
      RC_ASSERT(fast == toeplitz_times_vectors_dense(symbol, x));
      for (const Rational& q : fast.values) RC_ASSERT(is_canonical(q));
    });
}

// ---- the circulant embedding --------------------------------------------------------------------

TEST_CASE("circulant embedding: T is the leading block, and C [x; 0] starts with T x", "[toeplitz]") {
  for (std::size_t n : sizes)
    rc::prop("n = " + std::to_string(n), [n] {
      const std::vector<Rational> symbol = draw(2 * n - 1, gen_rational());
      const RationalMatrix x = matrix<RationalMatrix>(n, 1, draw(n, gen_rational()));
      const RationalMatrix y = toeplitz_times_vectors_dense(symbol, x);
      for (std::size_t size : {2 * n - 1, 2 * n + 5}) {
        const std::vector<Rational> column = circulant_embedding(symbol, size);
        RC_ASSERT(column.size() == size);
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t j = 0; j < n; ++j)
            RC_ASSERT(column[(i + size - j) % size] == symbol[i + n - 1 - j]);  // C_ij == T_ij
        for (std::size_t r = n; r + n <= size; ++r) RC_ASSERT(column[r] == 0);
        const RationalMatrix z = circulant_times_vectors_dense(column, zero_padded(x, size));
        RC_ASSERT(std::vector<Rational>(z.values.begin(), z.values.begin() + std::ptrdiff_t(n)) == y.values);
      }
    });
}

TEST_CASE("circulant embedding: N < 2n - 1 is rejected", "[toeplitz]") {
  for (std::size_t n : sizes) {
    const std::vector<double> symbol(2 * n - 1, 1.0);
    CHECK_NOTHROW(circulant_embedding(symbol, 2 * n - 1));
    CHECK_THROWS_AS(circulant_embedding(symbol, 2 * n - 2), std::invalid_argument);
    CHECK_THROWS_AS(circulant_embedding(symbol, n - 1), std::invalid_argument);
  }
}

TEST_CASE("without the embedding: the n x n circulant of t_0..t_{n-1} is T iff the symbol is n-periodic",
          "[toeplitz][C3]") {
  rc::prop("not n-periodic: the circulant differs from T", [] {
    const std::size_t n = *rc::gen::inRange<std::size_t>(2, 13);
    const std::vector<Rational> symbol = draw(2 * n - 1, gen_rational());
    RC_PRE(!is_n_periodic(symbol));
    const RationalMatrix circulant =
        circulant_times_vectors_dense(naive_circulant_column(symbol), identity<RationalMatrix>(n));
    RC_ASSERT(!(circulant == toeplitz_times_vectors_dense(symbol, identity<RationalMatrix>(n))));
  });
  rc::prop("n-periodic (t_{-k} = t_{n-k}): the circulant is T", [] {
    const std::size_t n = *rc::gen::inRange<std::size_t>(1, 13);
    std::vector<Rational> symbol = draw(2 * n - 1, gen_rational());
    for (std::size_t k = 1; k < n; ++k) symbol[n - 1 - k] = symbol[n - 1 + n - k];
    const RationalMatrix circulant =
        circulant_times_vectors_dense(naive_circulant_column(symbol), identity<RationalMatrix>(n));
    RC_ASSERT(circulant == toeplitz_times_vectors_dense(symbol, identity<RationalMatrix>(n)));
  });
}

TEST_CASE("without the embedding: the RoPE counterexample of the digest (n = 3, cos = 3/5)", "[toeplitz][C3]") {
  // t_k = cos(k theta) with cos theta = 3/5, cos 2 theta = -7/25: T_02 = t_{-2} = -7/25, but the
  // 3 x 3 circulant of (t_0, t_1, t_2) has C_02 = c_{-2 mod 3} = t_1 = 3/5.
  const Rational c1 = Rational(3) / 5, c2 = Rational(-7) / 25;
  const std::vector<Rational> symbol = {c2, c1, Rational(1), c1, c2};
  const RationalMatrix t = toeplitz_times_vectors_dense(symbol, identity<RationalMatrix>(3));
  const RationalMatrix c = circulant_times_vectors_dense(naive_circulant_column(symbol), identity<RationalMatrix>(3));
  CHECK(t.at(0, 2) == c2);
  CHECK(c.at(0, 2) == c1);
  CHECK(circulant_times_vectors_dense(circulant_embedding(symbol, 5), identity<RationalMatrix>(5)).at(0, 2) == c2);
}

// ---- the FFT route ------------------------------------------------------------------------------

TEST_CASE("fft_embedding_size is the smallest 2^a 3^b 5^c 7^d >= 2n - 1", "[toeplitz][fft]") {
  // The twin enumerates the 7-smooth numbers by their exponents instead of testing divisibility.
  const std::size_t limit = std::size_t(1) << 22;
  std::vector<std::size_t> smooth;
  for (std::size_t a = 1; a <= limit; a *= 2)
    for (std::size_t b = a; b <= limit; b *= 3)
      for (std::size_t c = b; c <= limit; c *= 5)
        for (std::size_t d = c; d <= limit; d *= 7) smooth.push_back(d);
  std::sort(smooth.begin(), smooth.end());
  auto expected = [&](std::size_t n) { return *std::lower_bound(smooth.begin(), smooth.end(), 2 * n - 1); };
  for (std::size_t n = 1; n <= 3000; ++n) REQUIRE(fft_embedding_size(n) == expected(n));
  for (std::size_t n : {100000, 524288, 1000003, 2000000}) CHECK(fft_embedding_size(n) == expected(n));
  CHECK(fft_embedding_size(100) == 200);
  CHECK_THROWS_AS(fft_embedding_size(0), std::invalid_argument);
  CHECK_THROWS_AS(fft_embedding_size((std::size_t(1) << 28) + 1), std::invalid_argument);
}

TEST_CASE("the fft route is within fft_error_bound of the dense twin and of the exact product",
          "[toeplitz][fft]") {
  for (std::size_t n : sizes)
    rc::prop("n = " + std::to_string(n), [n] {
      const std::size_t m = draw_columns();
      const std::vector<double> symbol = draw(2 * n - 1, gen_double());
      const Matrix x = matrix<Matrix>(n, m, draw(n * m, gen_double()));
      RC_LOG() << "symbol: " << hex(symbol) << "\nx: " << hex(x.values) << "\n";
      const Matrix fast = toeplitz_times_vectors_fft(symbol, x);
      const Matrix dense = toeplitz_times_vectors_dense(symbol, x);
      const Matrix dense_error = dense_twin_error(symbol, x);
      const double bound = fft_error_bound(symbol, x);
      RC_ASSERT(fast.rows == n);
      RC_ASSERT(fast.cols == m);
      for (std::size_t e = 0; e < fast.values.size(); ++e)
        RC_ASSERT(std::fabs(fast.values[e] - dense.values[e]) <= bound + dense_error.values[e]);
      const RationalMatrix exact = toeplitz_times_vectors_exact(to_rational(symbol), to_rational(x));
      const Rational error = max_exact_error(fast, exact);
      RC_ASSERT(error <= Rational(bound));
      RC_CLASSIFY(true, ratio_bucket(bound, error.convert_to<double>()));
    });
}

TEST_CASE("fft_error_bound is not vacuous: within 10^6 of the measured error on typical inputs",
          "[toeplitz][fft]") {
  // Typical: full 53-bit significands, uniform in [-1, 1]; seeded, so the same cases every run.
  // The bound also holds for the 2-norm of each column's error (Theorem 4); the ratio to that
  // norm shows how much of the gap is the entrywise-versus-normwise factor (about sqrt(n)).
  std::mt19937_64 random(20261129);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::vector<std::size_t> all_sizes = sizes;
  all_sizes.insert(all_sizes.end(), large_sizes.begin(), large_sizes.end());
  for (std::size_t n : all_sizes) {
    double smallest = INFINITY, largest = 0, largest_normwise = 0;
    for (int trial = 0; trial < (n > 100 ? 3 : 20); ++trial) {
      std::vector<double> symbol(2 * n - 1);
      for (double& t : symbol) t = uniform(random);
      Matrix x(n, 3);
      for (double& v : x.values) v = uniform(random);
      const double bound = fft_error_bound(symbol, x);
      const Matrix fast = toeplitz_times_vectors_fft(symbol, x);
      const RationalMatrix exact = toeplitz_times_vectors_exact(to_rational(symbol), to_rational(x));
      const double error = max_exact_error(fast, exact).convert_to<double>();
      if (error == 0) continue;  // an exact result by luck has no ratio
      smallest = std::min(smallest, bound / error);
      largest = std::max(largest, bound / error);
      Rational largest_sum_squares = 0;  // the largest column 2-norm of the error, squared
      for (std::size_t c = 0; c < x.cols; ++c) {
        Rational sum_squares = 0;
        for (std::size_t i = 0; i < n; ++i) {
          const Rational e = Rational(fast.at(i, c)) - exact.at(i, c);
          sum_squares += e * e;
        }
        largest_sum_squares = std::max(largest_sum_squares, sum_squares);
      }
      largest_normwise = std::max(largest_normwise, bound / std::sqrt(largest_sum_squares.convert_to<double>()));
    }
    INFO("n = " << n << ", N = " << fft_embedding_size(n) << ": bound / max entry error in [" << smallest << ", "
                << largest << "], bound / column 2-norm error <= " << largest_normwise);  // shown with -s
    CHECK(largest <= 1e6);  // measured on x86-64: 1.0e4 at n = 100, 6.9e5 at n = 10^4
    CHECK(smallest >= 1);
  }
}

TEST_CASE("fft_error_bound: all-zero inputs give 0; out-of-range entries are rejected", "[toeplitz][fft]") {
  const Matrix zero(4, 2);
  CHECK(fft_error_bound(std::vector<double>(7, 0.0), zero) == 0);
  CHECK(toeplitz_times_vectors_fft(std::vector<double>(7, 0.0), zero).values == zero.values);
  const Matrix ones = matrix<Matrix>(1, 1, std::vector<double>{1.0});
  for (double bad : {0x1p-451, -0x1p451, double(INFINITY), double(NAN)}) {
    CHECK_THROWS_AS(fft_error_bound({bad}, ones), std::domain_error);
    CHECK_THROWS_AS(fft_error_bound({1.0}, matrix<Matrix>(1, 1, std::vector<double>{bad})), std::domain_error);
  }
  CHECK_NOTHROW(fft_error_bound({0x1p-450}, matrix<Matrix>(1, 1, std::vector<double>{0x1p450})));
}

TEST_CASE("fft_error_bound evaluates its formula within Lemma 5's slack", "[toeplitz][fft]") {
  CHECK(fft_model_constant == 16);  // Model A's kappa in proofs-notes/21: change both together
  for (std::size_t n : sizes)
    rc::prop("n = " + std::to_string(n), [n] {
      const std::size_t m = draw_columns();
      const std::vector<double> symbol = draw(2 * n - 1, gen_double());
      const Matrix x = matrix<Matrix>(n, m, draw(n * m, gen_double()));
      RC_LOG() << "symbol: " << hex(symbol) << "\nx: " << hex(x.values) << "\n";
      const double bound = fft_error_bound(symbol, x);
      // (1 + 2^-20)^6 B <= bound (B* of Theorem 4) and bound <= (1 + 2^-16)(1 + 2^-22) B.
      ArbBall low, high, factor;
      arb_set_d(factor.get(), 1 + 0x1p-20);
      arb_pow_ui(factor.get(), factor.get(), 6, 256);
      arb_mul(low.get(), bound_formula(symbol, x).get(), factor.get(), 256);
      arb_set_d(factor.get(), (1 + 0x1p-16) * (1 + 0x1p-22));
      arb_mul(high.get(), bound_formula(symbol, x).get(), factor.get(), 256);
      RC_ASSERT(upper_bound(low) <= bound);
      ArbBall computed;
      arb_set_d(computed.get(), bound);
      RC_ASSERT(arb_le(computed.get(), high.get()));
    });
}

TEST_CASE("the fft route gives the same bits on every call and from several threads", "[toeplitz][fft]") {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::vector<std::pair<std::vector<double>, Matrix>> cases;
  for (std::size_t n : sizes) {
    std::vector<double> symbol(2 * n - 1);
    for (double& t : symbol) t = uniform(random);
    Matrix x(n, 2);
    for (double& v : x.values) v = uniform(random);
    cases.emplace_back(std::move(symbol), std::move(x));
  }
  std::vector<Matrix> sequential;
  for (const auto& c : cases) sequential.push_back(toeplitz_times_vectors_fft(c.first, c.second));
  auto same_bits = [](const Matrix& a, const Matrix& b) {
    return a.values.size() == b.values.size() &&
           std::memcmp(a.values.data(), b.values.data(), sizeof(double) * a.values.size()) == 0;
  };
  std::vector<int> mismatches(8, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < mismatches.size(); ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round)
        for (std::size_t k = 0; k < cases.size(); ++k) {
          const std::size_t pick = (k + t) % cases.size();  // threads plan different sizes at once
          if (!same_bits(toeplitz_times_vectors_fft(cases[pick].first, cases[pick].second), sequential[pick]))
            ++mismatches[t];
        }
    });
  for (std::thread& thread : threads) thread.join();
  for (int count : mismatches) CHECK(count == 0);
}

// ---- Model A: FFTW's transforms against Arb's DFT ------------------------------------------------

namespace {

// RAII owner of an acb vector.
struct AcbVector {
  acb_ptr v;
  slong length;
  explicit AcbVector(std::size_t n) : v(_acb_vec_init(slong(n))), length(slong(n)) {}
  ~AcbVector() { _acb_vec_clear(v, length); }
  AcbVector(const AcbVector&) = delete;
  AcbVector& operator=(const AcbVector&) = delete;
};

// An upper bound on ||computed - exact||_2 / ||exact||_2 (complex vectors, N entries).
double relative_error(const AcbVector& computed, const AcbVector& exact) {
  const slong prec = 256;
  ArbBall error_sq, norm_sq, term;
  acb_t difference;
  acb_init(difference);
  for (slong k = 0; k < exact.length; ++k) {
    acb_sub(difference, computed.v + k, exact.v + k, prec);
    acb_abs(term.get(), difference, prec);
    arb_addmul(error_sq.get(), term.get(), term.get(), prec);
    acb_abs(term.get(), exact.v + k, prec);
    arb_addmul(norm_sq.get(), term.get(), term.get(), prec);
  }
  acb_clear(difference);
  arb_div(term.get(), error_sq.get(), norm_sq.get(), prec);
  arb_sqrt(term.get(), term.get(), prec);
  return upper_bound(term);
}

// FFTW planned as the library plans it: out of place, fftw_malloc buffers, FFTW_ESTIMATE.
struct FftwCase {
  std::size_t size, half;
  double* real;
  fftw_complex* spectrum;
  explicit FftwCase(std::size_t n)
      : size(n),
        half(n / 2 + 1),
        real(static_cast<double*>(fftw_malloc(sizeof(double) * n))),
        spectrum(static_cast<fftw_complex*>(fftw_malloc(sizeof(fftw_complex) * (n / 2 + 1)))) {}
  ~FftwCase() {
    fftw_free(spectrum);
    fftw_free(real);
  }
  FftwCase(const FftwCase&) = delete;
  FftwCase& operator=(const FftwCase&) = delete;
};

}  // namespace

TEST_CASE("Model A: FFTW's r2c and c2r have 2-norm relative error <= kappa ceil(log2 N) u on the sizes used",
          "[toeplitz][fft][model]") {
  std::mt19937_64 random(11);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  const slong prec = 256;
  double worst = 0;  // the largest measured error / (ceil(log2 N) u), i.e. the kappa observed
  std::vector<std::size_t> all_sizes = sizes;
  all_sizes.insert(all_sizes.end(), large_sizes.begin(), large_sizes.end());
  for (std::size_t n : all_sizes) {
    FftwCase f(fft_embedding_size(n));
    double levels = 0;
    while (std::size_t(1) << std::size_t(levels) < f.size) ++levels;
    const fftw_plan r2c = fftw_plan_dft_r2c_1d(int(f.size), f.real, f.spectrum, FFTW_ESTIMATE);
    const fftw_plan c2r = fftw_plan_dft_c2r_1d(int(f.size), f.spectrum, f.real, FFTW_ESTIMATE);
    for (int trial = 0; trial < (n > 100 ? 3 : 10); ++trial) {
      // r2c: the Hermitian extension of FFTW's half spectrum against Arb's DFT of the same data.
      AcbVector input(f.size), exact(f.size), computed(f.size);
      for (std::size_t j = 0; j < f.size; ++j) {
        f.real[j] = uniform(random);
        acb_set_d(input.v + j, f.real[j]);
      }
      fftw_execute(r2c);
      acb_dft(exact.v, input.v, slong(f.size), prec);
      for (std::size_t k = 0; k < f.size; ++k) {
        const std::size_t h = std::min(k, f.size - k);  // X_{N-k} = conj(X_k)
        acb_set_d_d(computed.v + k, f.spectrum[h][0], k == h ? f.spectrum[h][1] : -f.spectrum[h][1]);
      }
      const double forward = relative_error(computed, exact);
      // c2r: a random Hermitian spectrum (real at 0 and N/2) against N times Arb's inverse DFT.
      std::vector<double> spectrum(2 * f.half);
      for (double& s : spectrum) s = uniform(random);
      spectrum[1] = 0;
      if (f.size % 2 == 0) spectrum[2 * (f.half - 1) + 1] = 0;
      for (std::size_t k = 0; k < f.size; ++k) {
        const std::size_t h = std::min(k, f.size - k);
        acb_set_d_d(input.v + k, spectrum[2 * h], k == h ? spectrum[2 * h + 1] : -spectrum[2 * h + 1]);
      }
      std::memcpy(f.spectrum, spectrum.data(), sizeof(double) * spectrum.size());  // c2r overwrites its input
      fftw_execute(c2r);
      acb_dft_inverse(exact.v, input.v, slong(f.size), prec);
      _acb_vec_scalar_mul_ui(exact.v, exact.v, slong(f.size), f.size, prec);
      for (std::size_t j = 0; j < f.size; ++j) acb_set_d(computed.v + j, f.real[j]);
      const double backward = relative_error(computed, exact);
      const double scale = std::max(levels, 1.0) * u;
      INFO("N = " << f.size << ": r2c " << forward / scale << ", c2r " << backward / scale << " units of L u");
      CHECK(forward <= fft_model_constant * levels * u);
      CHECK(backward <= fft_model_constant * levels * u);
      worst = std::max({worst, forward / scale, backward / scale});
    }
    fftw_destroy_plan(c2r);
    fftw_destroy_plan(r2c);
  }
  INFO("largest observed FFTW error / (ceil(log2 N) u) = " << worst);  // shown with -s
  CHECK(worst <= fft_model_constant);
}
