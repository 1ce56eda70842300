// Rows whose visible logits are provably all equal: their output is the exact rational mean
// T_ic = (1/m) sum_{j visible} V_jc, which interval arithmetic alone cannot round when it is a
// tie between two floats (proofs-notes/10-certified-evaluation.md, Lemma 5).
#pragma once
#include <cstddef>
#include <gmp.h>

#include "ropecert/problem.hpp"

namespace ropecert {

// True when every visible logit of row i is provably equal to the first one. Sufficient test,
// exact arithmetic only: the scale is exactly zero, or the row has one visible key, or the
// logits have identical exact normal forms. Kind general: L_ij = q_i^T W_{i-j} k_j as exact
// rationals. Kind rope: L_ij = c_ij + sum_p (a_p cos(m theta_p) + b_p sin(m theta_p)), m = b_j - a_i,
// with a_p, b_p, c_ij exact; terms with m = 0 fold into c, cos(-x) = cos x and sin(-x) = -sin x
// normalise m to |m|, and zero terms are dropped. Logits equal only by other identities are not
// detected; they are then left to interval arithmetic (and may stay undecided).
bool row_logits_provably_equal(const Problem& problem, std::size_t row);

// The exact mean of the visible V entries of row i, column c, as a canonical rational.
// Caller owns and clears `mean` (mpq_init before, mpq_clear after).
void exact_visible_mean(const Problem& problem, std::size_t row, std::size_t column, mpq_t mean);

}  // namespace ropecert
