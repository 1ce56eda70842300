// The plain binary64 attention (attention_double.hpp) against the certified evaluator, against a
// slow twin written from its contract, and on hand cases whose answers follow from the definition.
// attention_quadratic_double is not certified: the comparisons below use either the 1e-12 bound
// (on problems whose logits are small and whose positions are small, where binary64 is that
// accurate) or a generous a-priori model of binary64's error, stated in `modelled_tolerance`.
// RapidCheck seeds are pinned in CTest (RC_PARAMS); set RC_PARAMS="seed=N" to reproduce.
#include <rapidcheck/catch.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <mpfr.h>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ropecert/attention_double.hpp"
#include "ropecert/certified_eval.hpp"
#include "ropecert/problem.hpp"
#include "support/hand_problems.hpp"
#include "ropecert/rope_geometry.hpp"
#include "ropecert/synthetic.hpp"
#include "support/case_generators.hpp"

using namespace ropecert;
using ropecert_test::rope_problem;
using ropecert_test::rows_of;
using ropecert_test::describe;

namespace {

constexpr double unit_roundoff = 0x1p-53;

// Kind general with scale 1 and W_k = couplings[k + n - 1] (d x d each).
Problem general_problem(Matrix q, Matrix k, Matrix v, std::vector<Matrix> couplings, MaskKind mask = MaskKind::none) {
  Problem p;
  p.kind = Kind::general;
  p.mask = mask;
  p.scale.rule = Scale::Rule::decimal;
  p.scale.decimal = "1";
  p.Q = std::move(q);
  p.K = std::move(k);
  p.V = std::move(v);
  p.W = std::move(couplings);
  validate_problem(p, "test");
  return p;
}

double max_abs(const Matrix& m) {
  double top = 0;
  for (double x : m.values) top = std::max(top, std::abs(x));
  return top;
}

double norm2(const double* x, std::size_t d) {
  double s = 0;
  for (std::size_t l = 0; l < d; ++l) s += x[l] * x[l];
  return std::sqrt(s);
}

double scale_magnitude(const Problem& p) {
  const double d = static_cast<double>(p.d());
  switch (p.scale.rule) {
    case Scale::Rule::inv_d:
      return 1 / d;
    case Scale::Rule::inv_sqrt_d:
      return 1 / std::sqrt(d);
    case Scale::Rule::decimal:
      return std::abs(std::strtod(p.scale.decimal.c_str(), nullptr));
  }
  return 1;
}

// An a-priori model (not a proof; about a factor 2 above the first-order rounding analysis) of
// binary64's error in the logits of row i, max over visible j of |M^_ij - M_ij|:
//   kind rope:    |s| |q_i| |k_j| (2 (d + 6) u + E(a_i) + E(b_j)) 2, where E(m) =
//                 (|m| theta_max (|ln base| + 4) + 4) 2u bounds the angle error at position m
//                 (theta_p has relative error <= (|ln base| + 1) u from the rounded exponent and pow;
//                 m theta_p adds one rounding; cos and sin one ulp each);
//   kind general: |s| sum_ab |q_ia| |W_ab| |k_jb| (2d + 4) u 2.
// Perturbing every logit by at most D changes each softmax weight by a factor in [e^-2D, e^2D], so
// |T^_ic - T_ic| <= max|V| (e^2D - 1) + (summation, exp and division roundings, < 1e-12 max|V|).
std::vector<double> logit_error_model(const Problem& p) {
  const double u = unit_roundoff, s = scale_magnitude(p);
  const std::size_t d = p.d();
  std::vector<double> model(p.n_q(), 0.0);
  auto angle_error = [&](std::int64_t m) {
    if (p.kind != Kind::rope) return 0.0;
    const double log_base = p.rope.angles == Angles::standard ? std::abs(std::log(p.rope.base)) : 0.0;
    return (std::abs(static_cast<double>(m)) * (log_base + 4) + 4) * 2 * u;  // theta_max <= 1 for base >= 1
  };
  for (std::size_t i = 0; i < p.n_q(); ++i)
    for (std::size_t j = 0; j < p.n_k(); ++j) {
      if (!p.key_visible(i, j)) continue;
      const double* q = &p.Q.values[i * d];
      const double* k = &p.K.values[j * d];
      double e;
      if (p.kind == Kind::rope) {
        e = s * norm2(q, d) * norm2(k, d) *
            (2 * (d + 6) * u + angle_error(p.query_position(i)) + angle_error(p.key_position(j))) * 2;
      } else {
        const Matrix& w = p.coupling(static_cast<std::int64_t>(i) - static_cast<std::int64_t>(j));
        double mass = 0;
        for (std::size_t a = 0; a < d; ++a)
          for (std::size_t b = 0; b < d; ++b) mass += std::abs(q[a]) * std::abs(w.at(a, b)) * std::abs(k[b]);
        e = s * mass * (2 * d + 4) * u * 2;
      }
      model[i] = std::max(model[i], e);
    }
  return model;
}

// Bounds on |x_ic - T_ic| through the certified enclosure [lo, hi] of T_ic:
// |x - T| <= max(|x - lo|, |x - hi|). A non-finite x counts as infinitely far.
struct Deviation {
  double worst = 0;         // max over entries of the bound on |x - T|
  double worst_excess = 0;  // max over entries of (bound on |x - T|) / (tolerance of its row)
};

Deviation deviation(const Matrix& x, const CertifiedOutput& exact, const std::vector<double>& tolerance_by_row) {
  Deviation dev;
  for (std::size_t i = 0; i < x.rows; ++i)
    for (std::size_t c = 0; c < x.cols; ++c) {
      const EntryOutcome& e = exact.at(i, c);
      const double v = x.at(i, c);
      const double bound = std::isfinite(v) ? std::max(std::abs(v - e.lo), std::abs(v - e.hi)) : INFINITY;
      dev.worst = std::max(dev.worst, bound);
      dev.worst_excess = std::max(dev.worst_excess, bound == 0 ? 0.0 : bound / tolerance_by_row[i]);
    }
  return dev;
}

CertifiedOutput certified(const Problem& p) { return evaluate_certified(p, EvalOptions{}); }

// x scaled by a power of two (exactly) into [-limit, limit].
double tame(double x, double limit) {
  while (std::abs(x) > limit) x = std::ldexp(x, -4);
  return x;
}

// The same problem with the entries of Q, K (and W) brought into [-2, 2] by powers of two and the
// large offsets (about 10^6) of the generator removed, so that every logit is below 6 * 4 |s|
// (kind general: 36 * 4 |s|) and every position below 10: there binary64 is accurate to 1e-12.
Problem tamed(Problem p) {
  for (double& x : p.Q.values) x = tame(x, 2);
  for (double& x : p.K.values) x = tame(x, 2);
  for (Matrix& w : p.W)
    for (double& x : w.values) x = tame(x, 1);
  if (p.kind == Kind::rope && p.rope.k_offset >= 1000000) {
    p.rope.k_offset -= 1000000;
    p.rope.q_offset -= 1000000;
  }
  return p;
}

bool same_bits(const Matrix& a, const Matrix& b) {
  return a.rows == b.rows && a.cols == b.cols &&
         std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(double)) == 0;
}

