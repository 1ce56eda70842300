// The error of the polynomial method (proofs-notes/30-, 31-): the certified error delta of the
// shifted Taylor polynomial against MPFI enclosures of exp, the least degree against the
// definition, the sharp worst error eta* and its least degree against Arb, and the error transfer
// against exact rational softmax outputs for every extreme perturbation pattern. RapidCheck seeds
// are pinned in CTest; set RC_PARAMS="seed=N" to reproduce.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <arb.h>
#include <arb_hypgeom.h>
#include <flint/fmpq.h>
#include <mpfr.h>

#include "ropecert/approximation.hpp"
#include "ropecert/interval.hpp"
#include "ropecert/polynomial.hpp"
#include "support/arb_oracle.hpp"

using namespace ropecert;
using ropecert_test::ArbBall;

namespace {

// Decides alpha e^y + beta >= 0 rigorously: MPFI encloses e^y, the endpoints are converted to
// exact rationals, and the precision doubles from 256 bits until the enclosure decides.
bool certainly_nonnegative(const Rational& alpha, const Rational& beta, const Rational& y) {
  for (mpfr_prec_t prec = 256; prec <= 65536; prec *= 2) {
    Interval e(prec);
    mpfi_set_q(e.get(), y.backend().data());
    mpfi_exp(e.get(), e.get());
    Rational lo, hi;
    mpfr_get_q(lo.backend().data(), &e.get()->left);
    mpfr_get_q(hi.backend().data(), &e.get()->right);
    const Rational at_lo = alpha * lo + beta;
    const Rational at_hi = alpha * hi + beta;
    if (at_lo >= 0 && at_hi >= 0) return true;
    if (at_lo < 0 && at_hi < 0) return false;
  }
  throw std::runtime_error("alpha e^y + beta >= 0 undecided at 65536 bits, y = " + y.str());
}

// delta from its definition: (num(2R)^(g+1) / den(2R)^(g+1)) / (g+1)!.
Rational delta_slow(const Rational& R, std::size_t g) {
  const Rational two_r = 2 * R;
  const auto e = static_cast<unsigned>(g + 1);
  Integer factorial = 1;
  for (unsigned k = 2; k <= e; ++k) factorial *= k;
  const Integer num = pow(Integer(numerator(two_r)), e);
  const Integer den = pow(Integer(denominator(two_r)), e);
  return Rational(num, den * factorial);
}

// R = p/q in (0, 8], q <= 64.
Rational gen_radius() {
  const long q = *rc::gen::inRange<long>(1, 65);
  const long p = *rc::gen::inRange<long>(1, 8 * q + 1);
  return Rational(p, q);
}

// One softmax row: positive weights A, a row factor c, one value column V.
struct Row {
  std::vector<Rational> A, V;
  Rational c;
};

Rational softmax_output(const std::vector<Rational>& a, const std::vector<Rational>& v) {
  Rational num = 0, den = 0;
  for (std::size_t j = 0; j < a.size(); ++j) {
    num += a[j] * v[j];
    den += a[j];
  }
  return num / den;
}

// T~ - T with A~_j = c A_j (1 - eta_j).
Rational perturbation_error(const Row& row, const std::vector<Rational>& eta) {
  std::vector<Rational> perturbed(row.A.size());
  for (std::size_t j = 0; j < row.A.size(); ++j) perturbed[j] = row.c * row.A[j] * (1 - eta[j]);
  return softmax_output(perturbed, row.V) - softmax_output(row.A, row.V);
}

Rational range_of(const std::vector<Rational>& v) {
  return *std::max_element(v.begin(), v.end()) - *std::min_element(v.begin(), v.end());
}

Rational max_abs_of(const std::vector<Rational>& v) {
  Rational m = 0;
  for (const Rational& x : v) m = std::max(m, Rational(abs(x)));
  return m;
}

// Lemma 31.1 without square roots: e <= (1 - s)/(1 + s), s = sqrt(1 - delta), 0 <= e < 1,
// iff (1 - delta)(1 + e)^2 <= (1 - e)^2.
bool within_sharp_bound(const Rational& delta, const Rational& e) {
  if (e >= 1) return false;
  return (1 - delta) * (1 + e) * (1 + e) <= (1 - e) * (1 - e);
}

// The largest |T~ - T| over the 2^n patterns eta in {0, delta}^n.
Rational worst_over_vertices(const Row& row, const Rational& delta) {
  const std::size_t n = row.A.size();
  Rational worst = 0;
  std::vector<Rational> eta(n);
  for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
    for (std::size_t j = 0; j < n; ++j) eta[j] = (mask >> j & 1u) ? delta : Rational(0);
    worst = std::max(worst, Rational(abs(perturbation_error(row, eta))));
  }
  return worst;
}

