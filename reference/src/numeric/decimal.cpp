#include "ropecert/decimal.hpp"

#include <algorithm>
#include <cstdlib>
#include <regex>

namespace ropecert {

bool is_decimal(const std::string& text) {
  static const std::regex decimal(R"([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?)");
  return std::regex_match(text, decimal);
}

std::optional<Rational> exact_decimal(const std::string& text) {
  if (!is_decimal(text)) return std::nullopt;
  Integer mantissa = 0;
  long fraction_digits = 0;
  bool in_fraction = false;
  std::size_t k = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) ++k;
  for (; k < text.size() && text[k] != 'e' && text[k] != 'E'; ++k) {
    if (text[k] == '.') {
      in_fraction = true;
      continue;
    }
    mantissa = mantissa * 10 + (text[k] - '0');
    if (in_fraction) ++fraction_digits;
  }
  // strtol saturates at LONG_MIN / LONG_MAX; bound it before subtracting the fraction digits.
  const long written_exponent = k < text.size() ? std::strtol(text.c_str() + k + 1, nullptr, 10) : 0;
  if (std::labs(written_exponent) > 1000000000L) return std::nullopt;
  const long exponent = written_exponent - fraction_digits;
  if (std::labs(exponent) > 10000) return std::nullopt;
  const Integer power = boost::multiprecision::pow(Integer(10), static_cast<unsigned>(std::labs(exponent)));
  Rational value = exponent >= 0 ? Rational(mantissa * power) : Rational(mantissa, power);
  return negative ? Rational(-value) : value;
}

std::optional<long long> decimal_order(const std::string& text) {
  // x = 0.D[f..] 10^(P - f + E): D the digits without the point, P the count before the point, f the index
  // of the first non-zero digit, E the written exponent; 0.D[f..] lies in [1/10, 1).
  long long digits = 0, before_point = -1, first_nonzero = -1;
  std::size_t k = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
  for (; k < text.size() && text[k] != 'e' && text[k] != 'E'; ++k) {
    if (text[k] == '.') {
      before_point = digits;
      continue;
    }
    if (text[k] != '0' && first_nonzero < 0) first_nonzero = digits;
    ++digits;
  }
  if (first_nonzero < 0) return std::nullopt;
  if (before_point < 0) before_point = digits;
  long long exponent = k < text.size() ? std::strtoll(text.c_str() + k + 1, nullptr, 10) : 0;  // saturates
  exponent = std::max(-1000000000000000LL, std::min(exponent, 1000000000000000LL));
  return before_point - first_nonzero + exponent;
}

}  // namespace ropecert
