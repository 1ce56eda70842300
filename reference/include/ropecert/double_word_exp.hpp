// The exponential of a double-word number with a proven relative error bound, for the softmax weights of
// the fast certified route (proofs-notes/13-fast-certified-path.md, section double_word_exp). Built on the
// operations of double_word.hpp and their cited bounds; u = 2^-53.
#pragma once
#include "ropecert/double_word.hpp"

namespace ropecert {

// Domain of exp below: exp_domain_low <= x.hi <= exp_domain_high.
constexpr double exp_domain_low = -600;  // exp(-600) ~ 2^-866: result and its low word stay normal
constexpr double exp_domain_high = 1;
// The proven relative error bound of exp (note 13, section double_word_exp, Theorem DWE.7): 8u^2.
constexpr double exp_relative_error = 0x1p-103;

// exp(x) of a double-word number x (x.hi = RN(x.hi + x.lo)) in the domain:
// |result - exp(x.hi + x.lo)| <= exp_relative_error * exp(x.hi + x.lo), result a double-word number.
// Preconditions (not checked): (RN) environment (caller checks floating_environment.hpp once); x a
// double-word number in the domain. Method: x = k ln2/256 + r, exp(x) = 2^(k div 256) 2^((k mod 256)/256)
// exp(r), exp(r) by a degree-9 Taylor polynomial (note 13, section double_word_exp, Lemmas DWE.1-DWE.6).
DoubleWord exp(DoubleWord x);

// The slow twin, from the definition: e = exp(x.hi + x.lo) by MPFR at 256 bits (the sum and the
// exponential each rounded to nearest at 256 bits), rounded to a double-word number (hi = RN(e),
// lo = RN(e - hi)); for tests and the proof's checks; not certified. Same preconditions as exp.
DoubleWord exp_reference(DoubleWord x);

// Entry j (0 <= j < 256) of the table of exp: 2^(j/256) rounded to a double-word number (hi = RN(v),
// lo = RN(v - hi)), computed with MPFR at first use. Exposed for the test of the table (note 13, section
// double_word_exp, Lemma DWE.2). Throws std::out_of_range outside 0..255.
DoubleWord exp_table_entry(int j);

}  // namespace ropecert
