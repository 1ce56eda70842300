// TEMPORARY STUB
#include "ropecert/double_word_exp.hpp"
#include <mpfr.h>
namespace ropecert {
DoubleWord exp_reference(DoubleWord x) {
  mpfr_t e; mpfr_init2(e, 256);
  mpfr_set_d(e, x.hi, MPFR_RNDN); mpfr_add_d(e, e, x.lo, MPFR_RNDN); mpfr_exp(e, e, MPFR_RNDN);
  const double hi = mpfr_get_d(e, MPFR_RNDN); mpfr_sub_d(e, e, hi, MPFR_RNDN);
  const double lo = mpfr_get_d(e, MPFR_RNDN); mpfr_clear(e); return {hi, lo};
}
DoubleWord exp(DoubleWord x) { return exp_reference(x); }
}
