#include "ropecert/approximation.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace ropecert {

Rational taylor_relative_error_bound(const Rational& R, std::size_t g) {
  if (R < 0) throw std::invalid_argument("taylor_relative_error_bound: R must be >= 0");
  const Rational two_r = 2 * R;
  Rational delta = 1;
  for (std::size_t k = 1; k <= g + 1; ++k) delta = delta * two_r / Rational(k);  // prod 2R / k
  return delta;
}

std::size_t least_degree(const Rational& R, const Rational& target_delta) {
  if (R < 0) throw std::invalid_argument("least_degree: R must be >= 0");
  if (target_delta <= 0) throw std::invalid_argument("least_degree: target_delta must be > 0");
  const Rational two_r = 2 * R;
  // delta(g) = delta(g-1) * 2R/(g+1) does not decrease while g + 1 <= 2R, so every g <= 2R - 1
  // has delta(g) >= delta(0) = 2R (note 30, Lemma 30.4): a short cut for huge R only.
  if (target_delta < two_r && two_r - 1 >= Rational(least_degree_cap))
    throw std::invalid_argument("least_degree: the degree exceeds " + std::to_string(least_degree_cap));
  Rational delta = two_r;  // delta(0)
  for (std::size_t g = 0;; ++g) {
    if (delta <= target_delta) return g;
    if (g == least_degree_cap)
      throw std::invalid_argument("least_degree: the degree exceeds " + std::to_string(least_degree_cap));
    delta = delta * two_r / Rational(g + 2);
  }
}

double lemma31_degree_formula(double B, double eps) {
  if (!(std::isfinite(B) && B > 0)) throw std::invalid_argument("lemma31_degree_formula: B must be finite and > 0");
  if (!(eps > 0 && eps < 1)) throw std::invalid_argument("lemma31_degree_formula: eps must be in (0, 1)");
  const double L = -std::log(eps);
  return std::max(L / std::max(1.0, std::log(L / B)), B);
}

Rational transfer_bound_tight(const Rational& delta, const Rational& v_range) {
  if (delta < 0 || delta >= 1) throw std::invalid_argument("transfer_bound_tight: delta must be in [0, 1)");
  if (v_range < 0) throw std::invalid_argument("transfer_bound_tight: v_range must be >= 0");
  return v_range * delta / (4 * (1 - delta));
}

Rational transfer_bound_as23(const Rational& delta, const Rational& v_max_abs) {
  if (delta < 0 || delta > 1) throw std::invalid_argument("transfer_bound_as23: delta must be in [0, 1]");
  if (v_max_abs < 0) throw std::invalid_argument("transfer_bound_as23: v_max_abs must be >= 0");
  return 2 * delta * v_max_abs;
}

Rational delta_for_output_error(const Rational& eps, const Rational& v_range) {
  if (eps <= 0) throw std::invalid_argument("delta_for_output_error: eps must be > 0");
  if (v_range <= 0) throw std::invalid_argument("delta_for_output_error: v_range must be > 0");
  return 4 * eps / (v_range + 4 * eps);
}

}  // namespace ropecert
