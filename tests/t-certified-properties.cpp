// Consistency properties of the certified evaluator: the same quantity computed two ways, on both routes.
// RapidCheck seeds are pinned in CTest (RC_PARAMS); set RC_PARAMS="seed=N" to reproduce.
#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include "ropecert/certified_eval.hpp"
#include "ropecert/fixed_precision_eval.hpp"
#include "ropecert/rope_geometry.hpp"
#include "support/case_generators.hpp"
#include "support/hex_text.hpp"

using namespace ropecert;
using ropecert_test::same_bits;
using ropecert_test::describe;

namespace {

// Every property runs on both routes: the fast route (with its fallback) and the MPFI Ziv loop alone.
constexpr EvalRoute routes[] = {EvalRoute::fast, EvalRoute::mpfi};
const char* route_name(EvalRoute route) { return route == EvalRoute::fast ? "fast route" : "mpfi route"; }

CertifiedOutput evaluate(const Problem& p, EvalRoute route, unsigned threads = 1) {
  EvalOptions options;
  options.route = route;
  options.threads = threads;
  return evaluate_certified(p, options);
}

bool overlap(double lo1, double hi1, double lo2, double hi2) { return lo1 <= hi2 && lo2 <= hi1; }

// [min, max] of V's column c over the keys visible from row i.
std::pair<double, double> visible_range(const Problem& p, std::size_t i, std::size_t c) {
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t j = 0; j < p.n_k(); ++j)
    if (p.key_visible(i, j)) {
      lo = std::min(lo, p.V.at(j, c));
      hi = std::max(hi, p.V.at(j, c));
    }
  return {lo, hi};
}

void assert_same_roundings(const CertifiedOutput& a, const CertifiedOutput& b) {
  RC_ASSERT(a.entries.size() == b.entries.size());
  for (std::size_t e = 0; e < a.entries.size(); ++e) {
    RC_ASSERT(a.entries[e].t64_decided);
    RC_ASSERT(b.entries[e].t64_decided);
    RC_ASSERT(same_bits(a.entries[e].t64, b.entries[e].t64));
    RC_ASSERT(same_bits(a.entries[e].t32, b.entries[e].t32));
  }
}

// Exact-sum check (TwoSum error term is zero): x + y is representable.
bool sum_is_exact(double x, double y) {
  const double s = x + y, yy = s - x;
  return (x - (s - yy)) + (y - yy) == 0;
}

}  // namespace

TEST_CASE("enclosures at two precisions overlap and the higher one is narrower", "[properties]") {
  rc::prop("64 vs 256 bits", [] {
    const Problem p = *ropecert_test::gen_problem();
    RC_LOG() << describe(p);
    validate_problem(p, "generated");
    const FixedPrecisionEvaluator low(p, 64), high(p, 256);
    for (std::size_t i = 0; i < p.n_q(); ++i) {
      const RowSoftmax soft_low = low.softmax(i), soft_high = high.softmax(i);
      for (std::size_t c = 0; c < p.d_v(); ++c) {
        const Interval a = low.output(soft_low, c), b = high.output(soft_high, c);
        RC_ASSERT(mpfr_lessequal_p(&a.get()->left, &b.get()->right));
        RC_ASSERT(mpfr_lessequal_p(&b.get()->left, &a.get()->right));
        mpfr_t width_a, width_b;
        mpfr_inits2(300, width_a, width_b, (mpfr_ptr)nullptr);
        mpfi_diam_abs(width_a, a.get());
        mpfi_diam_abs(width_b, b.get());
        RC_ASSERT(mpfr_lessequal_p(width_b, width_a));
        if (!mpfr_zero_p(width_a)) RC_ASSERT(mpfr_less_p(width_b, width_a));
        mpfr_clears(width_a, width_b, (mpfr_ptr)nullptr);
      }
    }
  });
}

TEST_CASE("softmax weights of a row sum to an interval containing 1", "[properties]") {
  rc::prop("sum of weights", [] {
    const Problem p = *ropecert_test::gen_problem();
    RC_LOG() << describe(p);
    const FixedPrecisionEvaluator evaluator(p, 64);
    for (std::size_t i = 0; i < p.n_q(); ++i) {
      Interval sum(64);
      for (const Interval& w : evaluator.weights(i)) mpfi_add(sum.get(), sum.get(), w.get());
      RC_ASSERT(mpfr_cmp_ui(&sum.get()->left, 1) <= 0);
      RC_ASSERT(mpfr_cmp_ui(&sum.get()->right, 1) >= 0);
    }
  });
}

