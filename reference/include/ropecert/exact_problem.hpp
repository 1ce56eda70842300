// The exact (rational) view of a problem, for checking the paper's structure claims without
// rounding: couplings W_delta, the scale and the logits M as rationals. Exact whenever every
// coupling is rational: kind general (binary inputs) and kind rope with pythagorean angles.
// Standard RoPE rotations are irrational and are refused.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "ropecert/exact_numbers.hpp"
#include "ropecert/problem.hpp"
#include "ropecert/rational_matrix.hpp"

namespace ropecert {

// Why `problem` has no exact view ("" if it has one): standard RoPE angles are irrational, and RoPE
// frequency scaling or emulated cos / sin (rope.scaling, rope.emulate) are not modelled exactly.
std::string exact_view_unavailable(const Problem& problem);

// The coupling at position difference delta = a_i - b_j (00-notation.md): kind general W_delta,
// kind rope (pythagorean) R_{-delta} on the rotary planes and the identity on pass-through
// dimensions, so that L_ij = q_i^T W_{a_i - b_j} k_j in both kinds. Precondition: exact view.
RationalMatrix exact_coupling(const Problem& problem, std::int64_t delta);

// M_ij = s q_i^T W_{a_i - b_j} k_j for every query i and key j (masks ignored: they act after M),
// written from the definition. Precondition: exact view.
RationalMatrix exact_logits(const Problem& problem, const Rational& scale);

}  // namespace ropecert
