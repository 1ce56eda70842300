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

}  // namespace ropecert
