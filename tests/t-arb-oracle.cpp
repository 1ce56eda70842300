// Tests of the Arb attention oracle (tests/support/arb_oracle.hpp): first the oracle itself,
// against hand computations and its own consistency, then arb_ball_inside.
#include <catch2/catch.hpp>

#include <arb.h>
#include <flint/fmpq.h>
#include <gmp.h>
#include <mpfr.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "ropecert/problem.hpp"
#include "support/arb_oracle.hpp"
#include "support/oracle_checks.hpp"

using ropecert::Kind;
using ropecert::MaskKind;
using ropecert::Matrix;
using ropecert::Pairing;
using ropecert::Problem;
using ropecert_test::arb_attention;
using ropecert_test::arb_ball_inside;
using ropecert_test::ArbBall;
using Rule = ropecert::Scale::Rule;

namespace {

constexpr slong prec = 128;

// A deterministic matrix of small dyadic values in [-2, 2]; `seed` varies the pattern.
Matrix dyadic_matrix(std::size_t rows, std::size_t cols, int seed) {
  Matrix m(rows, cols);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j)
      m.at(i, j) = double(int((i * 7 + j * 5 + std::size_t(seed) * 3) % 17) - 8) / 4;
  return m;
}

// A valid rope problem with dyadic Q, K, V.
Problem rope_problem(std::size_t n_q, std::size_t n_k, std::size_t d, std::size_t d_v, std::size_t rotary_dim) {
  Problem p;
  p.kind = Kind::rope;
  p.rope.rotary_dim = rotary_dim;
  p.Q = dyadic_matrix(n_q, d, 1);
  p.K = dyadic_matrix(n_k, d, 2);
  p.V = dyadic_matrix(n_k, d_v, 3);
  return p;
}

// A valid general problem with dyadic Q, K, V and distinct couplings W_k.
Problem general_problem(std::size_t n, std::size_t d, std::size_t d_v) {
  Problem p;
  p.kind = Kind::general;
  p.Q = dyadic_matrix(n, d, 4);
  p.K = dyadic_matrix(n, d, 5);
  p.V = dyadic_matrix(n, d_v, 6);
  for (std::size_t k = 0; k < 2 * n - 1; ++k) p.W.push_back(dyadic_matrix(d, d, 7 + int(k)));
  return p;
}

std::string text(const ArbBall& x) {
  char* s = arb_get_str(x.get(), 40, 0);
  std::string result(s);
  flint_free(s);
  return result;
}

// Both balls are narrow (so that overlapping means something) and overlap.
bool consistent(const ArbBall& a, const ArbBall& b) {
  return arb_rel_accuracy_bits(a.get()) > 60 && arb_rel_accuracy_bits(b.get()) > 60 &&
         arb_overlaps(a.get(), b.get());
}

// x contains the exact rational q and is narrower than the double spacing around q.
bool tightly_contains(const ArbBall& x, const mpq_t q) {
  fmpq_t f;
  fmpq_init(f);
  fmpq_set_mpq(f, q);
  const bool contains = arb_contains_fmpq(x.get(), f);
  fmpq_clear(f);
  const double nearest = mpq_get_d(q);
  return contains && arb_ball_inside(x, std::nextafter(nearest, -HUGE_VAL) - std::fabs(nearest) * 0x1p-50,
                                     std::nextafter(nearest, HUGE_VAL) + std::fabs(nearest) * 0x1p-50);
}

bool tightly_contains(const ArbBall& x, double v) {
  mpq_t q;
  mpq_init(q);
  mpq_set_d(q, v);
  const bool result = tightly_contains(x, q);
  mpq_clear(q);
  return result;
}

}  // namespace

// ==== the oracle against hand computations =======================================================

