// The surrogate attention of the polynomial method (DIGEST sections 3-4; Theorem 5.3 with
// "circulant" corrected to "Toeplitz"), in exact arithmetic, three ways:
//   A~_ij = P(M_ij) if key j is visible from query i (Problem::key_visible), 0 otherwise,
//   T~_ic = sum_j A~_ij V_jc / sum_j A~_ij,
// with M = exact_logits(problem, scale) and P(x) = sum_{t=0}^{g} a_t x^t (a = coefficients).
// The three routes compute the same rationals (proofs-notes/32-fast-algorithm-exact.md,
// Lemmas 2-3); the tests compare them with operator==.
//
// Common preconditions (each violation throws std::invalid_argument):
//   - the problem has an exact view (exact_view_unavailable(problem) == ""): kind general, or
//     kind rope with pythagorean angles;
//   - coefficients is not empty (g = coefficients.size() - 1);
//   - every row sum sum_j A~_ij is > 0. This holds for P = shifted_taylor_coefficients(R, g) with
//     R >= max |M_ij|, since then P > 0 on [-R, R], and every row has a visible key.
#pragma once
#include <cstddef>
#include <vector>

#include "ropecert/exact_numbers.hpp"
#include "ropecert/problem.hpp"
#include "ropecert/rational_matrix.hpp"

namespace ropecert {

// The slow twin, from the definition: A~ dense (n_q x n_k), then the normalised product.
// Cost O(n_q n_k (d^2 + g + d_v)). Result n_q x d_v.
RationalMatrix surrogate_attention_quadratic(const Problem& problem, const Rational& scale,
                                             const std::vector<Rational>& coefficients);

// The Toeplitz route (corrected Theorem 5.3): A~ = sum over the binom(|S| + g, g) terms
// diag(r) T diag(c) of expand_polynomial, the causal mask folded into every symbol (the mask
// [a_i - b_j >= 0] depends on i - j only, so masked terms stay Toeplitz). Each term is applied to
// the columns X = [V, 1] as r o (T (c o X)) by toeplitz_times_vectors_exact, T embedded in the
// square Toeplitz matrix of order max(n_q, n_k) (X padded with zero rows, extra output rows
// dropped). Column d_v of the sum is the row sum of A~. Equals surrogate_attention_quadratic.
RationalMatrix surrogate_attention_toeplitz(const Problem& problem, const Rational& scale,
                                            const std::vector<Rational>& coefficients);

// The low-rank route (AS23 applied to rotated vectors; DIGEST section 4), kind rope only:
// u_i = R_{a_i} q_i, v_j = R_{b_j} k_j exactly (pythagorean_rotation), so M_ij = s u_i^T v_j, and
//   P(M_ij) = sum_{|alpha| <= g} Phi_Q(i, alpha) Phi_K(j, alpha),
//   Phi_Q(i, alpha) = a_|alpha| s^|alpha| multinomial(alpha) u_i^alpha,  Phi_K(j, alpha) = v_j^alpha,
// over the binom(d + g, g) multi-indices alpha in N^d. T~ = Phi_Q (Phi_K^T [V, 1]) normalised;
// with the causal mask Phi_K^T [V, 1] is replaced by its prefix sums over the keys visible from
// query i (keys are in position order). Cost O(binom(d+g, g) (n_q + n_k) (d_v + 1)).
// Additionally throws std::invalid_argument unless kind == rope with pythagorean angles.
// Equals surrogate_attention_quadratic.
RationalMatrix surrogate_attention_lowrank(const Problem& problem, const Rational& scale,
                                           const std::vector<Rational>& coefficients);

// The low-rank route's feature weights a_|alpha| s^|alpha| multinomial(alpha), exactly, for each multi-index
// alpha of `alphas` (multisets(d, g), g = coefficients.size() - 1). Shared by the exact and binary64 routes.
std::vector<Rational> lowrank_feature_weights(const std::vector<std::vector<std::size_t>>& alphas,
                                              const std::vector<Rational>& coefficients, const Rational& scale);

}  // namespace ropecert
