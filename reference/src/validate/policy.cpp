// Grading dtypes and the --policy parser (validate_policy.hpp).
#include "ropecert/validate_policy.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "ropecert/errors.hpp"
#include "ropecert/validate_text.hpp"

namespace ropecert {
namespace {

constexpr GradeDtype kAllDtypes[] = {GradeDtype::f64, GradeDtype::f32, GradeDtype::bf16, GradeDtype::f16};

}  // namespace

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
    return policy.text + " (atol " + short_number_text(policy.atol) + ", rtol " + short_number_text(policy.rtol) + ")";
  return policy.text;
}

}  // namespace ropecert
