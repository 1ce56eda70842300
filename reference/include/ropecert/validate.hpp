// Grading candidate attention outputs against a golden suite (format "ropecert-golden/1").
//
// A golden suite is a directory DIR with manifest.json and, per test, DIR/cases/<tcId>/ holding the
// case and expected/T.npy (RN64(T)), T_f32.npy, T_f16.npy, T_bf16.npy (bfloat16 bit patterns, '<u2')
// and T_lo.npy, T_hi.npy (float64, T_lo <= T <= T_hi for the exact output T). The manifest lists the
// SHA-256 of every file; load_golden_suite (golden_manifest.hpp) verifies them all.
//
// Every error bound here is rigorous: with the exact T in [T_lo, T_hi], the error of a candidate
// entry c is bounded by err = RU(max(|c - T_lo|, |c - T_hi|)) >= |c - T| (RU: rounded upward to
// binary64 by MPFR, correctly), and derived quantities round in the direction that keeps a pass
// certified: a test never passes unless the exact criterion holds for the exact T.
#pragma once
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ropecert/golden_manifest.hpp"
#include "ropecert/rounding.hpp"

namespace ropecert {

// The dtype a candidate is graded in: it picks the torch tolerances, the ulp of the normwise
// error, and the correctly rounded reference of the ratio policy.
enum class GradeDtype { f64, f32, bf16, f16 };

// "f64", "f32", "bf16", "f16".
const char* dtype_name(GradeDtype dtype);

// The dtype named `name` ("f64", "f32", "bf16", "f16"), std::nullopt for any other string.
std::optional<GradeDtype> parse_grade_dtype(const std::string& name);

// The IEEE binary format of `dtype` (binary64, binary32, bfloat16, binary16).
BinaryFormat format_of(GradeDtype dtype);

// The unit in the last place in `format` of any real x with |x| in [2^e, 2^(e+1)), where 2^e <= m
// < 2^(e+1): 2^(max(e, emin) - precision + 1); for m = 0 (and subnormal m), the subnormal quantum
// 2^(emin - precision + 1). Precondition: m >= 0 and finite. Exact (a power of two; returns its
// exponent). ulp is non-decreasing in m, so ulp_exponent(a lower bound of |x|) <= that of |x|.
long ulp_exponent(double m, BinaryFormat format);

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

// An elementwise/normwise acceptance rule.
struct Policy {
  enum class Kind {
    tolerance,  // entry passes iff err <= atol + rtol |T| ("torch" and "abs:X,rel:Y")
    ulp,        // test passes iff max err <= ulps * ulp_dtype(max |T|)
    ratio,      // test passes iff max |c - T| <= ratio * max |RN_dtype(T) - T| is proven (grade_candidate)
  };
  Kind kind = Kind::tolerance;
  double atol = 0, rtol = 0;  // tolerance
  double ulps = 0;            // ulp
  double ratio = 0;           // ratio
  std::string text;           // as given, e.g. "torch"
};

// Parses --policy: "torch" (PyTorch assert_close defaults for `dtype`: f64 atol 1e-7 rtol 1e-7, f32 atol
// 1e-5 rtol 1.3e-6, bf16 atol 1e-5 rtol 1.6e-2, f16 atol 1e-5 rtol 1e-3), "abs:X,rel:Y", "ulp:N" or
// "ratio:K", where X, Y, N, K are finite non-negative decimals (as binary64, the nearest double, like
// PyTorch's tolerances). Errors: InputError "--policy: <problem>".
Policy parse_policy(const std::string& text, GradeDtype dtype);

// "torch (atol 1e-05, rtol 1.3e-06)", "ulp:20", ... for people.
std::string describe_policy(const Policy& policy);

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

enum class Verdict { pass, fail, missing, skipped };

// "pass", "FAIL", "missing", "skipped".
const char* verdict_name(Verdict verdict);

// The entry that weighs most against the candidate (largest err - threshold for tolerance policies,
// largest err otherwise), with its truth enclosure.
struct WorstEntry {
  bool valid = false;
  std::size_t row = 0, col = 0;
  double candidate = 0, truth_lo = 0, truth_hi = 0, error = 0;
};

struct CaseGrade {
  std::string tc_id, comment;
  Verdict verdict = Verdict::fail;
  bool graded = false;                  // values were compared (false: missing, skipped, unusable, wrong shape)
  std::string message;                  // why it fails / is skipped ("" when it passes)
  double max_abs_error = 0;             // max err (>= max |c - T|); +inf when there is no usable candidate
  std::optional<double> max_rel_error;  // max RU(err / |T64|) over entries with T64 != 0
  double normwise_ulps = 0;             // RU(max err / ulp_dtype(max |T|)), ulp from a lower bound of max |T|
  double reference_error = 0;           // a lower bound of max |RN_dtype(T) - T| (what ratio:K compares with)
  std::size_t mismatches = 0;           // entries failing the elementwise form of the policy
  std::size_t entries = 0;              // rows * cols
  WorstEntry worst;
  std::vector<std::string> hints;  // "likely cause: check ..." for failing cases
};

// err = RU(max(|c - lo|, |c - hi|)): an upper bound on |c - T| for every T in [lo, hi] (the distance to
// an interval is largest at an endpoint), rounded upward by MPFR (correctly rounded, so it exceeds the
// exact maximum by less than one ulp). +inf if the difference overflows binary64.
double error_bound(double c, double lo, double hi);

// Grades `candidate` for `test` under `policy` in `dtype`, using `truth` (from load_case_truth):
// verdict missing when the candidate is absent, fail when it is unusable (problem) or has a shape
// other than [rows, cols], else pass iff no entry is a mismatch:
// - tolerance: mismatch iff err > RD(atol + RD(rtol * mig|T|)), mig|T| = min over [lo, hi] of |x|;
// - ulp: mismatch iff RU(err / 2^u) > ulps, 2^u = ulp_dtype of the lower bound max_i mig|T_i| of max |T|
//   (so the test passes iff normwise_ulps <= ulps);
// - ratio: mismatch iff err > RD(ratio * reference_error) and not (ratio >= 1 and c = truth.rounded there),
//   reference_error = max_i RD(dist(truth.rounded_i, [lo_i, hi_i])), a lower bound of max |RN_dtype(T) - T|.
//   When it is 0 (always for f64, whose RN64(T) lies in the enclosure) only entries equal to RN_dtype(T)
//   (ratio >= 1) or to an exactly known T pass.
// Each pass is certified for the exact T (proofs-notes/12-validation-policies.md). Hints for failing graded cases: convention_hints(test), and
// when max err <= 2^-7 max|T64| also "likely cause: precision: ..." (the error has the size of rounding
// in a lower precision), placed first when max err <= 2^-9 max|T64| (one bfloat16 rounding), else last.
CaseGrade grade_candidate(const GoldenTest& test, const CaseTruth& truth, const Candidate& candidate, GradeDtype dtype,
                          const Policy& policy);

// "likely cause: check <convention>" for each convention the test names, in a fixed order: the RoPE
// pairing (interleaved, rotate_half, neox, gptj; the flag "half"), yarn, llama3, ntk, longrope,
// offsets, causal, gqa; and, only as flags (too common as words of a comment): dynamic, linear, mask,
// scale, partial / rotary_dim, base / theta. A flag matches as a whole or by its part before ':' or
// '=' ("yarn:4"), a comment by its words; case is ignored. A hint where to look first, not a
// diagnosis. Empty when no convention is named.
std::vector<std::string> convention_hints(const GoldenTest& test);

// Which of two grades of the same test is closer to the truth: the smaller max_abs_error (an absent or
// unusable candidate counts as +inf); equal errors are a tie.
enum class Closer { first, second, tie };
Closer closer_of(const CaseGrade& first, const CaseGrade& second);

// Grades every test of `suite` with the candidate file <candidate_dir>/<tcId>.npy. Tests whose group
// does not list `dtype` are skipped. Errors (InputError): candidate_dir is not a directory
// ("<candidate_dir>: not a directory ..."), or from load_case_truth; a candidate file never makes this
// throw (a bad one fails its test).
std::vector<CaseGrade> grade_directory(const GoldenSuite& suite, const std::filesystem::path& candidate_dir,
                                       GradeDtype dtype, const Policy& policy);

}  // namespace ropecert
