// Golden suites: manifest checks, hash verification, and rigorous grading of candidate outputs.
// The error rules are those of validate.hpp: every bound is rounded by MPFR in the direction that
// keeps a pass certified for the exact output T (upward for errors, downward for thresholds).
#include "ropecert/validate.hpp"

#include <gmp.h>
#include <mpfr.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>

#include "ropecert/errors.hpp"
#include "ropecert/npy.hpp"

namespace ropecert {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr GradeDtype kAllDtypes[] = {GradeDtype::f64, GradeDtype::f32, GradeDtype::bf16, GradeDtype::f16};
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- directed roundings with MPFR ---------------------------------------------------------------

// A 53-bit MPFR number with MPFR's wide exponent range: binary64 inputs are exact in it, and each
// operation below is one correctly rounded MPFR operation followed by a conversion to binary64 in
// the same direction, so the result is rounded in that direction overall.
class Scratch {
 public:
  explicit Scratch(double x) {
    mpfr_init2(v_, 53);
    mpfr_set_d(v_, x, MPFR_RNDN);  // exact
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { mpfr_clear(v_); }
  mpfr_ptr get() { return v_; }

 private:
  mpfr_t v_;
};

// RU(|a - b|).
double abs_difference_up(double a, double b) {
  Scratch x(a);
  mpfr_sub_d(x.get(), x.get(), b, MPFR_RNDA);  // away from zero: |result| >= |a - b|
  mpfr_abs(x.get(), x.get(), MPFR_RNDN);       // exact
  return mpfr_get_d(x.get(), MPFR_RNDU);
}

// RD(dist(x, [lo, hi])) for lo <= hi: 0 inside, RD(lo - x) below, RD(x - hi) above. A lower bound of
// |x - T| for every T in [lo, hi] (the distance from x to the interval is the minimum of |x - T|).
double distance_down(double x, double lo, double hi) {
  if (lo <= x && x <= hi) return 0.0;
  Scratch d(x < lo ? lo : x);
  mpfr_sub_d(d.get(), d.get(), x < lo ? x : hi, MPFR_RNDD);  // a positive difference, rounded down
  return mpfr_get_d(d.get(), MPFR_RNDD);
}

// RU(a / b) for a >= 0, b > 0.
double quotient_up(double a, double b) {
  Scratch x(a);
  mpfr_div_d(x.get(), x.get(), b, MPFR_RNDU);
  return mpfr_get_d(x.get(), MPFR_RNDU);
}

// RU(a * 2^k) for a >= 0 (the scaling is exact in MPFR; only the conversion to binary64 rounds).
double scaled_up(double a, long k) {
  Scratch x(a);
  mpfr_mul_2si(x.get(), x.get(), k, MPFR_RNDU);
  return mpfr_get_d(x.get(), MPFR_RNDU);
}

// RD(atol + RD(rtol * m)) for atol, rtol, m >= 0: at most atol + rtol * m.
double tolerance_down(double atol, double rtol, double m) {
  Scratch x(rtol);
  mpfr_mul_d(x.get(), x.get(), m, MPFR_RNDD);
  mpfr_add_d(x.get(), x.get(), atol, MPFR_RNDD);
  return mpfr_get_d(x.get(), MPFR_RNDD);
}

// RD(k * a) for k, a >= 0.
double product_down(double k, double a) {
  Scratch x(k);
  mpfr_mul_d(x.get(), x.get(), a, MPFR_RNDD);
  return mpfr_get_d(x.get(), MPFR_RNDD);
}

// RN_format(x) for a binary64 x.
double round_to(double x, BinaryFormat format) {
  Scratch v(x);
  return round_mpfr(v.get(), format, RoundingMode::nearest_even);
}

// min over [lo, hi] of |x|: a lower bound of |T| for every T in [lo, hi].
double magnitude_lower(double lo, double hi) { return lo > 0 ? lo : hi < 0 ? -hi : 0.0; }

// ---- formatting -----------------------------------------------------------------------------------

std::string number(double x) {
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", x);
  return text;
}

std::string short_number(double x, const char* format = "%g") {
  char text[64];
  std::snprintf(text, sizeof text, format, x);
  return text;
}

std::string index_text(std::size_t flat, std::size_t cols) {
  return "(" + std::to_string(cols ? flat / cols : 0) + ", " + std::to_string(cols ? flat % cols : 0) + ")";
}

// The value of the bfloat16 bit pattern `bits`: the upper half of a binary32 encoding, widened exactly.
double bfloat16_value(std::uint16_t bits) {
  const std::uint32_t word = static_cast<std::uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &word, sizeof f);
  return f;
}

// Where to look first when a test fails: the conventions the test names, and, when max err <= 2^-7
// max |T|, precision, since rounding in a lower precision (bf16 at 2^-9, f16 at 2^-12 relative,
// accumulated) can leave errors of that size; first when max err <= 2^-9 max |T|, the size of one
// bfloat16 rounding, where a convention mistake is the less likely cause. Suggestions, not a diagnosis.
std::vector<std::string> failure_hints(const GoldenTest& test, double max_err, const std::vector<double>& t64) {
  std::vector<std::string> hints = convention_hints(test);
  double max_magnitude = 0;
  for (double x : t64) max_magnitude = std::max(max_magnitude, std::fabs(x));
  if (max_magnitude > 0 && max_err <= std::ldexp(max_magnitude, -7)) {
    const std::string precision = "likely cause: precision: the max error is " +
                                  short_number(max_err / max_magnitude, "%.3g") +
                                  " of max|T|, the size of rounding in a lower precision (bf16 2^-9, f16 2^-12); "
                                  "check the accumulation dtype and where the output is rounded";
    const bool first = max_err <= std::ldexp(max_magnitude, -9);
    hints.insert(first ? hints.begin() : hints.end(), precision);
  }
  return hints;
}

}  // namespace

