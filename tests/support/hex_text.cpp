#include "support/hex_text.hpp"

#include <cstdio>

namespace ropecert_test {

std::string hex(double x) {
  char text[40];
  std::snprintf(text, sizeof text, "%a", x);
  return text;
}

}  // namespace ropecert_test