TEST_CASE("oracle: one visible key gives exactly that key's value row", "[arb-oracle]") {
  Problem rope = rope_problem(3, 1, 5, 4, 4);
  rope.mask = MaskKind::causal;
  rope.rope.q_offset = 7;
  rope.rope.k_offset = 7;
  Problem general = general_problem(1, 3, 4);
  general.scale.rule = Rule::inv_d;
  for (const Problem& p : {rope, general}) {
    ropecert::validate_problem(p, "test");
    const std::vector<ArbBall> t = arb_attention(p, prec);
    REQUIRE(t.size() == p.n_q() * p.d_v());
    for (std::size_t i = 0; i < p.n_q(); ++i)
      for (std::size_t c = 0; c < p.d_v(); ++c) {
        INFO("i = " << i << ", c = " << c << ", T = " << text(t[i * p.d_v() + c]) << ", V = " << p.V.at(0, c));
        CHECK(tightly_contains(t[i * p.d_v() + c], p.V.at(0, c)));
      }
  }
}

TEST_CASE("oracle: Q = 0 gives the means of the visible value rows", "[arb-oracle]") {
  Problem causal = rope_problem(5, 5, 4, 3, 2);
  causal.mask = MaskKind::causal;
  Problem general = general_problem(5, 3, 3);
  for (Problem* p : {&causal, &general}) {
    p->Q = Matrix(p->n_q(), p->d());
    ropecert::validate_problem(*p, "test");
    const std::vector<ArbBall> t = arb_attention(*p, prec);
    mpq_t mean, v;
    mpq_init(mean);
    mpq_init(v);
    for (std::size_t i = 0; i < p->n_q(); ++i)
      for (std::size_t c = 0; c < p->d_v(); ++c) {
        const std::size_t visible = p->mask == MaskKind::causal ? i + 1 : p->n_k();
        mpq_set_ui(mean, 0, 1);
        for (std::size_t j = 0; j < visible; ++j) {
          mpq_set_d(v, p->V.at(j, c));
          mpq_add(mean, mean, v);
        }
        mpq_set_ui(v, visible, 1);
        mpq_div(mean, mean, v);
        INFO("i = " << i << ", c = " << c << ", T = " << text(t[i * p->d_v() + c]) << ", mean = " << mpq_get_d(mean));
        CHECK(tightly_contains(t[i * p->d_v() + c], mean));
      }
    mpq_clear(mean);
    mpq_clear(v);
  }
}

TEST_CASE("oracle: 2x2 rope case against the formula written out", "[arb-oracle]") {
  // d = 5, rotary_dim = 4, half pairing: planes (0, 2) and (1, 3), dim 4 unrotated;
  // theta_0 = 1, theta_1 = 10000^(-2/4) = 1/100; scale 0.7; positions a = 3, 4 and b = 1, 2.
  Problem p = rope_problem(2, 2, 5, 3, 4);
  p.rope.base = 10000;
  p.rope.q_offset = 3;
  p.rope.k_offset = 1;
  p.scale = {Rule::decimal, "0.7"};
  ropecert::validate_problem(p, "test");
  const std::vector<ArbBall> t = arb_attention(p, prec);

  // M_ij = s (q_4 k_4 + sum_p [cos(phi_p) (q_a k_a + q_b k_b) + sin(phi_p) (q_b k_a - q_a k_b)]),
  // phi_p = (b_j - a_i) theta_p, since (R_a q)^T (R_b k) = q^T R_{b-a} k.
  const slong hand_prec = 256;
  ArbBall s, theta[2], m[2][2], phi, sine, cosine, term, x;
  arb_set_str(s.get(), "0.7", hand_prec);
  arb_one(theta[0].get());
  arb_set_str(theta[1].get(), "0.01", hand_prec);
  const Matrix& q = p.Q;
  const Matrix& k = p.K;
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 2; ++j) {
      arb_set_d(m[i][j].get(), q.at(i, 4) * k.at(j, 4));  // exact: small dyadics
      for (std::size_t plane = 0; plane < 2; ++plane) {
        const std::size_t a = plane, b = plane + 2;
        arb_mul_si(phi.get(), theta[plane].get(), (1 + slong(j)) - (3 + slong(i)), hand_prec);
        arb_sin_cos(sine.get(), cosine.get(), phi.get(), hand_prec);
        arb_set_d(x.get(), q.at(i, a) * k.at(j, a) + q.at(i, b) * k.at(j, b));
        arb_mul(term.get(), cosine.get(), x.get(), hand_prec);
        arb_add(m[i][j].get(), m[i][j].get(), term.get(), hand_prec);
        arb_set_d(x.get(), q.at(i, b) * k.at(j, a) - q.at(i, a) * k.at(j, b));
        arb_mul(term.get(), sine.get(), x.get(), hand_prec);
        arb_add(m[i][j].get(), m[i][j].get(), term.get(), hand_prec);
      }
      arb_mul(m[i][j].get(), m[i][j].get(), s.get(), hand_prec);
    }
  // Two keys: T_ic = V_0c + (V_1c - V_0c) / (1 + exp(M_i0 - M_i1)).
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t c = 0; c < 3; ++c) {
      ArbBall expected;
      arb_sub(x.get(), m[i][0].get(), m[i][1].get(), hand_prec);
      arb_exp(x.get(), x.get(), hand_prec);
      arb_add_ui(x.get(), x.get(), 1, hand_prec);
      arb_set_d(expected.get(), p.V.at(1, c) - p.V.at(0, c));
      arb_div(expected.get(), expected.get(), x.get(), hand_prec);
      arb_set_d(x.get(), p.V.at(0, c));
      arb_add(expected.get(), expected.get(), x.get(), hand_prec);
      INFO("i = " << i << ", c = " << c << ": oracle " << text(t[i * 3 + c]) << ", hand " << text(expected));
      CHECK(consistent(t[i * 3 + c], expected));
    }
}

