// Grading (validate_grading.hpp). The error rules are those of proofs-notes/12-validation-policies.md:
// every bound is rounded in the direction that keeps a pass certified for the exact output T (upward
// for errors, downward for thresholds and the reference error).
#include "ropecert/validate_grading.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "ropecert/directed_rounding.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/npy.hpp"
#include "ropecert/validate_hints.hpp"
#include "ropecert/validate_text.hpp"

namespace ropecert {
namespace {

namespace fs = std::filesystem;

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass:
      return "pass";
    case Verdict::fail:
      return "FAIL";
    case Verdict::missing:
      return "missing";
    case Verdict::skipped:
      return "skipped";
  }
  return "?";
}

double error_bound(double c, double lo, double hi) {
  return std::max(abs_difference_up(c, lo), abs_difference_up(c, hi));
}

CaseGrade grade_candidate(const GoldenTest& test, const CaseTruth& truth, const Candidate& candidate, GradeDtype dtype,
                          const Policy& policy) {
  CaseGrade grade;
  grade.tc_id = test.tc_id;
  grade.comment = test.comment;
  grade.entries = test.rows * test.cols;
  grade.max_abs_error = kInf;
  grade.min_max_abs_error = kInf;
  grade.normwise_ulps = kInf;
  if (!candidate.present) {
    grade.verdict = Verdict::missing;
    grade.message = "no candidate file " + test.tc_id + ".npy";
    return grade;
  }
  grade.verdict = Verdict::fail;
  if (!candidate.problem.empty()) {
    grade.message = candidate.problem;
    return grade;
  }
  if (candidate.shape != std::vector<std::size_t>{test.rows, test.cols}) {
    grade.message =
        "candidate has shape " + npy_shape_text(candidate.shape) + ", expected " + npy_shape_text({test.rows, test.cols});
    return grade;
  }
  grade.graded = true;

  // First pass: the error bounds, the lower bound of max |T|, the lower bound of the reference error
  // max |RN_dtype(T) - T| (proofs-notes/12-validation-policies.md, Lemma 2).
  const std::size_t n = grade.entries;
  std::vector<double> err(n);
  double max_err = 0, min_max_err = 0, max_magnitude = 0, reference = 0;
  for (std::size_t k = 0; k < n; ++k) {
    err[k] = error_bound(candidate.values[k], truth.lo[k], truth.hi[k]);
    max_err = std::max(max_err, err[k]);
    min_max_err = std::max(min_max_err, distance_down(candidate.values[k], truth.lo[k], truth.hi[k]));
    max_magnitude = std::max(max_magnitude, magnitude_lower(truth.lo[k], truth.hi[k]));
    reference = std::max(reference, distance_down(truth.rounded[k], truth.lo[k], truth.hi[k]));
    if (truth.t64[k] != 0) {
      const double rel = quotient_up(err[k], std::fabs(truth.t64[k]));
      grade.max_rel_error = std::max(grade.max_rel_error.value_or(0.0), rel);
    }
  }
  const long u = ulp_exponent(max_magnitude, format_of(dtype));
  grade.max_abs_error = max_err;
  grade.min_max_abs_error = min_max_err;
  grade.normwise_ulps = scaled_up(max_err, -u);
  grade.reference_error = reference;

  // Second pass: the elementwise form of the policy, and the worst entry (a mismatch before any other).
  const double ratio_threshold = product_down(policy.ratio, reference);
  bool worst_mismatch = false;
  double worst_weight = -kInf;
  for (std::size_t k = 0; k < n; ++k) {
    bool mismatch = false;
    double weight = err[k];
    switch (policy.kind) {
      case Policy::Kind::tolerance: {
        const double threshold = tolerance_down(policy.atol, policy.rtol, magnitude_lower(truth.lo[k], truth.hi[k]));
        mismatch = err[k] > threshold;
        weight = err[k] - threshold;  // selection only
        break;
      }
      case Policy::Kind::ulp:
        mismatch = scaled_up(err[k], -u) > policy.ulps;
        break;
      case Policy::Kind::ratio:
        // An entry equal to RN_dtype(T) has the reference error there exactly, at most K times it for K >= 1
        // (proofs-notes/12-validation-policies.md, Lemma 3).
        mismatch = err[k] > ratio_threshold && !(policy.ratio >= 1 && candidate.values[k] == truth.rounded[k]);
        break;
    }
    grade.mismatches += mismatch ? 1 : 0;
    if (std::make_pair(mismatch, weight) > std::make_pair(worst_mismatch, worst_weight)) {
      worst_mismatch = mismatch;
      worst_weight = weight;
      grade.worst = {true, k / test.cols, k % test.cols, candidate.values[k], truth.lo[k], truth.hi[k], err[k]};
    }
  }
  if (grade.mismatches == 0) {
    grade.verdict = Verdict::pass;
    return grade;
  }

  std::string why;
  switch (policy.kind) {
    case Policy::Kind::tolerance:
      why = std::to_string(grade.mismatches) + " of " + std::to_string(n) + " entries exceed atol + rtol |T| (atol " +
            short_number_text(policy.atol) + ", rtol " + short_number_text(policy.rtol) + ")";
      break;
    case Policy::Kind::ulp:
      why = "normwise error " + short_number_text(grade.normwise_ulps) + " ulps of max|T| in " + dtype_name(dtype) + " > " +
            short_number_text(policy.ulps) + " (" + std::to_string(grade.mismatches) + " of " + std::to_string(n) +
            " entries over)";
      break;
    case Policy::Kind::ratio:
      why = "max error " + short_number_text(max_err) + " > " + short_number_text(policy.ratio) + " x " +
            short_number_text(reference) + ", a lower bound of the error of the correctly rounded " + dtype_name(dtype) +
            " output (" + std::to_string(grade.mismatches) + " of " + std::to_string(n) + " entries over)";
      break;
  }
  const WorstEntry& w = grade.worst;
  grade.message = why + "; worst entry (" + std::to_string(w.row) + ", " + std::to_string(w.col) + "): candidate " +
                  number_text(w.candidate) + ", truth in [" + number_text(w.truth_lo) + ", " + number_text(w.truth_hi) +
                  "], error <= " + short_number_text(w.error);
  grade.hints = failure_hints(test, max_err, truth.t64);
  return grade;
}

