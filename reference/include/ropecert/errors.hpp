// Errors raised on bad input. One concept: an input the user can fix.
#pragma once
#include <cstdio>
#include <stdexcept>
#include <string>

namespace ropecert {

// InputError: the input (a file, a parameter, a shape) is unusable.
// what() is one line, "<where>: <problem>", where <where> names the file or option.
// The CLI prints it after "ropecert: error: " and exits with code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A double in messages: "%.17g", which reads back as the same double.
inline std::string number_text(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", x);
  return text;
}

}  // namespace ropecert
