// The fast algorithm in binary64 (fast_double.hpp, fast_inputs.hpp): its inputs against the exact
// view, its result against the exact surrogate within the proven rounding bound (property (d) of
// issue 4), and the end-to-end guarantee on standard RoPE against the certified evaluator.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "ropecert/approximation.hpp"
#include "ropecert/case_io.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/exact_problem.hpp"
#include "ropecert/fast_attention.hpp"
#include "ropecert/fast_double.hpp"
#include "ropecert/fast_inputs.hpp"
#include "ropecert/fast_run.hpp"
#include "ropecert/polynomial.hpp"
#include "ropecert/structure.hpp"
#include "ropecert/synthetic.hpp"
#include "ropecert/toeplitz.hpp"
#include "support/case_generators.hpp"
#include "support/cli_runner.hpp"
#include "support/exact_generators.hpp"
#include "support/hand_problems.hpp"
#include "support/temp_dir.hpp"

using namespace ropecert;
using ropecert_test::random_general;
using ropecert_test::random_rope;
using ropecert_test::rope_problem;
using ropecert_test::rows_of;
using ropecert_test::uniform;

namespace {

Rational exact_of(const Matrix& m, std::size_t i, std::size_t c) { return Rational(m.at(i, c)); }

// max_ic |a_ic - b_ic| exactly, a in binary64.
Rational max_distance(const Matrix& a, const RationalMatrix& b) {
  Rational largest = 0;
  for (std::size_t e = 0; e < a.values.size(); ++e) {
    const Rational distance = abs(Rational(a.values[e]) - b.values[e]);
    if (distance > largest) largest = distance;
  }
  return largest;
}

RationalMatrix as_rationals(const Matrix& m) {
  RationalMatrix r(m.rows, m.cols);
  for (std::size_t e = 0; e < m.values.size(); ++e) r.values[e] = Rational(m.values[e]);
  return r;
}

Rational v_range(const Problem& p) {
  const auto [lo, hi] = std::minmax_element(p.V.values.begin(), p.V.values.end());
  return Rational(*hi) - Rational(*lo);
}

// R_position x exactly for pythagorean angles, written from the definition in problem.hpp and not from the
// library's code (pythagorean_rotation's Gaussian-integer powers, rotary_planes): plane p is
// (p, p + r/2) (half) or (2p, 2p + 1) (interleaved), cos theta_p = (u^2 - 1)/(u^2 + 1), sin theta_p =
// 2u/(u^2 + 1), u = p + 2; cos(m theta), sin(m theta) by the angle-addition formulas, one step of theta at a
// time (sin(-x) = -sin(x) for m < 0); the plane's pair is the complex number x_a + i x_b times e^(i m theta).
std::vector<Rational> rotate_exactly(const Problem& p, const Matrix& x, std::size_t row, std::int64_t position) {
  std::vector<Rational> y(x.cols);
  for (std::size_t l = 0; l < x.cols; ++l) y[l] = exact_of(x, row, l);
  const std::size_t r = p.rope.rotary_dim;
  for (std::size_t plane = 0; plane < r / 2; ++plane) {
    const std::size_t a = p.rope.pairing == Pairing::half ? plane : 2 * plane;
    const std::size_t b = p.rope.pairing == Pairing::half ? plane + r / 2 : 2 * plane + 1;
    const Integer u(plane + 2);
    const Rational cos_theta(u * u - 1, u * u + 1), sin_theta(2 * u, u * u + 1);
    Rational cos_m = 1, sin_m = 0;
    for (std::int64_t step = 0; step < (position < 0 ? -position : position); ++step) {
      const Rational next_cos = cos_m * cos_theta - sin_m * sin_theta;
      sin_m = sin_m * cos_theta + cos_m * sin_theta;
      cos_m = next_cos;
    }
    if (position < 0) sin_m = -sin_m;
    const Rational real = y[a] * cos_m - y[b] * sin_m, imaginary = y[a] * sin_m + y[b] * cos_m;
    y[a] = real;
    y[b] = imaginary;
  }
  return y;
}

const Rational two_to_minus_52 = Rational(1) / boost::multiprecision::pow(Integer(2), 52);

// Kind rope, d = rotary_dim = 2, n_q = n_k = 4, scale the decimal `scale`; Q and K uniform in [-1, 1) times
// `qk_magnitude`, V uniform in [-1, 1), drawn in the order Q, K, V from std::mt19937_64 with seed 1 (53 bits
// per draw, so the values are the same on every platform).
Problem huge_scale_problem(const char* scale, double qk_magnitude, MaskKind mask) {
  std::mt19937_64 bits(1);
  auto draw = [&bits] { return std::ldexp(double(bits() >> 11), -52) - 1; };
  Problem p;
  p.kind = Kind::rope;
  p.mask = mask;
  p.rope.rotary_dim = 2;
  p.scale.rule = Scale::Rule::decimal;
  p.scale.decimal = scale;
  const std::size_t n = 4;
  p.Q = Matrix(n, 2);
  p.K = Matrix(n, 2);
  p.V = Matrix(n, 1);
  for (double& x : p.Q.values) x = draw() * qk_magnitude;
  for (double& x : p.K.values) x = draw() * qk_magnitude;
  for (double& x : p.V.values) x = draw();
  validate_problem(p, "huge_scale_problem");
  return p;
}

// Sets the floating-point environment for one scope and restores it (also when a check throws).
class EnvironmentGuard {
 public:
  EnvironmentGuard() { std::fegetenv(&saved_); }
  EnvironmentGuard(const EnvironmentGuard&) = delete;
  EnvironmentGuard& operator=(const EnvironmentGuard&) = delete;
  ~EnvironmentGuard() { std::fesetenv(&saved_); }