// Whether the compiler may fuse a * b + c into one rounding. GCC's C++ default is
// -ffp-contract=fast: with a target that has FMA (-march=native on recent x86-64, aarch64) it fuses
// wherever it likes, not necessarily alike in the library and in this file. The x86-64 baseline
// has no FMA, so nothing is fused there.
#ifdef __FP_FAST_FMA
constexpr bool fused_multiply_add = true;
#else
constexpr bool fused_multiply_add = false;
#endif

// RN64 of the exact scale, each rule by one correctly rounded operation: IEEE division 1.0 / d (d is
// exact), MPFR's rec_sqrt at 53 bits, glibc's strtod (correctly rounded).
double nearest_scale(const Problem& p) {
  switch (p.scale.rule) {
    case Scale::Rule::inv_d:
      return 1.0 / static_cast<double>(p.d());
    case Scale::Rule::inv_sqrt_d: {
      mpfr_t x;
      mpfr_init2(x, 53);
      mpfr_set_ui(x, p.d(), MPFR_RNDN);
      mpfr_rec_sqrt(x, x, MPFR_RNDN);
      const double s = mpfr_get_d(x, MPFR_RNDN);  // exact: x has 53 bits
      mpfr_clear(x);
      return s;
    }
    case Scale::Rule::decimal:
      return std::strtod(p.scale.decimal.c_str(), nullptr);
  }
  return 0;
}

