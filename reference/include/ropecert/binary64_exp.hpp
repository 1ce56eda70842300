// The exponential in binary64 with a proven relative error bound, scalar and array forms, for the binary64
// tier of the fast certified route (proofs-notes/13-fast-certified-path.md, section binary64_exp).
// u = 2^-53.
#pragma once
#include <cstddef>

namespace ropecert {

// Domain of exp_binary64: binary64_exp_domain_low <= x <= binary64_exp_domain_high.
constexpr double binary64_exp_domain_low = -600;  // exp(-600) ~ 2^-865.6: the result stays normal
constexpr double binary64_exp_domain_high = 1;
// The proven relative error bound (note 13, section binary64_exp, Theorem B64E.5): 2u; the proof gives
// 1.01u (the final rounding u plus at most 2^-60 before it).
constexpr double binary64_exp_relative_error = 0x1p-52;

// exp(x) for binary64 x in the domain: |result - exp(x)| <= binary64_exp_relative_error * exp(x).
// Preconditions (not checked): (RN) environment (callers check floating_environment.hpp once); x in the
// domain (else the result is undefined). Method: x = k ln2/256 + r, exp(x) = 2^(k div 256) 2^((k mod 256)/256)
// exp(r), the table entry a double-word number, exp(r) - 1 by a degree-5 Taylor polynomial in double
// (note 13, section binary64_exp, Lemmas B64E.1-B64E.4).
double exp_binary64(double x);

// y[k] = exp_binary64(x[k]) for k < n, bit for bit, with the same bound and preconditions (every x[k] in the
// domain; x[0..n) and y[0..n) do not overlap); a loop without calls or branches on data, which GCC
// vectorises.
void exp_binary64(const double* x, double* y, std::size_t n);

}  // namespace ropecert
