// Inputs of the fast algorithm: support, logit bound, binary64 scale, symbols and rotated rows
// (fast_inputs.hpp; proofs-notes/33-fast-algorithm-binary64.md, Lemmas 33.1 and 33.2).
#include "ropecert/fast_inputs.hpp"

#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string>

#include "ropecert/errors.hpp"
#include "ropecert/interval.hpp"
#include "ropecert/logit_scale.hpp"
#include "ropecert/rope_geometry.hpp"

namespace ropecert {

namespace {

constexpr mpfr_prec_t bound_precision = 128;
// |delta| < 2^53 needs 53 bits more than the 128 bits of the angles' fractional part.
constexpr mpfr_prec_t angle_precision = 128 + 64;

// An MPFR number with its own precision, for upward-rounded bound chains.
class Upper {
 public:
  Upper() { mpfr_init2(value_, bound_precision), mpfr_set_zero(value_, 1); }
  Upper(const Upper&) = delete;
  Upper& operator=(const Upper&) = delete;
  ~Upper() { mpfr_clear(value_); }
  mpfr_ptr get() { return value_; }
  mpfr_srcptr get() const { return value_; }

 private:
  mpfr_t value_;
};

// Upper bounds on max_r ||row r||_2 and max_r ||row r||_1: every operation on non-negative numbers
// rounds up, so each result bounds the exact value from above.
void max_row_norms(const Matrix& m, Upper& norm2, Upper& norm1) {
  Upper sum2, sum1, term;
  for (std::size_t r = 0; r < m.rows; ++r) {
    mpfr_set_zero(sum2.get(), 1);
    mpfr_set_zero(sum1.get(), 1);
    for (std::size_t c = 0; c < m.cols; ++c) {
      const double x = std::fabs(m.at(r, c));
      mpfr_set_d(term.get(), x, MPFR_RNDU);
      mpfr_add(sum1.get(), sum1.get(), term.get(), MPFR_RNDU);
      mpfr_sqr(term.get(), term.get(), MPFR_RNDU);
      mpfr_add(sum2.get(), sum2.get(), term.get(), MPFR_RNDU);
    }
    mpfr_sqrt(sum2.get(), sum2.get(), MPFR_RNDU);
    mpfr_max(norm2.get(), norm2.get(), sum2.get(), MPFR_RNDU);
    mpfr_max(norm1.get(), norm1.get(), sum1.get(), MPFR_RNDU);
  }
}

// The dyadic rational of 24 bits just above x (x >= 0).
Rational dyadic_above(mpfr_srcptr x) {
  mpfr_t rounded;
  mpfr_init2(rounded, 24);
  mpfr_set(rounded, x, MPFR_RNDU);
  Rational result;
  mpfr_get_q(result.backend().data(), rounded);
  mpfr_clear(rounded);
  return result;
}

// RN of the midpoint of an enclosure; within 2^-53 |value| + width of every point of it.
double nearest(const Interval& x) {
  mpfr_t mid;
  mpfr_init2(mid, x.precision());
  mpfi_mid(mid, x.get());
  const double result = mpfr_get_d(mid, MPFR_RNDN);
  mpfr_clear(mid);
  return result;
}

// Fails loudly if an enclosure is too wide for the 2^-52 error rule of Lemma 33.2.
void check_narrow(const Interval& x, double scale_of_error, const char* what) {
  mpfr_t width;
  mpfr_init2(width, 53);
  mpfi_diam_abs(width, x.get());
  const bool narrow = mpfr_cmp_d(width, std::ldexp(std::fabs(scale_of_error), -80)) <= 0;
  mpfr_clear(width);
  if (!narrow) throw std::runtime_error(std::string("fast inputs: enclosure of ") + what + " too wide");
}

// Throws std::invalid_argument unless the fast conventions hold (fast_conventions_unsupported).
void require_fast_conventions(const Problem& problem, const char* who) {
  const std::string why = fast_conventions_unsupported(problem);
  if (!why.empty()) throw std::invalid_argument(std::string(who) + ": " + why);
}

}  // namespace

std::string fast_conventions_unsupported(const Problem& problem) {
  if (problem.kind == Kind::rope && problem.rope.scaled_or_emulated())
    return "the fast algorithm does not support rope scaling / emulation (rope.scaling, rope.emulate)";
  return "";
}

std::vector<SupportPair> structural_support(const Problem& problem) {
  require_fast_conventions(problem, "structural_support");
  std::set<SupportPair> support;
  const std::size_t d = problem.d();
  if (problem.kind == Kind::general) {
    for (const Matrix& w : problem.W)
      for (std::size_t l1 = 0; l1 < d; ++l1)
        for (std::size_t l2 = 0; l2 < d; ++l2)
          if (w.at(l1, l2) != 0) support.insert({l1, l2});
    return {support.begin(), support.end()};
  }
  const std::int64_t shift = problem.query_position(0) - problem.key_position(0);
  const bool some_nonzero_difference = problem.n_q() > 1 || problem.n_k() > 1 || shift != 0;
  for (const auto& [a, b] : rotary_planes(problem.rope.rotary_dim, problem.rope.pairing)) {
    support.insert({a, a});
    support.insert({b, b});
    if (some_nonzero_difference) {
      support.insert({a, b});
      support.insert({b, a});
    }
  }
  for (std::size_t l = problem.rope.rotary_dim; l < d; ++l) support.insert({l, l});
  return {support.begin(), support.end()};
}

LogitBound bound_logits(const Problem& problem) {
  require_fast_conventions(problem, "bound_logits");
  const Interval s = enclose_scale(problem.scale, problem.d(), bound_precision);
  Upper scale_magnitude, q2, q1, k2, k1, coupling_norm, largest_entry, term, sum;
  mpfi_mag(scale_magnitude.get(), s.get());  // max(|left|, |right|), exact
  max_row_norms(problem.Q, q2, q1);
  max_row_norms(problem.K, k2, k1);
  mpfr_set_ui(coupling_norm.get(), 1, MPFR_RNDU);
  mpfr_set_ui(largest_entry.get(), 1, MPFR_RNDU);
  if (problem.kind == Kind::general) {
    mpfr_set_zero(coupling_norm.get(), 1);
    for (const Matrix& w : problem.W) {
      mpfr_set_zero(sum.get(), 1);
      for (double x : w.values) {
        mpfr_set_d(term.get(), std::fabs(x), MPFR_RNDU);
        mpfr_max(largest_entry.get(), largest_entry.get(), term.get(), MPFR_RNDU);
        mpfr_sqr(term.get(), term.get(), MPFR_RNDU);
        mpfr_add(sum.get(), sum.get(), term.get(), MPFR_RNDU);
      }
      mpfr_sqrt(sum.get(), sum.get(), MPFR_RNDU);
      mpfr_max(coupling_norm.get(), coupling_norm.get(), sum.get(), MPFR_RNDU);
    }
  }
  LogitBound bound;
  // rho >= 2^-48 d s Q1 K1 max(1, Wmax)
  Upper rho;
  mpfr_mul(rho.get(), scale_magnitude.get(), q1.get(), MPFR_RNDU);
  mpfr_mul(rho.get(), rho.get(), k1.get(), MPFR_RNDU);
  mpfr_mul(rho.get(), rho.get(), largest_entry.get(), MPFR_RNDU);
  mpfr_mul_ui(rho.get(), rho.get(), problem.d(), MPFR_RNDU);
  mpfr_mul_2si(rho.get(), rho.get(), -48, MPFR_RNDU);
  // R >= s Q2 K2 c_W + rho
  Upper r;
  mpfr_mul(r.get(), scale_magnitude.get(), q2.get(), MPFR_RNDU);
  mpfr_mul(r.get(), r.get(), k2.get(), MPFR_RNDU);
  mpfr_mul(r.get(), r.get(), coupling_norm.get(), MPFR_RNDU);
  bound.scale_magnitude = dyadic_above(scale_magnitude.get());
  bound.rho = dyadic_above(rho.get());
  mpfr_add(r.get(), r.get(), rho.get(), MPFR_RNDU);
  bound.R = dyadic_above(r.get());
  return bound;
}

double binary64_scale(const Problem& problem) {
  const double result = nearest_binary64_scale(problem.scale, problem.d());  // within 2^-53 |s| when normal
  if ((result == 0) != scale_is_exact_zero(problem.scale) || (result != 0 && std::fabs(result) < 0x1p-1022))  // Lemma 33.2(a) needs a normal s~ (gap G4 of note 33)
    throw InputError("case: the scale is below binary64's normal range; use --arith exact");
  if (!std::isfinite(result))  // |s| beyond DBL_MAX: no relative error bound at all (issue 9)
    throw InputError("case: the scale is beyond binary64's range; use --arith exact");
  return result;
}

std::vector<std::vector<double>> binary64_coupling_symbols(const Problem& problem,
                                                           const std::vector<SupportPair>& support) {
  require_fast_conventions(problem, "binary64_coupling_symbols");
  const std::size_t n_q = problem.n_q(), n_k = problem.n_k(), length = n_q + n_k - 1;
  std::vector<std::vector<double>> symbols(support.size(), std::vector<double>(length, 0.0));
  const std::int64_t shift = problem.query_position(0) - problem.key_position(0);
  if (problem.kind == Kind::general) {
    for (std::size_t e = 0; e < support.size(); ++e)
      for (std::size_t k = 0; k < length; ++k) symbols[e][k] = problem.W[k].at(support[e].first, support[e].second);
    return symbols;
  }
  // (W_delta)_{l1,l2} for delta = shift + k: R_{-delta} on each plane, the identity elsewhere.
  const auto planes = rotary_planes(problem.rope.rotary_dim, problem.rope.pairing);
  const std::vector<Interval> frequencies = enclose_frequencies(problem.rope, angle_precision);
  std::vector<std::size_t> plane_of(problem.d(), planes.size());
  for (std::size_t p = 0; p < planes.size(); ++p) plane_of[planes[p].first] = plane_of[planes[p].second] = p;
  Interval angle(angle_precision), cosine(angle_precision), sine(angle_precision);
  std::vector<double> cosines(planes.size()), sines(planes.size());
  for (std::size_t k = 0; k < length; ++k) {
    const std::int64_t delta = shift + static_cast<std::int64_t>(k) - static_cast<std::int64_t>(n_k - 1);
    for (std::size_t p = 0; p < planes.size(); ++p) {
      mpfi_mul_si(angle.get(), frequencies[p].get(), static_cast<long>(delta));
      mpfi_cos(cosine.get(), angle.get());
      mpfi_sin(sine.get(), angle.get());
      check_narrow(cosine, 1, "a rotation");
      check_narrow(sine, 1, "a rotation");
      cosines[p] = nearest(cosine);
      sines[p] = nearest(sine);
    }
    for (std::size_t e = 0; e < support.size(); ++e) {
      const auto [l1, l2] = support[e];
      const std::size_t p = plane_of[l1];
      if (p == planes.size()) {  // pass-through dimension: W = I there
        symbols[e][k] = 1;
        continue;
      }
      // R_{-delta}: (a, a) = (b, b) = cos(delta theta), (a, b) = sin(delta theta), (b, a) = -sin(delta theta).
      symbols[e][k] = l1 == l2 ? cosines[p] : (l1 == planes[p].first ? sines[p] : -sines[p]);
    }
  }
  return symbols;
}

Matrix binary64_rotated_rows(const Problem& problem, bool queries) {
  if (problem.kind != Kind::rope) throw std::invalid_argument("binary64_rotated_rows: needs kind rope");
  require_fast_conventions(problem, "binary64_rotated_rows");
  const Matrix& x = queries ? problem.Q : problem.K;
  const std::vector<Interval> frequencies = enclose_frequencies(problem.rope, angle_precision);
  Matrix rotated(x.rows, x.cols);
  for (std::size_t r = 0; r < x.rows; ++r) {
    const std::int64_t position = queries ? problem.query_position(r) : problem.key_position(r);
    double norm1 = 0;
    for (std::size_t l = 0; l < x.cols; ++l) norm1 += std::fabs(x.at(r, l));
    const std::vector<Interval> row =
        enclose_rotated_row(&x.values[r * x.cols], x.cols, problem.rope, frequencies, position, angle_precision);
    for (std::size_t l = 0; l < x.cols; ++l) {
      rotated.at(r, l) = nearest(row[l]);
      check_narrow(row[l], norm1, "a rotated row");
    }
  }
  return rotated;
}

}  // namespace ropecert
