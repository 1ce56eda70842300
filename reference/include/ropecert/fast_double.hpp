// The fast algorithm in binary64, with a rigorous bound on its rounding errors computed alongside
// (proofs-notes/33-fast-algorithm-binary64.md). Both routes round the surrogate of their binary64
// inputs (fast_inputs.hpp):
//   A'_ij = P(M'_ij) on visible keys, T'_ic = sum_j A'_ij V_jc / sum_j A'_ij,
// P with its exact coefficients a_t, and M' the logits of the rounded inputs: for the Toeplitz route
// M'_ij = s~ sum_{(l1,l2) in S} q_{i,l1} (W~_{a_i - b_j})_{l1,l2} k_{j,l2}, for the low-rank route
// M'_ij = s~ u~_i^T v~_j (rotated rows). Both are within rho of M (note 33, Lemma 33.2).
#pragma once
#include <string>
#include <vector>

#include "ropecert/exact_numbers.hpp"
#include "ropecert/problem.hpp"

namespace ropecert {

struct Binary64Result {
  Matrix t;                    // n_q x d_v, the computed T~
  double rounding_bound = 0;   // >= max_ic |T~_ic - T'_ic| (Theorems 33.4, 33.5); +infinity when not certified
  std::string uncertified;     // why rounding_bound is +infinity ("" otherwise)
};

// The Toeplitz route (corrected Theorem 5.3) in binary64: the binom(|S| + g, g) terms of the expansion of
// P(M') are enumerated depth first, each term's row scaling, symbol and column scaling updated by one
// product per entry from its parent (so every entry is a product of at most 4g + 3 rounded factors),
// applied to [V, 1] by toeplitz_times_vectors_fft (the causal mask zeroes the symbol at masked offsets),
// and summed. Memory O(g (n_q + n_k) + |S| (n_q + n_k) + N (d_v + 1)); time O(terms (d_v + 1) N log N),
// N = fft_embedding_size(max(n_q, n_k)).
// The bound of Theorem 33.4 is accumulated per entry: it assumes FFTW meets Model A
// (proofs-notes/21-circulant-embedding.md) and the model of note 33, Lemma 33.3. The result is kept and the
// bound is +infinity with the reason (note 33, "Certification") when: the thread's rounding mode is not to
// nearest or MXCSR has FTZ or DAZ set (checked before anything is computed); FE_UNDERFLOW, FE_OVERFLOW,
// FE_INVALID or FE_DIVBYZERO is raised in the route; a term's weight a_t s~^t multinomial(m) is not finite;
// a value leaves the range of fft_error_bound; a row sum is not positive; or T~ or its bound is not finite.
// Preconditions: validate_problem passed; fast conventions (fast_inputs.hpp; std::invalid_argument
// otherwise); coefficients non-empty and finite in binary64. Throws InputError for a scale binary64 cannot
// hold (binary64_scale).
Binary64Result surrogate_attention_toeplitz_binary64(const Problem& problem, const std::vector<Rational>& coefficients);

// The low-rank route in binary64 (kind rope only; std::invalid_argument otherwise): rotated rows
// u~_i, v~_j (binary64_rotated_rows), Phi_Q(i, alpha) = a_|alpha| s~^|alpha| multinomial(alpha) u~_i^alpha,
// Phi_K(j, alpha) = v~_j^alpha over the F = binom(d + g, g) multi-indices; key prefix sums streamed in
// query order (memory O(F (d + d_v + 1)), time O(F (n_q + n_k) (d + d_v + 1))).
// Bound: Theorem 33.5, with the same rules for uncertified results (no FFT model is involved); a weight
// a_t s~^t multinomial(alpha) that rounds below 2^-1022 or to an infinity also leaves the result uncertified.
// Preconditions and InputError as for the Toeplitz route.
Binary64Result surrogate_attention_lowrank_binary64(const Problem& problem, const std::vector<Rational>& coefficients);

}  // namespace ropecert
