// Where to look first when a test fails: hints from the conventions a test names and the size of its
// error. Suggestions, not a diagnosis.
#pragma once
#include <string>
#include <vector>

#include "ropecert/golden_manifest.hpp"

namespace ropecert {

// "likely cause: check <convention>" for each convention the test names, in a fixed order: the RoPE
// pairing (interleaved, rotate_half, neox, gptj; the flag "half"), yarn, llama3, ntk, longrope,
// offsets, causal, gqa; and, only as flags (too common as words of a comment): dynamic, linear, mask,
// scale, partial / rotary_dim, base / theta. A flag matches as a whole or by its part before ':' or
// '=' ("yarn:4"), a comment by its words; case is ignored. A hint where to look first, not a
// diagnosis. Empty when no convention is named.
std::vector<std::string> convention_hints(const GoldenTest& test);

// The hints of a failing test: convention_hints(test), and, when max err <= 2^-7
// max |T|, precision, since rounding in a lower precision (bf16 at 2^-9, f16 at 2^-12 relative,
// accumulated) can leave errors of that size; first when max err <= 2^-9 max |T|, the size of one
// bfloat16 rounding, where a convention mistake is the less likely cause. Suggestions, not a diagnosis.
std::vector<std::string> failure_hints(const GoldenTest& test, double max_err, const std::vector<double>& t64);

}  // namespace ropecert
