#include "ropecert/decimal.hpp"

#include <algorithm>
#include <cstdlib>

namespace ropecert {

// A linear scan (std::regex recurses once per character and overflows the stack on long strings).
bool is_decimal(const std::string& text) {
  std::size_t k = 0;
  const auto digits = [&] {
    const std::size_t start = k;
    while (k < text.size() && text[k] >= '0' && text[k] <= '9') ++k;
    return k - start;
  };
  if (k < text.size() && (text[k] == '+' || text[k] == '-')) ++k;
  std::size_t mantissa_digits = digits();
  if (k < text.size() && text[k] == '.') {
    ++k;
    mantissa_digits += digits();
  }
  if (mantissa_digits == 0) return false;
  if (k < text.size() && (text[k] == 'e' || text[k] == 'E')) {
    ++k;
    if (k < text.size() && (text[k] == '+' || text[k] == '-')) ++k;
    if (digits() == 0) return false;
  }
  return k == text.size();
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
