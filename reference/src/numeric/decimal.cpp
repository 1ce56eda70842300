#include "ropecert/decimal.hpp"

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

}  // namespace ropecert
