// Test-only oracle: softmax attention evaluated from its definition in Arb ball arithmetic.
// It shares no numeric code with the library: from ropecert it reads only the Problem data and
// its positions and mask (query_position, key_position, key_visible). Used only by the tests,
// as the independent reference that the library's enclosures must contain.
//
// Definition (problem.hpp, proofs-notes/00-notation.md), for every visible key j of query i:
//   kind rope:    M_ij = s * sum_l (R_{a_i} q_i)_l (R_{b_j} k_j)_l, a_i = query_position(i),
//                 b_j = key_position(j). R_t rotates plane p = 0 .. r/2-1 (r = rotary_dim),
//                 i.e. dims (p, p + r/2) for Pairing::half and (2p, 2p + 1) for interleaved,
//                 by phi = t * theta_p:
//                 (x_a, x_b) -> (x_a cos phi - x_b sin phi, x_a sin phi + x_b cos phi);
//                 dims r .. d-1 are not rotated. Angles standard: theta_p = base^(-2p/r), then
//                 Arb's sin and cos of phi. Angles pythagorean: cos phi + i sin phi =
//                 ((u^2-1) + 2u i)^t / (u^2+1)^t with u = p + 2, an Arb complex power (no atan,
//                 no trigonometry, so it shares no route with the library's atan2 enclosure).
//   kind general: M_ij = s * q_i^T W_{i-j} k_j.
//   scale s:      1/d, 1/sqrt(d), or the decimal string (Scale::Rule).
//   output:       T_ic = sum_j exp(M_ij) V_jc / sum_j exp(M_ij).
#pragma once
#include <arb.h>
#include <mpfr.h>

#include <vector>

#include "ropecert/problem.hpp"

namespace ropecert_test {

// RAII owner of one arb_t; a new ball is exactly 0. Use the Arb C functions on get().
class ArbBall {
 public:
  ArbBall() { arb_init(value_); }
  ArbBall(const ArbBall& other) : ArbBall() { arb_set(value_, other.value_); }
  ArbBall& operator=(const ArbBall& other) {
    arb_set(value_, other.value_);
    return *this;
  }
  ~ArbBall() { arb_clear(value_); }

  arb_ptr get() { return value_; }
  arb_srcptr get() const { return value_; }

 private:
  arb_t value_;
};

// Balls containing T_ic for every query i and value column c, row-major (index i * d_v + c),
// computed with Arb at working precision `prec` bits: every Arb operation returns a ball that
// contains the exact image of its argument balls, so each result contains the exact T_ic.
// Softmax is evaluated with exp(M_ij - m_i), m_i the largest logit midpoint of row i, which
// leaves T_ic unchanged. Preconditions: `problem` passes validate_problem. Throws
// std::invalid_argument if arb_set_str rejects the decimal scale.
std::vector<ArbBall> arb_attention(const ropecert::Problem& problem, slong prec);

// True iff every point of `ball` lies in the closed interval [lo, hi]. The comparison is exact:
// the ball's endpoints mid -+ rad are formed without rounding. A non-finite ball, a NaN bound
// or an empty interval gives false.
bool arb_ball_inside(const ArbBall& ball, const mpfr_t lo, const mpfr_t hi);
bool arb_ball_inside(const ArbBall& ball, double lo, double hi);

}  // namespace ropecert_test
