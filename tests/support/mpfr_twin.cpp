#include "support/mpfr_twin.hpp"

namespace ropecert_test {

double mpfr_emulated(const mpfr_t x, ropecert::BinaryFormat format, mpfr_rnd_t rnd) {
  const mpfr_exp_t saved_emin = mpfr_get_emin(), saved_emax = mpfr_get_emax();
  mpfr_t y;
  mpfr_init2(y, format.precision);
  int ternary = mpfr_set(y, x, rnd);
  mpfr_set_emin(format.emin - format.precision + 2);
  mpfr_set_emax(format.emax + 1);
  ternary = mpfr_check_range(y, ternary, rnd);
  mpfr_subnormalize(y, ternary, rnd);
  mpfr_set_emin(saved_emin);
  mpfr_set_emax(saved_emax);
  const double result = mpfr_get_d(y, MPFR_RNDN);  // exact: at most 11 bits, in binary64's range
  mpfr_clear(y);
  return result;
}

}  // namespace ropecert_test
