// Rigorous enclosures of logits, softmax weights and outputs at one working precision.
// This is the quadratic "slow twin written from the definition" (proofs-notes/00-notation.md);
// every enclosure contains the exact real value (proofs-notes/10-certified-evaluation.md, Lemmas 1-3).
#pragma once
#include <cstddef>
#include <vector>

#include "ropecert/interval.hpp"
#include "ropecert/problem.hpp"

namespace ropecert {

// The unnormalised softmax of one query row at one precision:
//   shifted_weights[t] encloses exp(M_{i, keys[t]} - shift), total encloses their sum,
// for the visible keys in increasing order; `shift` is an exact MPFR point (the upper endpoint
// of the largest logit enclosure) chosen so that no weight overflows. The shift cancels in T.
struct RowSoftmax {
  std::vector<std::size_t> keys;
  std::vector<Interval> shifted_weights;
  Interval total;
  explicit RowSoftmax(mpfr_prec_t precision) : total(precision) {}
};

class FixedPrecisionEvaluator {
 public:
  // Precomputes the scale, the RoPE frequencies and the rotated query and key rows at `precision`
  // bits (kind rope), so that each row costs O(n_k d). Precondition: validate_problem passed.
  FixedPrecisionEvaluator(const Problem& problem, mpfr_prec_t precision);

  mpfr_prec_t precision() const { return precision_; }

  // Enclosure of the scale s (1/d, 1/sqrt(d) or the decimal string, enclosed by MPFI).
  const Interval& scale() const { return scale_; }

  // Enclosures of M_ij for the visible keys j of row i, in increasing j (keys listed in `keys`).
  std::vector<Interval> logits(std::size_t row, std::vector<std::size_t>* keys = nullptr) const;

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
  std::vector<std::vector<Interval>> rotated_queries_;  // kind rope: R_{a_i} q_i
  std::vector<std::vector<Interval>> rotated_keys_;     // kind rope: R_{b_j} k_j
};

}  // namespace ropecert
