// Hand cases of the certified evaluator whose exact answers are known from the definition.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <arb.h>
#include <catch2/catch.hpp>

#include "ropecert/certified_eval.hpp"
#include "ropecert/problem.hpp"
#include "support/arb_oracle.hpp"
#include "support/hand_problems.hpp"
#include "support/hex_text.hpp"
#include "support/oracle_checks.hpp"

using namespace ropecert;
using ropecert_test::arb_attention;
using ropecert_test::arb_ball_inside;
using ropecert_test::ArbBall;
using ropecert_test::hex;
using ropecert_test::ball_roundings;
using ropecert_test::BallRoundings;
using ropecert_test::rope_problem;
using ropecert_test::rows_of;

namespace {

CertifiedOutput evaluate(const Problem& p) { return evaluate_certified(p, EvalOptions{}); }

float binary32_of(double x) { return static_cast<float>(x); }  // RN, exact for the values used here

// "%a" is exact and shows the sign of zero, so equal strings mean identical values.
// Oracle precision: far beyond the 2^-81 scale of the smallest output used below.
constexpr slong oracle_precision = 512;

}  // namespace

TEST_CASE("n = 1 gives T = V exactly", "[hand]") {
  const Problem p = rope_problem(rows_of({{0.75, -3.5}}), rows_of({{2.0, 1.25}}), rows_of({{0.1, -7.0, 1e-300}}));
  const CertifiedOutput out = evaluate(p);
  REQUIRE(out.undecided_count() == 0);
  for (std::size_t c = 0; c < 3; ++c) {
    CHECK(out.at(0, c).t64 == p.V.at(0, c));
    CHECK(out.at(0, c).t32 == binary32_of(p.V.at(0, c)));
    CHECK(out.at(0, c).lo == p.V.at(0, c));
    CHECK(out.at(0, c).hi == p.V.at(0, c));
  }
}

TEST_CASE("Q = 0 gives the exact column means, ties rounded to even", "[hand]") {
  // Column 0: mean of 1 and 1 + 2^-52 is 1 + 2^-53, a binary64 tie: RN-even gives 1.
  // Column 1: mean of 1, 2, 4 is 7/3, not representable: RN from the exact rational.
  const double one_plus_ulp = 1.0 + std::ldexp(1.0, -52);
  const Problem p = rope_problem(rows_of({{0.0, 0.0}, {0.0, 0.0}}),
                                 rows_of({{1.0, 2.0}, {-3.0, 0.5}, {0.25, 8.0}}),
                                 rows_of({{1.0, 1.0}, {one_plus_ulp, 2.0}, {one_plus_ulp, 4.0}}));
  for (const EvalRoute route : {EvalRoute::fast, EvalRoute::mpfi}) {
    INFO("route " << (route == EvalRoute::fast ? "fast" : "mpfi"));
    EvalOptions options;
    options.route = route;
    const CertifiedOutput out = evaluate_certified(p, options);
    REQUIRE(out.undecided_count() == 0);
    // The Ziv loop settles rows of equal logits exactly; the fast route decides these rows from its enclosures.
    CHECK(out.exact_rows == (route == EvalRoute::mpfi ? 2u : 0u));
    const double mean0 = (1.0 + 2 * one_plus_ulp) / 3.0;  // RN of (3 + 2^-51)/3 = 1 + 2^-51/3
    CHECK(out.at(0, 0).t64 == mean0);
    CHECK(out.at(0, 1).t64 == 7.0 / 3.0);  // IEEE division is correctly rounded
    CHECK(out.at(1, 1).t32 == 7.0f / 3.0f);
    CHECK(out.at(0, 0).lo <= out.at(0, 0).t64);
    CHECK(out.at(0, 0).hi >= out.at(0, 0).t64);
  }
}

TEST_CASE("a binary64 tie between two keys is rounded to even from the exact mean", "[hand]") {
  const double one_plus_ulp = 1.0 + std::ldexp(1.0, -52);
  const Problem p = rope_problem(rows_of({{0.0, 0.0}}), rows_of({{1.0, 2.0}, {-3.0, 0.5}}),
                                 rows_of({{1.0}, {one_plus_ulp}}));
  const CertifiedOutput out = evaluate(p);
  REQUIRE(out.undecided_count() == 0);
  CHECK(out.at(0, 0).t64 == 1.0);  // exact mean 1 + 2^-53 is a tie; 1 has the even significand
  CHECK(out.at(0, 0).lo == 1.0);
  CHECK(out.at(0, 0).hi == one_plus_ulp);
}

