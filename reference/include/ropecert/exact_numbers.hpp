// Exact integers and rationals (GMP through Boost.Multiprecision). Expression templates are off:
// with `auto` they silently capture temporaries (see ../shared/STYLE.md); use these types only.
// Raw GMP access for the C API: x.backend().data() is the mpz_t / mpq_t.
#pragma once
#include <boost/multiprecision/gmp.hpp>

namespace ropecert {

using Integer = boost::multiprecision::number<boost::multiprecision::gmp_int, boost::multiprecision::et_off>;
using Rational = boost::multiprecision::number<boost::multiprecision::gmp_rational, boost::multiprecision::et_off>;

}  // namespace ropecert
