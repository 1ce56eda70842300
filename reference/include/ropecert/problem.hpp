// The in-memory attention problem: Q, K, V, the position coupling, scale and mask.
// This header imports only the small generic headers dense_matrix.hpp and errors.hpp of ropecert: files
// are read elsewhere (case_io.hpp), and its errors name the parts of the problem (Q, K, ...), not files.
//
// Definition (proofs-notes/00-notation.md):
//   M_ij = s * q_i^T W_{i-j} k_j    (kind general)
//   M_ij = s * (R_{a_i} q_i)^T (R_{b_j} k_j) = s * q_i^T R_{b_j - a_i} k_j   (kind rope)
//   T_ic = sum_{j visible from i} exp(M_ij) V_jc / sum_{j visible from i} exp(M_ij)
// with query positions a_i = q_offset + i and key positions b_j = k_offset + j.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ropecert/dense_matrix.hpp"
#include "ropecert/errors.hpp"

namespace ropecert {

// Row-major dense matrix of float64 values; every value is read as the exact binary number.
using Matrix = DenseMatrix<double>;

enum class Kind { rope, general };
enum class Pairing { half, interleaved };  // planes (p, p + r/2) or (2p, 2p + 1), r = rotary_dim
enum class MaskKind { none, causal };

// The softmax scale s. `decimal` holds the user's decimal string when rule == decimal;
// it is enclosed rigorously by the evaluator, never converted through a double.
struct Scale {
  enum class Rule { inv_d, inv_sqrt_d, decimal };
  Rule rule = Rule::inv_sqrt_d;
  std::string decimal;
};

// RoPE: plane p (p = 0 .. rotary_dim/2 - 1) is rotated by position * theta_p. Dimensions
// rotary_dim .. d-1 pass through unrotated.
//   angles standard:    theta_p = base^(-2p/rotary_dim)   (the RoPE of real models)
//   angles pythagorean: theta_p = atan2(2u, u^2 - 1), u = p + 2, i.e. cos theta_p = (u^2-1)/(u^2+1),
//                       sin theta_p = 2u/(u^2+1): (3/5, 4/5), (4/5, 3/5), (15/17, 8/17), ...
//                       every R_m is rational, so RoPE-shaped problems can be checked exactly.
enum class Angles { standard, pythagorean };

// HF's `rope_type` values handled here ("default" is `none`).
enum class RopeScalingKind { none, linear, dynamic, yarn, llama3, longrope };

// The parameters of HF's `rope_scaling` / `rope_parameters` dictionary. Every number is taken as the
// exact value of the double (or integer) given; a parameter that `kind` does not use is ignored.
// Let r = rotary_dim (HF's `dim`), b = base (HF's `rope_theta`), L = original_max_position_embeddings,
// M = max_position_embeddings, f = the scaling factor.
struct RopeScaling {
  RopeScalingKind kind = RopeScalingKind::none;

  // f. Required (>= 1) by linear, dynamic and llama3. yarn and longrope: if unset, f = M / L as an
  // exact rational (HF: `config.max_position_embeddings / original_max_position_embeddings`), which
  // then needs M >= L; if set, f >= 1.
  std::optional<double> factor;

  // L: yarn (the context in find_correction_dim), llama3 (`old_context_len`), longrope (the
  // threshold between short and long factors, and log L in the attention factor). >= 1; longrope >= 2.
  std::uint64_t original_max_position_embeddings = 0;

  // M: dynamic (HF's `config.max_position_embeddings`, >= 1); yarn / longrope when `factor` is unset.
  std::uint64_t max_position_embeddings = 0;

  // The `seq_len` HF is called with; 0 means None. dynamic: s = max(seq_len, M). longrope: the long
  // factors are used iff seq_len > L.
  std::uint64_t sequence_length = 0;

  // yarn. HF reads `get("beta_fast") or 32` and `get("beta_slow") or 1`: 0 selects the default, as in HF;
  // otherwise finite and > 0.
  double beta_fast = 32;
  double beta_slow = 1;
  // yarn: when both are set and non-zero (Python truthiness), the default attention factor is
  // get_mscale(f, mscale) / get_mscale(f, mscale_all_dim).
  std::optional<double> mscale;
  std::optional<double> mscale_all_dim;
  // yarn: floor / ceil the correction range (HF's `truncate`, default True).
  bool truncate = true;

  // yarn, longrope: overrides the default attention factor; finite and >= 0.
  std::optional<double> attention_factor;

  // llama3: 0 < low_freq_factor < high_freq_factor, finite (Llama 3.1 uses 1 and 4).
  double low_freq_factor = 1;
  double high_freq_factor = 4;

