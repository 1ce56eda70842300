// Numbers in the validator's messages (validate_text.hpp).
#include "ropecert/validate_text.hpp"

#include <cstdio>

namespace ropecert {

std::string short_number_text(double x, const char* format) {
  char text[64];
  std::snprintf(text, sizeof text, format, x);
  return text;
}

std::string index_text(std::size_t flat, std::size_t cols) {
  return "(" + std::to_string(cols ? flat / cols : 0) + ", " + std::to_string(cols ? flat % cols : 0) + ")";
}

}  // namespace ropecert