 private:
  std::fenv_t saved_;
};

}  // namespace

TEST_CASE("fast-double: the structural support equals the exact support", "[fast-double]") {
  rc::prop("structural_support == coupling_support", [] {
    const Problem p = uniform(0, 2) == 0 ? random_general() : random_rope();
    RC_ASSERT(structural_support(p) == coupling_support(p));
  });
}

TEST_CASE("fast-double: binary64 symbols are within 2^-52 of the exact couplings", "[fast-double]") {
  rc::prop("symbols", [] {
    const Problem p = uniform(0, 2) == 0 ? random_general() : random_rope();
    const std::vector<SupportPair> support = structural_support(p);
    const std::vector<std::vector<double>> symbols = binary64_coupling_symbols(p, support);
    const std::int64_t shift = p.query_position(0) - p.key_position(0);
    for (std::size_t e = 0; e < support.size(); ++e)
      for (std::size_t k = 0; k < symbols[e].size(); ++k) {
        const std::int64_t delta = shift + std::int64_t(k) - std::int64_t(p.n_k() - 1);
        const Rational exact = exact_coupling(p, delta).at(support[e].first, support[e].second);
        const Rational error = abs(Rational(symbols[e][k]) - exact);
        if (p.kind == Kind::general) RC_ASSERT(error == 0);
        RC_ASSERT(error <= two_to_minus_52);
      }
  });
}

TEST_CASE("fast-double: rotated rows are within 2^-52 ||x||_1 of the exact rotation", "[fast-double]") {
  rc::prop("rotated rows", [] {
    const Problem p = random_rope();
    for (const bool queries : {true, false}) {
      const Matrix& x = queries ? p.Q : p.K;
      const Matrix u = binary64_rotated_rows(p, queries);
      for (std::size_t r = 0; r < x.rows; ++r) {
        const std::vector<Rational> exact =
            rotate_exactly(p, x, r, queries ? p.query_position(r) : p.key_position(r));
        Rational norm1 = 0;
        for (std::size_t l = 0; l < x.cols; ++l) norm1 += abs(exact_of(x, r, l));
        for (std::size_t l = 0; l < x.cols; ++l) RC_ASSERT(abs(Rational(u.at(r, l)) - exact[l]) <= two_to_minus_52 * norm1);
      }
    }
  });
}

