// Double-word dot product with its a-posteriori bound; the proof is Lemma DW.9 of
// proofs-notes/13-fast-certified-path.md (section double_word).
#include "ropecert/double_word_dot.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace ropecert {
namespace {

// a is 0 or 2^-485 <= |a| <= 2^485 (window W, Lemma DW.7).
bool in_window(double a) {
  const double magnitude = std::fabs(a);
  return magnitude == 0 || (magnitude >= 0x1p-485 && magnitude <= 0x1p485);
}

// The hypotheses of Lemma DW.9 on one operand: a double-word number with both doubles in W.
bool certifiable(DoubleWord x) { return x.hi + x.lo == x.hi && in_window(x.hi) && in_window(x.lo); }

}  // namespace

DoubleWordDot dot(const std::vector<DoubleWord>& x, const std::vector<DoubleWord>& y) {
  if (x.size() != y.size()) throw std::invalid_argument("dot: vectors of different lengths");
  if (x.empty()) return {{0, 0}, 0};
  constexpr std::uint64_t max_length = std::uint64_t(1) << 40;
  bool certified = x.size() <= max_length;
  DoubleWord sum{0, 0};
  double product_magnitudes = 0;  // RN-sum of |p_i.hi|
  double sum_magnitudes = 0;      // RN-sum of |s_k.hi|, k >= 2
  for (std::size_t i = 0; i < x.size(); ++i) {
    certified = certified && certifiable(x[i]) && certifiable(y[i]);
    const DoubleWord product = mul(x[i], y[i]);
    product_magnitudes += std::fabs(product.hi);
    if (i == 0) {
      sum = product;
    } else {
      sum = add(sum, product);
      sum_magnitudes += std::fabs(sum.hi);
    }
  }
  if (!certified) return {sum, std::numeric_limits<double>::infinity()};
  constexpr double product_factor = 0x3p-105;  // 6u^2
  constexpr double sum_factor = 0x1p-104;       // 4u^2
  const double bound = product_factor * product_magnitudes + sum_factor * sum_magnitudes;
  return {sum, std::nextafter(bound, std::numeric_limits<double>::infinity())};
}

}  // namespace ropecert
