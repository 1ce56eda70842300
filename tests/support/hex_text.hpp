// Doubles in test messages and exact comparisons.
#pragma once
#include <string>

namespace ropecert_test {

// x as a C99 hexadecimal float ("%a"): exact, so that equal texts mean equal doubles, -0 and +0 included.
std::string hex(double x);

}  // namespace ropecert_test