TEST_CASE("fast-double: R bounds every logit and is not far above the norm product", "[fast-double]") {
  rc::prop("bound_logits", [] {
    const Problem p = uniform(0, 2) == 0 ? random_general() : random_rope();
    const LogitBound bound = bound_logits(p);
    const Rational scale(1, p.d());
    RC_ASSERT(bound.scale_magnitude >= scale);
    RC_ASSERT(bound.R >= max_abs(exact_logits(p, scale)) + bound.rho);
    // Not vacuous: R <= (1 + 2^-20) s max||q||_2 max||k||_2 c_W + rho, in double with margin.
    auto max_norm = [](const Matrix& m) {
      double largest = 0;
      for (std::size_t r = 0; r < m.rows; ++r) {
        double sum = 0;
        for (std::size_t c = 0; c < m.cols; ++c) sum += m.at(r, c) * m.at(r, c);
        largest = std::max(largest, std::sqrt(sum));
      }
      return largest;
    };
    double coupling = 1;
    if (p.kind == Kind::general) {
      coupling = 0;
      for (const Matrix& w : p.W) {
        Matrix flat(1, w.values.size());
        flat.values = w.values;
        coupling = std::max(coupling, max_norm(flat));
      }
    }
    const double expected = 1.0 / double(p.d()) * max_norm(p.Q) * max_norm(p.K) * coupling;
    RC_ASSERT(static_cast<double>(bound.R) <= expected * (1 + 0x1p-20) + static_cast<double>(bound.rho) + 1e-300);
    RC_ASSERT(bound.rho <= Rational(1, 1 << 30));
  });
}

TEST_CASE("fast-double: both routes are within their rounding bound of the exact surrogate", "[fast-double][d]") {
  // Property (d) of issue 4. The exact surrogate T~ uses the exact inputs; the binary64 routes compute
  // the surrogate T' of the rounded inputs, |T' - T~| <= transfer_bound_tight(2 rho) (note 33, Lemma 33.7),
  // and |T~64 - T'| <= rounding_bound (Theorems 33.4, 33.5).
  rc::prop("binary64 vs exact", [] {
    const Problem p = uniform(0, 2) == 0 ? random_general() : random_rope();
    const Rational scale(1, p.d());
    const std::size_t g = uniform<std::size_t>(0, 6);
    const LogitBound bound = bound_logits(p);
    const std::vector<Rational> coefficients = shifted_taylor_coefficients(bound.R, g);
    const RationalMatrix exact = surrogate_attention_quadratic(p, scale, coefficients);
    const Rational inputs = transfer_bound_tight(std::min(Rational(2 * bound.rho), Rational(1, 2)), v_range(p));
    std::vector<Binary64Result> results{surrogate_attention_toeplitz_binary64(p, coefficients)};
    if (p.kind == Kind::rope) results.push_back(surrogate_attention_lowrank_binary64(p, coefficients));
    for (const Binary64Result& result : results) {
      RC_ASSERT(result.uncertified == "");
      const Rational measured = max_distance(result.t, exact);
      RC_ASSERT(measured <= Rational(result.rounding_bound) + inputs);
      if (measured > 0) {
        const double ratio = result.rounding_bound / static_cast<double>(measured);
        RC_TAG(ratio <= 1e2 ? "rounding bound/measured <= 1e2" : ratio <= 1e4 ? "<= 1e4" : "> 1e4");
      } else {
        RC_TAG("measured 0");
      }
    }
  });
}

