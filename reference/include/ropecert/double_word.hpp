// Double-word ("double-double") arithmetic in binary64 with the proven relative error bounds of
// Joldes, Muller, Popescu, "Tight and rigorous error bounds for basic building blocks of double-word
// arithmetic", ACM TOMS 44(2), 2017 (JMP below); proofs-notes/13-fast-certified-path.md, section
// double_word (Lemmas DW.1-DW.8). u = 2^-53.
//
// Hypotheses of every bound below (DW.0 in the note):
//  (RN) the rounding mode is round to nearest ties to even (callers check the environment once,
//       see fast_double.cpp, unsupported_environment); std::fma rounds once (C11 7.12.13.1);
//       this file is compiled with -ffp-contract=off, so no other operation is fused;
//  (R)  no operation overflows, and every multiplication, fma and division performed has an exact
//       result that is a multiple of 2^-1074 or of magnitude >= 2^-1022 (no inexact underflow).
//       Additions always satisfy it (binary64 numbers are multiples of 2^-1074).
//       A sufficient condition is stated per operation.
// Under (RN) and (R) each operation computes exactly what it computes in JMP's model (precision 53,
// unbounded exponent range), so JMP's theorems apply verbatim. Outside (R) the bounds may fail:
// the result is then not certified, and the caller must check (R) or route the case elsewhere.
#pragma once
#include <cstddef>

#include <gmp.h>
#include <mpfr.h>

#include "ropecert/exact_numbers.hpp"

namespace ropecert {

// The real number hi + lo. Invariant (a "double-word number" in JMP's sense, note DW.0):
// hi = RN(hi + lo), hence |lo| <= ulp(hi) / 2. Zero is {0, 0}.
struct DoubleWord {
  double hi;
  double lo;
};

// Error-free transformations (note, Lemma DW.1). Each returns {s, e} with s + e = the exact result
// and s = RN(exact result).
// two_sum (Knuth's 2Sum, 6 operations): s + e = a + b exactly for all finite a, b whose sum does
// not overflow (no other hypothesis: additions are exact in the subnormal range).
DoubleWord two_sum(double a, double b);
// fast_two_sum (Dekker's Fast2Sum, 3 operations): s + e = a + b exactly, provided a == 0 or
// |a| >= |b| (more generally: exponent(a) >= exponent(b)) and a + b does not overflow.
DoubleWord fast_two_sum(double a, double b);
// two_prod (Fast2Mult with std::fma): s + e = a * b exactly, provided a * b does not overflow and
// a * b == 0 or the error a*b - RN(a*b) is representable, which holds when
// exponent(a) + exponent(b) >= -1022 + 52 (= -970); in particular |a * b| >= 2^-969 suffices (a sufficient
// condition, not an equivalent one).
DoubleWord two_prod(double a, double b);

// Magnitude window of the sufficient condition below: an operand window W = {0} u [2^-485, 2^485].
// If every double of the operands (hi, lo, and y) is in W, every product of two of them is 0 or a
// multiple of 2^-1074 below 2^970, which gives (R) for both mul (note, Lemma DW.7).

// JMP Algorithm 4 (DWPlusFP): x + y with |result - (x + y)| <= 2u^2 |x + y| (JMP's theorem on
// Algorithm 4; note Lemma DW.2). Needs only "no overflow" for (R) (it only adds).
DoubleWord add(DoubleWord x, double y);

// sums[k] = add(sums[k], terms[k]) (Algorithm 4 above) and magnitudes[k] += |sums[k].hi| (rounded to nearest), for
// k < n: the accumulation loop of the fast route (note 13, Lemma FR.3), here so that add is inlined under this
// file's flags.
void accumulate(DoubleWord* sums, double* magnitudes, const double* terms, std::size_t n);

// JMP Algorithm 6 (AccurateDWPlusDW): x + y with |result - (x + y)| <= (3u^2 + 13u^3) |x + y|
// (JMP's theorem on Algorithm 6; note Lemma DW.3). Needs only "no overflow" for (R).
DoubleWord add(DoubleWord x, DoubleWord y);

// JMP Algorithm 9 (DWTimesFP3, with fma): x * y with |result - x y| <= 2u^2 |x y|
// (JMP's theorem on Algorithm 9; note Lemma DW.4). (R) holds when x.hi, x.lo, y are in W.
DoubleWord mul(DoubleWord x, double y);

// JMP Algorithm 12 (DWTimesDW3, with fma): x * y with |result - x y| <= 5u^2 |x y|
// (JMP's theorem on Algorithm 12; note Lemma DW.5; Muller and Rideau, ACM TOMS 48(1), 2022, correct
// its proof and prove a smaller bound, so 5u^2 stays valid). (R) holds when all four doubles are in W.
DoubleWord mul(DoubleWord x, DoubleWord y);

// JMP Algorithm 18 (DWDivDW3, with fma): x / y with |result - x / y| <= 9.8u^2 |x / y|
// (JMP's theorem on Algorithm 18; note Lemma DW.6). Precondition y != 0. (R) holds when all four
// doubles are in W_div = {0} u [2^-160, 2^160] (note, Lemma DW.8); W alone is not enough here.
DoubleWord div(DoubleWord x, DoubleWord y);

// The exact value x.hi + x.lo.
Rational exact_value(DoubleWord x);

// out = x.hi + x.lo rounded once to the precision of out in direction rnd; returns MPFR's ternary
// value (0 iff exact). Precondition: mpfr_get_prec(out) >= 53.
int round_to_mpfr(mpfr_t out, DoubleWord x, mpfr_rnd_t rnd);

}  // namespace ropecert
