// The geometry of RoPE: which dimensions form each rotation plane, its frequency and attention factor
// under the problem's convention (standard or Pythagorean angles, HF rope scaling, float32 inv_freq), the
// rotated rows (with the cos / sin emulation), and the exact rotations of Pythagorean angles.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "ropecert/exact_numbers.hpp"
#include "ropecert/interval.hpp"
#include "ropecert/problem.hpp"

namespace ropecert {

// The rotation planes (a_p, b_p), p = 0 .. rotary_dim/2 - 1: half pairing (p, p + r/2),
// interleaved pairing (2p, 2p + 1). A vector x is rotated in plane p by angle phi as
// (x_a, x_b) -> (x_a cos phi - x_b sin phi, x_a sin phi + x_b cos phi).
std::vector<std::pair<std::size_t, std::size_t>> rotary_planes(std::size_t rotary_dim, Pairing pairing);

// The quantities that every rotation of a kind rope problem shares, enclosed at one precision
// (problem.hpp; the conventions of real models: proofs-notes/11-rope-scaling.md, section "Wiring").
struct RopeFrequencies {
  explicit RopeFrequencies(mpfr_prec_t precision) : attention_factor(precision) {}
  std::vector<Interval> theta;  // theta_p, p = 0 .. rotary_dim/2 - 1
  Interval attention_factor;    // a: exactly the point 1 unless rope.scaling gives another value
};

// Enclosures, at `precision` bits, of theta_p and of the attention factor a under the problem's convention:
//   angles pythagorean:  theta_p = atan2(2u, u^2 - 1) = atan(2u / (u^2 - 1)), u = p + 2 (u^2 - 1 > 0), the
//                        exact rational 2u / (u^2 - 1) rounded outward, then MPFI's atan; a = 1.
//   angles standard, no scaling, inv_freq exact:
//                        theta_p = base^(-2p / rotary_dim) = exp(-(2p / rotary_dim) * log(base)), in
//                        interval arithmetic from the exact double `base`; a = 1.
//   inv_freq float32:    theta_p = hf_default_inv_freq_float32(base, rotary_dim)[p], an exact float32 value
//                        (a point interval); a = 1 (validate_problem forbids scaling with it).
//   rope.scaling:        theta_p and a from enclose_scaled_frequencies (rope_scaling.hpp). Where it throws
//                        std::domain_error (a branch of HF's definition undecided at that precision), it is
//                        called again at twice the precision, up to 65536 bits; the result is then rounded
//                        outward to `precision` bits. Still undecided at 65536 bits: std::domain_error (never
//                        seen; note 11, Lemma 4 proves a high enough precision decides).
// Each MPFI operation rounds outward, so each interval contains the exact value
// (proofs-notes/10-certified-evaluation.md, Lemma 1; Lemma 2.3 for the standard rule; note 11, Lemma 1).
// Preconditions: validate_problem passed for the problem holding `rope` (rotary_dim even and >= 2, base > 1,
// the scaling parameters valid); precision >= 53.
RopeFrequencies enclose_rope_frequencies(const RopeParams& rope, mpfr_prec_t precision);

// enclose_rope_frequencies(rope, precision).theta: theta_p alone.
std::vector<Interval> enclose_frequencies(const RopeParams& rope, mpfr_prec_t precision);

// Enclosure of R^a_position x for a row x of length d (exact doubles), where R^a_m is the (scaled)
// rotation of the problem's convention (proofs-notes/11-rope-scaling.md, "Wiring"): plane p = (i, j) of
// rotary_planes maps (x_i, x_j) to (x_i c - x_j s, x_i s + x_j c) with
//   cos_sin exact:  c = a cos(phi), s = a sin(phi), phi = position * theta_p (so R^a_m = a R_m on the planes);
//   cos_sin F:      c = RN_F(a cos(phi)), s = RN_F(a sin(phi)), F = binary32, bfloat16 or binary16
//                   (round to nearest even; a folded in before the rounding, as HF multiplies cos and sin
//                   by attention_scaling before the cast);
// and the dimensions >= rotary_dim copied exactly (never multiplied by a). The angle is an interval product,
// cos and sin are MPFI's; a is skipped when it is the point 1, so problems without scaling get exactly the
// intervals they got before scaling existed. For RN_F, an enclosure [lo, hi] of a cos(phi) gives
// [RN_F(lo), RN_F(hi)] (round_mpfr on each endpoint): rounding is monotone, so it contains RN_F(a cos(phi)),
// and it is a point once the enclosure decides the rounding (note 10, Lemma 4; note 11, Lemma 7).
// `frequencies` comes from enclose_rope_frequencies(rope, precision). Precondition: precision >= 53.
// cos_sin chooses how cos(phi) and sin(phi) are enclosed: by MPFI's mpfi_cos and mpfi_sin (the image of the
// angle's enclosure), or from one mpfr_sin_cos at the angle's midpoint m widened by the angle's radius r and
// the rounding error (cos and sin are 1-Lipschitz: proofs-notes/13-fast-certified-path.md, Lemma FR.1), about
// four times faster and as tight for the narrow angles of these rows.
enum class CosSinEnclosure { interval_image, midpoint };

// cosine and sine (at their own precision p) enclose cos and sin of every point of `angle`: with m the rounded
// midpoint of the angle, r >= its distance to either end, c = RN_p(cos m) and s = RN_p(sin m) from one
// mpfr_sin_cos, |cos x - c| <= |x - m| + |cos m - c| <= r + 2^(EXP(c) - p), and the same for sin; s = 0 only for
// m = 0, where it is exact (proofs-notes/13-fast-certified-path.md, Lemma FR.1 (a)). Precondition: angle finite.
void enclose_cos_sin_at_midpoint(const Interval& angle, Interval& cosine, Interval& sine);
std::vector<Interval> enclose_rotated_row(const double* x, std::size_t d, const RopeParams& rope,
                                          const RopeFrequencies& frequencies, std::int64_t position,
                                          mpfr_prec_t precision,
                                          CosSinEnclosure cos_sin = CosSinEnclosure::interval_image);

// The same with a = 1 and `frequencies` = enclose_frequencies(rope, precision). Precondition (else
// std::invalid_argument): rope.scaling.kind == none, since the attention factor is not passed.
std::vector<Interval> enclose_rotated_row(const double* x, std::size_t d, const RopeParams& rope,
                                          const std::vector<Interval>& frequencies, std::int64_t position,
                                          mpfr_prec_t precision);

// A rotation with rational cosine and sine.
struct RationalRotation {
  Rational cos, sin;
};

// Pythagorean angles (problem.hpp): the rotation by m * theta_p of plane p, exactly:
// cos + i sin = ((u^2 - 1) + 2u i)^m / (u^2 + 1)^m with u = p + 2 (m < 0: the conjugate of -m).
// Cost grows with |m| (the denominator has |m| log2(u^2 + 1) bits); meant for |m| up to a few
// thousand.
RationalRotation pythagorean_rotation(std::size_t plane, std::int64_t m);

}  // namespace ropecert