TEST_CASE("fast-double: end-to-end guarantee on standard RoPE against the certified enclosure", "[fast-double]") {
  ropecert_test::ProblemLimits limits;
  limits.max_n = 6;
  limits.max_half_d = 2;
  rc::prop("|T~64 - T| <= bound + rounding bound, bound <= eps", [limits] {
    const Problem p = *ropecert_test::gen_rope_problem(limits);
    const Rational eps(1, *rc::gen::element(100, 10000, 1000000));
    const FastRoute route = uniform(0, 2) == 0 ? FastRoute::toeplitz : FastRoute::lowrank;
    FastPlan plan;
    try {
      plan = plan_fast(p, eps, route, FastArithmetic::binary64, Integer(2000));
    } catch (const InputError&) {
      RC_DISCARD("the plan needs too many terms");
    }
    const Binary64Result result = run_fast_binary64(p, plan, route);
    RC_LOG() << ropecert_test::describe(p) << " g=" << plan.g << " R=" << plan.R << "\n";
    RC_ASSERT(plan.bound <= eps);
    // Entries k 2^e with e down to -30 raised to powers up to g can leave binary64's normal range
    // within one term; the route then says so instead of claiming a bound.
    RC_CLASSIFY(!result.uncertified.empty(), "uncertified (underflow or Model A's range)");
    if (!result.uncertified.empty()) return;
    const Rational measured = certified_max_error(p, as_rationals(result.t), 256);
    RC_ASSERT(measured <= plan.bound + Rational(result.rounding_bound) +
                              Rational(1) / boost::multiprecision::pow(Integer(2), 200));
    RC_CLASSIFY(p.rope.angles == Angles::standard, "standard angles");
  });
}

TEST_CASE("fast-double: the two binary64 routes agree within their bounds on a larger case", "[fast-double]") {
  Problem p;
  p.kind = Kind::rope;
  p.mask = MaskKind::causal;
  p.rope.rotary_dim = 2;
  p.rope.q_offset = 1000000;
  p.rope.k_offset = 999990;
  const std::size_t n = 40;
  p.Q = Matrix(n, 2);
  p.K = Matrix(n, 2);
  p.V = Matrix(n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    p.Q.at(i, 0) = std::ldexp(double((i * 37) % 17) - 8, -3);
    p.Q.at(i, 1) = std::ldexp(double((i * 11) % 13) - 6, -3);
    p.K.at(i, 0) = std::ldexp(double((i * 5) % 19) - 9, -3);
    p.K.at(i, 1) = std::ldexp(double((i * 23) % 7) - 3, -2);
    p.V.at(i, 0) = double((i * 3) % 10);
  }
  validate_problem(p, "hand");
  const FastPlan plan = plan_fast(p, Rational(1, 1000000), FastRoute::toeplitz, FastArithmetic::binary64, Integer(100000));
  const Binary64Result toeplitz = run_fast_binary64(p, plan, FastRoute::toeplitz);
  const Binary64Result lowrank = run_fast_binary64(p, plan, FastRoute::lowrank);
  REQUIRE(toeplitz.uncertified == "");
  REQUIRE(lowrank.uncertified == "");
  // Both approximate T' of their own inputs, whose logits differ by at most 2 rho.
  const double inputs = static_cast<double>(transfer_bound_tight(4 * plan.rho, v_range(p)));
  for (std::size_t e = 0; e < toeplitz.t.values.size(); ++e)
    CHECK(std::fabs(toeplitz.t.values[e] - lowrank.t.values[e]) <=
          toeplitz.rounding_bound + lowrank.rounding_bound + inputs);
  const Rational measured = certified_max_error(p, as_rationals(toeplitz.t), 256);
  CHECK(measured <= plan.bound + Rational(toeplitz.rounding_bound));
  INFO("g = " << plan.g << ", rounding bounds " << toeplitz.rounding_bound << ", " << lowrank.rounding_bound);
  CHECK(toeplitz.rounding_bound < 1e-9);
}

TEST_CASE("fast-double: underflow leaves the result uncertified", "[fast-double]") {
  Problem p;
  p.kind = Kind::general;
  p.scale.rule = Scale::Rule::inv_d;
  p.Q = Matrix(2, 1);
  p.K = Matrix(2, 1);
  p.V = Matrix(2, 1);
  p.Q.values = {0x1p-600, 1};
  p.K.values = {0x1p-600, 1};
  p.V.values = {0, 1};
  for (int k = 0; k < 3; ++k) p.W.push_back(Matrix(1, 1));
  for (Matrix& w : p.W) w.values = {1};
  validate_problem(p, "hand");
  // The depth-2 products of 2^-600 underflow.
  const Binary64Result result = surrogate_attention_toeplitz_binary64(p, shifted_taylor_coefficients(Rational(2), 3));
  CHECK(result.uncertified != "");
  CHECK(std::isinf(result.rounding_bound));
}

