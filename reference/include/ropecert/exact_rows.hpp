// Outputs known exactly without evaluating the softmax: rows whose visible logits are provably all
// equal give the exact rational mean T_ic = (1/m) sum_{j visible} V_jc (proofs-notes/10-certified-evaluation.md,
// Lemma 5), and a column whose visible V entries are all equal gives that value (Lemma 9). Interval
// arithmetic alone cannot round them when they are a tie between two floats, or give the sign of an exact 0.
#pragma once
#include <cstddef>
#include <gmp.h>
#include <optional>

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

// r = V_0c when every key j visible from query i has V_jc = r (as reals: +0 and -0 are equal), else
// nullopt. Then T_ic = r exactly whatever the logits, since the softmax weights sum to 1
// (proofs-notes/10-certified-evaluation.md, Lemma 9). Depends on V and the mask only.
// Precondition: validate_problem passed (every row sees key 0).
std::optional<double> constant_visible_value(const Problem& problem, std::size_t row, std::size_t column);

// The exact mean of the visible V entries of row i, column c, as a canonical rational.
// Caller owns and clears `mean` (mpq_init before, mpq_clear after).
void exact_visible_mean(const Problem& problem, std::size_t row, std::size_t column, mpq_t mean);

}  // namespace ropecert