TEST_CASE("oracle: 2x2 general case against the formula written out", "[arb-oracle]") {
  // Causal, so row 0 sees key 0 through W_0 and row 1 sees keys 0, 1 through W_1 and W_0.
  Problem p = general_problem(2, 2, 2);
  p.mask = MaskKind::causal;
  p.scale.rule = Rule::inv_d;
  ropecert::validate_problem(p, "test");
  const std::vector<ArbBall> t = arb_attention(p, prec);

  // M_1j = (1/2) (w00 q0 k0 + w01 q0 k1 + w10 q1 k0 + w11 q1 k1) with W = W_{1-j}: exact in
  // double for these small dyadics, then T_1c = V_0c + (V_1c - V_0c) / (1 + exp(M_10 - M_11)).
  double m[2];
  for (std::size_t j = 0; j < 2; ++j) {
    const Matrix& w = p.coupling(1 - std::int64_t(j));
    const double q0 = p.Q.at(1, 0), q1 = p.Q.at(1, 1), k0 = p.K.at(j, 0), k1 = p.K.at(j, 1);
    m[j] = 0.5 * (w.at(0, 0) * q0 * k0 + w.at(0, 1) * q0 * k1 + w.at(1, 0) * q1 * k0 + w.at(1, 1) * q1 * k1);
  }
  REQUIRE(m[0] != m[1]);  // otherwise the row would not tell W_0 from W_1
  ArbBall x, expected;
  for (std::size_t c = 0; c < 2; ++c) {
    INFO("c = " << c << ": row 0 " << text(t[c]));
    CHECK(tightly_contains(t[c], p.V.at(0, c)));
    arb_set_d(x.get(), m[0] - m[1]);
    arb_exp(x.get(), x.get(), 256);
    arb_add_ui(x.get(), x.get(), 1, 256);
    arb_set_d(expected.get(), p.V.at(1, c) - p.V.at(0, c));
    arb_div(expected.get(), expected.get(), x.get(), 256);
    arb_set_d(x.get(), p.V.at(0, c));
    arb_add(expected.get(), expected.get(), x.get(), 256);
    INFO("row 1: oracle " << text(t[2 + c]) << ", hand " << text(expected));
    CHECK(consistent(t[2 + c], expected));
  }
}

// ==== consistency of the oracle ==================================================================

TEST_CASE("oracle: two precisions overlap, the higher one is tighter", "[arb-oracle]") {
  Problem p = rope_problem(3, 7, 6, 2, 4);
  p.mask = MaskKind::causal;
  p.rope.q_offset = 1000;
  p.rope.k_offset = 996;
  ropecert::validate_problem(p, "test");
  const std::vector<ArbBall> low = arb_attention(p, 80), high = arb_attention(p, 300);
  for (std::size_t n = 0; n < low.size(); ++n) {
    INFO("entry " << n << ": " << text(low[n]) << " vs " << text(high[n]));
    CHECK(consistent(low[n], high[n]));
    CHECK(arb_rel_accuracy_bits(high[n].get()) > arb_rel_accuracy_bits(low[n].get()) + 150);
  }
}

