// The fast certified route of evaluate_certified (fast_certified_route.hpp, proofs-notes/13, section fast_route)
// against its slow twin, the MPFI Ziv loop (EvalRoute::mpfi), and the independent Arb oracle: both routes decide
// every entry with bitwise-identical roundings (signed zeros included), the fast route's enclosures meet the
// oracle's ball, and its summary accounts for every row. The generators aim at the cases where the fast route's
// error bounds are tight or where it must give up: huge logit gaps, cancellation to zero, exact rounding ties,
// subnormal outputs, huge entries. RapidCheck seeds are pinned in CTest (RC_PARAMS).
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include "ropecert/certified_eval.hpp"
#include "ropecert/fast_certified_route.hpp"
#include "support/arb_oracle.hpp"
#include "support/case_generators.hpp"
#include "support/hand_problems.hpp"
#include "support/hex_text.hpp"
#include "support/oracle_checks.hpp"

using namespace ropecert;
using ropecert_test::same_bits;
using ropecert_test::arb_attention;
using ropecert_test::ArbBall;
using ropecert_test::describe;
using ropecert_test::hex;

namespace {

constexpr slong oracle_precision = 600;
// Logits near 2^1020 need their absolute error far below 1 in the oracle's exp.
constexpr slong huge_oracle_precision = 2400;

CertifiedOutput evaluate(const Problem& p, EvalRoute route, unsigned threads = 1) {
  EvalOptions options;
  options.route = route;
  options.threads = threads;
  return evaluate_certified(p, options);
}

// The oracle's value of an entry as a double (its ball's midpoint rounded), for classifying cases only.
double approximate(const ArbBall& ball) { return arf_get_d(arb_midref(ball.get()), ARF_RND_NEAR); }

// The four roundings of an entry: whether decided, and the value.
const std::pair<bool EntryOutcome::*, double EntryOutcome::*> rounded_fields[] = {
    {&EntryOutcome::t64_decided, &EntryOutcome::t64},
    {&EntryOutcome::t32_decided, &EntryOutcome::t32},
    {&EntryOutcome::t16_decided, &EntryOutcome::t16},
    {&EntryOutcome::tbf16_decided, &EntryOutcome::tbf16}};

// The contract of the two routes on p (validated), the oracle at `precision` bits; returns the fast route's output.
// - both routes decide the same roundings (every one, if every_entry_decided), with the same bits;
// - every fast-route enclosure meets the oracle's ball, and every rounding the ball decides (bitwise, so a zero
//   of the wrong sign fails) is the routes' rounding;
// - fast.rows_decided + the fallback counts = n_q, and the rows whose entries say decided_by == fast are exactly
//   rows_decided many, each wholly so (a row is settled by one route).
CertifiedOutput check_routes(const Problem& p, slong precision = oracle_precision, bool every_entry_decided = true) {
  const CertifiedOutput fast = evaluate(p, EvalRoute::fast), slow = evaluate(p, EvalRoute::mpfi);
  const std::vector<ArbBall> oracle = arb_attention(p, precision);
  RC_ASSERT(fast.fast.ran);
  RC_ASSERT(!slow.fast.ran);
  std::size_t fallen = 0;
  for (const auto& [reason, rows] : fast.fast.fallback_rows) {
    RC_LOG() << "fallback: " << reason << " x " << rows;
    RC_ASSERT(!reason.empty());
    RC_ASSERT(rows > 0u);
    fallen += rows;
  }
  RC_ASSERT(fast.fast.rows_decided + fallen == p.n_q());
  std::size_t rows_by_fast = 0;
  for (std::size_t i = 0; i < p.n_q(); ++i) {
    const EvalRoute row_route = fast.at(i, 0).decided_by;
    if (row_route == EvalRoute::fast) ++rows_by_fast;
    for (std::size_t c = 0; c < p.d_v(); ++c) {
      RC_ASSERT(fast.at(i, c).decided_by == row_route);
      RC_ASSERT(slow.at(i, c).decided_by == EvalRoute::mpfi);
    }
  }
  RC_ASSERT(rows_by_fast == fast.fast.rows_decided);
  // The route's own enclosures at full precision, before the outward rounding to binary64 hides them (a bound
  // too small by far less than a binary64 ulp shows only here): each must meet the oracle's ball.
  std::vector<EntryOutcome> scratch(fast.entries.size());
  std::vector<char> observed(fast.entries.size(), 0), meets(fast.entries.size(), 0);
  evaluate_fast_route(p, 1, all_output_formats, scratch.data(), {}, [&](std::size_t i, std::size_t c, mpfi_srcptr t) {
    const std::size_t e = i * p.d_v() + c;
    observed[e] = 1;
    meets[e] = ropecert_test::consistent(oracle[e], &t->left, &t->right);
  });
  for (std::size_t e = 0; e < fast.entries.size(); ++e) {
    if (fast.entries[e].decided_by == EvalRoute::fast) RC_ASSERT(observed[e] != 0);
    if (observed[e] != 0) RC_ASSERT(meets[e] != 0);
  }
  // Without binary64 among the requested outputs the binary64 tier (FR.8) settles rows first: the same narrow
  // roundings as the Ziv loop, every one it decides, and its enclosures too must meet the oracle's ball.
  EvalOptions narrow_options;
  narrow_options.threads = 1;
  narrow_options.formats = output_binary32 | output_binary16 | output_bfloat16;
  const CertifiedOutput narrow = evaluate_certified(p, narrow_options);
  for (std::size_t e = 0; e < narrow.entries.size(); ++e)
    for (const auto& [decided, value] : rounded_fields) {
      if (decided == &EntryOutcome::t64_decided) continue;
      const bool narrow_decided = narrow.entries[e].*decided, slow_decided = slow.entries[e].*decided;
      if (slow_decided) RC_ASSERT(narrow_decided);  // asking for fewer formats never decides less
      if (narrow_decided && slow_decided) RC_ASSERT(same_bits(narrow.entries[e].*value, slow.entries[e].*value));
    }
  std::fill(observed.begin(), observed.end(), 0);
  evaluate_fast_route(p, 1, narrow_options.formats, scratch.data(), {}, [&](std::size_t i, std::size_t c, mpfi_srcptr t) {
    const std::size_t e = i * p.d_v() + c;
    observed[e] = 1;
    meets[e] = ropecert_test::consistent(oracle[e], &t->left, &t->right);
  });
  for (std::size_t e = 0; e < fast.entries.size(); ++e)
    if (observed[e] != 0) RC_ASSERT(meets[e] != 0);
  for (std::size_t e = 0; e < fast.entries.size(); ++e) {
    const EntryOutcome &f = fast.entries[e], &s = slow.entries[e];
    RC_LOG() << "entry " << e << ": fast t64 " << hex(f.t64) << " [" << hex(f.lo) << ", " << hex(f.hi)
             << "], mpfi t64 " << hex(s.t64);
    if (every_entry_decided) {
      RC_ASSERT(f.decided());
      RC_ASSERT(s.decided());
    }
    for (const auto& [decided, value] : rounded_fields) {
      const bool fast_decided = f.*decided, both_equal = same_bits(f.*value, s.*value);
      RC_ASSERT(fast_decided == s.*decided);
      if (fast_decided) RC_ASSERT(both_equal);
    }
    RC_ASSERT(f.lo <= f.hi);
    RC_ASSERT(ropecert_test::consistent(oracle[e], f.lo, f.hi));
    const ropecert_test::BallRoundings expected = ropecert_test::ball_roundings(oracle[e]);
    if (expected.decided64 && f.t64_decided) RC_ASSERT(same_bits(f.t64, expected.t64));
    if (expected.decided32 && f.t32_decided) RC_ASSERT(same_bits(f.t32, double(expected.t32)));
    if (expected.decided16 && f.t16_decided) RC_ASSERT(same_bits(f.t16, expected.t16));
    if (expected.decided_bf16 && f.tbf16_decided) RC_ASSERT(same_bits(f.tbf16, expected.tbf16));
  }
  return fast;
}

// Appends two columns to Q and K that no rotation touches (rotary_dim stays below d): query row i gets
// (q(i), 0), key row j gets (k(j), 0), so the logit M_ij gains s q(i) k(j). The scale rules 1/d, 1/sqrt(d)
// follow the new d.
template <class QueryColumn, class KeyColumn>
void append_pass_through(Problem& p, QueryColumn q, KeyColumn k) {
  for (Matrix* m : {&p.Q, &p.K}) {
    Matrix wider(m->rows, m->cols + 2);
    for (std::size_t i = 0; i < m->rows; ++i) {
      for (std::size_t l = 0; l < m->cols; ++l) wider.at(i, l) = m->at(i, l);
      wider.at(i, m->cols) = m == &p.Q ? q(i) : k(i);
    }
    *m = std::move(wider);
  }
}

// Keeps the first `rows` keys (or repeats generated ones up to `rows`): K and V get exactly `rows` rows.
void resize_keys(Problem& p, std::size_t rows) {
  for (Matrix* m : {&p.K, &p.V}) {
    Matrix resized(rows, m->cols);
    for (std::size_t j = 0; j < rows; ++j)
      for (std::size_t l = 0; l < m->cols; ++l) resized.at(j, l) = m->at(j % m->rows, l);
    *m = std::move(resized);
  }
}

ropecert_test::ProblemLimits with_conventions() {
  ropecert_test::ProblemLimits limits;
  limits.conventions = true;
  return limits;
}

// A rope problem of any convention (pairing, rotary_dim <= d, HF scaling, inv_freq and cos/sin emulation).
Problem gen_conventions_problem() { return *ropecert_test::gen_rope_problem(with_conventions()); }

// The magnitude of the scale s, roughly (for classifying cases only).
double rough_scale(const Problem& p) {
  switch (p.scale.rule) {
    case Scale::Rule::inv_d:
      return 1.0 / double(p.d());
    case Scale::Rule::inv_sqrt_d:
      return 1.0 / std::sqrt(double(p.d()));
    case Scale::Rule::decimal:
      break;
  }
  return std::fabs(std::stod(p.scale.decimal));
}

}  // namespace

