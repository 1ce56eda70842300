// The geometry of RoPE: which dimensions form each rotation plane, its frequency, and the exact
// rotations of Pythagorean angles.
#pragma once
#include <cstddef>
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

// Enclosures of theta_p for p = 0 .. rotary_dim/2 - 1 (problem.hpp), never through a double theta:
//   angles standard:    base^(-2p / rotary_dim) = exp(-(2p / rotary_dim) * log(base)), in interval
//                       arithmetic from the exact double `base`;
//   angles pythagorean: atan2(2u, u^2 - 1) = atan(2u / (u^2 - 1)), u = p + 2 (u^2 - 1 > 0), the
//                       exact rational 2u / (u^2 - 1) rounded outward, then MPFI's atan.
// Each MPFI operation (atan included) rounds outward, so each interval contains theta_p
// (proofs-notes/10-certified-evaluation.md, Lemma 1; Lemma 2.3 for the standard rule).
// Precondition: rotary_dim even and >= 2; for standard angles also base > 0.
std::vector<Interval> enclose_frequencies(const RopeParams& rope, mpfr_prec_t precision);

// Enclosure of R_position x for a row x of length d (exact doubles): plane p rotated by the
// angle position * theta_p (an interval product, then MPFI's rigorous cos and sin), the
// dimensions >= rotary_dim copied exactly. `frequencies` comes from enclose_frequencies.
std::vector<Interval> enclose_rotated_row(const double* x, std::size_t d, const RopeParams& rope,
                                          const std::vector<Interval>& frequencies,
                                          std::int64_t position, mpfr_prec_t precision);

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
