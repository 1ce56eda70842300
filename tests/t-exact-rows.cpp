// Provably equal logits: exact rational logits decide equality without rounding, and the
// evaluator then rounds the exact mean (proofs-notes/10-certified-evaluation.md, Lemma 5).
#include <cmath>

#include <catch2/catch.hpp>

#include "ropecert/certified_eval.hpp"
#include "ropecert/exact_rows.hpp"
#include "ropecert/fixed_precision_eval.hpp"
#include "ropecert/rounding.hpp"

using namespace ropecert;

namespace {

const double one_plus_ulp = 1.0 + std::ldexp(1.0, -52);

// One query at position 0 and two keys at positions 0 and 1, d = 3: one rotation plane (0, 1)
// with theta_0 = 1 and one pass-through dimension 2. V = (1, 1 + 2^-52): equal weights make
// T = 1 + 2^-53, a binary64 tie, which no enclosure can decide.
Problem two_key_problem(std::initializer_list<double> q, std::initializer_list<double> k0,
                        std::initializer_list<double> k1) {
  Problem p;
  p.kind = Kind::rope;
  p.rope.rotary_dim = 2;
  p.Q = Matrix(1, 3);
  p.K = Matrix(2, 3);
  std::copy(q.begin(), q.end(), p.Q.values.begin());
  std::copy(k0.begin(), k0.end(), p.K.values.begin());
  std::copy(k1.begin(), k1.end(), p.K.values.begin() + 3);
  p.V = Matrix(2, 1);
  p.V.at(0, 0) = 1.0;
  p.V.at(1, 0) = one_plus_ulp;
  validate_problem(p, "test");
  return p;
}

}  // namespace

TEST_CASE("rope logits are rational when every rotated plane term vanishes or sits at m = 0", "[exact]") {
  // Key 0 at m = 0: plane term 3 * 1 = 3, pass-through 1 * 2 = 2: L = 5.
  // Key 1 at m = 1 with a zero plane: pass-through 2.5 * 2 = 5: L = 5.
  CHECK(row_logits_provably_equal(two_key_problem({1, 0, 2}, {3, 0, 1}, {0, 0, 2.5}), 0));
  // Same, but key 1 has pass-through 2.25: L = 4.5 != 5.
  CHECK_FALSE(row_logits_provably_equal(two_key_problem({1, 0, 2}, {3, 0, 1}, {0, 0, 2.25}), 0));
  // Key 1 has a non-zero plane at m = 1: cos(1) enters, nothing is claimed.
  CHECK_FALSE(row_logits_provably_equal(two_key_problem({1, 0, 2}, {3, 0, 1}, {0, 1, 2.5}), 0));
  // A zero query plane removes every rotation: pass-through values decide.
  CHECK(row_logits_provably_equal(two_key_problem({0, 0, 2}, {3, 7, 1}, {-4, 1, 1}), 0));
}

TEST_CASE("one visible key, a zero scale, and general kinds are detected", "[exact]") {
  Problem p = two_key_problem({1, 0.5, 2}, {3, 1, 1}, {0.25, 1, 2.5});
  CHECK_FALSE(row_logits_provably_equal(p, 0));
  p.scale.rule = Scale::Rule::decimal;
  p.scale.decimal = "-0.000e7";
  CHECK(row_logits_provably_equal(p, 0));
  p.scale.decimal = "0.001";
  CHECK_FALSE(row_logits_provably_equal(p, 0));
  p.mask = MaskKind::causal;  // the query at position 0 sees key 0 only
  CHECK(row_logits_provably_equal(p, 0));

  Problem g;
  g.kind = Kind::general;
  g.Q = Matrix(2, 1);
  g.K = Matrix(2, 1);
  g.V = Matrix(2, 1);
  g.Q.at(0, 0) = 3, g.Q.at(1, 0) = 1;
  g.K.at(0, 0) = 2, g.K.at(1, 0) = 0.5;
  for (double w : {1.0, 0.75, 1.0}) {  // W_-1, W_0, W_1 (1 x 1)
    Matrix m(1, 1);
    m.at(0, 0) = w;
    g.W.push_back(m);
  }
  validate_problem(g, "test");
  // Row 0: L_00 = 3 * 0.75 * 2 = 4.5, L_01 = 3 * W_-1 * 0.5 = 1.5.
  CHECK_FALSE(row_logits_provably_equal(g, 0));
  g.W[0].at(0, 0) = 3.0;  // L_01 = 3 * 3 * 0.5 = 4.5
  CHECK(row_logits_provably_equal(g, 0));
}