TEST_CASE("a huge logit gap gives V of the winning key, correctly rounded", "[hand]") {
  // Query and key 0 at position 0: logit 2^28 / sqrt(2) ~ 1.9e8. Key 1 at position 1 (plane
  // frequency 1): logit -2^28 cos(1) / sqrt(2) ~ -1.0e8. Key 1's weight is about e^-2.9e8.
  const Problem p = rope_problem(rows_of({{16384.0, 0.0}}), rows_of({{16384.0, 0.0}, {-16384.0, 0.0}}),
                                 rows_of({{0.3, -1.0}, {5.0, 7.0}}));
  const CertifiedOutput out = evaluate(p);
  REQUIRE(out.undecided_count() == 0);
  CHECK(out.at(0, 0).t64 == 0.3);
  CHECK(out.at(0, 1).t64 == -1.0);
  CHECK(out.at(0, 0).t32 == 0.3f);
  CHECK(out.at(0, 0).lo < 0.3);  // the enclosure is not a point: e^-1e8 (5 - 0.3) > 0 is inside
  CHECK(out.at(0, 0).hi > 0.3);
}

TEST_CASE("causal row 0 sees only key 0 and gives V_0", "[hand]") {
  const Problem p = rope_problem(rows_of({{1.0, 2.0}, {0.5, -1.0}, {3.0, 3.0}}),
                                 rows_of({{-1.0, 0.25}, {2.0, 2.0}, {0.125, -4.0}}),
                                 rows_of({{0.1, 9.0}, {2.0, -3.0}, {1e10, 0.0}}), MaskKind::causal);
  const CertifiedOutput out = evaluate(p);
  REQUIRE(out.undecided_count() == 0);
  CHECK(out.at(0, 0).t64 == 0.1);
  CHECK(out.at(0, 1).t64 == 9.0);
  CHECK(out.at(0, 0).t32 == 0.1f);
  CHECK(out.at(1, 0).t64 != 0.1);  // row 1 mixes keys 0 and 1
}

TEST_CASE("decode (n_q = 1, q_offset = n_k - 1) equals the last row of the full causal case", "[hand]") {
  const Matrix q = rows_of({{1.0, 2.0, 0.5, 0.0}, {0.5, -1.0, 1.5, 2.0}, {3.0, 3.0, -0.25, 1.0}});
  const Matrix k = rows_of({{-1.0, 0.25, 2.0, 1.0}, {2.0, 2.0, 0.0, -1.0}, {0.125, -4.0, 1.0, 1.0}});
  const Matrix v = rows_of({{0.1, 9.0}, {2.0, -3.0}, {-7.5, 0.0}});
  const Problem full = rope_problem(q, k, v, MaskKind::causal);
  Problem decode = rope_problem(rows_of({{3.0, 3.0, -0.25, 1.0}}), k, v, MaskKind::causal);
  decode.rope.q_offset = 2;
  const CertifiedOutput out_full = evaluate(full), out_decode = evaluate(decode);
  REQUIRE(out_full.undecided_count() == 0);
  REQUIRE(out_decode.undecided_count() == 0);
  for (std::size_t c = 0; c < 2; ++c) {
    CHECK(out_decode.at(0, c).t64 == out_full.at(2, c).t64);
    CHECK(out_decode.at(0, c).t32 == out_full.at(2, c).t32);
  }
  // Without the offset the decode query sits at position 0 and sees key 0 only.
  decode.rope.q_offset = 0;
  CHECK(evaluate(decode).at(0, 0).t64 == 0.1);
}

