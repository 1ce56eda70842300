// The case format "ropecert-case/1": a directory that holds one attention problem.
//
//   case.json  {"format": "ropecert-case/1",
//               "kind":   "rope" | "general",
//               "scale":  "inv_d" | "inv_sqrt_d" | "<decimal string>",   e.g. "0.125", "1e-2"
//               "mask":   "none" | "causal",
//               "rope":   {"angles": "standard" | "pythagorean",
//                          "base": 10000,                           (angles "standard" only)
//                          "pairing": "half" | "interleaved",
//                          "rotary_dim": <even int, 2 <= r <= d; default d>,
//                          "q_offset": 0, "k_offset": 0,
//                          "scaling": {...},                        (optional; angles "standard" only)
//                          "emulate": {"inv_freq": "exact" | "float32",
//                                      "cos_sin": "exact" | "float32" | "bfloat16" | "float16"}}}
//                                                                   (kind rope only; optional)
//              Defaults: scale "inv_sqrt_d", mask "none", rope as shown with angles "standard"
//              and pairing "half". Angles (problem.hpp): "standard" theta_p = base^(-2p/r);
//              "pythagorean" cos theta_p = (u^2-1)/(u^2+1), sin theta_p = 2u/(u^2+1), u = p + 2,
//              where "base" is an error. Unknown keys are an error.
//              "scaling" holds HF's rope_scaling dictionary (problem.hpp, RopeScaling), with the same
//              names: "rope_type" (required: "default" (no scaling), "linear", "dynamic", "yarn",
//              "llama3", "longrope"), numbers "factor", "beta_fast", "beta_slow", "mscale",
//              "mscale_all_dim", "attention_factor", "low_freq_factor", "high_freq_factor", integers
//              >= 0 "original_max_position_embeddings", "max_position_embeddings", "sequence_length",
//              boolean "truncate", arrays of numbers "short_factor", "long_factor". Keys the rope_type
//              does not use are accepted and ignored (as HF does); the values are checked by
//              validate_problem (validate_rope_scaling). "emulate" defaults to "exact" for both.
//              Semantics of both: problem.hpp, README "The case format", proofs-notes/11 "Wiring".
//   Q.npy      n_q x d     little-endian float64 or float32, C order; values are exact binary numbers
//                          (other dtypes, e.g. '<f2' or '<u2' bfloat16 bit patterns, are an error)
//   K.npy      n_k x d
//   V.npy      n_k x d_v
//   W.npy      kind general only: (2n-1) x d x d, W[k + n - 1] = W_k for k = i - j; needs n_q = n_k = n
//
// Positions: query row i is at q_offset + i, key row j at k_offset + j (kind general: offsets 0).
// The causal mask keeps key j for query i iff its position <= the query's position; a fully
// masked row is an error. Scale inv_sqrt_d uses the full head dimension d.
#pragma once
#include <filesystem>

#include "ropecert/problem.hpp"

namespace ropecert {

// Loads and validates the case in `dir` (validate_problem). Throws InputError naming the file
// and the problem, e.g. "cases/a/case.json: unknown key 'maks'".
Problem load_case(const std::filesystem::path& dir);

// Writes `problem` as a case directory (case.json + float64 .npy files) into the existing,
// empty directory `dir`, with the keys of case.json in the fixed order shown above ("base" only
// for angles "standard"). "scaling" is written only when rope_type is not "default" (with
// rope_type and the fields that differ from RopeScaling's defaults, in the order listed above),
// "emulate" only when one of its fields is not "exact" (with those fields only): a problem without
// them gives the same bytes as before they existed. load_case(dir) gives back an identical problem
// (for pythagorean angles, whose base is unused, with the default base; for rope_type "default",
// with default scaling parameters). Precondition: validate_problem passed (so every number is finite).
void save_case(const Problem& problem, const std::filesystem::path& dir);

}  // namespace ropecert
