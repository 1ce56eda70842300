// Rigorous enclosures of logits, softmax weights and outputs at one working precision, under the RoPE
// conventions of problem.hpp (scaling, emulation: proofs-notes/11-rope-scaling.md, "Wiring").
// This is the quadratic "slow twin written from the definition" (proofs-notes/00-notation.md);
// every enclosure contains the exact real value (proofs-notes/10-certified-evaluation.md, Lemmas 1-3).
#pragma once
#include <cstddef>
#include <vector>

#include "ropecert/interval.hpp"
#include "ropecert/problem.hpp"
#include "ropecert/rope_geometry.hpp"

namespace ropecert {

// The unnormalised softmax of one query row at one precision, for the visible keys in
// increasing order: logits[t] encloses M_{i, keys[t]}, shifted_weights[t] encloses
// exp(M_{i, keys[t]} - shift) and total encloses their sum. The shift, an exact point (the
// largest upper endpoint of the logits), keeps every weight <= 1; it cancels in T.
struct RowSoftmax {
  std::vector<std::size_t> keys;
  std::vector<Interval> logits;
  std::vector<Interval> shifted_weights;
  Interval total;
  explicit RowSoftmax(mpfr_prec_t precision) : total(precision) {}
};

class FixedPrecisionEvaluator {
 public:
  // Precomputes the scale, the RoPE frequencies and attention factor (enclose_rope_frequencies: the
  // problem's scaling and inv_freq emulation) and the rotated key rows R^a_{b_j} k_j (enclose_rotated_row:
  // the cos / sin emulation) at `precision` bits, on up to `threads` threads, so that each row costs
  // O(n_k d). Kind rope logits are then M_ij = s (R^a_{a_i} q_i)^T (R^a_{b_j} k_j) (problem.hpp; with
  // rotary_dim = d and no emulation this is s a^2 (R_{a_i} q_i)^T (R_{b_j} k_j)).
  // Preconditions: validate_problem passed; precision >= 53, so every double is exact.
  // Throws std::domain_error if a branch of a scaled frequency is undecided even at 65536 bits (never seen;
  // proofs-notes/11-rope-scaling.md, Lemma 4).
  FixedPrecisionEvaluator(const Problem& problem, mpfr_prec_t precision, unsigned threads = 1);

  mpfr_prec_t precision() const { return precision_; }

  // Enclosure of the scale s (1/d, 1/sqrt(d) or the decimal string, enclosed by MPFI).
  const Interval& scale() const { return scale_; }

  // The unnormalised softmax of row i (see RowSoftmax).
  RowSoftmax softmax(std::size_t row) const;

  // Enclosures of the normalised weights w_ij = exp(M_ij) / sum_j' exp(M_ij'), visible keys only.
  std::vector<Interval> weights(std::size_t row) const;

  // Enclosure of T_ic = sum_t shifted_weights[t] V_{keys[t], c} / total.
  Interval output(const RowSoftmax& softmax, std::size_t column) const;

 private:
  const Problem& problem_;
  mpfr_prec_t precision_;
  Interval scale_;
  RopeFrequencies frequencies_;                      // kind rope: theta_p and the attention factor a
  std::vector<std::vector<Interval>> rotated_keys_;  // kind rope: R^a_{b_j} k_j

  Interval logit_rope(const std::vector<Interval>& rotated_query, std::size_t key) const;
  Interval logit_general(std::size_t row, std::size_t key) const;
};

}  // namespace ropecert
