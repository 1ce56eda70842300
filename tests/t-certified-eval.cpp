// Hand cases of the certified evaluator whose exact answers are known from the definition.
#include <cmath>

#include <catch2/catch.hpp>

#include "ropecert/certified_eval.hpp"
#include "ropecert/problem.hpp"
#include "support/hand_problems.hpp"

using namespace ropecert;
using ropecert_test::rope_problem;
using ropecert_test::rows_of;

namespace {

CertifiedOutput evaluate(const Problem& p) { return evaluate_certified(p, EvalOptions{}); }

float binary32_of(double x) { return static_cast<float>(x); }  // RN, exact for the values used here

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
  const CertifiedOutput out = evaluate(p);
  REQUIRE(out.undecided_count() == 0);
  CHECK(out.exact_rows == 2);
  const double mean0 = (1.0 + 2 * one_plus_ulp) / 3.0;  // RN of (3 + 2^-51)/3 = 1 + 2^-51/3
  CHECK(out.at(0, 0).t64 == mean0);
  CHECK(out.at(0, 1).t64 == 7.0 / 3.0);  // IEEE division is correctly rounded
  CHECK(out.at(1, 1).t32 == 7.0f / 3.0f);
  CHECK(out.at(0, 0).lo <= out.at(0, 0).t64);
  CHECK(out.at(0, 0).hi >= out.at(0, 0).t64);
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

  const CertifiedOutput out = evaluate(p);
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
}