  // longrope: r/2 finite positive numbers each. HF stores them as float32 tensors; pass the
  // float32-rounded values to reproduce HF bit for bit (note 11, section LongRoPE).
  std::vector<double> short_factor;
  std::vector<double> long_factor;
};

// Emulation of what a framework computes (proofs-notes/11-rope-scaling.md), so that a kernel's rounding
// can be told apart from its convention. Each is "a correctly rounded pipeline" model:
//   inv_freq float32: theta_p = hf_default_inv_freq_float32(base, rotary_dim)[p] (standard angles, no
//                     scaling), an exact float32 value; the angles position * theta_p are then exact reals.
//   cos_sin F:        the rotation uses RN_F(a cos(phi)) and RN_F(a sin(phi)), a the attention factor,
//                     instead of a cos(phi), a sin(phi) (F = binary32, bfloat16 or binary16).
enum class InvFreqEmulation { exact, float32 };
enum class CosSinEmulation { exact, float32, bfloat16, float16 };
struct RopeEmulation {
  InvFreqEmulation inv_freq = InvFreqEmulation::exact;
  CosSinEmulation cos_sin = CosSinEmulation::exact;
};

struct RopeParams {
  Angles angles = Angles::standard;
  double base = 10000.0;       // standard angles only
  Pairing pairing = Pairing::half;
  std::size_t rotary_dim = 0;  // even, 2 <= rotary_dim <= d
  std::int64_t q_offset = 0;   // position of query row 0
  std::int64_t k_offset = 0;   // position of key row 0
  RopeScaling scaling;         // HF rope_scaling (standard angles only); kind none by default
  RopeEmulation emulate;       // exact by default

  // True when rope.scaling or rope.emulate is not the default: the rotations are then not R_m of
  // theta_p = base^(-2p/r) (or the pythagorean angles) alone.
  bool scaled_or_emulated() const {
    return scaling.kind != RopeScalingKind::none || emulate.inv_freq != InvFreqEmulation::exact ||
           emulate.cos_sin != CosSinEmulation::exact;
  }
};

// Largest position allowed, so that positions and their differences are exact in int64 and double.
constexpr std::int64_t max_position = std::int64_t(1) << 52;

struct Problem {
  Kind kind = Kind::rope;
  Scale scale;
  MaskKind mask = MaskKind::none;
  RopeParams rope;        // used when kind == rope
  Matrix Q;               // n_q x d
  Matrix K;               // n_k x d
  Matrix V;               // n_k x d_v
  std::vector<Matrix> W;  // kind general: 2n-1 matrices d x d, W[k + n - 1] = W_k, k = i - j

  std::size_t n_q() const { return Q.rows; }
  std::size_t n_k() const { return K.rows; }
  std::size_t d() const { return Q.cols; }
  std::size_t d_v() const { return V.cols; }

  // Positions: kind rope uses the offsets; kind general has offsets 0 (W is indexed by i - j).
  std::int64_t query_position(std::size_t i) const;
  std::int64_t key_position(std::size_t j) const;

  // Causal mask keeps key j for query i iff key_position(j) <= query_position(i).
  bool key_visible(std::size_t i, std::size_t j) const;

  // The keys visible from query i are 0 .. visible_key_count(i) - 1 (key positions increase with j):
  // n_k without a mask, else the keys at positions <= query_position(i).
  std::size_t visible_key_count(std::size_t i) const;

  // W_k for k = i - j (kind general only).
  const Matrix& coupling(std::int64_t k) const { return W[static_cast<std::size_t>(k + std::int64_t(n_k()) - 1)]; }
};

// The part of a Problem an error is about: one of its arrays, or its settings (kind, scale, mask, rope).
enum class ProblemPart { Q, K, V, W, settings };

// How error messages name the parts: the arrays by their role by default; the case loader passes its file
// names, the Python module its argument names. The settings have no name by default: the message names the
// setting itself, e.g. "rope.rotary_dim = 3 must be even ...".
struct PartNames {
  std::string Q = "Q", K = "K", V = "V", W = "W";
  std::string settings;
  const std::string& of(ProblemPart part) const;
};

// The InputError of validate_problem. what() is "<origin>: <name of part>: <detail>" (empty origin or name
// left out), e.g. "hand: K: shape (3, 5) but Q has d = 4"; the detail names other parts by the same names.
// A caller that stores the parts elsewhere names them itself from part() and detail() (load_case: the file).
class ProblemError : public InputError {
 public:
  ProblemError(const std::string& origin, const PartNames& names, ProblemPart part, std::string detail);
  ProblemPart part() const { return part_; }
  const std::string& detail() const { return detail_; }

 private:
  ProblemPart part_;
  std::string detail_;
};

// Checks every invariant listed above (shapes, finiteness of all values, rope parameters,
// general kind with n_q == n_k, no fully masked row). Throws ProblemError naming `origin`, the
// offending part and the problem, with parts named by `names`.
void validate_problem(const Problem& problem, const std::string& origin, const PartNames& names = {});

}  // namespace ropecert
