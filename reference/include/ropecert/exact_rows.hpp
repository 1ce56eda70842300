// Rows whose visible logits are provably all equal: their output is the exact rational mean
// T_ic = (1/m) sum_{j visible} V_jc, which interval arithmetic alone cannot round when it is a
// tie between two floats (proofs-notes/10-certified-evaluation.md, Lemma 5).
#pragma once
#include <cstddef>
#include <gmp.h>

#include "ropecert/problem.hpp"

namespace ropecert {

// True when every visible logit of row i is provably equal to the first one. A sufficient test
// in exact rational arithmetic: the scale is exactly zero, or the row has one visible key, or
// every visible L_ij (M_ij = s L_ij) is rational and they are equal. Kind general: L_ij =
// q_i^T W_{i-j} k_j is always rational. Kind rope: plane p contributes
// (x1 y1 + x2 y2) cos(m theta_p) + (x2 y1 - x1 y2) sin(m theta_p), m = b_j - a_i, which is rational
// when m = 0 or q or k vanishes in the plane; a logit with any other plane term is not claimed
// rational. Equalities that would need trigonometric identities are not detected; such rows are
// left to interval arithmetic (and, at a tie, reported undecided).
bool row_logits_provably_equal(const Problem& problem, std::size_t row);

// The exact mean of the visible V entries of row i, column c, as a canonical rational.
// Caller owns and clears `mean` (mpq_init before, mpq_clear after).
void exact_visible_mean(const Problem& problem, std::size_t row, std::size_t column, mpq_t mean);

}  // namespace ropecert
