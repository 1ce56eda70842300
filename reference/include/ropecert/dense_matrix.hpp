// Dense row-major matrices over a number type: Matrix (float64, problem.hpp) and RationalMatrix (exact
// rationals, rational_matrix.hpp). Generic and free of heavy dependencies, so that problem.hpp can use it.
#pragma once
#include <cstddef>
#include <vector>

namespace ropecert {

// A rows x cols matrix; entry (i, j) is values[i * cols + j]. A new matrix of a given shape holds zeros.
template <class T>
struct DenseMatrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<T> values;  // size rows * cols

  DenseMatrix() = default;
  DenseMatrix(std::size_t r, std::size_t c) : rows(r), cols(c), values(r * c, T(0)) {}
  T& at(std::size_t i, std::size_t j) { return values[i * cols + j]; }
  const T& at(std::size_t i, std::size_t j) const { return values[i * cols + j]; }
  bool operator==(const DenseMatrix& o) const { return rows == o.rows && cols == o.cols && values == o.values; }
};

// [m, 1]: `m` (rows x cols) with a column of ones appended (rows x (cols + 1)), each entry T(m_ij).
// Exact when T holds every double (double, Rational).
template <class T>
DenseMatrix<T> with_ones_column(const DenseMatrix<double>& m) {
  DenseMatrix<T> x(m.rows, m.cols + 1);
  for (std::size_t i = 0; i < m.rows; ++i) {
    for (std::size_t j = 0; j < m.cols; ++j) x.at(i, j) = T(m.at(i, j));
    x.at(i, m.cols) = T(1);
  }
  return x;
}

}  // namespace ropecert
