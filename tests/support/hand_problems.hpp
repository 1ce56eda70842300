// Hand-written problems for tests: matrices from nested braces, and small kind-rope problems.
#pragma once
#include <initializer_list>

#include "ropecert/problem.hpp"

namespace ropecert_test {

// The matrix with the given rows (all of the same length).
ropecert::Matrix rows_of(std::initializer_list<std::initializer_list<double>> rows);

// Kind rope, standard angles, rotary_dim = d, scale inv_sqrt_d, validated.
ropecert::Problem rope_problem(ropecert::Matrix q, ropecert::Matrix k, ropecert::Matrix v,
                               ropecert::MaskKind mask = ropecert::MaskKind::none);

}  // namespace ropecert_test