// The slow twin of attention_quadratic_double, written from its contract (attention_double.hpp)
// with the same operations in the same order, one logit at a time, no packing, no blocks. Equal
// bit for bit when nothing is fused; otherwise (fused_multiply_add) only close.
Matrix twin(const Problem& p) {
  const std::size_t n_q = p.n_q(), n_k = p.n_k(), d = p.d(), d_v = p.d_v();
  const double s = nearest_scale(p);
  auto rotated = [&](const Matrix& x, std::size_t row, std::int64_t position) {
    std::vector<double> y(&x.values[row * d], &x.values[row * d] + d);
    const auto planes = rotary_planes(p.rope.rotary_dim, p.rope.pairing);
    for (std::size_t q = 0; q < planes.size(); ++q) {
      double theta;
      if (p.rope.angles == Angles::pythagorean) {
        const double u = static_cast<double>(q + 2);
        theta = std::atan2(2.0 * u, u * u - 1.0);
      } else {
        theta = std::pow(p.rope.base, -static_cast<double>(2 * q) / static_cast<double>(p.rope.rotary_dim));
      }
      const double angle = static_cast<double>(position) * theta;
      const double c = std::cos(angle), sn = std::sin(angle);
      const auto [a, b] = planes[q];
      y[a] = x.at(row, a) * c - x.at(row, b) * sn;
      y[b] = x.at(row, a) * sn + x.at(row, b) * c;
    }
    return y;
  };
  Matrix out(n_q, d_v);
  for (std::size_t i = 0; i < n_q; ++i) {
    std::vector<double> logit;
    for (std::size_t j = 0; j < n_k && p.key_visible(i, j); ++j) {
      double dot = 0;
      if (p.kind == Kind::rope) {
        const std::vector<double> qi = rotated(p.Q, i, p.query_position(i)), kj = rotated(p.K, j, p.key_position(j));
        for (std::size_t l = 0; l < d; ++l) dot += qi[l] * kj[l];
      } else {
        const Matrix& w = p.coupling(static_cast<std::int64_t>(i) - static_cast<std::int64_t>(j));
        std::vector<double> mixed(d, 0.0);
        for (std::size_t a = 0; a < d; ++a)
          for (std::size_t b = 0; b < d; ++b) mixed[b] += p.Q.at(i, a) * w.at(a, b);
        for (std::size_t b = 0; b < d; ++b) dot += mixed[b] * p.K.at(j, b);
      }
      logit.push_back(dot * s);
    }
    const double top = *std::max_element(logit.begin(), logit.end());
    double total = 0;
    for (double& m : logit) {
      m = std::exp(m - top);
      total += m;
    }
    for (std::size_t c = 0; c < d_v; ++c) {
      double sum = 0;
      for (std::size_t j = 0; j < logit.size(); ++j) sum += logit[j] * p.V.at(j, c);
      out.at(i, c) = sum / total;
    }
  }
  return out;
}

}  // namespace

// ---- hand cases --------------------------------------------------------------------------------

