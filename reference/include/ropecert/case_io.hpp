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
//                          "q_offset": 0, "k_offset": 0}}          (kind rope only; optional)
//              Defaults: scale "inv_sqrt_d", mask "none", rope as shown with angles "standard"
//              and pairing "half". Angles (problem.hpp): "standard" theta_p = base^(-2p/r);
//              "pythagorean" cos theta_p = (u^2-1)/(u^2+1), sin theta_p = 2u/(u^2+1), u = p + 2,
//              where "base" is an error. Unknown keys are an error.
//   Q.npy      n_q x d     little-endian float64 or float32, C order; values are exact binary numbers
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
// for angles "standard"). load_case(dir) gives back an identical problem (for pythagorean angles,
// whose base is unused, with the default base).
void save_case(const Problem& problem, const std::filesystem::path& dir);

}  // namespace ropecert