TEST_CASE("fast and mpfi routes agree bitwise and contain the oracle, every convention", "[fast-route]") {
  rc::prop("random problems, positions up to 2^40", [] {
    Problem p = *ropecert_test::gen_problem(with_conventions());
    if (p.kind == Kind::rope) {
      // Large positions: both offsets move together (so causal rows stay non-empty) or, without a mask, apart.
      const std::int64_t shift = *rc::gen::element<std::int64_t>(0, 0, (1 << 20) + 3, (std::int64_t{1} << 33) - 1,
                                                                 (std::int64_t{1} << 40) - 5);
      p.rope.q_offset += shift;
      p.rope.k_offset += p.mask == MaskKind::none ? *rc::gen::element<std::int64_t>(0, shift) : shift;
      RC_CLASSIFY(p.rope.q_offset >= (std::int64_t{1} << 33) || p.rope.k_offset >= (std::int64_t{1} << 33),
                  "position >= 2^33");
      RC_CLASSIFY(p.rope.rotary_dim < p.d(), "rotary_dim < d");
      RC_CLASSIFY(p.rope.scaling.kind != RopeScalingKind::none, "rope scaling");
      RC_CLASSIFY(p.rope.emulate.inv_freq != InvFreqEmulation::exact, "inv_freq emulated");
      RC_CLASSIFY(p.rope.emulate.cos_sin != CosSinEmulation::exact, "cos/sin emulated");
    }
    validate_problem(p, "generated");
    RC_LOG() << describe(p);
    RC_TAG(p.kind == Kind::rope ? (p.rope.pairing == Pairing::half ? "rope half" : "rope interleaved") : "general",
           p.mask == MaskKind::causal ? "causal" : "no mask");
    // Rarely both routes leave an entry undecided at 4096 bits (equal logits through different pythagorean
    // rotations, which the Ziv loop cannot prove equal); check_routes still requires that they agree on it.
    const CertifiedOutput fast = check_routes(p, oracle_precision, false);
    RC_CLASSIFY(fast.undecided_count() != 0, "undecided by both routes");
    if (p.kind == Kind::general) {
      RC_ASSERT(fast.fast.rows_decided == 0u);
      RC_ASSERT(fast.fast.fallback_rows.size() == 1u);
    }
    RC_CLASSIFY(fast.fast.rows_decided == p.n_q(), "every row on the fast route");
  });
}

