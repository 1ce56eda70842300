// Plain softmax attention in binary64: what an ordinary float64 kernel computes. The speed
// baseline of the benchmarks (the quadratic algorithm the fast one competes with) and a reference
// for "what float64 gives". It is NOT certified: no error bound is claimed, and the result may
// differ from the exact T_ic by more than a rounding (cancellation in the logits, the rounding of
// the angles position * theta_p at large positions, overflow of huge logits after the shift).
// Use evaluate_certified (certified_eval.hpp) for the correctly rounded values.
#pragma once

#include "ropecert/problem.hpp"

namespace ropecert {

// T = softmax(M) V row-wise over the visible keys (problem.hpp), in binary64 round-to-nearest:
//   scale s:     RN64 of the exact scale (nearest_binary64_scale, logit_scale.hpp).
//   kind rope:   theta_p = std::pow(base, -(2p) / rotary_dim) (standard angles) or
//                std::atan2(2u, u^2 - 1), u = p + 2 (pythagorean angles); each q_i and k_j is rotated
//                once, plane p = rotary_planes(rotary_dim, pairing)[p] by the angle
//                double(position) * theta_p with std::cos / std::sin, (x_a, x_b) ->
//                (x_a cos - x_b sin, x_a sin + x_b cos); dimensions >= rotary_dim pass through.
//                M_ij = s * sum_l (R q_i)_l (R k_j)_l, summed in increasing l.
//   kind general: M_ij = s * sum_b (sum_a q_ia (W_{i-j})_ab) k_jb, sums in increasing a, then b.
//   softmax:     m_i = max over visible j of M_ij; w_ij = std::exp(M_ij - m_i), summed in increasing j;
//                T_ic = (sum_j w_ij V_jc, in increasing j) / sum_j w_ij.
// Masked keys take no part (they are never given weight exp(-inf)). Every entry is computed by one
// thread in this fixed order, so the result is bit-identical for every `threads` (0 = hardware
// concurrency); threads only split the query rows.
// Layout: the rotated keys, and V, are packed once into contiguous panels of 4 keys (4 columns);
// blocks of 4 query rows sweep them with the 4 x 4 partial sums in registers. No allocation
// happens per row; the packing and blocking do not reorder any sum (the slow twin in
// tests/t-attention-double.cpp follows this contract operation by operation and agrees bitwise,
// unless the compiler fuses a * b + c into FMAs, which it may do differently in the two).
// Cost: O(n_q n_k (d + d_v)) for kind rope (plus O((n_q + n_k) d) cos/sin calls),
// O(n_q n_k (d^2 + d_v)) for kind general; memory O((n_q + n_k) d + n_k d_v + threads * n_k).
// Preconditions: validate_problem(problem, ...) passed (in particular no row is fully masked); no RoPE
// frequency scaling or emulation (rope.scaling, rope.emulate): std::invalid_argument otherwise.
// Result: n_q x d_v.
Matrix attention_quadratic_double(const Problem& problem, unsigned threads = 1);

}  // namespace ropecert