TEST_CASE("fast-double: plans refuse what they cannot honour", "[fast-double]") {
  Problem p;
  p.kind = Kind::rope;
  p.rope.rotary_dim = 2;
  p.Q = Matrix(1, 2);
  p.K = Matrix(1, 2);
  p.V = Matrix(1, 1);
  p.Q.values = {1, 0};
  p.K.values = {1, 0};
  p.V.values = {1};
  validate_problem(p, "hand");
  // Standard angles: exact arithmetic refused, binary64 accepted.
  CHECK_THROWS_AS(plan_fast(p, Rational(1, 100), FastRoute::toeplitz, FastArithmetic::exact, Integer(1000)), InputError);
  CHECK_NOTHROW(plan_fast(p, Rational(1, 100), FastRoute::toeplitz, FastArithmetic::binary64, Integer(1000)));
  // eps below what binary64 inputs allow.
  p.V.values = {2};
  Problem q = p;
  q.K = Matrix(2, 2);
  q.K.values = {1, 0, 0, 1};
  q.V = Matrix(2, 1);
  q.V.values = {0, 1};
  validate_problem(q, "hand");
  CHECK_THROWS_AS(plan_fast(q, Rational(1, Integer(1) << 80), FastRoute::lowrank, FastArithmetic::binary64, Integer(1) << 40),
                  InputError);
}

TEST_CASE("fast-double: the a-priori bound is within 1000x of the measured error on typical cases", "[fast-double][c]") {
  // Property (c) of issue 4. Typical: standard RoPE, n in 16..64, d in {2, 4}, entries uniform in
  // [-1, 1] (synthetic.hpp), both masks, eps in {1e-3, 1e-4, 1e-6}; the low-rank route in binary64.
  // bound = plan.bound + rounding bound; measured = the rigorous distance to the certified enclosure.
  std::vector<double> ratios;
  for (std::uint64_t seed = 1; seed <= 24; ++seed) {
    const std::size_t n = 16 + (seed * 7919) % 49, d = seed % 2 == 0 ? 2 : 4;
    const Problem p = synthetic_rope_problem(n, d, seed % 3 == 0 ? MaskKind::none : MaskKind::causal, 1.0, seed);
    const Rational eps(1, seed % 3 == 0 ? 1000 : seed % 3 == 1 ? 10000 : 1000000);
    const FastPlan plan = plan_fast(p, eps, FastRoute::lowrank, FastArithmetic::binary64, Integer(100000));
    const Binary64Result result = run_fast_binary64(p, plan, FastRoute::lowrank);
    REQUIRE(result.uncertified == "");
    const Rational bound = plan.bound + Rational(result.rounding_bound);
    const Rational measured = certified_max_error(p, as_rationals(result.t), 128);
    REQUIRE(measured > 0);
    CHECK(measured <= bound);
    ratios.push_back(static_cast<double>(Rational(bound / measured)));
    INFO("seed " << seed << ": n = " << n << ", d = " << d << ", g = " << plan.g << ", bound/measured = " << ratios.back());
    CHECK(ratios.back() <= 1000);
  }
  std::sort(ratios.begin(), ratios.end());
  std::cout << "fast-double [c]: bound/measured over " << ratios.size() << " typical cases: min " << ratios.front()
            << ", median " << ratios[ratios.size() / 2] << ", max " << ratios.back() << '\n';
}

