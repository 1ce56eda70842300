// The exact structure module on hand cases whose answers are known from the definitions
// (proofs-notes/20- to 25-): couplings of rational RoPE, Toeplitz and circulant predicates,
// exact scales, the shifted Taylor polynomial, ranks, and the expansion of P(M).
#include <catch2/catch.hpp>

#include "ropecert/exact_problem.hpp"
#include "ropecert/expansion.hpp"
#include "ropecert/logit_scale.hpp"
#include "ropecert/polynomial.hpp"
#include "ropecert/structure.hpp"

using namespace ropecert;

namespace {

RationalMatrix matrix(std::size_t rows, std::size_t cols, std::initializer_list<Rational> values) {
  RationalMatrix m(rows, cols);
  m.values.assign(values.begin(), values.end());
  return m;
}

// Kind rope, pythagorean angles, d = 2 (one plane: cos 3/5, sin 4/5), n_q = n_k = n.
Problem rational_rope(std::size_t n) {
  Problem p;
  p.kind = Kind::rope;
  p.rope.angles = Angles::pythagorean;
  p.rope.rotary_dim = 2;
  p.scale.rule = Scale::Rule::inv_d;
  p.Q = Matrix(n, 2);
  p.K = Matrix(n, 2);
  p.V = Matrix(n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    p.Q.at(i, 0) = 1.0 + static_cast<double>(i);
    p.K.at(i, 1) = 0.5 * static_cast<double>(i + 1);
  }
  validate_problem(p, "test");
  return p;
}

}  // namespace

TEST_CASE("the cosine coupling of rational RoPE at n = 3 is the reviewer's Toeplitz, non-circulant matrix",
          "[structure]") {
  // C^{(0,0)}_ij = cos((i - j) theta) with cos theta = 3/5, cos 2 theta = 2 (3/5)^2 - 1 = -7/25.
  const Problem p = rational_rope(3);
  const RationalMatrix c = coupling_matrix(p, {0, 0});
  const Rational b(3, 5), c2(-7, 25);
  CHECK(c == matrix(3, 3, {1, b, c2, b, 1, b, c2, b, 1}));
  CHECK(is_toeplitz(c));
  CHECK_FALSE(is_circulant(c));
  CHECK_FALSE(coupling_is_periodic(p));
  // The sine coupling: C^{(0,1)}_ij = (W_{i-j})_{0,1} = (R_{j-i})_{0,1} = -sin((j - i) theta).
  const RationalMatrix s = coupling_matrix(p, {0, 1});
  CHECK(s.at(0, 1) == Rational(-4, 5));
  CHECK(s.at(1, 0) == Rational(4, 5));
  CHECK(coupling_support(p) == std::vector<SupportPair>{{0, 0}, {0, 1}, {1, 0}, {1, 1}});
}

TEST_CASE("circulant and Toeplitz predicates on hand matrices", "[structure]") {
  CHECK(is_circulant(matrix(3, 3, {1, 2, 3, 3, 1, 2, 2, 3, 1})));
  CHECK(is_toeplitz(matrix(3, 3, {1, 2, 3, 3, 1, 2, 2, 3, 1})));
  CHECK_FALSE(is_circulant(matrix(3, 3, {1, 2, 3, 4, 1, 2, 5, 4, 1})));
  CHECK(is_toeplitz(matrix(3, 3, {1, 2, 3, 4, 1, 2, 5, 4, 1})));
  CHECK_FALSE(is_toeplitz(matrix(2, 2, {1, 2, 3, 4})));
  CHECK_FALSE(is_circulant(matrix(2, 3, {1, 2, 3, 3, 1, 2})));
  CHECK(is_toeplitz(matrix(2, 3, {1, 2, 3, 4, 1, 2})));
}

TEST_CASE("a periodic general family has circulant couplings", "[structure]") {
  Problem p;
  p.kind = Kind::general;
  p.Q = Matrix(3, 1);
  p.K = Matrix(3, 1);
  p.V = Matrix(3, 1);
  for (double w : {5.0, 7.0, 1.0, 5.0, 7.0}) {  // W_-2 .. W_2 with W_1 = W_-2, W_2 = W_-1
    Matrix m(1, 1);
    m.at(0, 0) = w;
    p.W.push_back(m);
  }
  validate_problem(p, "test");
  CHECK(coupling_is_periodic(p));
  CHECK(is_circulant(coupling_matrix(p, {0, 0})));
  p.W[4].at(0, 0) = 6.0;  // W_2 != W_-1
  CHECK_FALSE(coupling_is_periodic(p));
  CHECK_FALSE(is_circulant(coupling_matrix(p, {0, 0})));
}

