// Doubles in test messages and exact comparisons.
#pragma once
#include <string>

namespace ropecert_test {

// x as a C99 hexadecimal float ("%a"): exact, so that equal texts mean equal doubles, -0 and +0 included.
std::string hex(double x);

// Whether a and b are the same binary64 datum, bit for bit: -0 differs from +0, a NaN equals the same NaN.
bool same_bits(double a, double b);

}  // namespace ropecert_test
