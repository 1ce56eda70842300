// Rows of real numbers held as double-word midpoints with a radius, for the fast certified route
// (proofs-notes/13-fast-certified-path.md, section fast_route, Lemma FR.1).
#pragma once
#include <cstddef>
#include <vector>

#include "ropecert/double_word.hpp"
#include "ropecert/interval.hpp"
#include "ropecert/problem.hpp"

namespace ropecert {

// Row i stands for reals x_i1 .. x_ic with |x_il - (hi_il + lo_il)| <= r_il for radii r_il that are not
// stored; hi_norm[i], lo_norm[i] and radius_norm[i] are upper bounds of the 2-norms of row i of hi, lo
// and r; |lo_il| <= ulp(hi_il) / 2. Rows come from set_row (MPFI enclosures, Lemma FR.1) or from
// RotationTables::rotate_row (double-word arithmetic, Lemma FR.1').
struct DoubleWordRows {
  Matrix hi, lo;
  std::vector<double> hi_norm, lo_norm, radius_norm;
  DoubleWordRows(std::size_t rows, std::size_t cols);

  // Sets row i from enclosures of its reals (MPFI, any precision), rounding the radii and norms upward.
  // Returns false, leaving the row unspecified, when an enclosure is not finite or a double-word
  // midpoint or a norm overflows binary64.
  bool set_row(std::size_t i, const std::vector<Interval>& enclosures);
};

// A double word and a radius: every point of an enclosure [left, right] is within `radius` of mid.hi + mid.lo.
struct DoubleWordBall {
  DoubleWord mid;
  double radius;
};

// hi = RN(left), lo = RN(left - hi), radius = max(RU(RU(right - hi) - lo), RU(RU(hi + lo) - left)) (note 13,
// Lemma FR.1 (b)); |lo| <= ulp(hi) / 2, but hi = RN(hi + lo) may fail when lo is a tie. scratch: MPFR storage of
// precision >= 2 * the enclosure's precision + 64 (for exact differences). A non-finite enclosure, or a hi or
// radius beyond binary64, gives a non-finite hi or radius.
DoubleWordBall double_word_ball(mpfi_srcptr x, mpfr_ptr scratch);

// The upper bound RU(sqrt(sum_l x_l^2)) of the 2-norm of x_0 .. x_{n-1} (MPFR, upward rounding);
// +infinity if it overflows binary64.
double norm_upper(const double* x, std::size_t n);

// An upper bound of the 2-norm of x_0 .. x_{n-1} in binary64 alone: v = RN(sqrt(S)), S the RN sum (in order) of the
// RN(x_l^2), returns max(RN(v (1 + 2^-30)), 2^-469) (note 13, Lemma FR.1' (e)); +infinity if n > 2^16 or if a step
// overflows. Precondition: round to nearest with gradual underflow ((RN) of note 13, DW.0), x finite. Looser than
// norm_upper (relative 2^-30 above, and never below 2^-469), and without MPFR.
double norm_upper_binary64(const double* x, std::size_t n);

}  // namespace ropecert