TEST_CASE("fast-double: the Toeplitz route's bound contains the FFT model bound and the row-sum term",
          "[fast-double]") {
  // g = 0: one term, P = a_0, so Y = a_0 T [V, 1] with T the all-ones Toeplitz matrix. Theorem 33.4 and
  // Lemma 33.6 then require at least (a_0 F_V + max|V| a_0 F_1) / Y~_{i,d_v} with F = fft_error_bound:
  // measured errors are far below the bound, so only this formula-level check catches a dropped term.
  Problem p;
  p.kind = Kind::general;
  p.scale.rule = Scale::Rule::inv_d;
  const std::size_t n = 64;
  p.Q = Matrix(n, 1);
  p.K = Matrix(n, 1);
  p.V = Matrix(n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    p.Q.at(i, 0) = 1;
    p.K.at(i, 0) = 1;
    p.V.at(i, 0) = 3 + std::ldexp(double((i * 37) % 64), -6);
  }
  for (std::size_t k = 0; k < 2 * n - 1; ++k) {
    p.W.push_back(Matrix(1, 1));
    p.W.back().values = {1};
  }
  validate_problem(p, "hand");
  const Binary64Result result = surrogate_attention_toeplitz_binary64(p, {Rational(3)});
  REQUIRE(result.uncertified == "");
  Matrix x(n, 2);
  double v_max = 0;
  for (std::size_t j = 0; j < n; ++j) {
    x.at(j, 0) = 3 * p.V.at(j, 0);  // c o X with c = 1 and the coefficient 3 applied to the rows
    x.at(j, 1) = 3;
    v_max = std::max(v_max, p.V.at(j, 0));
  }
  const double fft = fft_error_bound(std::vector<double>(2 * n - 1, 1.0), x);
  const double row_sum = 3.0 * double(n);
  CHECK(result.rounding_bound >= (fft + v_max * fft) / row_sum);
  CHECK(result.rounding_bound <= 2 * (fft + v_max * fft) / row_sum);  // and it is the dominant part
  for (double t : result.t.values) CHECK(std::fabs(t - 3.4921875) < 1e-12);  // mean of V
}

TEST_CASE("fast-double: software underflow of the low-rank weights leaves the result uncertified", "[fast-double]") {
  // Gap G1 of note 33: with s = 1e-60 and entries about 1e30 the weights a_t s^t multinomial of degree >= 6
  // round to 0 in software (no flag). Before the fix the route claimed a bound of 5.67e-7 while the error was
  // 1.17e-6.
  Problem p;
  p.kind = Kind::rope;
  p.rope.rotary_dim = 2;
  p.scale.rule = Scale::Rule::decimal;
  p.scale.decimal = "1e-60";
  const std::size_t n = 4;
  p.Q = Matrix(n, 2);
  p.K = Matrix(n, 2);
  p.V = Matrix(n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    p.Q.at(i, 0) = 0.5e30 * (1 + 0.25 * double(i));
    p.Q.at(i, 1) = -0.2e30 * double(i);
    p.K.at(i, 0) = 0.5e30 * (1 - 0.2 * double(i));
    p.K.at(i, 1) = 0.3e30;
    p.V.at(i, 0) = double(i);
  }
  validate_problem(p, "hand");
  for (const FastRoute route : {FastRoute::lowrank, FastRoute::toeplitz}) {
    const FastPlan plan = plan_fast(p, Rational(1, 1000000), route, FastArithmetic::binary64, Integer(100000));
    const Binary64Result result = run_fast_binary64(p, plan, route);
    if (result.uncertified.empty()) {  // if certified, the claim must hold
      const Rational measured = certified_max_error(p, as_rationals(result.t), 256);
      CHECK(measured <= plan.bound + Rational(result.rounding_bound));
    }
    CHECK(result.uncertified != "");
  }
}

TEST_CASE("fast-double: the visible keys of a query are the prefix of visible_key_count keys", "[fast-double]") {
  rc::prop("visible_key_count agrees with key_visible", [] {
    const Problem p = uniform(0, 2) == 0 ? random_general() : random_rope();
    for (std::size_t i = 0; i < p.n_q(); ++i)
      for (std::size_t j = 0; j < p.n_k(); ++j) RC_ASSERT(p.key_visible(i, j) == (j < p.visible_key_count(i)));
  });
}