// ---- dtypes and ulps ------------------------------------------------------------------------------

const char* dtype_name(GradeDtype dtype) {
  switch (dtype) {
    case GradeDtype::f64:
      return "f64";
    case GradeDtype::f32:
      return "f32";
    case GradeDtype::bf16:
      return "bf16";
    case GradeDtype::f16:
      return "f16";
  }
  return "?";
}

std::optional<GradeDtype> parse_grade_dtype(const std::string& name) {
  for (GradeDtype dtype : kAllDtypes)
    if (name == dtype_name(dtype)) return dtype;
  return std::nullopt;
}

BinaryFormat format_of(GradeDtype dtype) {
  switch (dtype) {
    case GradeDtype::f64:
      return binary64;
    case GradeDtype::f32:
      return binary32;
    case GradeDtype::bf16:
      return bfloat16;
    case GradeDtype::f16:
      return binary16;
  }
  return binary64;
}

long ulp_exponent(double m, BinaryFormat format) {
  long e = format.emin;
  if (m >= std::ldexp(1.0, format.emin)) {
    int exponent;
    std::frexp(m, &exponent);  // 2^(exponent-1) <= m < 2^exponent
    e = exponent - 1;
  }
  return e - (format.precision - 1);
}

// ---- truth ----------------------------------------------------------------------------------------

