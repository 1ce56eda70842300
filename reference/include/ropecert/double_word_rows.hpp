// Rows of real numbers held as double-word midpoints with a radius, for the fast certified route
// (proofs-notes/13-fast-certified-path.md, section fast_route, Lemma FR.1).
#pragma once
#include <cstddef>
#include <vector>

#include "ropecert/interval.hpp"
#include "ropecert/problem.hpp"

namespace ropecert {

// Row i stands for reals x_i1 .. x_ic with |x_il - (hi_il + lo_il)| <= r_il for radii r_il that are not
// stored; hi_norm[i], lo_norm[i] and radius_norm[i] are upper bounds of the 2-norms of row i of hi, lo
// and r. hi_il is x_il's enclosure's lower endpoint rounded to nearest and lo_il the rest rounded to
// nearest, so |lo_il| <= ulp(hi_il) / 2.
struct DoubleWordRows {
  Matrix hi, lo;
  std::vector<double> hi_norm, lo_norm, radius_norm;
  DoubleWordRows(std::size_t rows, std::size_t cols);

  // Sets row i from enclosures of its reals (MPFI, any precision), rounding the radii and norms upward.
  // Returns false, leaving the row unspecified, when an enclosure is not finite or a double-word
  // midpoint or a norm overflows binary64.
  bool set_row(std::size_t i, const std::vector<Interval>& enclosures);
};

// The upper bound RU(sqrt(sum_l x_l^2)) of the 2-norm of x_0 .. x_{n-1} (MPFR, upward rounding);
// +infinity if it overflows binary64.
double norm_upper(const double* x, std::size_t n);

}  // namespace ropecert