TEST_CASE("n = 1 gives the V row exactly", "[attention-double][hand]") {
  const Problem rope = rope_problem(rows_of({{0.75, -3.5}}), rows_of({{2.0, 1.25}}), rows_of({{0.1, -7.0, 1e-300}}));
  const Matrix out = attention_quadratic_double(rope);
  REQUIRE(out.rows == 1);
  REQUIRE(out.cols == 3);
  for (std::size_t c = 0; c < 3; ++c) CHECK(out.at(0, c) == rope.V.at(0, c));

  // A huge logit (about 1.4e6) alone in its row: exp(M - max) = 1.
  const Problem general =
      general_problem(rows_of({{1024.0}}), rows_of({{1024.0}}), rows_of({{0.3, -2.5}}), {rows_of({{1.375}})});
  const Matrix g = attention_quadratic_double(general);
  CHECK(g.at(0, 0) == 0.3);
  CHECK(g.at(0, 1) == -2.5);
}

TEST_CASE("two equal logits give the mean of the two V rows", "[attention-double][hand]") {
  // Q = 0: every logit is 0.
  const Problem zero =
      rope_problem(rows_of({{0.0, 0.0}}), rows_of({{1.0, 2.0}, {-3.0, 0.5}}), rows_of({{1.0, -0.5}, {2.0, 3.0}}));
  const Matrix out = attention_quadratic_double(zero);
  CHECK(out.at(0, 0) == 1.5);
  CHECK(out.at(0, 1) == 1.25);

  // Kind general, row 1: logits 3 * W_1 * 1 = 6 and 3 * W_0 * 1 = 6, both nonzero and equal.
  const Problem equal =
      general_problem(rows_of({{1.0}, {3.0}}), rows_of({{1.0}, {1.0}}), rows_of({{10.0, 1.0}, {20.0, -7.0}}),
                      {rows_of({{-5.0}}), rows_of({{2.0}}), rows_of({{2.0}})});
  const Matrix eq = attention_quadratic_double(equal);
  CHECK(eq.at(1, 0) == 15.0);
  CHECK(eq.at(1, 1) == -3.0);
}

TEST_CASE("logits near 800 (exp overflows without the row maximum) stay finite and accurate",
          "[attention-double][hand][overflow]") {
  // Kind general, d = 1, scale 1, Q = K = 1: row 0 has logits 800 (j = 0) and 799 (j = 1), row 1
  // has 801 and 800. exp(800) overflows binary64 (max ~ e^709.78). T_0 = (V0 + e^-1 V1) / (1 + e^-1).
  const Problem p = general_problem(rows_of({{1.0}, {1.0}}), rows_of({{1.0}, {1.0}}), rows_of({{1.0}, {-2.0}}),
                                    {rows_of({{799.0}}), rows_of({{800.0}}), rows_of({{801.0}})});
  const Matrix out = attention_quadratic_double(p);
  REQUIRE(std::isfinite(out.at(0, 0)));
  REQUIRE(std::isfinite(out.at(1, 0)));
  const double e1 = std::exp(-1.0);
  CHECK(out.at(0, 0) == Approx((1.0 - 2.0 * e1) / (1.0 + e1)).epsilon(1e-14));
  CHECK(out.at(1, 0) == Approx((1.0 - 2.0 * e1) / (1.0 + e1)).epsilon(1e-14));
  const Deviation dev = deviation(out, certified(p), std::vector<double>(2, 1e-12 * max_abs(p.V)));
  CHECK(dev.worst_excess <= 1.0);
}

TEST_CASE("the rotation is R_{b_j - a_i}: a logit with sin 1 of the right sign", "[attention-double][hand]") {
  // d = 2, scale 1, theta_0 = 1. Query row 0 at position 0, q = (1, 0). Key 0 = 0 (logit 0),
  // key 1 = (0, 1) at position 1: R_1 k = (-sin 1, cos 1), so M_01 = -sin 1 and
  // T_0 = e^{-sin 1} / (1 + e^{-sin 1}) for V = (0, 1).
  Problem p = rope_problem(rows_of({{1.0, 0.0}}), rows_of({{0.0, 0.0}, {0.0, 1.0}}), rows_of({{0.0}, {1.0}}));
  p.scale.rule = Scale::Rule::decimal;
  p.scale.decimal = "1";
  const double w = std::exp(-std::sin(1.0));
  CHECK(attention_quadratic_double(p).at(0, 0) == Approx(w / (1 + w)).epsilon(1e-14));
  // Both interleaved and half pairing give the same for d = 2.
  p.rope.pairing = Pairing::interleaved;
  CHECK(attention_quadratic_double(p).at(0, 0) == Approx(w / (1 + w)).epsilon(1e-14));
}