TEST_CASE("each output lies within the range of the visible V entries", "[properties]") {
  rc::prop("convex combination", [] {
    const Problem p = *ropecert_test::gen_problem();
    RC_LOG() << describe(p);
    for (const EvalRoute route : routes) {
      RC_LOG() << route_name(route);
      const CertifiedOutput out = evaluate(p, route);
      for (std::size_t i = 0; i < p.n_q(); ++i)
        for (std::size_t c = 0; c < p.d_v(); ++c) {
          const auto [lo, hi] = visible_range(p, i, c);
          const EntryOutcome& e = out.at(i, c);
          RC_ASSERT(e.t64_decided);
          RC_ASSERT(lo <= e.t64);
          RC_ASSERT(e.t64 <= hi);
          RC_ASSERT(overlap(e.lo, e.hi, lo, hi));
        }
    }
  });
}

TEST_CASE("the output is linear in V", "[properties]") {
  rc::prop("T(V + V') meets T(V) + T(V'), and T(2V) = 2 T(V) after rounding", [] {
    const Problem p = *ropecert_test::gen_problem();
    Problem p2 = p, p_sum = p, p_double = p;
    for (double& x : p2.V.values) x = *ropecert_test::gen_entry();
    for (std::size_t e = 0; e < p.V.values.size(); ++e) {
      RC_PRE(sum_is_exact(p.V.values[e], p2.V.values[e]));
      p_sum.V.values[e] = p.V.values[e] + p2.V.values[e];
      p_double.V.values[e] = 2 * p.V.values[e];
    }
    RC_LOG() << describe(p) << " V'=" << describe(p2);
    for (const EvalRoute route : routes) {
      RC_LOG() << route_name(route);
      const CertifiedOutput a = evaluate(p, route), b = evaluate(p2, route), sum = evaluate(p_sum, route),
                            twice = evaluate(p_double, route);
      for (std::size_t e = 0; e < a.entries.size(); ++e) {
        Interval ia(64), ib(64);
        mpfi_interv_d(ia.get(), a.entries[e].lo, a.entries[e].hi);
        mpfi_interv_d(ib.get(), b.entries[e].lo, b.entries[e].hi);
        mpfi_add(ia.get(), ia.get(), ib.get());
        RC_ASSERT(mpfr_cmp_d(&ia.get()->left, sum.entries[e].hi) <= 0);
        RC_ASSERT(mpfr_cmp_d(&ia.get()->right, sum.entries[e].lo) >= 0);
        // Doubling is exact in binary64 away from the subnormal range.
        if (std::fabs(a.entries[e].t64) >= 0x1p-1000 || a.entries[e].t64 == 0)
          RC_ASSERT(twice.entries[e].t64 == 2 * a.entries[e].t64);
      }
    }
  });
}

TEST_CASE("standard RoPE depends only on relative positions", "[properties]") {
  rc::prop("shifting q_offset and k_offset together keeps the correctly rounded outputs", [] {
    const Problem p = *ropecert_test::gen_rope_problem();
    const std::int64_t shift = *rc::gen::element<std::int64_t>(1, 17, 1000000, 123456789);
    Problem shifted = p;
    shifted.rope.q_offset += shift;
    shifted.rope.k_offset += shift;
    RC_LOG() << describe(p) << " shift=" << shift;
    for (const EvalRoute route : routes) {
      RC_LOG() << route_name(route);
      assert_same_roundings(evaluate(p, route), evaluate(shifted, route));
    }
  });
}

TEST_CASE("half and interleaved pairings agree after the matching column permutation", "[properties]") {
  rc::prop("half(Q, K) == interleaved(Q P, K P)", [] {
    Problem half = *ropecert_test::gen_rope_problem();
    half.rope.pairing = Pairing::half;
    Problem interleaved = half;
    interleaved.rope.pairing = Pairing::interleaved;
    // Plane p is (p, p + r/2) in half pairing and (2p, 2p + 1) interleaved.
    const auto from = rotary_planes(half.rope.rotary_dim, Pairing::half);
    const auto to = rotary_planes(half.rope.rotary_dim, Pairing::interleaved);
    for (std::size_t p = 0; p < from.size(); ++p)
      for (Matrix Problem::*m : {&Problem::Q, &Problem::K})
        for (std::size_t row = 0; row < (half.*m).rows; ++row) {
          (interleaved.*m).at(row, to[p].first) = (half.*m).at(row, from[p].first);
          (interleaved.*m).at(row, to[p].second) = (half.*m).at(row, from[p].second);
        }
    RC_LOG() << describe(half);
    for (const EvalRoute route : routes) {
      RC_LOG() << route_name(route);
      assert_same_roundings(evaluate(half, route), evaluate(interleaved, route));
    }
  });
}