CaseTruth load_case_truth(const GoldenSuite& suite, const GoldenTest& test, GradeDtype dtype) {
  const fs::path case_dir = suite.dir / "cases" / test.tc_id;
  const std::size_t entries = test.rows * test.cols;
  // Reads a listed expected file of the test's shape and dtype `want`.
  const auto read = [&](const std::string& relative, NpyDtype want) {
    const fs::path path = case_dir / relative;
    if (!test.files.count(relative))
      throw InputError(path.string() + ": not listed in the manifest's files, so its hash cannot be verified");
    NpyArray array;
    try {
      array = read_npy(path);
    } catch (const InputError& error) {
      const std::string what = error.what();
      // read_npy names a NaN "value at index (i, j) is NaN": in a golden file that is an undecided entry.
      if (what.find(" is NaN") != std::string::npos)
        throw InputError(what + " (an undecided entry: a golden suite must not contain one)");
      throw;
    }
    if (array.dtype != want)
      throw InputError(path.string() + ": dtype '" + npy_descr(array.dtype) + "', expected '" + npy_descr(want) + "'");
    if (array.shape != std::vector<std::size_t>{test.rows, test.cols})
      throw InputError(path.string() + ": shape " + npy_shape_text(array.shape) + ", the manifest says " +
                       npy_shape_text({test.rows, test.cols}));
    return array.values;
  };
  CaseTruth truth;
  truth.t64 = read("expected/T.npy", NpyDtype::float64);
  truth.lo = read("expected/T_lo.npy", NpyDtype::float64);
  truth.hi = read("expected/T_hi.npy", NpyDtype::float64);
  const fs::path rounded_path = case_dir / ("expected/T_" + std::string(dtype_name(dtype)) + ".npy");
  switch (dtype) {
    case GradeDtype::f64:
      truth.rounded = truth.t64;
      break;
    case GradeDtype::f32:
      truth.rounded = read("expected/T_f32.npy", NpyDtype::float32);
      break;
    case GradeDtype::f16:
      truth.rounded = read("expected/T_f16.npy", NpyDtype::float16);
      break;
    case GradeDtype::bf16:
      truth.rounded = read("expected/T_bf16.npy", NpyDtype::uint16);
      for (std::size_t k = 0; k < entries; ++k) {
        const double bits = truth.rounded[k];
        truth.rounded[k] = bfloat16_value(static_cast<std::uint16_t>(bits));
        if (!std::isfinite(truth.rounded[k]))
          throw InputError(rounded_path.string() + ": entry " + index_text(k, test.cols) + " is the bit pattern of " +
                           (std::isnan(truth.rounded[k])
                                ? "NaN (an undecided entry: a golden suite must not contain one)"
                                : "an infinity"));
      }
      break;
  }
  const BinaryFormat format = format_of(dtype);
  for (std::size_t k = 0; k < entries; ++k) {
    const double lo = truth.lo[k], hi = truth.hi[k];
    if (!(lo <= truth.t64[k] && truth.t64[k] <= hi))
      throw InputError((case_dir / "expected").string() + ": entry " + index_text(k, test.cols) +
                       ": T = " + number(truth.t64[k]) + " is not in [T_lo, T_hi] = [" + number(lo) + ", " +
                       number(hi) + "]; the suite is inconsistent");
    if (dtype != GradeDtype::f64 &&
        !(round_to(lo, format) <= truth.rounded[k] && truth.rounded[k] <= round_to(hi, format)))
      throw InputError(rounded_path.string() + ": entry " + index_text(k, test.cols) + " = " +
                       number(truth.rounded[k]) + " is not between the roundings of T_lo = " + number(lo) +
                       " and T_hi = " + number(hi) + "; the suite is inconsistent");
  }
  return truth;
}

// ---- policies -------------------------------------------------------------------------------------

