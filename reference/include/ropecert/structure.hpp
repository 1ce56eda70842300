// The structure claims of the paper, in exact arithmetic (proofs-notes/20-toeplitz-not-circulant.md,
// 22-decomposition.md, 23-hadamard-products.md, 25-ranks.md):
//   C^{l1,l2}_ij = (W_{a_i - b_j})_{l1,l2} is Toeplitz, and circulant only for n-periodic families;
//   M = s sum_{(l1,l2) in S} diag(Q_{*,l1}) C^{l1,l2} diag(K_{*,l2})   (Claim 4.8);
//   Hadamard products of rescaled Toeplitz matrices are rescaled Toeplitz (Lemmas 3.6, 5.1).
// Every function here requires the exact view of the problem (exact_problem.hpp).
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

#include "ropecert/exact_numbers.hpp"
#include "ropecert/problem.hpp"
#include "ropecert/rational_matrix.hpp"

namespace ropecert {

using SupportPair = std::pair<std::size_t, std::size_t>;  // (l1, l2)

// S: the pairs (l1, l2) where some coupling W_delta with |delta| reachable by the problem's
// positions is non-zero, in increasing order.
std::vector<SupportPair> coupling_support(const Problem& problem);

// C^{l1,l2} (n_q x n_k): entry (i, j) is (W_{a_i - b_j})_{l1,l2}.
RationalMatrix coupling_matrix(const Problem& problem, SupportPair pair);

// A_ij depends on i - j only.
bool is_toeplitz(const RationalMatrix& a);

// Square, and A_ij depends on (i - j) mod n only.
bool is_circulant(const RationalMatrix& a);

// The family is n-periodic on the offsets the problem uses: W_delta = W_{delta - n} whenever both
// delta and delta - n are position differences of the problem (for a_i = i, b_j = j:
// delta = 1 .. n-1). Precondition: n_q == n_k == n.
bool coupling_is_periodic(const Problem& problem);

// s sum_{(l1,l2) in S} diag(Q_{*,l1}) C^{l1,l2} diag(K_{*,l2}), the right side of Claim 4.8.
RationalMatrix decomposed_logits(const Problem& problem, const Rational& scale);

// A rescaled Toeplitz matrix diag(row) T diag(col), T_ij = symbol[i - j + cols - 1].
struct RescaledToeplitz {
  std::vector<Rational> row;     // n_q
  std::vector<Rational> symbol;  // n_q + n_k - 1 values, offsets i - j = -(n_k-1) .. n_q-1
  std::vector<Rational> col;     // n_k
};

// The dense matrix of a rescaled Toeplitz matrix (the slow twin of everything built on it).
RationalMatrix dense(const RescaledToeplitz& a);

// (D1 T D2) o (D1' T' D2') = (D1 D1') (T o T') (D2 D2'): entrywise products of the three parts.
// Precondition: equal shapes.
RescaledToeplitz hadamard(const RescaledToeplitz& a, const RescaledToeplitz& b);

// Entrywise product of two matrices of equal shape.
RationalMatrix hadamard(const RationalMatrix& a, const RationalMatrix& b);

// The rank over Q (FLINT fmpq_mat_rref, exact).
std::size_t rank(const RationalMatrix& a);

}  // namespace ropecert
