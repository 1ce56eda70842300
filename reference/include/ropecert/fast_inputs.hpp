// What the fast algorithm needs from a case before it computes anything quadratic, in O((n_q + n_k) d^2)
// work: the support S of the couplings, a rigorous bound R on the logits from norms, and the binary64
// inputs of the floating routes (scale, coupling symbols, rotated rows) with the perturbation rho they
// cause in the logits. Proofs: proofs-notes/33-fast-algorithm-binary64.md (Lemmas 33.1, 33.2).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "ropecert/exact_numbers.hpp"
#include "ropecert/problem.hpp"
#include "ropecert/structure.hpp"

namespace ropecert {

// Why the fast algorithm cannot model `problem`'s RoPE convention ("" if it can): it knows only
// theta_p = base^(-2p/r) (or pythagorean angles) and exact rotations, so rope.scaling (other frequencies and
// an attention factor) and rope.emulate (inv_freq or cos / sin rounded to a framework format) are refused.
// Every function below that reads the RoPE convention (all but binary64_scale) states "fast conventions" as
// a precondition and throws std::invalid_argument with this reason when it fails.
std::string fast_conventions_unsupported(const Problem& problem);

// The pairs (l1, l2) for which some coupling W_delta, delta a position difference of the problem, has
// a non-zero entry, in increasing order; equal to coupling_support (structure.hpp) wherever that is
// defined, but also for standard RoPE angles. Kind general: read from W. Kind rope: per rotation plane
// (a, b) the diagonal pairs (a, a), (b, b), and (a, b), (b, a) unless every position difference is 0
// (sin(delta theta_p) != 0 for delta != 0, since theta_p / pi is irrational: note 33, Lemma 33.1),
// plus (l, l) for every pass-through dimension l >= rotary_dim. Precondition: fast conventions.
std::vector<SupportPair> structural_support(const Problem& problem);

// Rigorous bounds from norms, computed with MPFI and rounded up to dyadics of 24 bits:
//   scale_magnitude >= |s|,
//   rho >= 2^-48 d |s| Q1 K1 max(1, Wmax), Q1 = max_i ||q_i||_1, K1 = max_j ||k_j||_1, Wmax the largest
//          |W entry| (kind general; 1 for rope): a bound on |M'_ij - M_ij| for the logits M' of the
//          binary64 inputs below (note 33, Lemma 33.2),
//   R >= |s| max_i ||q_i||_2 max_j ||k_j||_2 c_W + rho >= max_ij max(|M_ij|, |M'_ij|), with c_W = 1 for rope
//          (rotations are orthogonal) and c_W = max_delta ||W_delta||_F for kind general (note 33, Lemma 33.1).
// Preconditions: validate_problem passed; fast conventions (c_W = 1 needs exact, unscaled rotations).
struct LogitBound {
  Rational scale_magnitude;
  Rational rho;
  Rational R;
};
LogitBound bound_logits(const Problem& problem);

// s~ = RN(s) from a 128-bit enclosure: |s~ - s| <= 2^-52 |s| (note 33, Lemma 33.2). Throws InputError when
// s != 0 rounds below binary64's normal range (2^-1022) or beyond it (|s| > DBL_MAX rounds to an infinity),
// where that bound fails.
double binary64_scale(const Problem& problem);

// For each pair of `support`, the symbol of its coupling matrix C^{l1,l2} over the offsets
// k = i - j = -(n_k - 1) .. n_q - 1: entry k + n_k - 1 is (W_{shift + k})_{l1,l2}, shift = a_0 - b_0.
// Kind general: the exact doubles of W. Kind rope: RN of the midpoint of an MPFI enclosure of
// cos(delta theta_p) or +-sin(delta theta_p) at 128 + 64 bits (enough for |delta| < 2^53), so each entry
// is within 2^-52 of the exact value (note 33, Lemma 33.2). Precondition: fast conventions.
std::vector<std::vector<double>> binary64_coupling_symbols(const Problem& problem,
                                                           const std::vector<SupportPair>& support);

// Kind rope: row r of the result is RN of (an enclosure of) R_{position(r)} x_r, x_r row r of Q
// (queries = true, positions a_r) or of K (positions b_r); each entry is within 2^-52 ||x_r||_1 of the
// exact rotated entry (note 33, Lemma 33.2). Throws std::invalid_argument for kind general. Precondition:
// fast conventions.
Matrix binary64_rotated_rows(const Problem& problem, bool queries);

}  // namespace ropecert