TEST_CASE("fast route, hard cases: every route agrees with the other and with the oracle", "[fast-route][hard]") {
  rc::prop("huge logit gaps: all weights but one below exp(-600)", [] {
    Problem p = gen_conventions_problem();
    // Key j0 gains s G over the others (the exp domain's lower end is -600, FR.4); its V row is sometimes 0,
    // so that T is only the tiny weights' sum, whose sign must survive.
    const std::size_t j0 = *rc::gen::inRange<std::size_t>(0, p.n_k());
    const double gap = *rc::gen::element(0x1p10, 0x1p12, 0x1p14, 0x1p20);
    append_pass_through(p, [&](std::size_t) { return gap; }, [&](std::size_t j) { return j == j0 ? 1.0 : 0.0; });
    if (*rc::gen::element(0, 1, 2) == 0)
      for (std::size_t c = 0; c < p.d_v(); ++c) p.V.at(j0, c) = 0;
    validate_problem(p, "generated");
    RC_LOG() << describe(p) << " j0=" << j0;
    RC_CLASSIFY(rough_scale(p) * gap > 700, "bonus logit s G > 700");
    RC_CLASSIFY(p.V.at(j0, 0) == 0, "V row of the dominant key is 0");
    // A binary16 midpoint moved by e^-(s G) (far below 2^-4096) is undecidable by both routes; they must agree.
    const CertifiedOutput fast = check_routes(p, oracle_precision, false);
    RC_CLASSIFY(fast.undecided_count() != 0, "undecided by both routes");
  });

  rc::prop("large logits with moderate differences: logit errors above the exp's 2^-100", [] {
    Problem p = gen_conventions_problem();
    // Every visible key gains the same s G (softmax ignores it), so the weights stay moderate while the
    // logits' own rounding errors (double-word sums, dropped slice pairs, FR.2, FR.3) grow like G 2^-106.
    const double big = *rc::gen::element(0x1p10, 0x1p20, 0x1p30, 0x1p40);
    append_pass_through(p, [&](std::size_t) { return big; }, [](std::size_t) { return 1.0; });
    validate_problem(p, "generated");
    RC_LOG() << describe(p);
    RC_CLASSIFY(rough_scale(p) * big >= 0x1p20, "logits >= 2^20");
    const CertifiedOutput fast = check_routes(p);
    RC_CLASSIFY(fast.fast.rows_decided == p.n_q(), "every row on the fast route");
  });

  rc::prop("exact ties through different rotations: equal logits, a binary64 midpoint mean", [] {
    // Pythagorean plane u = 2 (cos = 3/5, sin = 4/5): R_1 (5, 0) = (3, 4), so key 0 = (3, 4) at b and key 1 = (5, 0)
    // at b + 1 have R_b k_0 = R_{b+1} k_1 and every query gives them equal logits, which the fast route computes
    // along different paths (different rounding errors, large for a large q). T_ic is then the mean of V's column,
    // made a binary64 midpoint below, so no enclosure decides it and every row must fall back.
    Problem p = *ropecert_test::gen_rope_problem();
    p.rope.angles = Angles::pythagorean;
    p.rope.rotary_dim = 2;
    p.mask = MaskKind::none;
    const double big = *rc::gen::element(1.0, 0x1p10, 0x1p20, 0x1p30);
    for (double& q : p.Q.values) q *= big;
    resize_keys(p, 2);
    const double key_scale = std::ldexp(1.0, *rc::gen::inRange(-4, 5));
    p.K.at(0, 0) = 3 * key_scale;
    p.K.at(0, 1) = 4 * key_scale;
    p.K.at(1, 0) = 5 * key_scale;
    p.K.at(1, 1) = 0;
    for (std::size_t l = 2; l < p.d(); ++l) p.K.at(1, l) = p.K.at(0, l);
    // V column c = (M - D, M + D + 2^-52), M = 1 + k 2^-52: the mean M + 2^-53 is a binary64 midpoint, and a wide
    // spread D makes T sensitive to the weights' errors (dT = D dw / 2).
    const double m = 1 + std::ldexp(double(*rc::gen::inRange<std::int64_t>(0, 1 << 20)), -52);
    const double spread = *rc::gen::element(0.0, 0x1p-10, 0.25, 0.5);
    const std::size_t c = *rc::gen::inRange<std::size_t>(0, p.d_v());
    p.V.at(0, c) = m - spread;
    p.V.at(1, c) = m + spread + 0x1p-52;
    validate_problem(p, "generated");
    RC_LOG() << describe(p) << " column " << c;
    RC_CLASSIFY(big >= 0x1p20, "queries >= 2^20");
    // The Ziv loop does not prove these logits equal (exact_rows.hpp), so it may leave T_ic undecided, as may
    // the fast route: both must then agree; a decided T_ic must be the tie rounded to even.
    const CertifiedOutput fast = check_routes(p, oracle_precision, false);
    RC_ASSERT(fast.fast.rows_decided == 0u);
    const double expected = std::fmod(m * 0x1p52, 2) == 0 ? m : m + 0x1p-52;  // ties to even
    for (std::size_t i = 0; i < p.n_q(); ++i)
      if (fast.at(i, c).t64_decided) RC_ASSERT(same_bits(fast.at(i, c).t64, expected));
  });

  rc::prop("outputs that cancel to near zero: the sign of zero in binary16 and bfloat16", [] {
    Problem p = gen_conventions_problem();
    resize_keys(p, std::max<std::size_t>(p.n_k(), 2));
    // Keys 0 and 1 differ only in a pass-through column, by delta; V rows a and -a, every other V row 0:
    // T_ic = a_c (w_0 - w_1) / Z, of size about a delta q.
    const double base = *rc::gen::element(0.0, 1.0, 0x1p-140);
    const int exponent = *rc::gen::inRange(10, base == 1 ? 53 : 160);  // base + delta != base
    const double delta = *rc::gen::element(1.0, -1.0) * std::ldexp(1.0, -exponent);
    for (std::size_t l = 0; l < p.rope.rotary_dim; ++l) p.K.at(0, l) = p.K.at(1, l) = 0;
    append_pass_through(p, [](std::size_t i) { return i % 2 ? -1.0 : 1.0; },
                        [&](std::size_t j) { return j == 0 ? base : j == 1 ? base + delta : 0.0; });
    for (std::size_t c = 0; c < p.d_v(); ++c) {
      p.V.at(1, c) = -p.V.at(0, c);
      for (std::size_t j = 2; j < p.n_k(); ++j) p.V.at(j, c) = 0;
    }
    validate_problem(p, "generated");
    RC_LOG() << describe(p);
    const std::vector<ArbBall> oracle = arb_attention(p, oracle_precision);
    bool below16 = false, below_bf16 = false;
    for (const ArbBall& ball : oracle) {
      const double t = std::fabs(approximate(ball));
      below16 = below16 || (t != 0 && t < 0x1p-25);
      below_bf16 = below_bf16 || (t != 0 && t < 0x1p-134);
    }
    RC_CLASSIFY(below16, "an output rounds to a signed zero in binary16");
    RC_CLASSIFY(below_bf16, "an output rounds to a signed zero in bfloat16");
    check_routes(p);
  });

  rc::prop("exact ties: a constant V column at a binary16 or bfloat16 midpoint", [] {
    Problem p = gen_conventions_problem();
    // m = x + ulp(x)/2 with x = (2^t + k) 2^(E - t), t = 10 (binary16) or 7 (bfloat16); RN to even of m is x for k
    // even, x + ulp(x) for k odd. Every row's T_ic is m exactly, so no enclosure decides it: every row falls back.
    const bool half = *rc::gen::arbitrary<bool>();
    const int t = half ? 10 : 7;
    const int k = *rc::gen::inRange(0, 1 << t);
    const int exponent = *rc::gen::inRange(-14, 15);
    const double sign = *rc::gen::element(1.0, -1.0);
    const double x = sign * std::ldexp((1 << t) + k, exponent - t), ulp = sign * std::ldexp(1.0, exponent - t);
    const double m = x + ulp / 2, expected = k % 2 ? x + ulp : x;
    const std::size_t c = *rc::gen::inRange<std::size_t>(0, p.d_v());
    for (std::size_t j = 0; j < p.n_k(); ++j) p.V.at(j, c) = m;
    validate_problem(p, "generated");
    RC_LOG() << describe(p) << " column " << c << " midpoint " << hex(m);
    RC_TAG(half ? "binary16 tie" : "bfloat16 tie");
    const CertifiedOutput fast = check_routes(p);
    RC_ASSERT(fast.fast.rows_decided == 0u);
    for (std::size_t i = 0; i < p.n_q(); ++i) {
      RC_ASSERT(same_bits(fast.at(i, c).t64, m));
      RC_ASSERT(same_bits(half ? fast.at(i, c).t16 : fast.at(i, c).tbf16, expected));
    }
  });

  rc::prop("exact ties: Q = 0 rows whose mean is a binary64 midpoint", [] {
    Problem p = gen_conventions_problem();
    p.mask = MaskKind::none;
    resize_keys(p, 2);
    for (double& q : p.Q.values) q = 0;
    // V column c = (a, a + ulp(a)), a = (2^52 + k) 2^(E - 52): the mean a + ulp(a)/2 rounds to a for k even.
    const std::int64_t k = *rc::gen::inRange<std::int64_t>(0, (std::int64_t{1} << 52) - 1);
    const int exponent = *rc::gen::inRange(-30, 30);
    const double sign = *rc::gen::element(1.0, -1.0);
    const double a = sign * std::ldexp(double((std::int64_t{1} << 52) + k), exponent - 52);
    const double b = a + sign * std::ldexp(1.0, exponent - 52);
    const std::size_t c = *rc::gen::inRange<std::size_t>(0, p.d_v());
    p.V.at(0, c) = a;
    p.V.at(1, c) = b;
    validate_problem(p, "generated");
    RC_LOG() << describe(p) << " column " << c;
    const CertifiedOutput fast = check_routes(p);
    RC_ASSERT(fast.fast.rows_decided == 0u);
    for (std::size_t i = 0; i < p.n_q(); ++i) RC_ASSERT(same_bits(fast.at(i, c).t64, k % 2 ? b : a));
  });

  rc::prop("many equal weights, V in [1, 2): long sums in the binary64 tier", [] {
    Problem p = gen_conventions_problem();
    p.mask = MaskKind::none;
    resize_keys(p, *rc::gen::inRange<std::size_t>(150, 400));
    for (double& q : p.Q.values) q = 0;  // all logits 0: every weight is 1, T is the column mean
    for (double& v : p.V.values) v = 1 + std::ldexp(double(*rc::gen::inRange<std::int64_t>(1, std::int64_t{1} << 52)), -52);
    validate_problem(p, "generated");
    RC_LOG() << describe(p);
    check_routes(p);
  });

  rc::prop("positions near 2^52: the rotated rows' radii (about 2^-76) dominate the error bounds", [] {
    Problem p = gen_conventions_problem();
    p.rope.angles = Angles::standard;
    p.rope.base = 10000;
    p.rope.emulate = RopeEmulation();  // an emulated cos/sin is a point: no radius to check
    const std::int64_t top = max_position - std::int64_t(p.n_q() + p.n_k());
    p.rope.q_offset = top - *rc::gen::inRange<std::int64_t>(0, 4);
    // Keys near the queries, or at position 0..3 (nearly exact rotations): then the queries' radii alone carry
    // the logits' error, so a bound that forgot them shows.
    const bool keys_near_zero = *rc::gen::arbitrary<bool>();
    p.rope.k_offset = keys_near_zero ? *rc::gen::inRange<std::int64_t>(0, 4)
                                     : p.rope.q_offset - *rc::gen::inRange<std::int64_t>(0, 4);
    RC_TAG(keys_near_zero ? "keys at positions near 0" : "keys near the queries");
    validate_problem(p, "generated");
    RC_LOG() << describe(p);
    const CertifiedOutput fast = check_routes(p, oracle_precision, false);
    RC_CLASSIFY(fast.fast.rows_decided > 0, "some row on the fast route");
  });

  rc::prop("n_k = 1: T is the V row", [] {
    Problem p = gen_conventions_problem();
    resize_keys(p, 1);
    validate_problem(p, "generated");
    RC_LOG() << describe(p);
    const CertifiedOutput fast = check_routes(p);
    for (std::size_t i = 0; i < p.n_q(); ++i)
      for (std::size_t c = 0; c < p.d_v(); ++c) {
        RC_ASSERT(same_bits(fast.at(i, c).t64, p.V.at(0, c)));
        RC_ASSERT(same_bits(fast.at(i, c).t32, double(float(p.V.at(0, c)))));
      }
  });

  rc::prop("subnormal outputs: V about 2^-1074 to 2^-1000", [] {
    Problem p = gen_conventions_problem();
    for (double& v : p.V.values) v = std::ldexp(*rc::gen::inRange(-64, 65), *rc::gen::inRange(-1074, -1000));
    validate_problem(p, "generated");
    RC_LOG() << describe(p);
    const CertifiedOutput fast = check_routes(p);
    RC_CLASSIFY(fast.fast.rows_decided > 0, "some row on the fast route");
  });

  rc::prop("d_v != d", [] {
    ropecert_test::ProblemLimits limits = with_conventions();
    limits.max_d_v = 9;
    const Problem p = *ropecert_test::gen_rope_problem(limits);
    RC_PRE(p.d_v() != p.d());
    validate_problem(p, "generated");
    RC_LOG() << describe(p);
    RC_TAG(p.d_v() < p.d() ? "d_v < d" : "d_v > d");
    check_routes(p);
  });

  rc::prop("huge entries (Q or V near 1e300 and beyond): fallback with a reason, same results", [] {
    Problem p = gen_conventions_problem();
    const bool queries = *rc::gen::arbitrary<bool>();
    const int exponent = *rc::gen::element(996, 1010, 1018);
    // Some rows (queries) or keys (values) huge, the others as generated.
    Matrix& m = queries ? p.Q : p.V;
    for (std::size_t i = 0; i < m.rows; ++i)
      if (i == 0 || *rc::gen::arbitrary<bool>())
        for (std::size_t l = 0; l < m.cols; ++l) m.at(i, l) = std::ldexp(*rc::gen::inRange(-24, 25), exponent);
    validate_problem(p, "generated");
    RC_LOG() << describe(p);
    RC_TAG(queries ? "huge Q" : "huge V");
    // A logit gap near 2^1000 leaves T below what MPFR's exponent range resolves: both routes may leave it undecided.
    const CertifiedOutput fast = check_routes(p, huge_oracle_precision, false);
    for (const auto& [reason, rows] : fast.fast.fallback_rows)
      RC_CLASSIFY(true, "fallback: " + reason.substr(0, reason.find(" with largest magnitude")));
  });
}