// The largest |T~ - T| over threshold patterns: eta = delta on a prefix (or suffix) of the keys
// sorted by V (note 31, Lemma 31.4: these contain the worst pattern).
Rational worst_over_thresholds(const Row& row, const Rational& delta) {
  const std::size_t n = row.A.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return row.V[a] < row.V[b]; });
  Rational worst = 0;
  for (std::size_t t = 0; t <= n; ++t) {
    std::vector<Rational> low(n), high(n);
    for (std::size_t r = 0; r < n; ++r) (r < t ? low : high)[order[r]] = delta;
    worst = std::max({worst, Rational(abs(perturbation_error(row, low))), Rational(abs(perturbation_error(row, high)))});
  }
  return worst;
}

Row gen_row(std::size_t n) {
  Row row;
  for (std::size_t j = 0; j < n; ++j) {
    row.A.emplace_back(*rc::gen::inRange<long>(1, 1001), *rc::gen::inRange<long>(1, 1001));
    row.V.emplace_back(*rc::gen::inRange<long>(-10000, 10001), *rc::gen::inRange<long>(1, 1001));
  }
  row.c = Rational(*rc::gen::inRange<long>(1, 100000), *rc::gen::inRange<long>(1, 100));
  return row;
}

// 1 - P(R) e^(-2R), the true relative error at the right endpoint, for display only.
double relative_error_at_endpoint(const Rational& R, std::size_t g) {
  const Rational p = evaluate_polynomial(shifted_taylor_coefficients(R, g), R);
  Interval e(1024);
  const Rational minus_two_r = -2 * R;
  mpfi_set_q(e.get(), minus_two_r.backend().data());
  mpfi_exp(e.get(), e.get());
  mpfi_mul_q(e.get(), e.get(), p.backend().data());
  mpfi_ui_sub(e.get(), 1, e.get());
  return mpfi_get_d(e.get());
}

// ---- Arb oracle for eta(y) = 1 - e^-y T_g(y) (note 30, Lemma 30.6), sharing no code with the library.

// The exact rational q as an Arb ball at precision prec.
void arb_set_rational(arb_t x, const Rational& q, slong prec) {
  fmpq_t f;
  fmpq_init(f);
  fmpz_set_mpz(fmpq_numref(f), mpq_numref(q.backend().data()));
  fmpz_set_mpz(fmpq_denref(f), mpq_denref(q.backend().data()));
  arb_set_fmpq(x, f, prec);
  fmpq_clear(f);
}

// An arf value as an exact rational.
Rational arf_to_rational(const arf_t a) {
  mpfr_t m;
  mpfr_init2(m, std::max<slong>(arf_bits(a), 2));
  arf_get_mpfr(m, a, MPFR_RNDN);  // exact: the precision holds every bit
  Rational q;
  mpfr_get_q(q.backend().data(), m);
  mpfr_clear(m);
  return q;
}

// The exact endpoints mid -+ rad of a finite ball.
struct Bounds {
  Rational lo, hi;
};

Bounds ball_bounds(const ArbBall& ball) {
  arf_t rad, end;
  arf_init(rad);
  arf_init(end);
  arf_set_mag(rad, arb_radref(ball.get()));
  Bounds b;
  arf_sub(end, arb_midref(ball.get()), rad, ARF_PREC_EXACT, ARF_RND_DOWN);
  b.lo = arf_to_rational(end);
  arf_add(end, arb_midref(ball.get()), rad, ARF_PREC_EXACT, ARF_RND_DOWN);
  b.hi = arf_to_rational(end);
  arf_clear(rad);
  arf_clear(end);
  return b;
}

