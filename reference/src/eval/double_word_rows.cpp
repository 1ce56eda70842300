// Double-word rows with radii (double_word_rows.hpp; proofs-notes/13-fast-certified-path.md, Lemma FR.1).
#include "ropecert/double_word_rows.hpp"

#include <cmath>
#include <limits>

#include <mpfr.h>

namespace ropecert {

DoubleWordRows::DoubleWordRows(std::size_t rows, std::size_t cols)
    : hi(rows, cols), lo(rows, cols), hi_norm(rows, 0), lo_norm(rows, 0), radius_norm(rows, 0) {}

double norm_upper(const double* x, std::size_t n) {
  mpfr_t sum, square;
  mpfr_inits2(64, sum, square, static_cast<mpfr_ptr>(nullptr));
  mpfr_set_zero(sum, 1);
  for (std::size_t l = 0; l < n; ++l) {
    mpfr_set_d(square, x[l], MPFR_RNDN);  // exact: 64 >= 53 bits
    mpfr_sqr(square, square, MPFR_RNDU);
    mpfr_add(sum, sum, square, MPFR_RNDU);
  }
  mpfr_sqrt(sum, sum, MPFR_RNDU);
  const double norm = mpfr_get_d(sum, MPFR_RNDU);  // +inf beyond binary64's range
  mpfr_clears(sum, square, static_cast<mpfr_ptr>(nullptr));
  return norm;
}

double norm_upper_binary64(const double* x, std::size_t n) {
  if (n > (std::size_t{1} << 16)) return std::numeric_limits<double>::infinity();
  double sum = 0;
  for (std::size_t l = 0; l < n; ++l) sum += x[l] * x[l];
  // Lemma FR.1' (e): sqrt(sum x_l^2) <= (1 + 2^-37)(v + 2^-529), below 2^-469 when v < 2^-470 and below
  // RN(v (1 + 2^-30)) otherwise; an overflowed step leaves sum = +infinity, hence the result.
  const double v = std::sqrt(sum);
  return std::fmax(v * (1 + 0x1p-30), 0x1p-469);
}

DoubleWordBall double_word_ball(mpfi_srcptr x, mpfr_ptr scratch) {
  if (!mpfr_number_p(&x->left) || !mpfr_number_p(&x->right))
    return {{std::numeric_limits<double>::quiet_NaN(), 0}, std::numeric_limits<double>::infinity()};
  const double h = mpfr_get_d(&x->left, MPFR_RNDN);
  mpfr_sub_d(scratch, &x->left, h, MPFR_RNDN);  // left - RN(left): no more than ~left's bits, exact
  const double l_word = mpfr_get_d(scratch, MPFR_RNDN);
  // The radius: max(right - (h + l), (h + l) - left), each difference evaluated with upward roundings,
  // so that it is at least the exact difference (monotonicity; Lemma FR.1).
  mpfr_sub_d(scratch, &x->right, h, MPFR_RNDU);
  mpfr_sub_d(scratch, scratch, l_word, MPFR_RNDU);
  double r = mpfr_get_d(scratch, MPFR_RNDU);
  mpfr_set_d(scratch, h, MPFR_RNDN);
  mpfr_add_d(scratch, scratch, l_word, MPFR_RNDU);
  mpfr_sub(scratch, scratch, &x->left, MPFR_RNDU);
  r = std::fmax(r, mpfr_get_d(scratch, MPFR_RNDU));
  return {{h, l_word}, r};
}

bool DoubleWordRows::set_row(std::size_t i, const std::vector<Interval>& enclosures) {
  const std::size_t cols = hi.cols;
  std::vector<double> radius(cols);
  mpfr_t rest;
  mpfr_init2(rest, 2 * enclosures.front().precision() + 64);
  bool finite = true;
  for (std::size_t l = 0; l < cols && finite; ++l) {
    const DoubleWordBall ball = double_word_ball(enclosures[l].get(), rest);
    if (!std::isfinite(ball.mid.hi) || !std::isfinite(ball.radius)) finite = false;
    hi.at(i, l) = ball.mid.hi;
    lo.at(i, l) = ball.mid.lo;
    radius[l] = ball.radius;
  }
  mpfr_clear(rest);
  if (!finite) return false;
  hi_norm[i] = norm_upper(&hi.values[i * cols], cols);
  lo_norm[i] = norm_upper(&lo.values[i * cols], cols);
  radius_norm[i] = norm_upper(radius.data(), cols);
  return std::isfinite(hi_norm[i]) && std::isfinite(radius_norm[i]);
}

}  // namespace ropecert
