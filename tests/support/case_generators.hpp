// RapidCheck generators of attention problems, biased to the corner cases that break evaluators:
// n = 1, equal logits, exact dyadics, zeros, large magnitudes, causal masks with offsets.
// Sizes stay small: every generated problem is evaluated with certified arithmetic.
#pragma once
#include <rapidcheck.h>

#include <cstddef>
#include <string>

#include "ropecert/problem.hpp"

namespace ropecert_test {

struct ProblemLimits {
  std::size_t max_n = 5;       // n_q and n_k in [1, max_n]
  std::size_t max_half_d = 3;  // d = 2 * [1, max_half_d] for kind rope, [1, 2*max_half_d] for general
  std::size_t max_d_v = 3;
  // Kind rope: also draw the conventions of real models (rope.scaling, rope.emulate; problem.hpp). Off by
  // default: properties such as relative-position invariance, or kind general with W_k = R_{-k}, do not
  // hold under the cos / sin emulation or the attention factor.
  bool conventions = false;
};

// A short dyadic: mostly k/8 with |k| <= 24, sometimes 0, sometimes k * 2^e with e in [-30, 12].
rc::Gen<double> gen_entry();

// Kind rope: random pairing, rotary_dim (even, <= d), angles standard with base in
// {10000, 500000, 10, 2.5} or (about 1 in 4) pythagorean, offsets
// (mostly small, sometimes about 10^6), mask none or causal (with k_offset <= q_offset so that no
// row is fully masked), scale inv_sqrt_d, inv_d or a decimal string.
// With limits.conventions: standard angles draw (about 1 in 2) an HF rope scaling of each kind with
// HF-like parameters (gen_rope_scaling) or (about 1 in 4) the float32 inv_freq emulation; any angles
// draw (about 2 in 3) a cos / sin emulation in float32, bfloat16 or float16.
rc::Gen<ropecert::Problem> gen_rope_problem(ProblemLimits limits = {});

// A valid rope.scaling (validate_rope_scaling passes for rotary_dim r and every base > 1), of a random
// kind other than none (dynamic only when r >= 4): Llama 3.1's llama3 (factor 8, low 1, high 4, L 8192) or a small L,
// YaRN with and without truncation, mscale pairs and attention overrides, Phi-3-like LongRoPE lists,
// dynamic NTK with a sequence length past M, linear factors (1 included).
rc::Gen<ropecert::RopeScaling> gen_rope_scaling(std::size_t rotary_dim);

// Kind general: n_q = n_k = n, W_k with a random support, mask none or causal.
rc::Gen<ropecert::Problem> gen_general_problem(ProblemLimits limits = {});

// Either kind.
rc::Gen<ropecert::Problem> gen_problem(ProblemLimits limits = {});

// One line describing a problem exactly (hex floats), for RC_LOG / INFO on failure.
std::string describe(const ropecert::Problem& problem);

}  // namespace ropecert_test