// eta(y) from the definition 1 - e^-y sum_{t<=g} y^t/t!, an Arb ball at precision prec.
ArbBall arb_eta_ball(const Rational& y, std::size_t g, slong prec) {
  ArbBall Y, term, sum, e, eta;
  arb_set_rational(Y.get(), y, prec);
  arb_one(term.get());
  for (std::size_t t = 0; t <= g; ++t) {  // term = y^t / t!
    arb_add(sum.get(), sum.get(), term.get(), prec);
    arb_mul(term.get(), term.get(), Y.get(), prec);
    arb_div_ui(term.get(), term.get(), t + 1, prec);
  }
  arb_neg(e.get(), Y.get());
  arb_exp(e.get(), e.get(), prec);
  arb_mul(eta.get(), e.get(), sum.get(), prec);
  arb_sub_ui(eta.get(), eta.get(), 1, prec);
  arb_neg(eta.get(), eta.get());
  return eta;
}

// eta(y) from 256 bits, the precision doubling until the ball is relatively 2^-64 narrow (the
// subtraction cancels when eta is tiny).
Bounds arb_eta(const Rational& y, std::size_t g) {
  for (slong prec = 256; prec <= 65536; prec *= 2) {
    const ArbBall eta = arb_eta_ball(y, g, prec);
    if (y == 0 || arb_rel_accuracy_bits(eta.get()) >= 64) return ball_bounds(eta);
  }
  throw std::runtime_error("arb_eta: no 2^-64 ball at 65536 bits, y = " + y.str());
}

// Decides eta(y) <= value: from 256 bits, the precision doubles until the ball lies on one side.
// (A fixed-width ball cannot do this: value may exceed eta(y) by less than the ball's radius.)
bool arb_eta_at_most(const Rational& y, std::size_t g, const Rational& value) {
  for (slong prec = 256; prec <= 65536; prec *= 2) {
    const Bounds b = ball_bounds(arb_eta_ball(y, g, prec));
    if (b.hi <= value) return true;
    if (b.lo > value) return false;
  }
  throw std::runtime_error("arb_eta_at_most: undecided at 65536 bits, y = " + y.str() + ", value = " + value.str());
}

// eta(y) a second way: the regularized lower incomplete gamma P(g + 1, y) = Pr[Poisson(y) > g].
Bounds arb_eta_gamma(const Rational& y, std::size_t g) {
  const slong prec = 512;
  ArbBall Y, s, eta;
  arb_set_rational(Y.get(), y, prec);
  arb_set_ui(s.get(), g + 1);
  arb_hypgeom_gamma_lower(eta.get(), s.get(), Y.get(), 1, prec);
  return ball_bounds(eta);
}

const Rational two_to_minus_20(1, 1048576);

bool is_dyadic(const Rational& q) {
  const Integer d = denominator(q);
  return (d & (d - 1)) == 0;
}

// R over a wider range than gen_radius: p/q in (0, 8] (q <= 64), tiny R = k/2^e (e <= 80), and R up to 40.
Rational gen_radius_wide() {
  switch (*rc::gen::element(0, 1, 2, 3)) {
    case 0:
      return Rational(*rc::gen::inRange<long>(1, 8), pow(Integer(2), *rc::gen::inRange<unsigned>(6, 81)));
    case 1:
      return Rational(*rc::gen::inRange<long>(1, 40 * 7 + 1), 7);
    default:
      return gen_radius();
  }
}
}  // namespace

TEST_CASE("delta(R, g) = (2R)^(g+1)/(g+1)! on hand values and against its definition", "[approximation]") {
  CHECK(taylor_relative_error_bound(1, 0) == 2);
  CHECK(taylor_relative_error_bound(Rational(1, 2), 2) == Rational(1, 6));
  CHECK(taylor_relative_error_bound(3, 3) == 54);  // 6^4 / 4!
  CHECK(taylor_relative_error_bound(0, 7) == 0);
  CHECK_THROWS_AS(taylor_relative_error_bound(-1, 0), std::invalid_argument);
  rc::prop("product form == power over factorial", [] {
    const Rational R = gen_radius();
    const std::size_t g = *rc::gen::inRange<std::size_t>(0, 60);
    RC_ASSERT(taylor_relative_error_bound(R, g) == delta_slow(R, g));
  });
}

