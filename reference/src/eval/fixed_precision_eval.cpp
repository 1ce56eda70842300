// Fixed-precision enclosures (fixed_precision_eval.hpp): proofs-notes/10-certified-evaluation.md, Lemmas 1-3;
// the RoPE conventions (scaling, emulation) enter through rope_geometry.hpp (note 11, "Wiring").
#include "ropecert/fixed_precision_eval.hpp"

#include <stdexcept>

#include "ropecert/logit_scale.hpp"
#include "ropecert/parallel.hpp"
#include "ropecert/rope_geometry.hpp"

namespace ropecert {

FixedPrecisionEvaluator::FixedPrecisionEvaluator(const Problem& problem, mpfr_prec_t precision, unsigned threads)
    : problem_(problem),
      precision_(precision),
      scale_(enclose_scale(problem.scale, problem.d(), precision)),
      frequencies_(precision) {
  if (precision < 53) throw std::invalid_argument("working precision must be >= 53 bits");
  if (problem.kind != Kind::rope) return;
  frequencies_ = enclose_rope_frequencies(problem.rope, precision);
  rotated_keys_.resize(problem.n_k());
  parallel_for(problem.n_k(), threads, [&](std::size_t j) {
    rotated_keys_[j] = enclose_rotated_row(&problem.K.values[j * problem.d()], problem.d(), problem.rope, frequencies_,
                                           problem.key_position(j), precision);
  });
}

Interval FixedPrecisionEvaluator::logit_rope(const std::vector<Interval>& rotated_query, std::size_t key) const {
  Interval sum(precision_), product(precision_);
  const std::vector<Interval>& rotated_key = rotated_keys_[key];
  for (std::size_t l = 0; l < rotated_query.size(); ++l) {
    mpfi_mul(product.get(), rotated_query[l].get(), rotated_key[l].get());
    mpfi_add(sum.get(), sum.get(), product.get());
  }
  mpfi_mul(sum.get(), sum.get(), scale_.get());
  return sum;
}

Interval FixedPrecisionEvaluator::logit_general(std::size_t row, std::size_t key) const {
  const Matrix& coupling = problem_.coupling(static_cast<std::int64_t>(row) - static_cast<std::int64_t>(key));
  const std::size_t d = problem_.d();
  Interval sum(precision_), inner(precision_), product(precision_);
  for (std::size_t l1 = 0; l1 < d; ++l1) {
    const double q = problem_.Q.at(row, l1);
    if (q == 0) continue;  // exact zero term
    mpfi_set_ui(inner.get(), 0);
    for (std::size_t l2 = 0; l2 < d; ++l2) {
      const double w = coupling.at(l1, l2);
      if (w == 0) continue;
      mpfi_set_d(product.get(), w);  // exact
      mpfi_mul_d(product.get(), product.get(), problem_.K.at(key, l2));
      mpfi_add(inner.get(), inner.get(), product.get());
    }
    mpfi_mul_d(inner.get(), inner.get(), q);
    mpfi_add(sum.get(), sum.get(), inner.get());
  }
  mpfi_mul(sum.get(), sum.get(), scale_.get());
  return sum;
}

RowSoftmax FixedPrecisionEvaluator::softmax(std::size_t row) const {
  RowSoftmax result(precision_);
  std::vector<Interval> rotated_query;
  if (problem_.kind == Kind::rope)
    rotated_query = enclose_rotated_row(&problem_.Q.values[row * problem_.d()], problem_.d(), problem_.rope,
                                        frequencies_, problem_.query_position(row), precision_);
  for (std::size_t j = 0; j < problem_.n_k(); ++j) {
    if (!problem_.key_visible(row, j)) continue;
    result.keys.push_back(j);
    result.logits.push_back(problem_.kind == Kind::rope ? logit_rope(rotated_query, j) : logit_general(row, j));
  }
  // Any exact point works as the shift; the largest upper endpoint keeps exp(M - shift) <= 1.
  mpfr_t shift;
  mpfr_init2(shift, precision_);
  mpfr_set(shift, &result.logits.front().get()->right, MPFR_RNDN);  // same precision: exact
  for (const Interval& logit : result.logits) mpfr_max(shift, shift, &logit.get()->right, MPFR_RNDN);
  for (const Interval& logit : result.logits) {
    Interval weight(precision_);
    mpfi_sub_fr(weight.get(), logit.get(), shift);
    mpfi_exp(weight.get(), weight.get());
    mpfi_add(result.total.get(), result.total.get(), weight.get());
    result.shifted_weights.push_back(std::move(weight));
  }
  mpfr_clear(shift);
  return result;
}

std::vector<Interval> FixedPrecisionEvaluator::weights(std::size_t row) const {
  RowSoftmax row_softmax = softmax(row);
  for (Interval& weight : row_softmax.shifted_weights) mpfi_div(weight.get(), weight.get(), row_softmax.total.get());
  return std::move(row_softmax.shifted_weights);
}

Interval FixedPrecisionEvaluator::output(const RowSoftmax& row_softmax, std::size_t column) const {
  Interval numerator(precision_), term(precision_);
  for (std::size_t t = 0; t < row_softmax.keys.size(); ++t) {
    mpfi_mul_d(term.get(), row_softmax.shifted_weights[t].get(), problem_.V.at(row_softmax.keys[t], column));
    mpfi_add(numerator.get(), numerator.get(), term.get());
  }
  mpfi_div(numerator.get(), numerator.get(), row_softmax.total.get());
  return numerator;
}

}  // namespace ropecert
