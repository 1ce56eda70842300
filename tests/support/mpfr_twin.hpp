// MPFR's emulation of a narrow IEEE format: an independent twin of round_mpfr (rounding.hpp) for
// binary16 and bfloat16, sharing no code with it.
#pragma once
#include <mpfr.h>

#include "ropecert/rounding.hpp"

namespace ropecert_test {

// MPFR's emulation of an IEEE format (MPFR manual, mpfr_subnormalize and mpfr_check_range): round x to
// `precision` bits in the wide default exponent range, then restrict the range to the MPFR exponents
// [emin - precision + 2, emax + 1] (MPFR significands lie in [1/2, 1), so 2^(emin - precision + 1),
// the smallest subnormal, has MPFR exponent emin - precision + 2) and let mpfr_check_range (overflow,
// underflow) and mpfr_subnormalize (the subnormal quantum) finish, both using the ternary value so that
// nothing is rounded twice. The exponent range is restored before returning.
double mpfr_emulated(const mpfr_t x, ropecert::BinaryFormat format, mpfr_rnd_t rnd);

}  // namespace ropecert_test
