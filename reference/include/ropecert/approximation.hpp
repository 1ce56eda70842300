// Error of the polynomial method: the certified error of the shifted Taylor polynomial of
// polynomial.hpp, the least degree reaching a target, and the transfer of entrywise relative
// errors of the attention weights to the output (DIGEST section 3).
// Proofs: proofs-notes/30-polynomial-approximation.md, proofs-notes/31-error-transfer.md.
#pragma once
#include <cstddef>

#include "ropecert/exact_numbers.hpp"

namespace ropecert {

// delta(R, g) = (2R)^(g+1) / (g+1)!.
// For P(x) = sum_{t<=g} (x + R)^t / t! and every real x in [-R, R]:
//   P(x) = e^R e^x (1 - eta) with 0 <= eta <= delta(R, g)   (note 30, Lemma 30.2).
// Precondition: R >= 0, else std::invalid_argument. Exact.
Rational taylor_relative_error_bound(const Rational& R, std::size_t g);

// The least g with delta(R, g) <= target_delta (exact comparison; delta is not monotone in g
// while g + 1 < 2R, so this is the first such g, found by increasing g; note 30, Lemma 30.4).
// Preconditions: R >= 0, target_delta > 0. Throws std::invalid_argument when the answer would
// exceed least_degree_cap.
constexpr std::size_t least_degree_cap = 100000;
std::size_t least_degree(const Rational& R, const Rational& target_delta);

// The exact worst relative error of P on [-R, R] (note 30, Lemma 30.6): with y = x + R,
//   eta(y) = 1 - e^-y T_g(y) = e^-y sum_{t>g} y^t/t!   (= Pr[Poisson(y) > g]),
// which increases on y >= 0, so its maximum over x in [-R, R] is
//   eta*(R, g) = eta(2R) = 1 - e^(-2R) sum_{t<=g} (2R)^t/t!.
// Returns a dyadic rational s with eta*(R, g) <= s <= eta*(R, g) (1 + 2^-20), s <= 1 and
// s <= taylor_relative_error_bound(R, g); R = 0 gives 0. Computed with MPFI (outward rounding),
// summing the tail with a bound on its truncation when g + 1 >= 2R and 1 - e^-y T_g(y) otherwise,
// the precision doubling until the enclosure is that narrow and lies below delta(R, g).
// Preconditions: R >= 0, else std::invalid_argument. Throws std::runtime_error if 2^20 bits do not
// suffice (only when R or g is so extreme that MPFR's exponent range is left).
Rational taylor_relative_error_sharp(const Rational& R, std::size_t g);

// The least g with taylor_relative_error_sharp(R, g) <= target_delta (exact comparison); R = 0 gives 0.
// It is at most least_degree(R, target_delta). eta* decreases strictly in g; the computed bound need
// not (its excess varies within 2^-20), so the search proves that every smaller g fails by lower
// bounds on eta* (note 30, Lemma 30.7). Preconditions: R >= 0, target_delta > 0, else
// std::invalid_argument. Throws std::invalid_argument when the answer would exceed least_degree_cap.
std::size_t least_degree_sharp(const Rational& R, const Rational& target_delta);

// The degree of Lemma 3.1 without its unknown constants: with L = ln(1/eps),
//   max(L / max(1, ln(L / B)), B).
// This equals the paper's max(L / ln(L/B), B) whenever L >= e B; the max(1, .) is our rule for
// L < e B, where ln(L/B) <= 1 (and <= 0 for L <= B, where the paper's formula is undefined):
// the value is then max(L, B) (note 30, Remark 30.5). A comparison aid, not a certified degree.
// Preconditions: B > 0 and 0 < eps < 1, both finite, else std::invalid_argument.
double lemma31_degree_formula(double B, double eps);

// Error transfer. Hypothesis: in one softmax row, A~_j = c A_j (1 - eta_j) with c > 0,
// A_j > 0, 0 <= eta_j <= delta < 1. Then for every value column,
//   |T~ - T| <= v_range * delta / (4 (1 - delta)),   v_range = max_j V_j - min_j V_j
// (note 31, Corollary 31.2; the sharp bound is v_range (1 - s)/(1 + s), s = sqrt(1 - delta),
// Lemma 31.1). This is half of the midpoint bound delta/(1 - delta) * v_range / 2.
// Preconditions: 0 <= delta < 1, v_range >= 0, else std::invalid_argument. Exact.
Rational transfer_bound_tight(const Rational& delta, const Rational& v_range);

// The AS23 form: under |A~ - A| <= delta A entrywise (implied by the hypothesis above after
// dividing by c), |T~ - T| <= 2 delta ||V||_inf (note 31, Lemma 31.3; it holds for all
// 0 <= delta <= 1). Preconditions: 0 <= delta <= 1, v_max_abs >= 0. Exact.
// transfer_bound_tight <= transfer_bound_as23 whenever delta <= 3/4 (v_range <= 2 ||V||_inf).
Rational transfer_bound_as23(const Rational& delta, const Rational& v_max_abs);

// The largest delta with transfer_bound_tight(delta, v_range) <= eps:
//   delta = 4 eps / (v_range + 4 eps)   (note 31, Corollary 31.2). Exact.
// Preconditions: eps > 0 and v_range > 0 (with v_range = 0 every delta < 1 gives T~ = T, and
// there is no largest), else std::invalid_argument.
Rational delta_for_output_error(const Rational& eps, const Rational& v_range);

}  // namespace ropecert
