// exp of a double-word number: argument reduction by ln2/256, a table of 2^(j/256), a Taylor polynomial
// of degree 9 in double-word Horner form. Every step and its error term are in
// proofs-notes/13-fast-certified-path.md, section double_word_exp (Lemmas DWE.1-DWE.6, Theorem DWE.7);
// the comments below name the lemma each step relies on.
#include "ropecert/double_word_exp.hpp"

#include <mpfr.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace ropecert {
namespace {

constexpr int table_bits = 8;
constexpr int table_size = 1 << table_bits;

// ln2/256 = ln2_256_hi + ln2_256_mid + ln2_256_lo + O(2^-137.9): hi and mid have at most 35 significant
// bits, so k * hi and k * mid are exact for |k| < 2^18 (Lemma DWE.1).
constexpr double ln2_256_hi = 0x1.62e42fefcp-9;
constexpr double ln2_256_mid = -0x1.c610ca86cp-45;
constexpr double ln2_256_lo = -0x1.c4c67fc0d0951p-84;
constexpr double inverse_ln2_256 = 0x1.71547652b82fep+8;  // RN(256/ln2)
// Lemma EP.1 (note 13, exact_product) with e = 53: (v + shifter) - shifter is an integer nearest to v.
constexpr double integer_shifter = 0x1.8p52;
// Parts of r below this magnitude are dropped (Lemma DWE.1): keeps every product of the polynomial on the
// grid 2^-1074 (Lemma DWE.6) at a cost of at most 2^-110 in r.
constexpr double negligible_reduced = 0x1p-110;

// Taylor coefficients 1/i!: double-word for i = 3, 4, RN(1/i!) for i = 5..9 (Lemma DWE.3).
constexpr DoubleWord inverse_factorial_3{0x1.5555555555555p-3, 0x1.5555555555555p-57};
constexpr DoubleWord inverse_factorial_4{0x1.5555555555555p-5, 0x1.5555555555555p-59};
constexpr double inverse_factorial_5 = 0x1.1111111111111p-7;
constexpr double inverse_factorial_6 = 0x1.6c16c16c16c17p-10;
constexpr double inverse_factorial_7 = 0x1.a01a01a01a01ap-13;
constexpr double inverse_factorial_8 = 0x1.a01a01a01a01ap-16;
constexpr double inverse_factorial_9 = 0x1.71de3a556c734p-19;

// v rounded to a double-word number: hi = RN(v), lo = RN(v - hi). Overwrites v. Precondition: the
// precision of v is at least 53 and v - hi is exact in it (true for any v normal in binary64).
DoubleWord nearest_double_word(mpfr_t v) {
  const double hi = mpfr_get_d(v, MPFR_RNDN);
  mpfr_sub_d(v, v, hi, MPFR_RNDN);  // exact: the bits of v below hi
  return {hi, mpfr_get_d(v, MPFR_RNDN)};
}

// 2^(j/256) by MPFR at 256 bits, rounded to a double-word number (Lemma DWE.2).
std::array<DoubleWord, table_size> make_table() {
  std::array<DoubleWord, table_size> table;
  mpfr_t exponent, power;
  mpfr_init2(exponent, 64);
  mpfr_init2(power, 256);
  for (int j = 0; j < table_size; ++j) {
    mpfr_set_si_2exp(exponent, j, -table_bits, MPFR_RNDN);  // exact
    mpfr_exp2(power, exponent, MPFR_RNDN);
    table[j] = nearest_double_word(power);
  }
  mpfr_clear(exponent);
  mpfr_clear(power);
  return table;
}

const std::array<DoubleWord, table_size>& table() {
  static const std::array<DoubleWord, table_size> entries = make_table();
  return entries;
}

double drop_negligible(double a) { return std::fabs(a) < negligible_reduced ? 0.0 : a; }

// 2^e for -1022 <= e <= 1023.
double power_of_two(int e) {
  const std::uint64_t bits = std::uint64_t(e + 1023) << 52;
  double power;
  std::memcpy(&power, &bits, sizeof power);
  return power;
}

}  // namespace

DoubleWord exp(DoubleWord x) {
  // Reduction (Lemma DWE.1): k nearest to x.hi * 256/ln2, r = x - k ln2/256 as a double-word number.
  const double k = (x.hi * inverse_ln2_256 + integer_shifter) - integer_shifter;
  const double s = x.hi - k * ln2_256_hi;  // both steps exact
  const DoubleWord a = two_sum(s, -(k * ln2_256_mid));
  const DoubleWord b = add(a, x.lo);
  const DoubleWord r_full = add(b, -(k * ln2_256_lo));
  const DoubleWord r{drop_negligible(r_full.hi), drop_negligible(r_full.lo)};

  // Horner (Lemmas DWE.3, DWE.4): y_i = 1/i! + r.hi y_(i+1); the terms of degree >= 5 in double
  // (products and sums rounded separately: std::fma is a library call without -mfma).
  double y = inverse_factorial_9;
  y = r.hi * y + inverse_factorial_8;
  y = r.hi * y + inverse_factorial_7;
  y = r.hi * y + inverse_factorial_6;
  y = r.hi * y + inverse_factorial_5;
  const DoubleWord y4 = add(inverse_factorial_4, r.hi * y);
  const DoubleWord y3 = add(mul(y4, r.hi), inverse_factorial_3);
  const DoubleWord y2 = add(mul(y3, r.hi), 0.5);
  const DoubleWord y1 = add(mul(y2, r.hi), 1.0);
  const DoubleWord m = mul(y1, r.hi);  // p(r.hi) - 1
  // q = exp(r) - 1 up to the error of Lemma DWE.5: p(r.hi) (1 + r.lo) - 1 = m + r.lo (1 + m).
  const DoubleWord q = add(m, r.lo * m.hi + r.lo);

  // Reconstruction (Theorem DWE.7): 2^(k div 256) * T_j (1 + q), j = k mod 256.
  const std::int64_t k_biased = std::int64_t(k) + (std::int64_t(1) << 30);  // positive: |k| < 2^18
  const int j = int(k_biased & (table_size - 1));
  const int e = int((k_biased >> table_bits) - (std::int64_t(1) << (30 - table_bits)));
  const DoubleWord t = table()[j];
  const DoubleWord w = add(t, mul(t, q));
  const double scale = power_of_two(e);
  return {w.hi * scale, w.lo * scale};
}

DoubleWord exp_reference(DoubleWord x) {
  mpfr_t e;
  mpfr_init2(e, 256);
  mpfr_set_d(e, x.hi, MPFR_RNDN);
  mpfr_add_d(e, e, x.lo, MPFR_RNDN);
  mpfr_exp(e, e, MPFR_RNDN);
  const DoubleWord result = nearest_double_word(e);
  mpfr_clear(e);
  return result;
}

DoubleWord exp_table_entry(int j) {
  if (j < 0 || j >= table_size) throw std::out_of_range("exp_table_entry: index outside 0..255");
  return table()[j];
}

}  // namespace ropecert
