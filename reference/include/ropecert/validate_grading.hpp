// Grading candidate outputs against a golden suite under a policy, with certified verdicts
// (proofs-notes/12-validation-policies.md).
#pragma once
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ropecert/golden_manifest.hpp"
#include "ropecert/validate_inputs.hpp"
#include "ropecert/validate_policy.hpp"

namespace ropecert {

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
  double min_max_abs_error = 0;         // max RD(dist(c, [lo, hi])) (<= max |c - T|); +inf likewise
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

// Which of two grades of the same test is provably closer to the truth in max abs error, for every T in
// the enclosures: first when first.max_abs_error < second.min_max_abs_error (an upper bound of one below a
// lower bound of the other; proofs-notes/12-validation-policies.md, Lemma 6), second symmetrically;
// undecided otherwise (equal outputs, or errors the enclosures cannot separate). An absent or unusable
// candidate has both bounds +inf, so any graded candidate is closer; two of them are undecided.
enum class Closer { first, second, undecided };
Closer closer_of(const CaseGrade& first, const CaseGrade& second);

// Grades every test of `suite` with the candidate file <candidate_dir>/<tcId>.npy. Tests whose group
// does not list `dtype` are skipped. Errors (InputError): candidate_dir is not a directory
// ("<candidate_dir>: not a directory ..."), or from load_case_truth; a candidate file never makes this
// throw (a bad one fails its test).
std::vector<CaseGrade> grade_directory(const GoldenSuite& suite, const std::filesystem::path& candidate_dir,
                                       GradeDtype dtype, const Policy& policy);

}  // namespace ropecert
