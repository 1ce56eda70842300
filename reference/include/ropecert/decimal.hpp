// Decimal strings as the user writes them (a scale "0.125", an eps "1e-6"), read exactly.
#pragma once
#include <optional>
#include <string>

#include "ropecert/exact_numbers.hpp"

namespace ropecert {

// True when `text` is a decimal number: [+-]digits[.digits][(e|E)[+-]digits], or [+-].digits[...].
bool is_decimal(const std::string& text);

// The exact value of a decimal string; std::nullopt if `text` is not a decimal (is_decimal) or its
// exponent exceeds 10^4 in magnitude (too large to hold exactly).
std::optional<Rational> exact_decimal(const std::string& text);

// For a decimal string (is_decimal) with a non-zero digit: the k with 10^(k-1) <= |x| < 10^k, computed from
// the digits and the exponent without evaluating x (exponents beyond 10^15 in magnitude are clamped there,
// far outside any binary format). std::nullopt when every digit is 0.
std::optional<long long> decimal_order(const std::string& text);

}  // namespace ropecert
