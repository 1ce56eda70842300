#include "ropecert/expansion.hpp"

#include <algorithm>

#include "ropecert/exact_problem.hpp"
#include "ropecert/polynomial.hpp"

namespace ropecert {

std::vector<ExpansionTerm> expand_polynomial(const Problem& problem, const Rational& scale,
                                             const std::vector<Rational>& coefficients) {
  const std::vector<SupportPair> support = coupling_support(problem);
  const std::size_t n_q = problem.n_q(), n_k = problem.n_k();
  // Per support pair: its Q column, K column and Toeplitz symbol over offsets i - j.
  std::vector<RescaledToeplitz> factors;
  for (const SupportPair& e : support) {
    const RationalMatrix c = coupling_matrix(problem, e);
    RescaledToeplitz f{std::vector<Rational>(n_q), std::vector<Rational>(n_q + n_k - 1), std::vector<Rational>(n_k)};
    for (std::size_t i = 0; i < n_q; ++i) f.row[i] = Rational(problem.Q.at(i, e.first));
    for (std::size_t j = 0; j < n_k; ++j) f.col[j] = Rational(problem.K.at(j, e.second));
    for (std::size_t i = 0; i < n_q; ++i)
      for (std::size_t j = 0; j < n_k; ++j) f.symbol[i + n_k - 1 - j] = c.at(i, j);
    factors.push_back(std::move(f));
  }

  std::vector<ExpansionTerm> terms;
  const std::size_t g = coefficients.size() - 1;
  for (const std::vector<std::size_t>& m : multisets(support.size(), g)) {
    RescaledToeplitz product{std::vector<Rational>(n_q, 1), std::vector<Rational>(n_q + n_k - 1, 1),
                             std::vector<Rational>(n_k, 1)};
    std::size_t degree = 0;
    for (std::size_t e = 0; e < m.size(); ++e)
      for (std::size_t k = 0; k < m[e]; ++k, ++degree) product = hadamard(product, factors[e]);
    Rational coefficient = coefficients[degree] * Rational(multinomial(m));
    for (std::size_t k = 0; k < degree; ++k) coefficient *= scale;
    for (Rational& x : product.row) x *= coefficient;
    terms.push_back({m, std::move(product)});
  }
  return terms;
}

std::size_t distinct_nonzero_terms(const std::vector<ExpansionTerm>& terms) {
  std::vector<RationalMatrix> seen;
  for (const ExpansionTerm& term : terms) {
    RationalMatrix m = dense(term.matrix);
    const bool zero = std::all_of(m.values.begin(), m.values.end(), [](const Rational& x) { return x == 0; });
    if (!zero && std::find(seen.begin(), seen.end(), m) == seen.end()) seen.push_back(std::move(m));
  }
  return seen.size();
}

RationalMatrix sum_of_terms(const std::vector<ExpansionTerm>& terms, std::size_t rows, std::size_t cols) {
  RationalMatrix sum(rows, cols);
  for (const ExpansionTerm& term : terms) {
    const RationalMatrix m = dense(term.matrix);
    for (std::size_t k = 0; k < sum.values.size(); ++k) sum.values[k] += m.values[k];
  }
  return sum;
}

}  // namespace ropecert