TEST_CASE("P(x) = e^R e^x (1 - eta) with 0 <= eta <= delta on [-R, R] (MPFI, exact comparisons)",
          "[approximation]") {
  rc::prop("at the endpoints, 8 equispaced and 4 random points", [] {
    const Rational R = gen_radius();
    const std::size_t g = *rc::gen::inRange<std::size_t>(0, 31);
    const Rational delta = taylor_relative_error_bound(R, g);
    const std::vector<Rational> a = shifted_taylor_coefficients(R, g);
    std::vector<Rational> xs;
    for (long k = 0; k <= 8; ++k) xs.push_back(-R + 2 * R * Rational(k, 8));
    for (int k = 0; k < 4; ++k) xs.push_back(-R + 2 * R * Rational(*rc::gen::inRange<long>(0, 1001), 1000));
    RC_LOG() << "R = " << R << ", g = " << g << ", delta = " << delta << "\n";
    for (const Rational& x : xs) {
      const Rational p = evaluate_polynomial(a, x);
      const Rational y = x + R;
      RC_LOG() << "x = " << x << "\n";
      RC_ASSERT(certainly_nonnegative(1, -p, y));          // e^R e^x - P(x) >= 0
      RC_ASSERT(certainly_nonnegative(delta - 1, p, y));   // P(x) - (1 - delta) e^R e^x >= 0
    }
  });
}

TEST_CASE("at x = R the absolute error e^2R - P(R) lies in [delta, delta (g+2)/(g+2-2R)]", "[approximation]") {
  // Lemma 30.3: delta is attained up to the factor e^(2R) of the Lagrange form (the relative error is
  // about e^(-2R) delta), so it is not vacuous, and it is loose by about e^(2R) in relative terms.
  rc::prop("MPFI, exact comparisons", [] {
    const Rational R = gen_radius();
    const std::size_t g = *rc::gen::inRange<std::size_t>(0, 31);
    const Rational delta = taylor_relative_error_bound(R, g);
    const Rational p = evaluate_polynomial(shifted_taylor_coefficients(R, g), R);
    const Rational y = 2 * R;
    RC_LOG() << "R = " << R << ", g = " << g << "\n";
    RC_ASSERT(certainly_nonnegative(1, -p - delta, y));  // e^2R - P(R) >= delta
    const Rational gap = Rational(g + 2) - y;
    RC_CLASSIFY(gap > 0, "g + 2 > 2R");
    if (gap > 0) RC_ASSERT(certainly_nonnegative(-1, p + delta * Rational(g + 2) / gap, y));
  });
  std::cout << "\n[approximation] tightness of delta at x = R (target 1e-6):\n"
            << "     R    g       delta    eta(2R)   delta/eta    e^(2R)\n";
  for (const Rational& R : {Rational(1, 2), Rational(1), Rational(2), Rational(4), Rational(8)}) {
    const std::size_t g = least_degree(R, Rational(1, 1000000));
    const double delta = taylor_relative_error_bound(R, g).convert_to<double>();
    const double eta = relative_error_at_endpoint(R, g);
    const double R_d = R.convert_to<double>();
    std::cout << std::setw(6) << std::defaultfloat << R_d << std::setw(5) << g << std::scientific
              << std::setprecision(3) << std::setw(12) << delta << std::setw(11) << eta << std::setw(12) << delta / eta
              << std::setw(11) << std::exp(2 * R_d) << std::defaultfloat << "\n";
    CHECK(delta / eta >= std::exp(2 * R_d) / (g + 2) * (g + 2 - 2 * R_d) * 0.999);
  }
}

TEST_CASE("least_degree is the first g with delta(R, g) <= target", "[approximation]") {
  CHECK(least_degree(Rational(1, 2), Rational(1, 6)) == 2);  // delta: 1, 1/2, 1/6
  CHECK(least_degree(Rational(1, 2), Rational(1, 6) - Rational(1, 1000000000)) == 3);
  CHECK(least_degree(0, Rational(1, 1000000)) == 0);
  CHECK(least_degree(8, 16) == 0);
  CHECK(least_degree(8, 15) == 37);  // delta rises to 16^16/16! before it falls
  CHECK(taylor_relative_error_bound(8, 36) > 15);
  CHECK(taylor_relative_error_bound(8, 37) <= 15);
  CHECK_THROWS_AS(least_degree(-1, 1), std::invalid_argument);
  CHECK_THROWS_AS(least_degree(1, 0), std::invalid_argument);
  CHECK_THROWS_AS(least_degree(1000000, 1), std::invalid_argument);
  rc::prop("minimal against the definition, at random and at exact boundaries", [] {
    const Rational R = gen_radius();
    const bool boundary = *rc::gen::arbitrary<bool>();
    const Rational target = boundary ? delta_slow(R, *rc::gen::inRange<std::size_t>(0, 80))
                                     : Rational(*rc::gen::inRange<long>(1, 1000), 1) /
                                           pow(Integer(2), *rc::gen::inRange<unsigned>(0, 200));
    RC_PRE(target > 0);
    RC_CLASSIFY(boundary, "target = delta(R, g0) exactly");
    const std::size_t g = least_degree(R, target);
    RC_ASSERT(delta_slow(R, g) <= target);
    for (std::size_t h = 0; h < g; ++h) RC_ASSERT(delta_slow(R, h) > target);
  });
}

