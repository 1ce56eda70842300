#include "ropecert/exact_rows.hpp"

#include <cstdlib>
#include <vector>

#include <boost/multiprecision/gmp.hpp>

#include "ropecert/rope_geometry.hpp"

namespace ropecert {

namespace {

using Rational = boost::multiprecision::number<boost::multiprecision::gmp_rational,
                                               boost::multiprecision::et_off>;

// Exact normal form of a logit without its scale (exact_rows.hpp):
// constant + sum over planes of cos_coeff cos(|m| theta_p) + sin_coeff sin(|m| theta_p).
struct PlaneTerm {
  std::int64_t distance = 0;  // |m|; 0 when both coefficients are zero
  Rational cos_coeff, sin_coeff;
  bool operator==(const PlaneTerm& o) const {
    return distance == o.distance && cos_coeff == o.cos_coeff && sin_coeff == o.sin_coeff;
  }
};

struct LogitForm {
  Rational constant;
  std::vector<PlaneTerm> planes;
  bool operator==(const LogitForm& o) const { return constant == o.constant && planes == o.planes; }
};

LogitForm general_form(const Problem& problem, std::size_t row, std::size_t key) {
  const Matrix& coupling = problem.coupling(static_cast<std::int64_t>(row) - static_cast<std::int64_t>(key));
  LogitForm form;
  for (std::size_t l1 = 0; l1 < problem.d(); ++l1)
    for (std::size_t l2 = 0; l2 < problem.d(); ++l2)
      if (problem.Q.at(row, l1) != 0 && coupling.at(l1, l2) != 0 && problem.K.at(key, l2) != 0)
        form.constant += Rational(problem.Q.at(row, l1)) * Rational(coupling.at(l1, l2)) *
                         Rational(problem.K.at(key, l2));
  return form;
}

// q^T R_m k for one plane with q = (x1, x2), k = (y1, y2):
// (x1 y1 + x2 y2) cos(m theta) + (x2 y1 - x1 y2) sin(m theta).
LogitForm rope_form(const Problem& problem, std::size_t row, std::size_t key) {
  LogitForm form;
  const std::size_t d = problem.d();
  for (std::size_t l = problem.rope.rotary_dim; l < d; ++l)
    form.constant += Rational(problem.Q.at(row, l)) * Rational(problem.K.at(key, l));
  const std::int64_t m = problem.key_position(key) - problem.query_position(row);
  for (const auto& [a, b] : rotary_planes(problem.rope.rotary_dim, problem.rope.pairing)) {
    const Rational x1(problem.Q.at(row, a)), x2(problem.Q.at(row, b));
    const Rational y1(problem.K.at(key, a)), y2(problem.K.at(key, b));
    PlaneTerm term;
    term.cos_coeff = x1 * y1 + x2 * y2;
    term.sin_coeff = x2 * y1 - x1 * y2;
    if (m == 0) {  // cos 0 = 1, sin 0 = 0
      form.constant += term.cos_coeff;
      term = PlaneTerm{};
    } else if (term.cos_coeff == 0 && term.sin_coeff == 0) {
      term = PlaneTerm{};
    } else {
      term.distance = std::llabs(m);
      if (m < 0) term.sin_coeff = -term.sin_coeff;  // sin(-x) = -sin(x)
    }
    form.planes.push_back(term);
  }
  return form;
}

LogitForm logit_form(const Problem& problem, std::size_t row, std::size_t key) {
  return problem.kind == Kind::general ? general_form(problem, row, key) : rope_form(problem, row, key);
}

bool scale_is_exact_zero(const Scale& scale) {
  if (scale.rule != Scale::Rule::decimal) return false;
  for (char c : scale.decimal) {
    if (c == 'e' || c == 'E') break;  // the exponent does not matter for zero
    if (c >= '1' && c <= '9') return false;
  }
  return true;
}

std::vector<std::size_t> visible_keys(const Problem& problem, std::size_t row) {
  std::vector<std::size_t> keys;
  for (std::size_t j = 0; j < problem.n_k(); ++j)
    if (problem.key_visible(row, j)) keys.push_back(j);
  return keys;
}

}  // namespace

bool row_logits_provably_equal(const Problem& problem, std::size_t row) {
  const std::vector<std::size_t> keys = visible_keys(problem, row);
  if (keys.size() <= 1 || scale_is_exact_zero(problem.scale)) return true;
  const LogitForm first = logit_form(problem, row, keys.front());
  for (std::size_t t = 1; t < keys.size(); ++t)
    if (!(logit_form(problem, row, keys[t]) == first)) return false;
  return true;
}

void exact_visible_mean(const Problem& problem, std::size_t row, std::size_t column, mpq_t mean) {
  const std::vector<std::size_t> keys = visible_keys(problem, row);
  Rational sum;
  for (std::size_t j : keys) sum += Rational(problem.V.at(j, column));
  sum /= Rational(static_cast<unsigned long>(keys.size()));
  mpq_set(mean, sum.backend().data());
}

}  // namespace ropecert
