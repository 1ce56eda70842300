// exp in binary64: argument reduction by ln2/256 (two-part constant), the double-word table 2^(j/256) of
// double_word_exp, a Taylor polynomial of degree 5 in double, and the scaling by 2^e from exponent bits.
// Every step and its error term are in proofs-notes/13-fast-certified-path.md, section binary64_exp
// (Lemmas B64E.1-B64E.4, Theorem B64E.5); the comments below name the lemma each step relies on.
#include "ropecert/binary64_exp.hpp"

#include <array>
#include <cstdint>
#include <cstring>

#include "ropecert/double_word.hpp"
#include "ropecert/double_word_exp.hpp"

namespace ropecert {
namespace {

constexpr int table_bits = 8;
constexpr int table_size = 1 << table_bits;

constexpr double inverse_ln2_256 = 0x1.71547652b82fep+8;  // RN(256/ln2)
// Lemma EP.1 (note 13, exact_product) with e = 53: (v + shifter) - shifter is an integer nearest to v.
constexpr double integer_shifter = 0x1.8p52;
// ln2/256 = ln2_256_hi + ln2_256_lo + O(2^-99.4): hi has 35 significant bits, so k * hi is exact for
// |k| < 2^18 (Lemma B64E.1); lo = RN(ln2/256 - hi).
constexpr double ln2_256_hi = 0x1.62e42fefcp-9;
constexpr double ln2_256_lo = -0x1.c610ca86c3899p-45;
// RN(1/i!) (Lemma B64E.2).
constexpr double inverse_factorial_3 = 0x1.5555555555555p-3;
constexpr double inverse_factorial_4 = 0x1.5555555555555p-5;
constexpr double inverse_factorial_5 = 0x1.1111111111111p-7;

// integer_shifter + k has the bits of integer_shifter plus k (both in [2^52, 2^53), where the doubles are
// the consecutive integers); subtracting this offset leaves k + 1023 * 256, which is positive in the domain.
constexpr std::uint64_t shifter_bits = 0x4338000000000000;
constexpr std::uint64_t exponent_bias_times_table_size = std::uint64_t(1023) << table_bits;
constexpr std::uint64_t biased_k_offset = shifter_bits - exponent_bias_times_table_size;

using Table = std::array<DoubleWord, table_size>;

// The entries of double_word_exp's table: 2^(j/256) as double-word numbers (Lemma DWE.2).
Table make_table() {
  Table entries;
  for (int j = 0; j < table_size; ++j) entries[j] = exp_table_entry(j);
  return entries;
}

const Table& table() {
  static const Table entries = make_table();
  return entries;
}

std::uint64_t bits_of(double a) {
  std::uint64_t bits;
  std::memcpy(&bits, &a, sizeof bits);
  return bits;
}

double double_of(std::uint64_t bits) {
  double a;
  std::memcpy(&a, &bits, sizeof a);
  return a;
}

// exp(x) with the entries of `entries` (the table above); inlined into both forms.
inline double exp_with_table(double x, const DoubleWord* entries) {
  // Reduction (Lemma B64E.1): k nearest to x 256/ln2; s exact; r = RN(x - k L) up to the lo part.
  const double shifted = x * inverse_ln2_256 + integer_shifter;
  const double k = shifted - integer_shifter;
  const double s = x - k * ln2_256_hi;
  const double r = s - k * ln2_256_lo;
  // q = exp(r) - 1 up to Lemma B64E.3: r + r^2 (1/2 + r/6 + r^2/24 + r^3/120), products and sums
  // rounded separately (std::fma is a library call here).
  const double p = ((inverse_factorial_5 * r + inverse_factorial_4) * r + inverse_factorial_3) * r + 0.5;
  const double q = r + (r * r) * p;
  // Reconstruction: k + 1023 * 256 = 256 (e + 1023) + j (Lemma B64E.1(b)); w in [0.99, 2] (Lemma B64E.4);
  // the product by 2^e is exact (Theorem B64E.5: the result is normal).
  const std::uint64_t biased_k = bits_of(shifted) - biased_k_offset;
  const DoubleWord t = entries[biased_k & (table_size - 1)];
  const double w = t.hi + (t.hi * q + t.lo);
  return w * double_of((biased_k >> table_bits) << 52);
}

// The loop of the array form. `__restrict` tells GCC that the stores to y change neither x nor the table:
// without it the table reads count as possible aliases of y and the loop is not vectorised (GCC 12). Not
// inlined: inlined into its caller, the loop loses the restrict information and is not vectorised either.
__attribute__((noinline)) void exp_loop(const double* __restrict x, double* __restrict y, std::size_t n,
                                        const DoubleWord* __restrict entries) {
  for (std::size_t i = 0; i < n; ++i) y[i] = exp_with_table(x[i], entries);
}

}  // namespace

double exp_binary64(double x) { return exp_with_table(x, table().data()); }

void exp_binary64(const double* x, double* y, std::size_t n) { exp_loop(x, y, n, table().data()); }

}  // namespace ropecert
