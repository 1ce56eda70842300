#include "ropecert/logit_scale.hpp"

#include <cmath>
#include <stdexcept>

#include "ropecert/decimal.hpp"
#include "ropecert/rounding.hpp"

namespace ropecert {

// Lemma 2 of proofs-notes/10-certified-evaluation.md: each rule is enclosed by MPFI.
Interval enclose_scale(const Scale& scale, std::size_t d, mpfr_prec_t precision) {
  Interval s(precision);
  switch (scale.rule) {
    case Scale::Rule::inv_d:
      mpfi_set_ui(s.get(), d);
      mpfi_ui_div(s.get(), 1, s.get());
      break;
    case Scale::Rule::inv_sqrt_d:
      mpfi_set_ui(s.get(), d);
      mpfi_sqrt(s.get(), s.get());
      mpfi_ui_div(s.get(), 1, s.get());
      break;
    case Scale::Rule::decimal:
      if (mpfi_set_str(s.get(), scale.decimal.c_str(), 10) != 0)
        throw std::invalid_argument("scale: not a decimal number: " + scale.decimal);
      break;
  }
  return s;
}

std::optional<Rational> exact_scale(const Scale& scale, std::size_t d) {
  switch (scale.rule) {
    case Scale::Rule::inv_d:
      return Rational(Integer(1), Integer(d));
    case Scale::Rule::inv_sqrt_d: {
      const Integer root = boost::multiprecision::sqrt(Integer(d));
      if (root * root != d) return std::nullopt;
      return Rational(Integer(1), root);
    }
    case Scale::Rule::decimal:
      return exact_decimal(scale.decimal);
  }
  return std::nullopt;
}

double nearest_binary64_scale(const Scale& scale, std::size_t d) {
  if (const std::optional<Rational> exact = exact_scale(scale, d))
    return round_rational(exact->backend().data(), binary64, RoundingMode::nearest_even);
  if (scale.rule == Scale::Rule::decimal) {
    const bool negative = !scale.decimal.empty() && scale.decimal[0] == '-';
    const std::optional<long long> order = decimal_order(scale.decimal);
    if (!order) return 0.0;                                       // s = 0
    if (*order - 1 >= 309) return negative ? -HUGE_VAL : HUGE_VAL;  // |s| >= 10^309 > RN64's overflow threshold
    if (*order <= -324) return negative ? -0.0 : 0.0;             // |s| < 10^-324 < 2^-1075
  }
  for (mpfr_prec_t precision = 128;; precision *= 2) {
    const Interval s = enclose_scale(scale, d, precision);
    if (const std::optional<double> decided = decided_rounding(&s.get()->left, &s.get()->right, binary64))
      return *decided;
  }
}

bool scale_is_exact_zero(const Scale& scale) {
  if (scale.rule != Scale::Rule::decimal) return false;
  for (char c : scale.decimal) {
    if (c == 'e' || c == 'E') break;  // the exponent does not matter for zero
    if (c >= '1' && c <= '9') return false;
  }
  return true;
}

}  // namespace ropecert
