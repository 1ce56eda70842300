// Dense row-major matrices of exact rationals, for the exact structure checks.
#pragma once
#include <cstddef>
#include <vector>

#include "ropecert/exact_numbers.hpp"

namespace ropecert {

struct RationalMatrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<Rational> values;  // size rows * cols

  RationalMatrix() = default;
  RationalMatrix(std::size_t r, std::size_t c) : rows(r), cols(c), values(r * c) {}
  Rational& at(std::size_t i, std::size_t j) { return values[i * cols + j]; }
  const Rational& at(std::size_t i, std::size_t j) const { return values[i * cols + j]; }
  bool operator==(const RationalMatrix& o) const { return rows == o.rows && cols == o.cols && values == o.values; }
};

// max_ij |A_ij| (0 for an empty matrix).
inline Rational max_abs(const RationalMatrix& a) {
  Rational largest = 0;
  for (const Rational& x : a.values)
    if (abs(x) > largest) largest = abs(x);
  return largest;
}

}  // namespace ropecert
