// TEMPORARY STUB (lead's development copy; replaced by the helper's implementation)
#pragma once
#include "ropecert/double_word.hpp"
namespace ropecert {
constexpr double exp_domain_low = -600;
constexpr double exp_domain_high = 1;
constexpr double exp_relative_error = 0x1p-100;
DoubleWord exp(DoubleWord x);
DoubleWord exp_reference(DoubleWord x);
}
