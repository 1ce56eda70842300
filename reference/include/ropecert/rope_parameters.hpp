// Checks of the RoPE conventions' parameters (problem.hpp: RopeScaling, RopeEmulation) that the problem
// layer runs when it validates a case; they need no arithmetic beyond comparisons of the given numbers.
// The conventions themselves are computed in rope_scaling.hpp and rope_geometry.hpp.
#pragma once
#include <cstddef>

#include "ropecert/problem.hpp"

namespace ropecert {

// HF's name of the kind ("none", "linear", "dynamic", "yarn", "llama3", "longrope").
const char* rope_scaling_kind_name(RopeScalingKind kind);

// Checks every precondition of enclose_scaled_frequencies (rope_scaling.hpp) listed in RopeScaling and
// below, and throws std::invalid_argument with a one-line message "rope scaling (<kind>): <problem>" on
// the first failure. Where HF only logs a warning (factor < 1, high_freq_factor <= low_freq_factor, wrong
// list lengths), this rejects: the definitions of proofs-notes/11-rope-scaling.md need these conditions.
// Always: rotary_dim even and >= 2 (dynamic: >= 4, since HF divides by r - 2); base finite and > 0
// (yarn: also != 1, since HF divides by log b).
void validate_rope_scaling(const RopeScaling& scaling, double base, std::size_t rotary_dim);

// Checks the preconditions of hf_default_inv_freq_float32 (rope_scaling.hpp): 1 <= dim < 2^24; base
// finite, > 0, with RN_binary32(base) finite and non-zero. Throws std::invalid_argument with a one-line
// message otherwise.
void validate_hf_inv_freq_float32(double base, std::size_t dim);

}  // namespace ropecert