TEST_CASE("binary32 is rounded from the exact value, at the precision that decides it", "[hand][ziv]") {
  // Kind general, d = 1, scale 1: row 0 has logits 50 and 0, so
  //   T_00 = V0 + (V1 - V0) / (e^50 + 1) = (1 + 2^-24) + ~2^-72.1,
  // just above the binary32 midpoint 1 + 2^-24. A 64-bit enclosure (width ~2^-63) straddles the
  // midpoint; 128 bits decide RN32 = 1 + 2^-23. Rounding the binary64 result instead would give
  // RN32(1 + 2^-24) = 1 (tie to even): the double-rounding error this test guards against.
  Problem p;
  p.kind = Kind::general;
  p.scale.rule = Scale::Rule::decimal;
  p.scale.decimal = "1";
  p.Q = rows_of({{1.0}, {1.0}});
  p.K = rows_of({{1.0}, {0.0}});
  p.V = rows_of({{1.0 + std::ldexp(1.0, -24)}, {2.0}});
  p.W = {rows_of({{0.0}}), rows_of({{50.0}}), rows_of({{0.0}})};  // W_-1, W_0, W_1
  validate_problem(p, "test");

  EvalOptions capped_options;
  capped_options.max_precision = 64;
  const CertifiedOutput capped = evaluate_certified(p, capped_options);
  CHECK(capped.at(0, 0).t64_decided);
  CHECK(capped.at(0, 0).t64 == 1.0 + std::ldexp(1.0, -24));
  CHECK_FALSE(capped.at(0, 0).t32_decided);
  CHECK(std::isnan(capped.at(0, 0).t32));  // undecided is NaN, never a silent rounding
  CHECK(capped.undecided_count() == 1);

  EvalOptions ziv_loop;  // the rounds of the Ziv loop alone (the fast route starts it at 128 bits)
  ziv_loop.route = EvalRoute::mpfi;
  const CertifiedOutput out = evaluate_certified(p, ziv_loop);
  REQUIRE(out.undecided_count() == 0);
  CHECK(out.at(0, 0).t32 == 1.0f + std::ldexp(1.0f, -23));
  CHECK(out.at(0, 0).precision == 128);
  REQUIRE(out.rounds.size() == 2);
  CHECK(out.rounds[0].precision == 64);
  CHECK(out.rounds[1].precision == 128);
  CHECK(out.rounds[1].rows_evaluated == 1);  // only the undecided row is recomputed
  CHECK(out.rounds[1].entries_decided == 1);
  CHECK(out.exact_rows == 1);  // row 1: logits 0 and 0
  CHECK(out.at(1, 0).t64 == (1.0 + std::ldexp(1.0, -24) + 2.0) / 2);

  // Asking for binary64 only, the Ziv loop stops at 64 bits: binary32 stays undecided (NaN), and that is no
  // undecided entry of the requested formats.
  EvalOptions binary64_only;
  binary64_only.route = EvalRoute::mpfi;
  binary64_only.formats = output_binary64;
  const CertifiedOutput narrow = evaluate_certified(p, binary64_only);
  CHECK(narrow.undecided_count() == 0);
  REQUIRE(narrow.rounds.size() == 1);
  CHECK(narrow.rounds[0].precision == 64);
  CHECK(narrow.at(0, 0).t64 == 1.0 + std::ldexp(1.0, -24));
  CHECK_FALSE(narrow.at(0, 0).t32_decided);
  CHECK(std::isnan(narrow.at(0, 0).t32));
}

TEST_CASE("a tiny negative output from cancellation rounds to -0 in binary16", "[hand][zero][regression]") {
  // Issue 9, item 4. Kind general, d = 1, scale 1: row 0 has logits 0 and 2^-80 and V = +1, -1, so
  //   T_00 = (1 - e^(2^-80)) / (1 + e^(2^-80)) = -tanh(2^-81), about -2^-81.
  // The 64-bit enclosure [about -2^-65, 0] straddles 0 and both ends round to zero in binary16; only the
  // refined one is negative. |T_00| < 2^-25 (half the smallest binary16 subnormal 2^-24) and T_00 < 0,
  // so by the definition RN16(T_00) = -0. Row 1 has logits 0 and 0: T_10 = (1 - 1)/2 = 0 exactly, +0.
  Problem p;
  p.kind = Kind::general;
  p.scale.rule = Scale::Rule::decimal;
  p.scale.decimal = "1";
  p.Q = rows_of({{1.0}, {1.0}});
  p.K = rows_of({{1.0}, {1.0}});
  p.V = rows_of({{1.0}, {-1.0}});
  p.W = {rows_of({{std::ldexp(1.0, -80)}}), rows_of({{0.0}}), rows_of({{0.0}})};  // W_-1, W_0, W_1
  validate_problem(p, "test");

  // The independent argument: Arb's ball of T_00 lies in (-2^-25, 0).
  const std::vector<ArbBall> oracle = arb_attention(p, oracle_precision);
  REQUIRE(arb_is_negative(oracle[0].get()));
  REQUIRE(arb_ball_inside(oracle[0], -std::ldexp(1.0, -25), 0.0));
  const BallRoundings expected = ball_roundings(oracle[0]);  // MPFR's roundings of the ball
  REQUIRE((expected.decided64 && expected.decided32 && expected.decided16 && expected.decided_bf16));

  const CertifiedOutput out = evaluate(p);
  REQUIRE(out.undecided_count() == 0);
  const EntryOutcome& t = out.at(0, 0);
  CHECK(hex(t.t16) == hex(-0.0));  // the sign bit is set
  CHECK(std::signbit(t.t16));
  CHECK(hex(t.t16) == hex(expected.t16));
  CHECK(hex(t.t64) == hex(expected.t64));
  CHECK(hex(t.t64) == hex(-std::ldexp(1.0, -81)));  // tanh(x) = x (1 - x^2/3 + ...): within half an ulp
  CHECK(hex(t.t32) == hex(expected.t32));
  CHECK(hex(t.tbf16) == hex(expected.tbf16));
  CHECK(t.precision > 64);  // the 64-bit enclosure decided no format

  // An exact zero: +0 in every format.
  const EntryOutcome& zero = out.at(1, 0);
  CHECK(hex(zero.t64) == hex(0.0));
  CHECK(hex(zero.t32) == hex(0.0));
  CHECK(hex(zero.t16) == hex(0.0));
  CHECK(hex(zero.tbf16) == hex(0.0));
}