TEST_CASE("causal row 0 sees only key 0 and gives V_0 exactly", "[attention-double][hand]") {
  const Problem p =
      rope_problem(rows_of({{1.0, 2.0}, {0.5, -1.0}, {3.0, 3.0}}), rows_of({{-1.0, 0.25}, {2.0, 2.0}, {0.125, -4.0}}),
                   rows_of({{0.1, 9.0}, {2.0, -3.0}, {1e10, 0.0}}), MaskKind::causal);
  const Matrix out = attention_quadratic_double(p);
  CHECK(out.at(0, 0) == 0.1);
  CHECK(out.at(0, 1) == 9.0);
  CHECK(std::abs(out.at(1, 0)) < 1e9);  // row 1 does not see key 2
  const Deviation dev = deviation(out, certified(p), std::vector<double>(3, 1e-12 * max_abs(p.V)));
  CHECK(dev.worst_excess <= 1.0);
}

TEST_CASE("rotary_dim < d passes the last dimensions through", "[attention-double][hand]") {
  // d = 4, rotary_dim = 2: dimensions 2 and 3 are not rotated, so with Q and K zero in plane 0 the
  // logits are q_2 k_2 + q_3 k_3 whatever the positions (here offsets 5 and 0).
  Problem p = rope_problem(rows_of({{0.0, 0.0, 1.0, 2.0}}), rows_of({{0.0, 0.0, 1.0, 0.0}, {0.0, 0.0, 0.0, 1.0}}),
                           rows_of({{1.0}, {0.0}}));
  p.rope.rotary_dim = 2;
  p.rope.q_offset = 5;
  p.scale.rule = Scale::Rule::decimal;
  p.scale.decimal = "1";
  validate_problem(p, "test");
  // logits 1 and 2: T = e / (e + e^2) = 1 / (1 + e)
  CHECK(attention_quadratic_double(p).at(0, 0) == Approx(1 / (1 + std::exp(1.0))).epsilon(1e-14));
}

// ---- against the certified evaluator ----------------------------------------------------------

TEST_CASE("within 1e-12 max|V| of the certified value on problems with small logits and positions",
          "[attention-double][property]") {
  rc::prop("tamed generator problems, both kinds", [] {
    const Problem p = tamed(*ropecert_test::gen_problem());
    RC_LOG() << describe(p);
    validate_problem(p, "generated");
    RC_CLASSIFY(p.kind == Kind::general, "general");
    RC_CLASSIFY(p.mask == MaskKind::causal, "causal");
    RC_CLASSIFY(p.kind == Kind::rope && p.rope.rotary_dim < p.d(), "rotary_dim < d");
    RC_CLASSIFY(p.kind == Kind::rope && p.rope.pairing == Pairing::interleaved, "interleaved");
    const Matrix out = attention_quadratic_double(p);
    const Deviation dev = deviation(out, certified(p), std::vector<double>(p.n_q(), 1e-12 * max_abs(p.V)));
    RC_LOG() << "worst |x - T| bound " << dev.worst << ", max|V| " << max_abs(p.V);
    RC_ASSERT(dev.worst_excess <= 1.0);
  });
}

