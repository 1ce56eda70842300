// The two arrays a test compares: the golden truth of a suite and a candidate output file.
#pragma once
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "ropecert/golden_manifest.hpp"
#include "ropecert/validate_policy.hpp"

namespace ropecert {

// The golden values of one test, in C order, rows * cols entries each.
struct CaseTruth {
  std::vector<double> t64;      // expected/T.npy: RN64(T)
  std::vector<double> lo, hi;   // expected/T_lo.npy, T_hi.npy: lo <= T <= hi
  std::vector<double> rounded;  // expected/T_<dtype>.npy: RN_dtype(T) (for f64, t64)
};

// Reads expected/T.npy, T_lo.npy, T_hi.npy and expected/T_<dtype>.npy (T_f32, T_f16, or the bit
// patterns T_bf16 decoded exactly; T.npy for f64) of `test` in `suite`. Each must be listed in the
// test's files (so its hash was verified), have the test's shape and its dtype ('<f8'; '<f4', '<f2',
// '<u2' for the rounded files), and hold no NaN or infinity (an undecided entry: a golden suite must
// not ship one). Consistency, per entry: lo <= t64 <= hi and RN_dtype(lo) <= rounded <= RN_dtype(hi)
// (rounding is monotone, so any correct suite passes). Errors: InputError "<file>: <problem>".
CaseTruth load_case_truth(const GoldenSuite& suite, const GoldenTest& test, GradeDtype dtype);

// A candidate output file as read, never throwing for a bad file: present is false when the file
// does not exist; otherwise problem is "" and values/shape hold the exact values, or problem says
// what is wrong with it (an InputError message of read_npy, e.g. a NaN, or a '<u2' file when the
// dtype is not bf16).
struct Candidate {
  bool present = false;
  std::string problem;
  std::vector<std::size_t> shape;
  std::vector<double> values;  // C order; bf16 bit patterns decoded exactly
};

// Reads `path` ('<f8', '<f4', '<f2', or with dtype bf16 also '<u2' bfloat16 bit patterns, whose NaN
// and infinity patterns are problems like NaN and infinities in float files).
Candidate read_candidate(const std::filesystem::path& path, GradeDtype dtype);

}  // namespace ropecert