TEST_CASE("taylor_relative_error_sharp encloses eta*(R, g) = eta(2R) within 2^-20 (Arb oracle)", "[approximation]") {
  CHECK(taylor_relative_error_sharp(0, 0) == 0);
  CHECK(taylor_relative_error_sharp(0, 9) == 0);
  CHECK_THROWS_AS(taylor_relative_error_sharp(-1, 3), std::invalid_argument);
  CHECK_THROWS_AS(taylor_relative_error_sharp(Rational(-1, 1000), 0), std::invalid_argument);
  CHECK(taylor_relative_error_sharp(8, 0) <= 1);  // eta* = 1 - e^-16 < 1: the value is clamped to 1
  rc::prop("eta* <= sharp <= Arb upper (1 + 2^-20), sharp <= delta, sharp dyadic and <= 1", [] {
    const Rational R = gen_radius_wide();
    const std::size_t g = *rc::gen::inRange<std::size_t>(0, 81);
    const Rational sharp = taylor_relative_error_sharp(R, g);
    const Bounds oracle = arb_eta(2 * R, g);
    RC_LOG() << "R = " << R << ", g = " << g << ", sharp = " << sharp << "\n";
    RC_CLASSIFY(2 * R > g + 1, "head route (2R > g + 1)");
    RC_ASSERT(oracle.lo > 0);
    RC_ASSERT(arb_eta_at_most(2 * R, g, sharp));
    RC_ASSERT(sharp <= oracle.hi * (1 + two_to_minus_20));
    RC_ASSERT(sharp <= taylor_relative_error_bound(R, g));
    RC_ASSERT(sharp <= 1);
    RC_ASSERT(is_dyadic(sharp));
  });
  rc::prop("eta(y) <= sharp at the ends, 8 equispaced and 4 random y in [0, 2R]", [] {
    const Rational R = gen_radius_wide();
    const std::size_t g = *rc::gen::inRange<std::size_t>(0, 41);
    const Rational sharp = taylor_relative_error_sharp(R, g);
    RC_LOG() << "R = " << R << ", g = " << g << ", sharp = " << sharp << "\n";
    std::vector<Rational> ys;
    for (long k = 0; k <= 8; ++k) ys.push_back(2 * R * Rational(k, 8));
    for (int k = 0; k < 4; ++k) ys.push_back(2 * R * Rational(*rc::gen::inRange<long>(0, 1001), 1000));
    for (const Rational& y : ys) {
      RC_LOG() << "y = " << y << "\n";
      RC_ASSERT(arb_eta_at_most(y, g, sharp));
    }
  });
  SECTION("extreme radii: 2^-3000 (delta/eta* - 1 ~ 2^-3000) and 1000 (head and tail routes, y = 2000)") {
    const Rational tiny(1, pow(Integer(2), 3000u));
    for (const auto& [R, g] : std::vector<std::pair<Rational, std::size_t>>{
             {tiny, 0}, {tiny, 3}, {1000, 0}, {1000, 1000}, {1000, 1998}, {1000, 2000}, {1000, 2600}}) {
      INFO("R = " << R.convert_to<double>() << ", g = " << g);
      const Rational sharp = taylor_relative_error_sharp(R, g);
      CHECK(arb_eta_at_most(2 * R, g, sharp));
      CHECK(sharp <= arb_eta(2 * R, g).hi * (1 + two_to_minus_20));
      CHECK(sharp <= taylor_relative_error_bound(R, g));
      CHECK(is_dyadic(sharp));
    }
  }
  SECTION("two Arb routes agree (gamma_lower and the definition) and sharp lies in both tolerances") {
    for (const Rational& R : {Rational(1, 64), Rational(1, 2), Rational(3), Rational(8), Rational(33, 2)}) {
      for (std::size_t g : {0, 1, 5, 17, 40, 90}) {
        INFO("R = " << R << ", g = " << g);
        const Bounds a = arb_eta(2 * R, g), b = arb_eta_gamma(2 * R, g);
        CHECK(a.lo <= b.hi);
        CHECK(b.lo <= a.hi);
        const Rational sharp = taylor_relative_error_sharp(R, g);
        CHECK(b.lo <= sharp);
        CHECK(sharp <= std::max(a.hi, b.hi) * (1 + two_to_minus_20));
      }
    }
  }
}