TEST_CASE("fast-double: an overflowing term weight leaves the Toeplitz route uncertified", "[fast-double][issue9]") {
  // Issue 9, finding 1: with s = 1e300 and Q, K about 1e-150, a_t s~^t overflows to +infinity in the Toeplitz
  // route; frexp(inf) gave exponent 0, the term was dropped as tiny, and only FE_UNDERFLOW was tested. Before
  // the fix the route certified a total bound far below the measured error.
  const Problem p = huge_scale_problem("1e300", 1e-150, MaskKind::none);
  const FastPlan plan = plan_fast(p, Rational(1, 1000000), FastRoute::toeplitz, FastArithmetic::binary64, Integer(100000));
  const Binary64Result result = run_fast_binary64(p, plan, FastRoute::toeplitz);
  if (result.uncertified.empty()) {  // if certified, the claim must hold
    const Rational measured = certified_max_error(p, as_rationals(result.t), 256);
    INFO("measured " << static_cast<double>(measured) << ", bound " << static_cast<double>(plan.bound) << " + "
                     << result.rounding_bound);
    CHECK(measured <= plan.bound + Rational(result.rounding_bound));
  }
  INFO("uncertified: " << result.uncertified);
  CHECK(result.uncertified.find("weight a_t s~^t") != std::string::npos);  // the cause, not its consequences
  CHECK(std::isinf(result.rounding_bound));
}

TEST_CASE("fast-double: a scale beyond binary64's range is refused", "[fast-double][issue9]") {
  // Issue 9, finding 1: binary64_scale returned +infinity for |s| > DBL_MAX (s = 1e400, Q, K about 1e-200,
  // causal: measured error 0.285 under a certified bound).
  const Problem p = huge_scale_problem("1e400", 1e-200, MaskKind::causal);
  CHECK_THROWS_AS(binary64_scale(p), InputError);
  // s = 1e-400 != 0 rounds to s~ = +0: no relative error bound either (Lemma 33.2(a)).
  CHECK_THROWS_AS(binary64_scale(huge_scale_problem("1e-400", 1e200, MaskKind::none)), InputError);
  CHECK_THROWS_AS(plan_fast(p, Rational(1, 1000000), FastRoute::toeplitz, FastArithmetic::binary64, Integer(100000)),
                  InputError);
  CHECK_THROWS_AS(surrogate_attention_toeplitz_binary64(p, shifted_taylor_coefficients(Rational(4), 3)), InputError);
}

TEST_CASE("fast-double: the low-rank route refuses an infinite scale instead of trapping", "[fast-double][issue9]") {
  // Issue 9, finding 2: Rational(double) (mpq_set_d) raised SIGFPE on the infinite scale.
  const Problem p = huge_scale_problem("1e400", 1e-200, MaskKind::causal);
  CHECK_THROWS_AS(surrogate_attention_lowrank_binary64(p, shifted_taylor_coefficients(Rational(4), 3)), InputError);
}

