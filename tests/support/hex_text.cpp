#include "support/hex_text.hpp"

#include <cstdio>
#include <cstring>

namespace ropecert_test {

std::string hex(double x) {
  char text[40];
  std::snprintf(text, sizeof text, "%a", x);
  return text;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace ropecert_test
