// The monomial expansion of P(M) into rescaled Toeplitz terms (Lemma 5.2, with "circulant"
// corrected to "Toeplitz"; proofs-notes/24-term-count.md). With M = s sum_{e in S} diag(Q_{*,l1(e)})
// C^e diag(K_{*,l2(e)}) and P(x) = sum_t a_t x^t, the multinomial theorem gives, entrywise,
//   P(M) = sum over multisets m of S with |m| <= g of
//          a_|m| s^|m| multinomial(m) diag(prod_e Q_{*,l1(e)}^{m_e}) T_m diag(prod_e K_{*,l2(e)}^{m_e}),
// T_m Toeplitz with symbol prod_e (W_delta)_e^{m_e}: binom(|S| + g, g) terms.
#pragma once
#include <cstddef>
#include <vector>

#include "ropecert/exact_numbers.hpp"
#include "ropecert/problem.hpp"
#include "ropecert/rational_matrix.hpp"
#include "ropecert/structure.hpp"

namespace ropecert {

struct ExpansionTerm {
  std::vector<std::size_t> multiplicities;  // m_e for each e of the support, in coupling_support order
  RescaledToeplitz matrix;                  // the coefficient a_|m| s^|m| multinomial(m) is folded into `row`
};

// All binom(|S| + g, g) terms for the polynomial with monomial coefficients a_0 .. a_g
// (g = coefficients.size() - 1), zero terms included. Requires the exact view (exact_problem.hpp).
std::vector<ExpansionTerm> expand_polynomial(const Problem& problem, const Rational& scale,
                                             const std::vector<Rational>& coefficients);

// The number of distinct non-zero matrices among the terms (dense comparison).
std::size_t distinct_nonzero_terms(const std::vector<ExpansionTerm>& terms);

// sum of the dense terms; equals P(M) entrywise (tested against the definition).
RationalMatrix sum_of_terms(const std::vector<ExpansionTerm>& terms, std::size_t rows, std::size_t cols);

}  // namespace ropecert