Policy parse_policy(const std::string& text, GradeDtype dtype) {
  const auto decimal = [&](const std::string& word, const std::string& what) {
    const char* begin = word.c_str();
    char* end = nullptr;
    const double value = std::strtod(begin, &end);
    if (word.empty() || end != begin + word.size() || !std::isfinite(value) || value < 0 || std::isspace(word[0]))
      throw InputError("--policy: " + what + " must be a finite non-negative decimal, got '" + word + "' in '" + text +
                       "'");
    return value;
  };
  Policy policy;
  policy.text = text;
  if (text == "torch") {
    policy.kind = Policy::Kind::tolerance;
    switch (dtype) {
      case GradeDtype::f64:
        policy.atol = 1e-7, policy.rtol = 1e-7;
        break;
      case GradeDtype::f32:
        policy.atol = 1e-5, policy.rtol = 1.3e-6;
        break;
      case GradeDtype::bf16:
        policy.atol = 1e-5, policy.rtol = 1.6e-2;
        break;
      case GradeDtype::f16:
        policy.atol = 1e-5, policy.rtol = 1e-3;
        break;
    }
  } else if (text.rfind("ulp:", 0) == 0) {
    policy.kind = Policy::Kind::ulp;
    policy.ulps = decimal(text.substr(4), "N");
  } else if (text.rfind("ratio:", 0) == 0) {
    policy.kind = Policy::Kind::ratio;
    policy.ratio = decimal(text.substr(6), "K");
  } else if (text.rfind("abs:", 0) == 0 && text.find(",rel:") != std::string::npos) {
    const std::size_t comma = text.find(",rel:");
    policy.kind = Policy::Kind::tolerance;
    policy.atol = decimal(text.substr(4, comma - 4), "X");
    policy.rtol = decimal(text.substr(comma + 5), "Y");
  } else {
    throw InputError("--policy: expected torch, ulp:N, abs:X,rel:Y or ratio:K, got '" + text + "'");
  }
  return policy;
}

std::string describe_policy(const Policy& policy) {
  if (policy.kind == Policy::Kind::tolerance)
    return policy.text + " (atol " + short_number(policy.atol) + ", rtol " + short_number(policy.rtol) + ")";
  return policy.text;
}

// ---- candidates -----------------------------------------------------------------------------------

Candidate read_candidate(const fs::path& path, GradeDtype dtype) {
  Candidate candidate;
  std::error_code ec;
  if (!fs::exists(path, ec)) return candidate;
  candidate.present = true;
  try {
    NpyArray array = read_npy(path);
    if (array.dtype == NpyDtype::uint16) {
      if (dtype != GradeDtype::bf16) {
        candidate.problem =
            path.string() + ": dtype '<u2' (bfloat16 bit patterns) is read only with --dtype bf16; write float values";
        return candidate;
      }
      const std::size_t cols = array.shape.empty() ? 1 : array.shape.back();
      for (std::size_t k = 0; k < array.values.size(); ++k) {
        const double value = bfloat16_value(static_cast<std::uint16_t>(array.values[k]));
        if (!std::isfinite(value)) {
          char bits[16];
          std::snprintf(bits, sizeof bits, "0x%04x", static_cast<unsigned>(array.values[k]));
          candidate.problem = path.string() + ": value at flat index " + std::to_string(k) + " " +
                              (array.shape.size() == 2 ? index_text(k, cols) + " " : std::string()) + "is " + bits +
                              (std::isnan(value) ? ", a bfloat16 NaN" : ", a bfloat16 infinity");
          return candidate;
        }
        array.values[k] = value;
      }
    }
    candidate.shape = std::move(array.shape);
    candidate.values = std::move(array.values);
  } catch (const InputError& error) {
    candidate.problem = error.what();
  }
  return candidate;
}

// ---- grading --------------------------------------------------------------------------------------

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
  double max_err = 0, max_magnitude = 0, reference = 0;
  for (std::size_t k = 0; k < n; ++k) {
    err[k] = error_bound(candidate.values[k], truth.lo[k], truth.hi[k]);
    max_err = std::max(max_err, err[k]);
    max_magnitude = std::max(max_magnitude, magnitude_lower(truth.lo[k], truth.hi[k]));
    reference = std::max(reference, distance_down(truth.rounded[k], truth.lo[k], truth.hi[k]));
    if (truth.t64[k] != 0) {
      const double rel = quotient_up(err[k], std::fabs(truth.t64[k]));
      grade.max_rel_error = std::max(grade.max_rel_error.value_or(0.0), rel);
    }
  }
  const long u = ulp_exponent(max_magnitude, format_of(dtype));
  grade.max_abs_error = max_err;
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
            short_number(policy.atol) + ", rtol " + short_number(policy.rtol) + ")";
      break;
    case Policy::Kind::ulp:
      why = "normwise error " + short_number(grade.normwise_ulps) + " ulps of max|T| in " + dtype_name(dtype) + " > " +
            short_number(policy.ulps) + " (" + std::to_string(grade.mismatches) + " of " + std::to_string(n) +
            " entries over)";
      break;
    case Policy::Kind::ratio:
      why = "max error " + short_number(max_err) + " > " + short_number(policy.ratio) + " x " +
            short_number(reference) + ", a lower bound of the error of the correctly rounded " + dtype_name(dtype) +
            " output (" + std::to_string(grade.mismatches) + " of " + std::to_string(n) + " entries over)";
      break;
  }
  const WorstEntry& w = grade.worst;
  grade.message = why + "; worst entry (" + std::to_string(w.row) + ", " + std::to_string(w.col) + "): candidate " +
                  number(w.candidate) + ", truth in [" + number(w.truth_lo) + ", " + number(w.truth_hi) +
                  "], error <= " + short_number(w.error);
  grade.hints = failure_hints(test, max_err, truth.t64);
  return grade;
}