TEST_CASE("exact scales: 1/d, 1/sqrt(d) for perfect squares only, decimals exactly", "[structure]") {
  Scale s;
  s.rule = Scale::Rule::inv_d;
  CHECK(*exact_scale(s, 6) == Rational(1, 6));
  s.rule = Scale::Rule::inv_sqrt_d;
  CHECK(*exact_scale(s, 64) == Rational(1, 8));
  CHECK_FALSE(exact_scale(s, 8).has_value());
  s.rule = Scale::Rule::decimal;
  for (const auto& [text, value] : std::vector<std::pair<std::string, Rational>>{
           {"0.125", Rational(1, 8)}, {"-2.5e-1", Rational(-1, 4)}, {"1e3", Rational(1000)}, {".5", Rational(1, 2)},
           {"+3.", Rational(3)}, {"0.1", Rational(1, 10)}, {"12.5E+1", Rational(125)}}) {
    s.decimal = text;
    INFO(text);
    CHECK(*exact_scale(s, 4) == value);
  }
  s.decimal = "1e100000";
  CHECK_FALSE(exact_scale(s, 4).has_value());
  CHECK_FALSE(exact_view_unavailable(Problem{}).empty());  // standard RoPE is irrational
}

TEST_CASE("the shifted Taylor polynomial has the expected monomial coefficients", "[structure]") {
  // g = 2: 1 + (x + R) + (x + R)^2 / 2 = (1 + R + R^2/2) + (1 + R) x + x^2 / 2.
  const Rational R(3, 2);
  const std::vector<Rational> a = shifted_taylor_coefficients(R, 2);
  REQUIRE(a.size() == 3);
  CHECK(a[0] == 1 + R + R * R / 2);
  CHECK(a[1] == 1 + R);
  CHECK(a[2] == Rational(1, 2));
  CHECK(evaluate_polynomial(a, Rational(-3, 2)) == 1);  // P(-R) = 1
  CHECK(binomial(10, 3) == 120);
  CHECK(binomial(3, 5) == 0);
  CHECK(multinomial({2, 1, 0}) == 3);
  CHECK(multinomial({2, 2}) == 6);
  const std::vector<std::vector<std::size_t>> m = multisets(3, 2);
  CHECK(m.size() == 10);  // binom(3 + 2, 2)
  CHECK(m.front() == std::vector<std::size_t>{0, 0, 0});
  CHECK(m.back() == std::vector<std::size_t>{2, 0, 0});
}

TEST_CASE("exact ranks", "[structure]") {
  CHECK(rank(matrix(2, 2, {1, 2, 2, 4})) == 1);  // the paper's example
  CHECK(max_abs(matrix(2, 2, {1, -7, 2, 4})) == 7);
  CHECK(rank(matrix(2, 3, {1, 2, 3, 1, 2, Rational(7, 2)})) == 2);
  CHECK(rank(RationalMatrix(3, 3)) == 0);
  // Rational RoPE, d = 2: M = s (R q)^T (R k) has rank <= 2 for any n.
  const Problem p = rational_rope(5);
  CHECK(rank(exact_logits(p, Rational(1, 2))) <= 2);
}

TEST_CASE("the expansion of P(M) has binom(|S| + g, g) terms and sums to P(M)", "[structure]") {
  const Problem p = rational_rope(3);
  const Rational s(1, 2);
  const RationalMatrix m = exact_logits(p, s);
  CHECK(m == decomposed_logits(p, s));
  const std::vector<Rational> a = shifted_taylor_coefficients(Rational(2), 2);
  const std::vector<ExpansionTerm> terms = expand_polynomial(p, s, a);
  CHECK(terms.size() == 15);  // |S| = 4, g = 2: binom(6, 2)
  RationalMatrix pm(3, 3);
  for (std::size_t k = 0; k < 9; ++k) pm.values[k] = evaluate_polynomial(a, m.values[k]);
  CHECK(evaluate_entrywise(a, m) == pm);
  CHECK(sum_of_terms(terms, 3, 3) == pm);
  CHECK(distinct_nonzero_terms(terms) <= 15);
}
