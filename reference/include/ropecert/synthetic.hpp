// Deterministic synthetic problems for the demo and the benchmarks (not for tests, which use
// RapidCheck generators). Values are dyadic, drawn from a fixed 64-bit generator, so the same
// seed gives the same problem on every platform.
#pragma once
#include <cstddef>
#include <cstdint>

#include "ropecert/problem.hpp"

namespace ropecert {

// A kind-rope problem with n_q = n_k = n, head dimension d (even), d_v = d, entries of Q, K, V
// uniform on the multiples of 2^-20 in [-bound, bound] (bound a power of two), scale inv_sqrt_d,
// base 10000, half pairing.
Problem synthetic_rope_problem(std::size_t n, std::size_t d, MaskKind mask, double bound, std::uint64_t seed);

}  // namespace ropecert
