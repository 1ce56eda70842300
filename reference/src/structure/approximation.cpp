#include "ropecert/approximation.hpp"

#include <mpfi.h>
#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "ropecert/interval.hpp"

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

namespace {

Rational left_of(const Interval& x) {
  Rational q;
  mpfr_get_q(q.backend().data(), &x.get()->left);
  return q;
}

Rational right_of(const Interval& x) {
  Rational q;
  mpfr_get_q(q.backend().data(), &x.get()->right);
  return q;
}

// Sets eta to an enclosure of eta*(y) = e^-y sum_{t>g} y^t/t! and delta to one of y^(g+1)/(g+1)!,
// at the precision of eta (note 30, Lemma 30.6). Precondition y > 0.
void enclose_eta_star(Interval& eta, Interval& delta, const Rational& y, std::size_t g) {
  const mpfr_prec_t prec = eta.precision();
  Interval Y(prec), term(prec), sum(prec), scratch(prec), remainder(prec), exp_minus_y(prec);
  mpfi_set_q(Y.get(), y.backend().data());  // rounded outward
  mpfi_neg(exp_minus_y.get(), Y.get());
  mpfi_exp(exp_minus_y.get(), exp_minus_y.get());
  mpfi_set_ui(term.get(), 1);  // t_0 = y^0/0!
  if (Rational(g + 1) < y) {
    // Head route: eta* = 1 - e^-y T_g(y). Here g < y - 1, so eta* = Pr[Poisson(y) > g] is not small
    // and the subtraction loses few bits (the precision loop of the caller covers the loss).
    mpfi_set_ui(sum.get(), 1);
    for (std::size_t k = 1; k <= g; ++k) {  // t_k = t_(k-1) y / k
      mpfi_mul(term.get(), term.get(), Y.get());
      mpfi_div_ui(term.get(), term.get(), static_cast<unsigned long>(k));
      mpfi_add(sum.get(), sum.get(), term.get());
    }
    mpfi_mul(delta.get(), term.get(), Y.get());
    mpfi_div_ui(delta.get(), delta.get(), static_cast<unsigned long>(g + 1));
    mpfi_mul(eta.get(), exp_minus_y.get(), sum.get());
    mpfi_ui_sub(eta.get(), 1, eta.get());
    return;
  }
  // Tail route (g + 1 >= y): eta* = e^-y (sum_{t=g+1}^{n} t_t + rho_n), no cancellation, with
  // 0 <= rho_n = sum_{t>n} y^t/t! <= t_n y / (n + 1 - y) since t_(n+j) <= t_n (y/(n+1))^j and n + 1 > y.
  for (std::size_t k = 1; k <= g + 1; ++k) {
    mpfi_mul(term.get(), term.get(), Y.get());
    mpfi_div_ui(term.get(), term.get(), static_cast<unsigned long>(k));
  }
  mpfi_set(delta.get(), term.get());
  mpfi_set(sum.get(), term.get());
  // Stop once rho_n <= 2^-40 of the sum; past n = 2y every step halves the terms, so the limit on n
  // is never reached unless the terms underflow (then the caller's width test fails and throws).
  const std::size_t last = g + 2 + 2 * static_cast<std::size_t>(y.convert_to<double>()) + 64 + prec;
  for (std::size_t n = g + 1;; ++n) {
    mpfi_ui_sub(scratch.get(), static_cast<unsigned long>(n + 1), Y.get());  // n + 1 - y >= 1
    mpfi_mul(remainder.get(), term.get(), Y.get());
    mpfi_div(remainder.get(), remainder.get(), scratch.get());
    mpfi_mul_2si(scratch.get(), sum.get(), -40);
    if (mpfr_cmp(&remainder.get()->right, &scratch.get()->left) <= 0 || n == last) break;
    mpfi_mul(term.get(), term.get(), Y.get());  // t_(n+1) = t_n y / (n + 1)
    mpfi_div_ui(term.get(), term.get(), static_cast<unsigned long>(n + 1));
    mpfi_add(sum.get(), sum.get(), term.get());
  }
  mpfr_add(&sum.get()->right, &sum.get()->right, &remainder.get()->right, MPFR_RNDU);  // sum + [0, rho_n]
  mpfi_mul(eta.get(), exp_minus_y.get(), sum.get());
}

// Number of bits of x >= 0 (0 for x = 0).
mpfr_prec_t bit_length(const Integer& x) { return x == 0 ? 0 : static_cast<mpfr_prec_t>(msb(x)) + 1; }

constexpr mpfr_prec_t eta_star_max_precision = mpfr_prec_t(1) << 20;

// [lo, hi] with lo <= eta*(R, g) <= hi, hi <= 1, hi <= delta(R, g), (hi - lo) 2^20 <= lo, both
// dyadic (note 30, Lemma 30.6). Precondition R > 0.
struct EtaStar {
  Rational lo, hi;
};

EtaStar eta_star_enclosure(const Rational& R, std::size_t g) {
  const Rational y = 2 * R;
  const Integer y_ceil = Integer(numerator(y) + denominator(y) - 1) / Integer(denominator(y));
  // Roughly one ulp per operation over g + n ~ g + 2y + 64 operations, a factor y in e^-y, and
  // log2(1/y) bits to separate eta* from delta when y is tiny (delta / eta* - 1 ~ y (g+1)/(g+2)).
  mpfr_prec_t prec = 64 + bit_length(Integer(g) + 2 * y_ceil + 66) + bit_length(y_ceil);
  if (y < 1) prec += bit_length(Integer(denominator(y))) - bit_length(Integer(numerator(y)));
  for (; prec <= eta_star_max_precision; prec *= 2) {
    Interval eta(prec), delta(prec);
    enclose_eta_star(eta, delta, y, g);
    if (!eta.is_finite() || !delta.is_finite()) break;
    const Rational lo = std::max(left_of(eta), Rational(0));
    const Rational hi = std::min(right_of(eta), Rational(1));  // eta* < 1
    const Rational delta_lo = left_of(delta);
    const bool narrow = lo > 0 && (hi - lo) * 1048576 <= lo;  // 2^20
    const bool below_delta = hi <= delta_lo || delta_lo >= 1;
    if (narrow && below_delta) return {lo, hi};
  }
  throw std::runtime_error("taylor_relative_error_sharp: no 2^-20 enclosure within " +
                           std::to_string(eta_star_max_precision) + " bits (R = " + R.str() +
                           ", g = " + std::to_string(g) + ")");
}

}  // namespace

