// The polynomial of the polynomial method with exact rational coefficients (DIGEST section 3):
//   P(x) = sum_{t=0}^{g} (x + R)^t / t!, the Taylor polynomial of e^(x+R) at 0.
// Only the exact polynomial lives here; its approximation error belongs to the fast algorithm.
#pragma once
#include <cstddef>
#include <vector>

#include "ropecert/exact_numbers.hpp"
#include "ropecert/rational_matrix.hpp"

namespace ropecert {

// The monomial coefficients a_0 .. a_g of P: a_t = sum_{u=t}^{g} binom(u, t) R^{u-t} / u!.
// Precondition: R >= 0.
std::vector<Rational> shifted_taylor_coefficients(const Rational& R, std::size_t g);

// sum_t a_t x^t by Horner's rule, exactly.
Rational evaluate_polynomial(const std::vector<Rational>& coefficients, const Rational& x);

// The polynomial applied to every entry of m (P(M) of the polynomial method is entrywise).
RationalMatrix evaluate_entrywise(const std::vector<Rational>& coefficients, const RationalMatrix& m);

// binom(n, k) as an exact integer.
Integer binomial(std::size_t n, std::size_t k);

// |m|! / prod_e m_e! for a multiset given by its multiplicities m.
Integer multinomial(const std::vector<std::size_t>& m);

// Every multiset over `kinds` kinds with at most `max_total` elements, as multiplicity vectors,
// in lexicographic order of (m_0, m_1, ...): binom(kinds + max_total, max_total) of them.
std::vector<std::vector<std::size_t>> multisets(std::size_t kinds, std::size_t max_total);

}  // namespace ropecert
