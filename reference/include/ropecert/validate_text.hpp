// How the validator writes numbers in its messages.
#pragma once
#include <cstddef>
#include <string>

#include "ropecert/errors.hpp"  // number_text

namespace ropecert {

// x in printf `format` ("%g": 6 significant digits), for people.
std::string short_number_text(double x, const char* format = "%g");

// "(row, col)" of the flat C-order index `flat` in rows of `cols` entries ("(0, 0)" when cols is 0).
std::string index_text(std::size_t flat, std::size_t cols);

}  // namespace ropecert