TEST_CASE("a constant visible V column is its value exactly, midpoints rounded to even", "[hand][exact][regression]") {
  // Issue 9, item 5. Whatever the logits, weights that sum to 1 give T_ic = r when every visible key has
  // V_jc = r (proofs-notes/10-certified-evaluation.md, Lemma 9). No enclosure of positive width decides
  // a rounding at a midpoint:
  //   r = 1 + 2^-8, the bfloat16 midpoint of 1 and 1 + 2^-7: RN_bf16 = 1 (even trailing field 0);
  //                 a binary16, binary32 and binary64 number: those give r.
  //   r = 1 + 2^-24, the binary32 midpoint of 1 and 1 + 2^-23: RN32 = 1 (even); RN64 = r; RN16 = RN_bf16 = 1
  //                 (below their midpoints 1 + 2^-11, 1 + 2^-8).
  // Causal: row 1 sees keys 0, 1 (position 0 and 1: logits not provably equal), key 2's different V is
  // masked. Column 2 is constant over all keys, column 3 is +0 / -0, an exact zero (+0).
  const double bf16_midpoint = 1.0 + std::ldexp(1.0, -8);
  const double f32_midpoint = 1.0 + std::ldexp(1.0, -24);
  const Problem p = rope_problem(rows_of({{1.0, 0.5}, {0.75, -1.0}, {2.0, 0.25}}),
                                 rows_of({{1.0, 2.0}, {-3.0, 0.5}, {0.5, 1.5}}),
                                 rows_of({{bf16_midpoint, f32_midpoint, bf16_midpoint, 0.0},
                                          {bf16_midpoint, f32_midpoint, bf16_midpoint, -0.0},
                                          {5.0, -2.0, bf16_midpoint, -0.0}}),
                                 MaskKind::causal);
  const CertifiedOutput out = evaluate(p);
  REQUIRE(out.undecided_count() == 0);
  CHECK(out.exact_rows == 1);  // row 0: one visible key

  for (std::size_t i : {1, 2}) {
    const EntryOutcome& t = out.at(i, 2);
    CHECK(hex(t.t64) == hex(bf16_midpoint));
    CHECK(hex(t.t32) == hex(bf16_midpoint));
    CHECK(hex(t.t16) == hex(bf16_midpoint));
    CHECK(hex(t.tbf16) == hex(1.0));
    CHECK(t.lo == bf16_midpoint);
    CHECK(t.hi == bf16_midpoint);
    const EntryOutcome& zero = out.at(i, 3);
    for (double value : {zero.t64, zero.t32, zero.t16, zero.tbf16}) CHECK(hex(value) == hex(0.0));
  }
  const EntryOutcome& bf = out.at(1, 0);
  CHECK(hex(bf.t64) == hex(bf16_midpoint));
  CHECK(hex(bf.t32) == hex(bf16_midpoint));
  CHECK(hex(bf.t16) == hex(bf16_midpoint));
  CHECK(hex(bf.tbf16) == hex(1.0));
  const EntryOutcome& f32 = out.at(1, 1);
  CHECK(hex(f32.t64) == hex(f32_midpoint));
  CHECK(hex(f32.t32) == hex(1.0));
  CHECK(hex(f32.t16) == hex(1.0));
  CHECK(hex(f32.tbf16) == hex(1.0));

  // Row 2's columns 0 and 1 are not constant over its visible keys: the oracle's roundings.
  const std::vector<ArbBall> oracle = arb_attention(p, oracle_precision);
  for (std::size_t c : {0, 1}) {
    const BallRoundings expected = ball_roundings(oracle[2 * p.d_v() + c]);
    REQUIRE((expected.decided64 && expected.decided32 && expected.decided16 && expected.decided_bf16));
    const EntryOutcome& t = out.at(2, c);
    CHECK(hex(t.t64) == hex(expected.t64));
    CHECK(hex(t.t32) == hex(expected.t32));
    CHECK(hex(t.t16) == hex(expected.t16));
    CHECK(hex(t.tbf16) == hex(expected.tbf16));
  }
}
