// The softmax scale s of a problem (problem.hpp: Scale), the one definition every arithmetic views:
// inv_d is 1/d, inv_sqrt_d is 1/sqrt(d), decimal is the exact value of the user's decimal string.
#pragma once
#include <cstddef>
#include <optional>

#include "ropecert/exact_numbers.hpp"
#include "ropecert/interval.hpp"
#include "ropecert/problem.hpp"

namespace ropecert {

// Enclosure of s at `precision` bits, by MPFI (proofs-notes/10-certified-evaluation.md, Lemma 2).
// Throws std::invalid_argument for a decimal string MPFI cannot read.
Interval enclose_scale(const Scale& scale, std::size_t d, mpfr_prec_t precision);

// s as a rational: 1/d; 1/sqrt(d) when d is a perfect square (std::nullopt otherwise: the caller must
// say which rational scale it uses instead); a decimal string exactly (std::nullopt when its exponent
// is too large to hold, see exact_decimal).
std::optional<Rational> exact_scale(const Scale& scale, std::size_t d);

// RN64(s), round to nearest-even binary64 from the exact s: the binary64 view of the scale. From
// exact_scale when it has one; a decimal too large to hold exactly whose order of magnitude (decimal_order)
// is >= 10^309 rounds to +-inf, one below 10^-324 (< 2^-1075) to +-0, the sign of s; otherwise a Ziv loop
// on enclose_scale decides it: such an |s| lies in [10^-324, 10^309], far inside MPFR's exponent range, so
// the enclosures are finite and of one sign, and they shrink to s (a point once s is a binary64 midpoint;
// an irrational 1/sqrt(d) is no midpoint).
double nearest_binary64_scale(const Scale& scale, std::size_t d);

// True when s = 0 exactly: a decimal string whose digits are all 0 (any exponent).
bool scale_is_exact_zero(const Scale& scale);

}  // namespace ropecert
