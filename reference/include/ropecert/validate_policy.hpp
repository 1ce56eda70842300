// The dtypes and acceptance policies of `ropecert validate` (proofs-notes/12-validation-policies.md).
#pragma once
#include <optional>
#include <string>

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

}  // namespace ropecert
