// Test-only oracle: softmax attention evaluated from its definition in Arb ball arithmetic.
// It shares no numeric code with the library's evaluator: from ropecert it reads only the Problem data,
// its positions and mask (query_position, key_position, key_visible), and it calls round_mpfr
// (rounding.hpp, itself tested against MPFR in t-rounding) to round the endpoints of a ball to a narrow
// format. Used only by the tests, as the independent reference that the library's enclosures must contain.
//
// Definition (problem.hpp, proofs-notes/00-notation.md, proofs-notes/11-rope-scaling.md "Wiring"), for
// every visible key j of query i:
//   kind rope:    M_ij = s * sum_l (R^a_{a_i} q_i)_l (R^a_{b_j} k_j)_l, a_i = query_position(i),
//                 b_j = key_position(j). R^a_t maps plane p = 0 .. r/2-1 (r = rotary_dim), i.e. dims
//                 (p, p + r/2) for Pairing::half and (2p, 2p + 1) for interleaved, by
//                 (x_a, x_b) -> (x_a c - x_b s, x_a s + x_b c) with, for phi = t * theta_p,
//                   cos_sin exact: c = a cos phi, s = a sin phi (computed here as a^2 times the dot
//                                  product of the unscaled rotated planes, plus the pass-through dot);
//                   cos_sin F:     c = RN_F(a cos phi), s = RN_F(a sin phi) (Arb's ball, its endpoints
//                                  rounded by round_mpfr, which must agree);
//                 dims r .. d-1 are not rotated (nor multiplied by a).
//                 theta_p and a: angles standard without scaling: theta_p = base^(-2p/r) (Arb's pow),
//                 a = 1; with rope.scaling: arb_scaled_frequencies below (HF's formulas in HF's shape);
//                 with inv_freq float32: arb_inv_freq_float32 below (hardware float32 and Arb's pow).
//                 Angles pythagorean: cos phi + i sin phi = ((u^2-1) + 2u i)^t / (u^2+1)^t with u = p + 2,
//                 an Arb complex power (no atan, no trigonometry, so it shares no route with the
//                 library's atan2 enclosure); a = 1.
//   kind general: M_ij = s * q_i^T W_{i-j} k_j.
//   scale s:      1/d, 1/sqrt(d), or the decimal string (Scale::Rule).
//   output:       T_ic = sum_j exp(M_ij) V_jc / sum_j exp(M_ij).
#pragma once
#include <arb.h>
#include <mpfr.h>

#include <cstddef>
#include <stdexcept>
#include <vector>

#include "ropecert/problem.hpp"
#include "ropecert/rounding.hpp"

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

// Thrown when a ball cannot decide a branch of a definition (an HF comparison of reals, a floor, or a
// rounding to F) at the working precision: a higher precision decides (note 11, Lemma 4).
class ArbUndecided : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Balls containing T_ic for every query i and value column c, row-major (index i * d_v + c),
// computed with Arb at working precision `prec` bits: every Arb operation returns a ball that
// contains the exact image of its argument balls, so each result contains the exact T_ic.
// When a branch or a rounding to F is undecided at `prec` (ArbUndecided), the whole evaluation is
// repeated at 2 prec, 4 prec, ..., up to 64 prec (then ArbUndecided propagates).
// Softmax is evaluated with exp(M_ij - m_i), m_i the largest logit midpoint of row i, which
// leaves T_ic unchanged. Preconditions: `problem` passes validate_problem. Throws
// std::invalid_argument if arb_set_str rejects the decimal scale.
std::vector<ArbBall> arb_attention(const ropecert::Problem& problem, slong prec);

// HF's scaled inverse frequencies and attention factor (transformers' modeling_rope_utils.py, re-derived
// in proofs-notes/11-rope-scaling.md), written again in Arb in HF's own shape (pos_freqs = base^(2p/r),
// wavelengths, the ramp and its complement), sharing no code with rope_scaling.cpp.
struct ArbScaledFrequencies {
  std::vector<ArbBall> inv_freq;  // theta'_p, p = 0 .. r/2 - 1
  ArbBall attention;              // a
  std::vector<int> band;          // llama3 only: 0 high frequency, 1 medium, 2 low frequency, per plane
};

// Balls containing theta'_p and a for `scaling` (any kind, none included) with base b and r = rotary_dim,
// at `prec` bits. Throws ArbUndecided when a branch (yarn's floor / ceil or low == high guard, llama3's
// bands, get_mscale's f > 1) cannot be decided at `prec`. Preconditions: validate_rope_scaling passes.
ArbScaledFrequencies arb_scaled_frequencies(const ropecert::RopeScaling& scaling, double base, std::size_t rotary_dim,
                                            slong prec);

// HF's float32 default inverse frequencies, 1.0 / (base ** (arange(0, dim, 2).float() / dim)), by a route
// independent of hf_default_inv_freq_float32: hardware float32 for the conversions, the division and the
// reciprocal (IEEE basic operations, correctly rounded), and RN32 of Arb's power ball (its endpoints'
// roundings must agree; precision doubled from `prec` until they do). Returns ceil(dim / 2) floats.
// Preconditions: 1 <= dim < 2^24, base finite > 0 with RN32(base) finite and non-zero.
std::vector<float> arb_inv_freq_float32(double base, std::size_t dim, slong prec);

// RN_F of the real enclosed by `ball`: the roundings of its two endpoints when they agree (round_mpfr,
// round to nearest even), else ArbUndecided.
double arb_round_decided(const ArbBall& ball, ropecert::BinaryFormat format);

// True iff every point of `ball` lies in the closed interval [lo, hi]. The comparison is exact:
// the ball's endpoints mid -+ rad are formed without rounding. A non-finite ball, a NaN bound
// or an empty interval gives false.
bool arb_ball_inside(const ArbBall& ball, const mpfr_t lo, const mpfr_t hi);
bool arb_ball_inside(const ArbBall& ball, double lo, double hi);

}  // namespace ropecert_test