TEST_CASE("least_degree_sharp is the least g with sharp(R, g) <= target, and <= least_degree", "[approximation]") {
  CHECK(least_degree_sharp(0, Rational(1, 1000000)) == 0);
  CHECK(least_degree_sharp(8, 1) == 0);  // eta* < 1 always; least_degree(8, 1) is much larger
  CHECK(least_degree(8, 1) > 30);
  CHECK_THROWS_AS(least_degree_sharp(-1, 1), std::invalid_argument);
  CHECK_THROWS_AS(least_degree_sharp(1, 0), std::invalid_argument);
  CHECK_THROWS_AS(least_degree_sharp(1000000, Rational(1, 2)), std::invalid_argument);  // g ~ 2e6 > cap
  SECTION("beyond least_degree's cap the sharp degree can still be found") {
    // y = 100002: least_degree refuses at once (2R - 1 >= cap), but Pr[Poisson(y) > g] <= 0.99 near
    // g = y - 2.33 sqrt(y).
    CHECK_THROWS_AS(least_degree(50001, Rational(99, 100)), std::invalid_argument);
    const std::size_t g = least_degree_sharp(50001, Rational(99, 100));
    CHECK(g <= least_degree_cap);
    CHECK(taylor_relative_error_sharp(50001, g) <= Rational(99, 100));
    CHECK(taylor_relative_error_sharp(50001, g - 1) > Rational(99, 100));
    CHECK(g > 99000);
  }
  rc::prop("minimal, <= least_degree, at random and at exact boundary targets", [] {
    const Rational R = gen_radius_wide();
    const int kind = *rc::gen::element(0, 1, 2);
    std::size_t g0 = 0;
    Rational target;
    if (kind == 0) {
      g0 = *rc::gen::inRange<std::size_t>(0, 80);
      target = taylor_relative_error_sharp(R, g0);  // the answer is at most g0
    } else if (kind == 1) {
      target = taylor_relative_error_bound(R, *rc::gen::inRange<std::size_t>(0, 80));
    } else {
      target = Rational(*rc::gen::inRange<long>(1, 1000), 1) / pow(Integer(2), *rc::gen::inRange<unsigned>(0, 200));
    }
    RC_PRE(target > 0);
    RC_CLASSIFY(kind == 0, "target = sharp(R, g0)");
    RC_CLASSIFY(kind == 1, "target = delta(R, g0)");
    RC_LOG() << "R = " << R << ", target = " << target << "\n";
    const std::size_t g = least_degree_sharp(R, target);
    RC_ASSERT(g <= least_degree(R, target));
    if (kind == 0) RC_ASSERT(g <= g0);
    RC_ASSERT(taylor_relative_error_sharp(R, g) <= target);
    for (std::size_t h = 0; h < g; ++h) RC_ASSERT(taylor_relative_error_sharp(R, h) > target);
  });
  SECTION("the degree saving, measured; Arb confirms eta*(g) <= target < eta*(g - 1) (1 + 2^-20)") {
    // Measured (this table is printed by the test):  R  target  g(delta)  g(sharp)
    //   1/2 1e-6: 9, 9;  2 1e-6: 19, 17;  4 1e-12: 40, 35;  8 1e-6: 53, 38;  8 1e-12: 63, 51;
    //   16 1e-12: 108, 79;  32 1e-30: 230, 175.
    std::cout << "\n[approximation] least degree with delta(R, g) vs with the sharp eta*(R, g):\n"
              << "     R   target  g(delta)  g(sharp)  saved\n";
    const std::vector<std::pair<Rational, int>> cases = {
        {Rational(1, 2), 6}, {2, 6}, {4, 12}, {8, 6}, {8, 12}, {16, 12}, {32, 30}};
    for (const auto& [R, k] : cases) {
      const Rational target(1, pow(Integer(10), static_cast<unsigned>(k)));
      const std::size_t old_g = least_degree(R, target);
      const std::size_t g = least_degree_sharp(R, target);
      INFO("R = " << R << ", target = 1e-" << k << ", g = " << g);
      CHECK(g <= old_g);
      CHECK(arb_eta(2 * R, g).lo <= target);
      if (g > 0) CHECK(arb_eta(2 * R, g - 1).hi * (1 + two_to_minus_20) > target);
      std::cout << std::defaultfloat << std::setprecision(4) << std::setw(6) << R.convert_to<double>() << std::setw(9)
                << "1e-" + std::to_string(k) << std::setw(10) << old_g << std::setw(10) << g << std::setw(7)
                << old_g - g << "\n";
    }
    CHECK(least_degree(8, Rational(1, 1000000000000)) == 63);
    CHECK(least_degree_sharp(8, Rational(1, 1000000000000)) == 51);
  }
}