TEST_CASE("fast route: a query that overflows falls back alone, its block's other rows stay", "[fast-route][hand]") {
  // Row 0's scaled rotated query 10 x 1e308 overflows binary64, so row 0 falls back with that reason; rows 1 and 2
  // are in the same block and are evaluated from their own queries (their T differs from the uniform mean 1/2).
  Problem p = ropecert_test::rope_problem(ropecert_test::rows_of({{1e308, 0.0}, {4.0, 0.0}, {0.0, -4.0}}),
                                          ropecert_test::rows_of({{1.0, 0.0}, {0.0, 1.0}}),
                                          ropecert_test::rows_of({{1.0}, {0.0}}));
  p.scale.rule = Scale::Rule::decimal;
  p.scale.decimal = "10";
  validate_problem(p, "test");
  const std::vector<ArbBall> oracle = arb_attention(p, huge_oracle_precision);
  for (const EvalRoute route : {EvalRoute::fast, EvalRoute::mpfi}) {
    INFO("route " << (route == EvalRoute::fast ? "fast" : "mpfi"));
    const CertifiedOutput out = evaluate(p, route);
    REQUIRE(out.undecided_count() == 0);
    for (std::size_t i = 0; i < p.n_q(); ++i) {
      INFO("row " << i << " [" << hex(out.at(i, 0).lo) << ", " << hex(out.at(i, 0).hi) << "]");
      CHECK(ropecert_test::consistent(oracle[i], out.at(i, 0).lo, out.at(i, 0).hi));
      const ropecert_test::BallRoundings expected = ropecert_test::ball_roundings(oracle[i]);
      REQUIRE(expected.decided64);
      CHECK(same_bits(out.at(i, 0).t64, expected.t64));
    }
  }
  const CertifiedOutput fast = evaluate(p, EvalRoute::fast);
  CHECK(fast.fast.fallback_rows == std::map<std::string, std::size_t>{{"a scaled rotated query is not finite in binary64", 1}});
  CHECK(fast.fast.rows_decided == 2);
}