Closer closer_of(const CaseGrade& first, const CaseGrade& second) {
  if (first.max_abs_error < second.min_max_abs_error) return Closer::first;
  if (second.max_abs_error < first.min_max_abs_error) return Closer::second;
  return Closer::undecided;
}

std::vector<CaseGrade> grade_directory(const GoldenSuite& suite, const fs::path& candidate_dir, GradeDtype dtype,
                                       const Policy& policy) {
  std::error_code ec;
  if (!fs::is_directory(candidate_dir, ec))
    throw InputError(candidate_dir.string() + ": not a directory (expected the candidate outputs <tcId>.npy)");
  std::vector<CaseGrade> grades;
  for (const GoldenTest& test : suite.manifest.tests) {
    if (std::find(test.dtypes.begin(), test.dtypes.end(), dtype_name(dtype)) == test.dtypes.end()) {
      CaseGrade grade;
      grade.tc_id = test.tc_id;
      grade.comment = test.comment;
      grade.verdict = Verdict::skipped;
      grade.entries = test.rows * test.cols;
      grade.max_abs_error = grade.normwise_ulps = kInf;
      grade.message = "group " + test.group_id + " has no " + dtype_name(dtype) + " expectations";
      grades.push_back(grade);
      continue;
    }
    const CaseTruth truth = load_case_truth(suite, test, dtype);
    const Candidate candidate = read_candidate(candidate_dir / (test.tc_id + ".npy"), dtype);
    grades.push_back(grade_candidate(test, truth, candidate, dtype, policy));
  }
  return grades;
}

}  // namespace ropecert