TEST_CASE("error transfer: every extreme eta pattern stays within the bounds", "[approximation]") {
  CHECK(transfer_bound_tight(Rational(1, 2), 4) == 1);
  CHECK(transfer_bound_as23(Rational(1, 2), 4) == 4);
  CHECK(delta_for_output_error(1, 4) == Rational(1, 2));
  CHECK_THROWS_AS(transfer_bound_tight(1, 1), std::invalid_argument);
  CHECK_THROWS_AS(transfer_bound_tight(Rational(1, 2), -1), std::invalid_argument);
  CHECK_THROWS_AS(transfer_bound_as23(Rational(3, 2), 1), std::invalid_argument);
  CHECK_THROWS_AS(delta_for_output_error(1, 0), std::invalid_argument);
  CHECK_THROWS_AS(delta_for_output_error(0, 1), std::invalid_argument);
  rc::prop("exact softmax over all 2^n patterns, threshold patterns and random interior patterns", [] {
    const std::size_t n = *rc::gen::inRange<std::size_t>(1, 9);
    const Row row = gen_row(n);
    const Rational delta(*rc::gen::inRange<long>(1, 751), 1000);
    const Rational range = range_of(row.V);
    const Rational tight = transfer_bound_tight(delta, range);
    RC_LOG() << "n = " << n << ", delta = " << delta << "\n";
    RC_ASSERT(tight <= transfer_bound_as23(delta, max_abs_of(row.V)));
    const Rational worst = worst_over_vertices(row, delta);
    RC_ASSERT(worst <= tight);
    RC_ASSERT(worst == worst_over_thresholds(row, delta));
    if (range > 0) RC_ASSERT(within_sharp_bound(delta, worst / range));
    for (int trial = 0; trial < 4; ++trial) {  // the vertices bound the whole box
      std::vector<Rational> eta(n);
      for (Rational& e : eta) e = delta * Rational(*rc::gen::inRange<long>(0, 101), 100);
      RC_ASSERT(abs(perturbation_error(row, eta)) <= worst);
    }
  });
  rc::prop("delta_for_output_error is the largest delta meeting eps", [] {
    const Rational eps(*rc::gen::inRange<long>(1, 1000), *rc::gen::inRange<long>(1, 1000000));
    const Rational range(*rc::gen::inRange<long>(1, 1000), *rc::gen::inRange<long>(1, 100));
    const Rational delta = delta_for_output_error(eps, range);
    RC_ASSERT(delta < 1);
    RC_ASSERT(transfer_bound_tight(delta, range) == eps);
    RC_ASSERT(transfer_bound_tight(delta + (1 - delta) / 1000000, range) > eps);
  });
}