TEST_CASE("kind general with W_k = RN64(R_-k) agrees with kind rope within the rounding perturbation",
          "[properties]") {
  // proofs-notes/10-certified-evaluation.md, Lemma 7: with |W~ - R| <= 2^-53 entrywise,
  // |M~_ij - M_ij| <= delta_i := |s| 2^-53 max_j sum_p (|q_a| + |q_b|)(|k_a| + |k_b|), and
  // |T~_ic - T_ic| <= (e^{2 delta_i} - 1) (max_j V_jc - min_j V_jc) / 2 over the visible keys.
  rc::prop("rope vs rounded general", [] {
    Problem rope = *ropecert_test::gen_rope_problem();
    rope.rope.q_offset = rope.rope.k_offset = 0;
    rope.K.rows = rope.V.rows = rope.Q.rows;  // general kind needs n_q = n_k
    rope.K.values.resize(rope.K.rows * rope.K.cols);
    rope.V.values.resize(rope.V.rows * rope.V.cols);
    validate_problem(rope, "generated");
    const std::size_t n = rope.n_q(), d = rope.d();
    const auto planes = rotary_planes(rope.rope.rotary_dim, rope.rope.pairing);
    const std::vector<Interval> theta = enclose_frequencies(rope.rope, 256);

    Problem general = rope;
    general.kind = Kind::general;
    for (std::int64_t k = -std::int64_t(n - 1); k <= std::int64_t(n - 1); ++k) {
      Matrix w(d, d);
      for (std::size_t l = rope.rope.rotary_dim; l < d; ++l) w.at(l, l) = 1;
      for (std::size_t p = 0; p < planes.size(); ++p) {
        Interval angle(256), cosine(256), sine(256);
        mpfi_mul_si(angle.get(), theta[p].get(), -k);  // R_{-k}
        mpfi_cos(cosine.get(), angle.get());
        mpfi_sin(sine.get(), angle.get());
        const double c = mpfi_get_d(cosine.get()), s = mpfi_get_d(sine.get());
        const auto [a, b] = planes[p];
        w.at(a, a) = c;
        w.at(a, b) = -s;
        w.at(b, a) = s;
        w.at(b, b) = c;
      }
      general.W.push_back(w);
    }
    RC_LOG() << describe(rope);
    // Kind general is never on the fast route (it falls back whole): the route matters for the rope side.
    const EvalRoute route = *rc::gen::element(EvalRoute::fast, EvalRoute::mpfi);
    RC_TAG(route_name(route));
    const CertifiedOutput out_rope = evaluate(rope, route), out_general = evaluate(general, route);
    const double scale_bound = rope.scale.rule == Scale::Rule::decimal ? std::fabs(std::stod(rope.scale.decimal)) : 1.0;
    for (std::size_t i = 0; i < n; ++i) {
      double delta = 0;
      for (std::size_t j = 0; j < n; ++j) {
        if (!rope.key_visible(i, j)) continue;
        double sum = 0;
        for (const auto& [a, b] : planes)
          sum += (std::fabs(rope.Q.at(i, a)) + std::fabs(rope.Q.at(i, b))) *
                 (std::fabs(rope.K.at(j, a)) + std::fabs(rope.K.at(j, b)));
        delta = std::max(delta, scale_bound * std::ldexp(sum, -53));
      }
      for (std::size_t c = 0; c < rope.d_v(); ++c) {
        const auto [lo, hi] = visible_range(rope, i, c);
        // 1.01: slack for evaluating the bound itself in binary64, not for the lemma.
        const double bound = 1.01 * std::expm1(2 * delta) * (hi - lo) / 2;
        const EntryOutcome &r = out_rope.at(i, c), &g = out_general.at(i, c);
        const double gap = std::max({0.0, r.lo - g.hi, g.lo - r.hi});
        RC_ASSERT(gap <= bound);
      }
    }
  });
}

TEST_CASE("results do not depend on the thread count", "[properties]") {
  rc::prop("1 thread vs 2 threads", [] {
    const Problem p = *ropecert_test::gen_problem({6, 3, 3});
    RC_LOG() << describe(p);
    for (const EvalRoute route : routes) {
      RC_LOG() << route_name(route);
      const CertifiedOutput one = evaluate(p, route, 1), two = evaluate(p, route, 2);
      RC_ASSERT(one.entries.size() == two.entries.size());
      for (std::size_t e = 0; e < one.entries.size(); ++e) {
        const EntryOutcome &x = one.entries[e], &y = two.entries[e];
        RC_ASSERT(same_bits(x.t64, y.t64));
        RC_ASSERT(same_bits(x.t32, y.t32));
        RC_ASSERT(same_bits(x.lo, y.lo));
        RC_ASSERT(same_bits(x.hi, y.hi));
        RC_ASSERT(x.precision == y.precision);
      }
      RC_ASSERT(one.exact_rows == two.exact_rows);
    }
  });
}