TEST_CASE("oracle: interleaved pairing is half pairing on permuted dimensions", "[arb-oracle]") {
  // d = 6, rotary_dim = 4: half rotates planes (0, 2), (1, 3), interleaved (0, 1), (2, 3).
  const std::size_t to_interleaved[6] = {0, 2, 1, 3, 4, 5};  // half dim l -> interleaved dim
  Problem half = rope_problem(3, 4, 6, 2, 4);
  half.rope.q_offset = 5;
  Problem interleaved = half;
  interleaved.rope.pairing = Pairing::interleaved;
  for (std::size_t l = 0; l < 6; ++l) {
    for (std::size_t i = 0; i < half.n_q(); ++i) interleaved.Q.at(i, to_interleaved[l]) = half.Q.at(i, l);
    for (std::size_t j = 0; j < half.n_k(); ++j) interleaved.K.at(j, to_interleaved[l]) = half.K.at(j, l);
  }
  Problem unpermuted = half;
  unpermuted.rope.pairing = Pairing::interleaved;
  const std::vector<ArbBall> a = arb_attention(half, prec), b = arb_attention(interleaved, prec),
                             c = arb_attention(unpermuted, prec);
  bool pairing_matters = false;
  for (std::size_t n = 0; n < a.size(); ++n) {
    INFO("entry " << n << ": " << text(a[n]) << " vs " << text(b[n]));
    CHECK(consistent(a[n], b[n]));
    pairing_matters = pairing_matters || !arb_overlaps(a[n].get(), c[n].get());
  }
  CHECK(pairing_matters);
}

TEST_CASE("oracle: rope logits depend only on relative positions", "[arb-oracle]") {
  Problem p = rope_problem(4, 6, 6, 3, 6);
  p.rope.base = 500;
  p.mask = MaskKind::causal;
  p.rope.q_offset = 2;
  Problem shifted = p;
  shifted.rope.q_offset += 123456789;
  shifted.rope.k_offset += 123456789;
  Problem moved = p;
  moved.rope.q_offset += 1;  // changes relative positions (and the mask)
  const std::vector<ArbBall> a = arb_attention(p, prec), b = arb_attention(shifted, prec),
                             c = arb_attention(moved, prec);
  bool moved_differs = false;
  for (std::size_t n = 0; n < a.size(); ++n) {
    INFO("entry " << n << ": " << text(a[n]) << " vs shifted " << text(b[n]));
    CHECK(consistent(a[n], b[n]));
    moved_differs = moved_differs || !arb_overlaps(a[n].get(), c[n].get());
  }
  CHECK(moved_differs);
}

TEST_CASE("oracle: scale rules", "[arb-oracle]") {
  Problem p = rope_problem(2, 3, 4, 2, 4);
  const auto with_scale = [&p](ropecert::Scale scale) {
    Problem q = p;
    q.scale = scale;
    return arb_attention(q, prec);
  };
  const std::vector<ArbBall> inv_d = with_scale({Rule::inv_d, ""}), quarter = with_scale({Rule::decimal, "0.25"}),
                             inv_sqrt_d = with_scale({Rule::inv_sqrt_d, ""}), half = with_scale({Rule::decimal, "5e-1"});
  bool scale_matters = false;
  for (std::size_t n = 0; n < inv_d.size(); ++n) {
    CHECK(consistent(inv_d[n], quarter[n]));
    CHECK(consistent(inv_sqrt_d[n], half[n]));
    scale_matters = scale_matters || !arb_overlaps(inv_d[n].get(), half[n].get());
  }
  CHECK(scale_matters);
  CHECK_THROWS_AS(with_scale({Rule::decimal, "one half"}), std::invalid_argument);
}

// ==== arb_ball_inside ============================================================================

