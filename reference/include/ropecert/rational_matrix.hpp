// Dense row-major matrices of exact rationals, for the exact structure checks.
#pragma once
#include "ropecert/dense_matrix.hpp"
#include "ropecert/exact_numbers.hpp"

namespace ropecert {

using RationalMatrix = DenseMatrix<Rational>;

// max_ij |A_ij| (0 for an empty matrix).
inline Rational max_abs(const RationalMatrix& a) {
  Rational largest = 0;
  for (const Rational& x : a.values)
    if (abs(x) > largest) largest = abs(x);
  return largest;
}

}  // namespace ropecert