std::vector<std::string> convention_hints(const GoldenTest& test) {
  struct Convention {
    std::vector<std::string> words;       // matched in the flags and in the comment
    std::vector<std::string> flag_words;  // matched in the flags only
    std::string hint;
  };
  static const std::vector<Convention> conventions = {
      {{"interleaved", "gptj", "rotate_half", "neox", "pairing"},
       {"half"},
       "the RoPE pairing (interleaved pairs (x0, x1), (x2, x3), ... vs rotate_half pairs (x_i, x_{i+d/2}))"},
      {{"yarn"}, {}, "the YaRN scaling (the frequency ramp and the attention factor 0.1 ln(s) + 1)"},
      {{"llama3"}, {}, "the Llama 3 frequency scaling (low/high frequency factors and the smooth interpolation)"},
      {{"ntk"}, {"dynamic"}, "the dynamic NTK scaling (the base rescaled with the sequence length)"},
      {{}, {"linear"}, "the linear position interpolation (positions divided by the factor)"},
      {{"longrope"}, {}, "the LongRoPE per-dimension factors (short vs long factors)"},
      {{"offset", "offsets", "q_offset", "k_offset", "kv_cache"},
       {"cache"},
       "the position offsets (q_offset / k_offset: query i at position q_offset + i, e.g. with a KV cache)"},
      {{"causal"}, {}, "the causal mask (which keys each query sees, and its alignment when offsets differ)"},
      {{}, {"mask", "masked"}, "the mask (masked entries get weight 0; fully masked rows)"},
      {{"inv_d", "inv_sqrt_d"}, {"scale"}, "the softmax scale (1/sqrt(d) of the full head dimension, 1/d, or given)"},
      {{"rotary_dim"}, {"partial"}, "partial rotary (only the first rotary_dim dimensions rotate)"},
      {{}, {"base", "theta"}, "the RoPE base theta"},
      {{"gqa", "mqa"}, {}, "the grouped-query head mapping"},
  };
  const auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::set<std::string> flags, comment_words;
  for (const std::string& flag : test.flags) {
    flags.insert(lower(flag));
    flags.insert(lower(flag.substr(0, flag.find_first_of(":="))));
  }
  std::string word;
  for (char ch : test.comment + " ") {
    if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_') {
      word += ch;
    } else if (!word.empty()) {
      comment_words.insert(lower(word));
      word.clear();
    }
  }
  std::vector<std::string> hints;
  for (const Convention& convention : conventions) {
    bool named = false;
    for (const std::string& w : convention.words) named = named || flags.count(w) || comment_words.count(w);
    for (const std::string& w : convention.flag_words) named = named || flags.count(w);
    if (named) hints.push_back("likely cause: check " + convention.hint);
  }
  return hints;
}

Closer closer_of(const CaseGrade& first, const CaseGrade& second) {
  const double a = first.graded ? first.max_abs_error : kInf;
  const double b = second.graded ? second.max_abs_error : kInf;
  return a < b ? Closer::first : b < a ? Closer::second : Closer::tie;
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