TEST_CASE("fast-double: the CLI reports a non-finite T~ as uncertified", "[fast-double][issue9][cli]") {
  // Issue 9, finding 2: `fast --arith double` converted T~ to rationals with mpq_set_d, which traps (SIGFPE,
  // exit 136) on an infinity. Here the numerators sum_j P(M'_ij) V_j overflow: V_j = 1.7e308 twice.
  using ropecert_test::TempDir;
  const TempDir dir("fast-double-cli");
  const Problem p = rope_problem(rows_of({{0.25, 0}, {0, 0.25}}), rows_of({{0.25, 0.25}, {0, 0.25}}),
                                 rows_of({{1.7e308}, {1.7e308}}));
  std::filesystem::create_directory(dir / "case");
  save_case(p, dir / "case");
  for (const std::string route : {"toeplitz", "lowrank"}) {
    const std::string out = (dir / route).string();
    const ropecert_test::CliResult r = ropecert_test::run_cli(
        {"fast", (dir / "case").string(), "--eps", "1e-6", "--arith", "double", "--route", route, "--out", out, "--check"});
    INFO(route << ": exit " << r.exit_code << "\n" << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const nlohmann::json report = nlohmann::json::parse(ropecert_test::read_file(out + "/report.json"));
    CHECK(report["rounding_bound"].is_null());
    CHECK(report["uncertified"].get<std::string>() != "");
    CHECK(r.out.find("not certified") != std::string::npos);
    CHECK(std::filesystem::exists(out + "/T.npy"));
  }
}

TEST_CASE("fast-double: round to nearest and gradual underflow are checked at run time", "[fast-double][issue9]") {
  // Issue 9, finding 9: the bounds of note 33 assume round to nearest and no flush to zero; a route run in
  // another environment must not certify.
  const Problem p = synthetic_rope_problem(8, 2, MaskKind::causal, 1.0, 3);
  const FastPlan plan = plan_fast(p, Rational(1, 10000), FastRoute::toeplitz, FastArithmetic::binary64, Integer(100000));
  for (const FastRoute route : {FastRoute::toeplitz, FastRoute::lowrank}) {
    REQUIRE(run_fast_binary64(p, plan, route).uncertified == "");  // the default environment certifies
    for (const int mode : {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO}) {
      Binary64Result result;
      {
        const EnvironmentGuard guard;
        REQUIRE(std::fesetround(mode) == 0);
        result = run_fast_binary64(p, plan, route);
      }
      CHECK(result.uncertified.find("rounding mode") != std::string::npos);
      CHECK(std::isinf(result.rounding_bound));
    }
#if defined(__SSE__)
    for (const unsigned bit : {0x8000u, 0x0040u}) {  // FTZ, DAZ
      Binary64Result result;
      {
        const EnvironmentGuard guard;
        const unsigned saved = _mm_getcsr();
        _mm_setcsr(saved | bit);
        result = run_fast_binary64(p, plan, route);
        _mm_setcsr(saved);
      }
      CHECK(result.uncertified.find("MXCSR") != std::string::npos);
      CHECK(std::isinf(result.rounding_bound));
    }
    // The SSE rounding control set alone (bits 13-14: down, up, toward zero): glibc's fegetround reads the
    // x87 control word only, so this directed rounding of every binary64 operation went unnoticed.
    for (const unsigned control : {0x2000u, 0x4000u, 0x6000u}) {
      Binary64Result result;
      {
        const EnvironmentGuard guard;
        const unsigned saved = _mm_getcsr();
        _mm_setcsr((saved & ~0x6000u) | control);
        result = run_fast_binary64(p, plan, route);
        _mm_setcsr(saved);
      }
      CHECK(result.uncertified.find("rounding mode") != std::string::npos);
      CHECK(std::isinf(result.rounding_bound));
    }
#endif
    CHECK(std::fegetround() == FE_TONEAREST);
  }
}

TEST_CASE("fast-double: the binary64 inputs refuse RoPE conventions they do not model", "[fast-double][issue9]") {
  // Issue 9, finding 8: fast_inputs read only theta_p (enclose_frequencies), silently ignoring the attention
  // factor of rope.scaling and the cos / sin emulation; only plan_fast refused such cases.
  const Problem base = rope_problem(rows_of({{1, 0.5}, {-0.25, 1}}), rows_of({{0.5, 1}, {1, -0.5}}), rows_of({{0}, {1}}));
  Problem emulated = base, scaled = base;
  emulated.rope.emulate.cos_sin = CosSinEmulation::bfloat16;
  scaled.rope.scaling.kind = RopeScalingKind::linear;
  scaled.rope.scaling.factor = 4.0;
  for (Problem* q : {&emulated, &scaled}) {
    validate_problem(*q, "hand");
    CHECK_THROWS_AS(structural_support(*q), std::invalid_argument);
    CHECK_THROWS_AS(bound_logits(*q), std::invalid_argument);
    CHECK_THROWS_AS(binary64_coupling_symbols(*q, structural_support(base)), std::invalid_argument);
    CHECK_THROWS_AS(binary64_rotated_rows(*q, true), std::invalid_argument);
    CHECK_THROWS_AS(surrogate_attention_toeplitz_binary64(*q, {Rational(1)}), std::invalid_argument);
    CHECK_THROWS_AS(surrogate_attention_lowrank_binary64(*q, {Rational(1)}), std::invalid_argument);
  }
}