TEST_CASE("a provably equal row is rounded exactly, even at a binary64 tie", "[exact]") {
  const Problem p = two_key_problem({1, 0, 2}, {3, 0, 1}, {0, 0, 2.5});
  const CertifiedOutput out = evaluate_certified(p, EvalOptions{});
  REQUIRE(out.exact_rows == 1);
  REQUIRE(out.undecided_count() == 0);
  CHECK(out.at(0, 0).t64 == 1.0);   // 1 + 2^-53 ties to the even 1
  CHECK(out.at(0, 0).t32 == 1.0);
  CHECK(out.at(0, 0).lo == 1.0);
  CHECK(out.at(0, 0).hi == one_plus_ulp);
  CHECK(out.at(0, 0).precision == 0);

  // Without the exact path the tie cannot be decided at any precision: intervals around
  // 1 + 2^-53 always straddle the midpoint.
  const FixedPrecisionEvaluator evaluator(p, 1024);
  const Interval t = evaluator.output(evaluator.softmax(0), 0);
  CHECK(mpfr_cmp_d(&t.get()->left, 1.0) > 0);
  CHECK(mpfr_cmp_d(&t.get()->right, one_plus_ulp) < 0);
  CHECK_FALSE(decided_rounding(&t.get()->left, &t.get()->right, binary64).has_value());
}

TEST_CASE("exact_visible_mean averages the visible V entries exactly", "[exact]") {
  Problem p = two_key_problem({1, 0, 2}, {3, 0, 1}, {0, 0, 2.5});
  mpq_t mean, expected;
  mpq_inits(mean, expected, nullptr);
  exact_visible_mean(p, 0, 0, mean);
  mpq_set_d(expected, 1.0);
  mpq_t half_ulp;
  mpq_init(half_ulp);
  mpq_set_d(half_ulp, std::ldexp(1.0, -53));
  mpq_add(expected, expected, half_ulp);
  CHECK(mpq_equal(mean, expected));
  p.mask = MaskKind::causal;
  exact_visible_mean(p, 0, 0, mean);
  mpq_set_d(expected, 1.0);
  CHECK(mpq_equal(mean, expected));
  mpq_clears(mean, expected, half_ulp, nullptr);
}

TEST_CASE("constant_visible_value compares the visible V entries of one column as reals", "[exact][constant]") {
  // Causal, n = 3: query i sees keys 0 .. i (Lemma 9 needs only V and the mask).
  Problem p;
  p.kind = Kind::general;
  p.scale.rule = Scale::Rule::decimal;
  p.scale.decimal = "1";
  p.mask = MaskKind::causal;
  p.Q = Matrix(3, 1);
  p.K = Matrix(3, 1);
  p.W.assign(5, Matrix(1, 1));
  p.V = Matrix(3, 3);
  const double column0[] = {0.5, 0.5, 2.0};  // constant over keys 0, 1 only
  const double column1[] = {0.0, -0.0, 0.0};  // +0 and -0 are the same real
  const double column2[] = {1.0, one_plus_ulp, 1.0};
  for (std::size_t j = 0; j < 3; ++j) {
    p.V.at(j, 0) = column0[j];
    p.V.at(j, 1) = column1[j];
    p.V.at(j, 2) = column2[j];
  }
  validate_problem(p, "test");
  CHECK(constant_visible_value(p, 0, 0) == 0.5);
  CHECK(constant_visible_value(p, 1, 0) == 0.5);
  CHECK_FALSE(constant_visible_value(p, 2, 0).has_value());  // key 2 is visible from query 2
  for (std::size_t i = 0; i < 3; ++i) CHECK(constant_visible_value(p, i, 1) == 0.0);
  CHECK(constant_visible_value(p, 0, 2) == 1.0);
  CHECK_FALSE(constant_visible_value(p, 1, 2).has_value());  // 1 + 2^-52 differs from 1
  p.mask = MaskKind::none;
  CHECK_FALSE(constant_visible_value(p, 0, 0).has_value());  // every key is visible now
  CHECK(constant_visible_value(p, 0, 1) == 0.0);
}