TEST_CASE("fast route: byte-identical results for 1 and 2 threads", "[fast-route][threads]") {
  rc::prop("up to 600 rows (several blocks), some rows falling back", [] {
    Problem p = gen_conventions_problem();
    const std::size_t n_q = *rc::gen::inRange<std::size_t>(1, 600);
    Matrix q(n_q, p.d());
    for (std::size_t i = 0; i < n_q; ++i)
      for (std::size_t l = 0; l < p.d(); ++l) q.at(i, l) = p.Q.at(i % p.Q.rows, l) * double(1 + i % 7);
    // Rows whose query is huge leave the fast route (overflow or a large logit error).
    const std::size_t huge_every = *rc::gen::element<std::size_t>(0, 3, 97);
    if (huge_every)
      for (std::size_t i = 0; i < n_q; i += huge_every)
        for (std::size_t l = 0; l < p.d(); ++l) q.at(i, l) = std::ldexp(q.at(i, l), 990);
    p.Q = std::move(q);
    validate_problem(p, "generated");
    RC_LOG() << describe(p);
    RC_CLASSIFY(n_q > 256, "more than one block");
    const CertifiedOutput one = evaluate(p, EvalRoute::fast, 1), two = evaluate(p, EvalRoute::fast, 2);
    RC_CLASSIFY(!one.fast.fallback_rows.empty(), "some rows fall back");
    RC_ASSERT(one.fast.rows_decided == two.fast.rows_decided);
    RC_ASSERT(one.fast.fallback_rows == two.fast.fallback_rows);
    RC_ASSERT(one.entries.size() == two.entries.size());
    for (std::size_t e = 0; e < one.entries.size(); ++e) {
      const EntryOutcome &x = one.entries[e], &y = two.entries[e];
      for (double EntryOutcome::*field : {&EntryOutcome::t64, &EntryOutcome::t32, &EntryOutcome::t16,
                                          &EntryOutcome::tbf16, &EntryOutcome::lo, &EntryOutcome::hi,
                                          &EntryOutcome::width})
        RC_ASSERT(same_bits(x.*field, y.*field));
      RC_ASSERT(x.decided() == y.decided());
      RC_ASSERT(x.precision == y.precision);
      RC_ASSERT(x.decided_by == y.decided_by);
    }
  });
}
