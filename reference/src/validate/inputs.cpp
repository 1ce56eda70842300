// Reading the golden truth and candidate outputs for grading (validate_inputs.hpp).
#include "ropecert/validate_inputs.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "ropecert/directed_rounding.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/npy.hpp"
#include "ropecert/validate_text.hpp"

namespace ropecert {
namespace {

namespace fs = std::filesystem;

// The value of the bfloat16 bit pattern `bits`: the upper half of a binary32 encoding, widened exactly.
double bfloat16_value(std::uint16_t bits) {
  const std::uint32_t word = static_cast<std::uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &word, sizeof f);
  return f;
}

}  // namespace

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
                       ": T = " + number_text(truth.t64[k]) + " is not in [T_lo, T_hi] = [" + number_text(lo) + ", " +
                       number_text(hi) + "]; the suite is inconsistent");
    if (dtype != GradeDtype::f64 &&
        !(round_to(lo, format) <= truth.rounded[k] && truth.rounded[k] <= round_to(hi, format)))
      throw InputError(rounded_path.string() + ": entry " + index_text(k, test.cols) + " = " +
                       number_text(truth.rounded[k]) + " is not between the roundings of T_lo = " + number_text(lo) +
                       " and T_hi = " + number_text(hi) + "; the suite is inconsistent");
  }
  return truth;
}

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

}  // namespace ropecert