TEST_CASE("within the modelled binary64 error of the certified value on raw generator problems",
          "[attention-double][property]") {
  rc::prop("generator problems with large entries and offsets ~ 10^6", [] {
    const Problem p = *ropecert_test::gen_problem();
    RC_LOG() << describe(p);
    validate_problem(p, "generated");
    const std::vector<double> model = logit_error_model(p);
    std::vector<double> tolerance(p.n_q());
    const double v = max_abs(p.V);
    bool tight = true;
    for (std::size_t i = 0; i < p.n_q(); ++i) {
      tolerance[i] = v * (1e-12 + std::expm1(2 * model[i]));
      tight = tight && tolerance[i] <= 1e-9 * v;
    }
    RC_CLASSIFY(tight, "tolerance <= 1e-9 max|V|");
    RC_CLASSIFY(p.kind == Kind::rope && p.rope.k_offset >= 1000000, "offset ~ 10^6");
    const Matrix out = attention_quadratic_double(p);
    const Deviation dev = deviation(out, certified(p), tolerance);
    RC_LOG() << "worst |x - T| bound " << dev.worst << ", worst ratio to the tolerance " << dev.worst_excess;
    RC_ASSERT(dev.worst_excess <= 1.0);
  });
}

TEST_CASE("n = 300 (75 row blocks, 75 key panels), causal and not, is within 1e-12 max|V|",
          "[attention-double][blocks]") {
  // Row blocks whose rows see different numbers of keys; offsets 0, half pairing, base 10000.
  for (MaskKind mask : {MaskKind::causal, MaskKind::none}) {
    const Problem p = synthetic_rope_problem(300, 8, mask, 1.0, 7);
    const Matrix out = attention_quadratic_double(p, 2);
    const Deviation dev = deviation(out, certified(p), std::vector<double>(p.n_q(), 1e-12 * max_abs(p.V)));
    INFO("worst |x - T| bound " << dev.worst);
    CHECK(dev.worst_excess <= 1.0);
  }
}

// ---- against the slow twin, and thread independence -------------------------------------------

// Bit for bit without fused multiply-adds; with them, within 1e-12 max|V| on tamed problems (where
// one rounding more or less in a logit moves T by far less).
bool agrees_with_twin(const Matrix& x, const Problem& p) {
  const Matrix y = twin(p);
  if (!fused_multiply_add) return same_bits(x, y);
  if (x.rows != y.rows || x.cols != y.cols) return false;
  for (std::size_t e = 0; e < x.values.size(); ++e)
    if (!(std::abs(x.values[e] - y.values[e]) <= 1e-12 * max_abs(p.V))) return false;
  return true;
}

TEST_CASE("bit-identical to the slow twin written from the contract", "[attention-double][twin]") {
  rc::prop("generator problems, up to 12 rows", [] {
    ropecert_test::ProblemLimits limits;
    limits.max_n = 12;
    limits.max_half_d = 4;
    const Problem raw = *ropecert_test::gen_problem(limits);
    const Problem p = fused_multiply_add ? tamed(raw) : raw;
    RC_LOG() << describe(p);
    validate_problem(p, "generated");
    RC_ASSERT(agrees_with_twin(attention_quadratic_double(p), p));
  });
  // Partial last row block and key panel (n = 263 = 65 * 4 + 3), causal with an offset,
  // interleaved pairing, rotary_dim < d.
  Problem p = synthetic_rope_problem(263, 6, MaskKind::causal, 2.0, 11);
  p.rope.q_offset = 40;
  p.rope.rotary_dim = 4;
  p.rope.pairing = Pairing::interleaved;
  validate_problem(p, "synthetic");
  CHECK(agrees_with_twin(attention_quadratic_double(p), p));
}

TEST_CASE("the result does not depend on the thread count", "[attention-double][threads]") {
  const Problem p = synthetic_rope_problem(301, 8, MaskKind::causal, 1.0, 3);
  const Matrix one = attention_quadratic_double(p, 1);
  for (unsigned threads : {2u, 3u, 7u, 0u}) {
    INFO("threads " << threads);
    CHECK(same_bits(one, attention_quadratic_double(p, threads)));
  }
  rc::prop("generator problems, 1 vs 3 threads", [] {
    ropecert_test::ProblemLimits limits;
    limits.max_n = 12;
    const Problem p = *ropecert_test::gen_problem(limits);
    RC_LOG() << describe(p);
    RC_ASSERT(same_bits(attention_quadratic_double(p, 1), attention_quadratic_double(p, 3)));
  });
}
