// The surrogate attention of the polynomial method in exact arithmetic: the definition, the
// Toeplitz route and the low-rank route (fast_attention.hpp).
#include "ropecert/fast_attention.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include "ropecert/exact_problem.hpp"
#include "ropecert/expansion.hpp"
#include "ropecert/polynomial.hpp"
#include "ropecert/rope_geometry.hpp"
#include "ropecert/structure.hpp"
#include "ropecert/toeplitz.hpp"

namespace ropecert {

namespace {

void check_common(const Problem& problem, const std::vector<Rational>& coefficients, const char* who) {
  const std::string why = exact_view_unavailable(problem);
  if (!why.empty()) throw std::invalid_argument(std::string(who) + ": no exact view: " + why);
  if (coefficients.empty()) throw std::invalid_argument(std::string(who) + ": empty polynomial");
}

// Y = [numerator | row sum] (n_q x (d_v + 1)) -> T~_ic = Y_ic / Y_{i,d_v}.
RationalMatrix normalise(const RationalMatrix& y, const char* who) {
  const std::size_t d_v = y.cols - 1;
  RationalMatrix t(y.rows, d_v);
  for (std::size_t i = 0; i < y.rows; ++i) {
    const Rational& sum = y.at(i, d_v);
    if (sum <= 0)
      throw std::invalid_argument(std::string(who) + ": row sum of P(M) over visible keys is not > 0 in row " +
                                  std::to_string(i));
    for (std::size_t c = 0; c < d_v; ++c) t.at(i, c) = y.at(i, c) / sum;
  }
  return t;
}

// x^alpha = prod_l x_l^alpha_l.
Rational monomial(const std::vector<Rational>& x, const std::vector<std::size_t>& alpha) {
  Rational result = 1;
  for (std::size_t l = 0; l < x.size(); ++l)
    for (std::size_t e = 0; e < alpha[l]; ++e) result *= x[l];
  return result;
}

// R_position x for the row x of `m` (exact, pythagorean angles; pass-through dims copied).
std::vector<Rational> rotated_row(const Problem& problem, const Matrix& m, std::size_t row, std::int64_t position) {
  std::vector<Rational> x(m.cols);
  for (std::size_t l = 0; l < m.cols; ++l) x[l] = Rational(m.at(row, l));
  const auto planes = rotary_planes(problem.rope.rotary_dim, problem.rope.pairing);
  for (std::size_t p = 0; p < planes.size(); ++p) {
    const RationalRotation r = pythagorean_rotation(p, position);
    const auto [a, b] = planes[p];
    const Rational xa = x[a], xb = x[b];
    x[a] = xa * r.cos - xb * r.sin;
    x[b] = xa * r.sin + xb * r.cos;
  }
  return x;
}

}  // namespace

std::vector<Rational> lowrank_feature_weights(const std::vector<std::vector<std::size_t>>& alphas,
                                              const std::vector<Rational>& coefficients, const Rational& scale) {
  std::vector<Rational> weight(alphas.size());
  for (std::size_t f = 0; f < alphas.size(); ++f) {
    std::size_t degree = 0;
    for (std::size_t count : alphas[f]) degree += count;
    Rational power = 1;
    for (std::size_t e = 0; e < degree; ++e) power *= scale;
    weight[f] = coefficients[degree] * power * Rational(multinomial(alphas[f]));
  }
  return weight;
}

RationalMatrix surrogate_attention_quadratic(const Problem& problem, const Rational& scale,
                                             const std::vector<Rational>& coefficients) {
  const char* who = "surrogate_attention_quadratic";
  check_common(problem, coefficients, who);
  const RationalMatrix m = exact_logits(problem, scale);
  const RationalMatrix x = with_ones_column<Rational>(problem.V);  // X = [V, 1]
  RationalMatrix y(problem.n_q(), problem.d_v() + 1);
  for (std::size_t i = 0; i < problem.n_q(); ++i)
    for (std::size_t j = 0; j < problem.n_k(); ++j) {
      if (!problem.key_visible(i, j)) continue;
      const Rational weight = evaluate_polynomial(coefficients, m.at(i, j));
      for (std::size_t c = 0; c < x.cols; ++c) y.at(i, c) += weight * x.at(j, c);
    }
  return normalise(y, who);
}

RationalMatrix surrogate_attention_toeplitz(const Problem& problem, const Rational& scale,
                                            const std::vector<Rational>& coefficients) {
  const char* who = "surrogate_attention_toeplitz";
  check_common(problem, coefficients, who);
  const std::size_t n_q = problem.n_q(), n_k = problem.n_k(), cols = problem.d_v() + 1;
  const std::size_t n = std::max(n_q, n_k);
  const RationalMatrix x = with_ones_column<Rational>(problem.V);  // X = [V, 1]
  // a_i - b_j = shift + (i - j): the causal mask keeps offset k = i - j iff shift + k >= 0.
  const std::int64_t shift = problem.query_position(0) - problem.key_position(0);
  RationalMatrix y(n_q, cols);
  for (const ExpansionTerm& term : expand_polynomial(problem, scale, coefficients)) {
    const RescaledToeplitz& a = term.matrix;
    // The n x n symbol: square[k + n - 1] = t_k for k = -(n_k - 1) .. n_q - 1 (a.symbol[k + n_k - 1]),
    // zero at masked offsets and outside the rectangle.
    std::vector<Rational> square(2 * n - 1);
    bool any = false;
    for (std::int64_t k = -std::int64_t(n_k) + 1; k <= std::int64_t(n_q) - 1; ++k) {
      if (problem.mask == MaskKind::causal && shift + k < 0) continue;
      const Rational& t = a.symbol[static_cast<std::size_t>(k + std::int64_t(n_k) - 1)];
      square[static_cast<std::size_t>(k + std::int64_t(n) - 1)] = t;
      if (t != 0) any = true;
    }
    if (!any) continue;
    RationalMatrix scaled(n, cols);  // c o X, zero rows n_k .. n-1
    for (std::size_t j = 0; j < n_k; ++j)
      for (std::size_t c = 0; c < cols; ++c) scaled.at(j, c) = a.col[j] * x.at(j, c);
    const RationalMatrix product = toeplitz_times_vectors_exact(square, scaled);
    for (std::size_t i = 0; i < n_q; ++i)
      for (std::size_t c = 0; c < cols; ++c) y.at(i, c) += a.row[i] * product.at(i, c);
  }
  return normalise(y, who);
}

RationalMatrix surrogate_attention_lowrank(const Problem& problem, const Rational& scale,
                                           const std::vector<Rational>& coefficients) {
  const char* who = "surrogate_attention_lowrank";
  if (problem.kind != Kind::rope || problem.rope.angles != Angles::pythagorean)
    throw std::invalid_argument(std::string(who) + ": needs kind rope with pythagorean angles");
  check_common(problem, coefficients, who);
  const std::size_t n_q = problem.n_q(), n_k = problem.n_k(), d = problem.d(), cols = problem.d_v() + 1;
  const std::size_t g = coefficients.size() - 1;
  const std::vector<std::vector<std::size_t>> alphas = multisets(d, g);
  const std::size_t features = alphas.size();
  const std::vector<Rational> weight = lowrank_feature_weights(alphas, coefficients, scale);
  const RationalMatrix x = with_ones_column<Rational>(problem.V);  // X = [V, 1]
  // prefix[J] = sum_{j < J} Phi_K(j, .)^T X_j, features x cols, J = 0 .. n_k.
  std::vector<RationalMatrix> prefix(n_k + 1, RationalMatrix(features, cols));
  for (std::size_t j = 0; j < n_k; ++j) {
    const std::vector<Rational> v = rotated_row(problem, problem.K, j, problem.key_position(j));
    prefix[j + 1] = prefix[j];
    for (std::size_t f = 0; f < features; ++f) {
      const Rational phi = monomial(v, alphas[f]);
      if (phi == 0) continue;
      for (std::size_t c = 0; c < cols; ++c) prefix[j + 1].at(f, c) += phi * x.at(j, c);
    }
  }
  RationalMatrix y(n_q, cols);
  for (std::size_t i = 0; i < n_q; ++i) {
    const RationalMatrix& kv = prefix[problem.visible_key_count(i)];
    const std::vector<Rational> u = rotated_row(problem, problem.Q, i, problem.query_position(i));
    for (std::size_t f = 0; f < features; ++f) {
      if (weight[f] == 0) continue;
      const Rational phi = weight[f] * monomial(u, alphas[f]);
      if (phi == 0) continue;
      for (std::size_t c = 0; c < cols; ++c) y.at(i, c) += phi * kv.at(f, c);
    }
  }
  return normalise(y, who);
}

}  // namespace ropecert