TEST_CASE("arb_ball_inside compares the ball's exact endpoints", "[arb-oracle][inside]") {
  ArbBall ball;  // 1 +- 2^-100
  arb_one(ball.get());
  mag_set_ui_2exp_si(arb_radref(ball.get()), 1, -100);
  mpfr_t lo, hi;
  mpfr_inits2(256, lo, hi, static_cast<mpfr_ptr>(nullptr));
  const auto set = [&](const char* a, const char* b) {  // exact at 256 bits
    REQUIRE(mpfr_set_str(lo, a, 0, MPFR_RNDN) == 0);
    REQUIRE(mpfr_set_str(hi, b, 0, MPFR_RNDN) == 0);
  };
  set("0x0.fffffffffffffffffffffffffp0", "0x1.0000000000000000000000001p0");  // [1 -+ 2^-100]
  CHECK(arb_ball_inside(ball, lo, hi));
  set("0x0.fffffffffffffffffffffffff0000000000000000000000001p0", "0x1.0000000000000000000000001p0");
  CHECK_FALSE(arb_ball_inside(ball, lo, hi));
  set("0x0.fffffffffffffffffffffffffp0", "0x1.0000000000000000000000000fffffffffffffffffffffffffp0");
  CHECK_FALSE(arb_ball_inside(ball, lo, hi));
  set("0x1p1", "0x1p0");  // empty
  CHECK_FALSE(arb_ball_inside(ball, lo, hi));

  // The exact point 1 + 2^-50 lies outside [0, 1 + 2^-100]; the outward-rounded ball that
  // arb_set_interval_mpfr makes of that interval would contain it.
  ArbBall point;
  arb_set_d(point.get(), 1 + 0x1p-50);
  set("0", "0x1.0000000000000000000000001p0");
  CHECK_FALSE(arb_ball_inside(point, lo, hi));
  set("0", "0x1.0000000000004p0");
  CHECK(arb_ball_inside(point, lo, hi));
  mpfr_clears(lo, hi, static_cast<mpfr_ptr>(nullptr));
}

TEST_CASE("arb_ball_inside with double bounds", "[arb-oracle][inside]") {
  ArbBall third;
  arb_set_ui(third.get(), 1);
  arb_div_ui(third.get(), third.get(), 3, prec);
  const double below = 0x1.5555555555555p-2, above = 0x1.5555555555556p-2;  // around 1/3
  CHECK(arb_ball_inside(third, below, above));
  CHECK_FALSE(arb_ball_inside(third, below, below));
  CHECK_FALSE(arb_ball_inside(third, above, above));
  CHECK(arb_ball_inside(third, -HUGE_VAL, HUGE_VAL));
  CHECK_FALSE(arb_ball_inside(third, NAN, above));
  CHECK_FALSE(arb_ball_inside(third, below, NAN));

  ArbBall exact;
  arb_set_d(exact.get(), 0.1);
  CHECK(arb_ball_inside(exact, 0.1, 0.1));
  arb_indeterminate(exact.get());
  CHECK_FALSE(arb_ball_inside(exact, -HUGE_VAL, HUGE_VAL));
  arb_zero_pm_inf(exact.get());
  CHECK_FALSE(arb_ball_inside(exact, -HUGE_VAL, HUGE_VAL));
}

TEST_CASE("ball_roundings: a ball around 0 decides no rounding, a ball on one side keeps its sign",
          "[arb-oracle][roundings]") {
  ArbBall around_zero;  // 0 +- 2^-1100: its endpoints round to -0 and +0 in every format
  mag_set_ui_2exp_si(arb_radref(around_zero.get()), 1, -1100);
  const ropecert_test::BallRoundings zero = ropecert_test::ball_roundings(around_zero);
  CHECK_FALSE(zero.decided64);
  CHECK_FALSE(zero.decided32);
  CHECK_FALSE(zero.decided16);
  CHECK_FALSE(zero.decided_bf16);

  ArbBall negative_tiny;  // -2^-1100 +- 2^-1102: rounds to -0 in every format
  arf_set_si_2exp_si(arb_midref(negative_tiny.get()), -1, -1100);
  mag_set_ui_2exp_si(arb_radref(negative_tiny.get()), 1, -1102);
  const ropecert_test::BallRoundings negative = ropecert_test::ball_roundings(negative_tiny);
  REQUIRE(negative.decided64);
  REQUIRE(negative.decided16);
  CHECK(std::signbit(negative.t64));
  CHECK(std::signbit(negative.t16));
}