TEST_CASE("error transfer: the worst pattern nearly attains the bounds", "[approximation]") {
  // Lemma 31.1 is attained by two keys V = (-1, 1) with weights (p, 1 - p), p = 1/(1 + s),
  // eta = (delta, 0). p is the binary64 nearest 1/(1 + s), converted exactly.
  std::cout << "\n[approximation] extremal two-key rows, V = (-1, 1), range 2, ||V|| = 1:\n"
            << "   delta   |T~-T|  sharp(31.1)  tight(31.2)  worst/tight  AS23  AS23/worst\n";
  for (const Rational& delta : {Rational(1, 1000), Rational(1, 100), Rational(1, 10), Rational(1, 4), Rational(1, 2)}) {
    const double s = std::sqrt(1 - delta.convert_to<double>());
    Row row{{Rational(1 / (1 + s)), 1 - Rational(1 / (1 + s))}, {-1, 1}, Rational(7, 3)};
    const Rational err = abs(perturbation_error(row, {delta, 0}));
    const Rational tight = transfer_bound_tight(delta, 2);
    const Rational as23 = transfer_bound_as23(delta, 1);
    CHECK(err == worst_over_vertices(row, delta));
    CHECK(within_sharp_bound(delta, err / 2));
    CHECK(err <= tight);
    CHECK(2 * err >= tight);
    CHECK(err > delta / 2);  // > range delta / 4: the factor 1/(1 - delta) cannot be dropped
    const double sharp = 2 * (1 - s) / (1 + s);
    std::cout << std::setprecision(4) << std::setw(8) << delta.convert_to<double>() << std::setw(10)
              << err.convert_to<double>() << std::setw(12) << sharp << std::setw(13) << tight.convert_to<double>()
              << std::setw(12) << (err / tight).convert_to<double>() << std::setw(8) << as23.convert_to<double>()
              << std::setw(10) << (as23 / err).convert_to<double>() << "\n";
  }
  // Random rows (fixed seed): how close the worst pattern comes to the tight bound.
  std::mt19937 rng(20261129);
  std::uniform_int_distribution<long> weight(1, 1000), value(-10000, 10000), size(1, 8);
  for (const Rational& delta : {Rational(1, 100), Rational(1, 4)}) {
    std::vector<double> ratios;
    for (int trial = 0; trial < 200; ++trial) {
      Row row;
      row.c = 1;
      const long n = size(rng);
      for (long j = 0; j < n; ++j) {
        row.A.emplace_back(weight(rng), weight(rng));
        row.V.emplace_back(value(rng), 1000);
      }
      const Rational tight = transfer_bound_tight(delta, range_of(row.V));
      if (tight == 0) continue;
      const Rational worst = worst_over_vertices(row, delta);
      REQUIRE(worst <= tight);
      ratios.push_back((worst / tight).convert_to<double>());
    }
    std::sort(ratios.begin(), ratios.end());
    std::cout << "[approximation] random rows, delta = " << delta.convert_to<double>() << ": worst/tight min "
              << ratios.front() << ", median " << ratios[ratios.size() / 2] << ", max " << ratios.back() << "\n";
  }
}

TEST_CASE("Lemma 3.1's degree formula next to the least certified degree", "[approximation]") {
  CHECK(lemma31_degree_formula(1, std::exp(-10.0)) == Approx(10 / std::log(10.0)));
  CHECK(lemma31_degree_formula(8, 1e-3) == 8);                   // L < B: the value is B
  CHECK(lemma31_degree_formula(4, 1e-3) == Approx(std::log(1e3)));  // B < L < e B: the value is L
  CHECK_THROWS_AS(lemma31_degree_formula(0, 0.5), std::invalid_argument);
  CHECK_THROWS_AS(lemma31_degree_formula(1, 1), std::invalid_argument);
  std::cout << "\n[approximation] Lemma 3.1 formula vs least g with delta(R, g) <= eps:\n"
            << "   B     eps  formula  g(R=B/2)  g(R=B)  g(R=B/2)/formula  g(R=B)/formula\n";
  for (int B : {1, 2, 4, 8}) {
    std::size_t previous_half = 0, previous_full = 0;
    double previous_formula = 0;
    for (int k : {3, 6, 12}) {
      const double eps = std::pow(10.0, -k);
      const Rational target(1, pow(Integer(10), static_cast<unsigned>(k)));
      const double formula = lemma31_degree_formula(B, eps);
      const std::size_t half = least_degree(Rational(B, 2), target);
      const std::size_t full = least_degree(Rational(B), target);
      std::cout << std::setw(4) << B << std::setw(8) << std::setprecision(0) << std::scientific << eps
                << std::defaultfloat << std::setw(9) << std::setprecision(4) << formula
                << std::setw(10) << half << std::setw(8) << full << std::setw(18) << half / formula << std::setw(16)
                << full / formula << "\n";
      CHECK(formula >= B);
      CHECK(formula >= previous_formula);
      CHECK(half <= full);
      CHECK(half >= previous_half);
      CHECK(full >= previous_full);
      previous_formula = formula;
      previous_half = half;
      previous_full = full;
    }
  }
}