Rational taylor_relative_error_sharp(const Rational& R, std::size_t g) {
  if (R < 0) throw std::invalid_argument("taylor_relative_error_sharp: R must be >= 0");
  if (R == 0) return 0;
  return eta_star_enclosure(R, g).hi;
}

std::size_t least_degree_sharp(const Rational& R, const Rational& target_delta) {
  if (R < 0) throw std::invalid_argument("least_degree_sharp: R must be >= 0");
  if (target_delta <= 0) throw std::invalid_argument("least_degree_sharp: target_delta must be > 0");
  if (R == 0) return 0;
  // Invariant: every g < first fails. eta* decreases strictly in g, so one lower bound
  // eta*(h) > target gives sharp(g) >= eta*(g) >= eta*(h) > target for all g <= h (note 30,
  // Lemma 30.7). Galloping (g = 0, 1, 3, 7, ...) finds an upper limit with sharp(upper) <= target;
  // it is at most least_degree(R, target), whose g0 has sharp(g0) <= delta(g0) <= target, but is
  // found without least_degree's exact products (seconds for R in the tens of thousands).
  std::size_t first = 0, upper = 0;
  for (std::size_t step = 1;; step *= 2) {
    const EtaStar e = eta_star_enclosure(R, upper);
    if (e.hi <= target_delta) break;
    if (e.lo > target_delta) first = upper + 1;
    if (upper == least_degree_cap) break;
    upper = std::min(upper + step, least_degree_cap);
  }
  // Bisection on lower bounds raises first; a forward scan from first then finds the least g exactly.
  std::size_t last = upper;
  while (first < last) {
    const std::size_t mid = first + (last - first) / 2;
    if (eta_star_enclosure(R, mid).lo > target_delta)
      first = mid + 1;
    else
      last = mid;
  }
  for (std::size_t g = first; g <= upper; ++g)
    if (eta_star_enclosure(R, g).hi <= target_delta) return g;
  throw std::invalid_argument("least_degree_sharp: the degree exceeds " + std::to_string(least_degree_cap));
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
