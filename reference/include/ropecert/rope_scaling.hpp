// RoPE frequency scaling as Hugging Face transformers defines it (modeling_rope_utils.py): the
// per-plane inverse frequencies theta_p after linear, dynamic-NTK, YaRN, Llama 3 or LongRoPE scaling,
// and the attention factor that multiplies cos and sin. Each formula, its source and the rigour of its
// enclosure are in proofs-notes/11-rope-scaling.md (cited below as "note 11").
//
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "ropecert/interval.hpp"
#include "ropecert/problem.hpp"

namespace ropecert {

// RopeScalingKind and RopeScaling (the parameters) live in problem.hpp, part of RopeParams; their checks
// (validate_rope_scaling, validate_hf_inv_freq_float32) in rope_parameters.hpp.

// Enclosures of the scaled inverse frequencies and of the attention factor.
struct ScaledFrequencies {
  explicit ScaledFrequencies(mpfr_prec_t precision) : attention_factor(precision) {}
  std::vector<Interval> inverse_frequencies;  // theta'_p, p = 0 .. r/2 - 1
  Interval attention_factor;                  // a: HF multiplies cos and sin by a, so logits scale by a^2
};

// Rigorous enclosures, computed in MPFI at `precision` bits (>= 2; doubles and integers are entered
// outward-rounded, exactly when precision >= 64), of theta'_p and a (note 11 derives each formula
// from HF's source). With theta_p = b^(-2p/r) = exp(-(2p/r) log b) (as enclose_frequencies):
//   none:     theta_p, a = 1 (the intervals are exactly enclose_frequencies' for standard angles)
//   linear:   theta_p / f, a = 1
//   dynamic:  theta_p * g^(-2p/(r-2)), g = f s / M - (f - 1) (exact rational), s = max(seq_len, M), a = 1
//   yarn:     theta_p * (1 - rho_p (1 - 1/f)), rho_p = clamp((p - lo) / (hi - lo), 0, 1), where lo, hi are
//             the correction range (note 11, Lemma 3); a = override, or get_mscale(f, mscale) /
//             get_mscale(f, mscale_all_dim), or get_mscale(f) = ln(f) / 10 + 1 (1 if f <= 1)
//   llama3:   u_p = L theta_p / (2 pi) (= L / wavelength): theta_p if u_p > high_freq_factor, theta_p / f if
//             u_p < low_freq_factor, else ((1 - s_p) / f + s_p) theta_p, s_p = (u_p - low) / (high - low); a = 1
//   longrope: theta_p / e_p, e = long_factor if seq_len > L else short_factor; a = override, or 1 if
//             f <= 1, else sqrt(1 + ln f / ln L)
// Decimal constants of HF's source (0.1, 0.001) are the exact decimals 1/10, 1/1000 (note 11).
// Error rule: every MPFI operation rounds outward (proofs-notes/10-certified-evaluation.md, Lemma 1), so
// each interval contains the exact real; continuous clamps are applied endpoint-wise (note 11, Lemma 2).
// Where HF branches on a comparison of reals (llama3's bands; yarn's floor / ceil with truncate, and its
// lo == hi guard without it), the branch is decided from the enclosure; if the enclosure straddles the
// threshold, throws std::domain_error naming the plane or bound: retry at a higher precision. The exact
// reals never sit on a threshold (note 11, Lemma 4: pi is transcendental), so a high enough precision
// always decides. Throws std::invalid_argument as validate_rope_scaling (rope_parameters.hpp) does.
ScaledFrequencies enclose_scaled_frequencies(const RopeScaling& scaling, double base, std::size_t rotary_dim,
                                             mpfr_prec_t precision);

// A model of HF's float32 pipeline for the default inverse frequencies,
//   inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim)),
// in which every float32 operation is correctly rounded to nearest-even (note 11, section "Float32
// emulation"): with RN = RN_binary32, B = RN(base), D = RN(dim), for k = 0, 2, 4, ... < dim:
//   e_k = RN(RN(k) / D),  y_k = RN(B^e_k),  inv_freq_k = RN(1 / y_k).
// Error rule: each rounding is the correct one (round_rational on an exact rational, or a Ziv loop of
// directed MPFR pow until decided_rounding decides: note 11, Lemma 5); the result is within
// (3/2 + ln(B)/2) ulps of B^(-k/dim), 3/2 when dim is a power of two (note 11, Lemma 6). This models
// "a correctly rounded float32 pipeline": torch's pow is not guaranteed correctly rounded, and CUDA
// divides by a scalar as a * RN(1/b); note 11 bounds the difference (within 2 ulps if torch's pow is
// faithful). Returns ceil(dim / 2) values. Preconditions (std::invalid_argument otherwise):
// validate_hf_inv_freq_float32 (rope_parameters.hpp).
std::vector<float> hf_default_inv_freq_float32(double base, std::size_t dim);

}  // namespace ropecert
