// Dot product of double-word vectors with a rigorous a-posteriori error bound (recursive summation in
// double-word, proofs-notes/13-fast-certified-path.md, section double_word, Lemma DW.9).
#pragma once
#include <vector>

#include "ropecert/double_word.hpp"

namespace ropecert {

struct DoubleWordDot {
  DoubleWord value;    // approximates sum_i x_i y_i
  double error_bound;  // |value - sum_i x_i y_i| <= error_bound; +infinity when not certified
};

// sum_i x_i y_i by p_i = mul(x_i, y_i) (JMP Algorithm 12), s = add(s, p_i) (Algorithm 6), with
// error_bound = RN(6u^2 sum |p_i.hi| + 4u^2 sum_{k>=2} |s_k.hi|) raised by one ulp (note, Lemma DW.9).
// Hypothesis (RN) of double_word.hpp. The bound is +infinity (uncertified) unless every x_i, y_i is a
// double-word number (hi = RN(hi + lo)) whose two doubles are in the window W = {0} u [2^-485, 2^485]
// and the length is at most 2^40; then no operation overflows or underflows inexactly (Lemma DW.9).
// Throws std::invalid_argument if x and y differ in length. Empty vectors give {0, 0} and bound 0.
DoubleWordDot dot(const std::vector<DoubleWord>& x, const std::vector<DoubleWord>& y);

}  // namespace ropecert
