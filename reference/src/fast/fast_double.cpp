// The fast algorithm in binary64 with its rounding bound (fast_double.hpp;
// proofs-notes/33-fast-algorithm-binary64.md, Theorems 33.4 and 33.5).
#include "ropecert/fast_double.hpp"

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "ropecert/fast_attention.hpp"
#include "ropecert/fast_inputs.hpp"
#include "ropecert/floating_environment.hpp"
#include "ropecert/polynomial.hpp"
#include "ropecert/rounding.hpp"
#include "ropecert/toeplitz.hpp"

// The exception flags are read after the computation (certify): clang honours FENV_ACCESS and then keeps
// floating-point operations on their side of the fenv calls; GCC ignores the pragma, and the build passes
// -frounding-math instead (CMakeLists.txt; note 33, Scope).
#if defined(__clang__)
#pragma STDC FENV_ACCESS ON
#endif

namespace ropecert {

namespace {

constexpr double unit_roundoff = 0x1p-53;
// Covers the factors 1/(1 - gamma) of the theorems and the rounding of the bound's own evaluation
// (non-negative operands, fewer than 2^30 operations on any path, enforced by gamma(): Lemma 33.3).
constexpr double slack = 1 + 0x1p-20;

// gamma_k = k u / (1 - k u), Higham's constant; the slack of Lemma 33.3 needs k < 2^30.
double gamma(double k) {
  if (k >= 0x1p30) throw std::invalid_argument("fast binary64: too many roundings for the bound");
  return k * unit_roundoff / (1 - k * unit_roundoff);
}

// RN(x), computed in software (no floating-point flag is raised): `out_of_range` is set when x != 0 rounds
// below binary64's normal range or to an infinity, where the relative error model of note 33 fails
// (hypothesis (N); gap G1).
double nearest_double(const Rational& x, bool& out_of_range) {
  const double rounded = round_rational(x.backend().data(), binary64, RoundingMode::nearest_even);
  if (x != 0 && !(std::fabs(rounded) >= 0x1p-1022 && std::isfinite(rounded))) out_of_range = true;
  return rounded;
}

std::vector<double> rounded_coefficients(const std::vector<Rational>& coefficients, bool& out_of_range) {
  if (coefficients.empty()) throw std::invalid_argument("fast binary64: empty polynomial");
  std::vector<double> result;
  for (const Rational& a : coefficients) {
    result.push_back(nearest_double(a, out_of_range));
    if (!std::isfinite(result.back())) throw std::invalid_argument("fast binary64: coefficient not finite in binary64");
  }
  return result;
}


// Accumulated numerators Y = [A' V, A' 1] (n_q x (d_v + 1)) and entrywise bounds E >= |Y~ - Y|.
struct Accumulated {
  Matrix y, error;
};

// T~_ic = Y~_ic / Y~_{i,d_v} and the bound of Lemma 33.6:
//   |T~_ic - T'_ic| <= (E_ic + max_j |V_jc| E_{i,d_v}) / Y~_{i,d_v} + u |T~_ic|, when Y~_{i,d_v} > 0.
Binary64Result normalise(const Problem& problem, const Accumulated& sums) {
  const std::size_t d_v = problem.d_v();
  std::vector<double> v_max(d_v, 0.0);
  for (std::size_t j = 0; j < problem.n_k(); ++j)
    for (std::size_t c = 0; c < d_v; ++c) v_max[c] = std::max(v_max[c], std::fabs(problem.V.at(j, c)));
  Binary64Result result;
  result.t = Matrix(problem.n_q(), d_v);
  for (std::size_t i = 0; i < problem.n_q(); ++i) {
    const double sum = sums.y.at(i, d_v), sum_error = sums.error.at(i, d_v);
    if (!(sum > 0) && result.uncertified.empty())
      result.uncertified = "row sum of P(M') not positive in binary64 at row " + std::to_string(i);
    for (std::size_t c = 0; c < d_v; ++c) {
      const double t = sums.y.at(i, c) / sum;
      result.t.at(i, c) = t;
      const double bound = slack * ((sums.error.at(i, c) + v_max[c] * sum_error) / sum + unit_roundoff * std::fabs(t));
      result.rounding_bound = std::max(result.rounding_bound, bound);
      if (!std::isfinite(t) || !std::isfinite(bound)) {
        if (result.uncertified.empty()) result.uncertified = "a value is not finite in binary64";
      }
    }
  }
  if (!result.uncertified.empty()) result.rounding_bound = std::numeric_limits<double>::infinity();
  return result;
}

// The exceptions that void the model of Lemma 33.3 inside a window: underflow (tiny and inexact), overflow,
// and invalid operations or divisions by zero (a NaN or an infinity from finite operands).
constexpr int window_exceptions = FE_UNDERFLOW | FE_OVERFLOW | FE_INVALID | FE_DIVBYZERO;

// Marks `result` uncertified (bound +infinity, with the reason) when the environment was unsupported at the
// start of the route, when a software rounding left binary64's normal range (`software_out_of_range`), or
// when an exception of `window_exceptions` was raised since the route's feclearexcept, the final assembly and
// normalise included (the flags are tested last: gap G3 of note 33).
void certify(Binary64Result& result, const std::string& environment, bool software_out_of_range) {
  if (!result.uncertified.empty()) return;
  const int raised = std::fetestexcept(window_exceptions);
  if (!environment.empty())
    result.uncertified = "floating-point environment: " + environment + " (note 33 assumes round to nearest "
                         "with subnormals)";
  else if (software_out_of_range)
    result.uncertified = "a coefficient or weight rounded to binary64 is subnormal, zero or infinite "
                         "(hypothesis (N) of note 33)";
  else if (raised & FE_UNDERFLOW)
    result.uncertified = "underflow in binary64 (the rounding model of note 33 assumes none)";
  else if (raised & FE_OVERFLOW)
    result.uncertified = "overflow in binary64 (the rounding model of note 33 assumes none)";
  else if (raised != 0)
    result.uncertified = "invalid operation or division by zero in binary64 (a value is NaN or infinite)";
  if (!result.uncertified.empty()) result.rounding_bound = std::numeric_limits<double>::infinity();
}

// The depth-first enumeration of the expansion's terms (Theorem 33.4): the state at depth t holds the
// products over the chosen multiset m (|m| = t) of Q columns, symbols and K columns, and
// base = s~^t multinomial(m), each updated from the parent by one product per entry.
class ToeplitzExpansion {
 public:
  ToeplitzExpansion(const Problem& problem, const std::vector<double>& coefficients, bool coefficient_out_of_range,
                    const std::string& environment)
      : problem_(problem),
        coefficients_(coefficients),
        g_(coefficients.size() - 1),
        support_(structural_support(problem)),
        symbols_(binary64_coupling_symbols(problem, support_)),
        scale_(binary64_scale(problem)),
        x_(with_ones_column<double>(problem.V)),
        x_max_(std::fabs(*std::max_element(x_.values.begin(), x_.values.end(),
                                           [](double a, double b) { return std::fabs(a) < std::fabs(b); }))),
        n_(std::max(problem.n_q(), problem.n_k())),
        counts_(support_.size(), 0),
        sums_{Matrix(problem.n_q(), problem.d_v() + 1), Matrix(problem.n_q(), problem.d_v() + 1)},
        magnitudes_(problem.n_q(), problem.d_v() + 1),
        gamma_term_(gamma(6.0 * double(g_) + 8)),
        coefficient_out_of_range_(coefficient_out_of_range),
        environment_(environment) {}

  Binary64Result run() {
    std::feclearexcept(window_exceptions);
    Level root{std::vector<double>(problem_.n_q(), 1.0), std::vector<double>(problem_.n_k(), 1.0),
               std::vector<double>(problem_.n_q() + problem_.n_k() - 1, 1.0), 0, 1.0};
    visit(root, 0, 0);
    // Summation of the terms: gamma_{terms} sum |z~| (Theorem 33.4).
    const double gamma_sum = gamma(double(terms_));
    for (std::size_t e = 0; e < sums_.error.values.size(); ++e)
      sums_.error.values[e] = slack * (sums_.error.values[e] + gamma_sum * magnitudes_.values[e] + dropped_);
    Binary64Result result = normalise(problem_, sums_);
    if (!out_of_range_.empty()) {  // the cause, reported before its consequences in normalise
      result.uncertified = out_of_range_;
      result.rounding_bound = std::numeric_limits<double>::infinity();
    }
    certify(result, environment_, coefficient_out_of_range_);
    return result;
  }

 private:
  // The products are kept as 2^exponent times a vector whose largest entry has magnitude in [1/2, 1)
  // (or is 0): scaling by a power of two is exact, and it keeps small terms away from underflow.
  struct Level {
    std::vector<double> row, col, symbol;  // prod of Q columns (n_q), K columns (n_k), symbols (n_q + n_k - 1)
    long exponent;                         // the three vectors together are scaled by 2^-exponent
    double base;                           // s~^t multinomial(m)
  };

  // v <- v 2^-e with max |v| in [1/2, 1); returns e (0 for a zero vector).
  static long normalise_vector(std::vector<double>& v) {
    double largest = 0;
    for (double x : v) largest = std::max(largest, std::fabs(x));
    if (largest == 0 || !std::isfinite(largest)) return 0;
    int e = 0;
    std::frexp(largest, &e);
    for (double& x : v) x = std::ldexp(x, -e);
    return e;
  }

  void visit(const Level& level, std::size_t depth, std::size_t first) {
    apply(level, depth);
    if (depth == g_) return;
    for (std::size_t e = first; e < support_.size(); ++e) {
      ++counts_[e];
      const auto [l1, l2] = support_[e];
      Level child{level.row, level.col, level.symbol, level.exponent,
                  level.base * scale_ * double(depth + 1) / double(counts_[e])};
      for (std::size_t i = 0; i < child.row.size(); ++i) child.row[i] *= problem_.Q.at(i, l1);
      for (std::size_t j = 0; j < child.col.size(); ++j) child.col[j] *= problem_.K.at(j, l2);
      for (std::size_t k = 0; k < child.symbol.size(); ++k) child.symbol[k] *= symbols_[e][k];
      child.exponent += normalise_vector(child.row) + normalise_vector(child.col) + normalise_vector(child.symbol);
      visit(child, depth + 1, e);
      --counts_[e];
    }
  }

  // Adds a_t base diag(row) T diag(col) [V, 1] to the sums, and its error bound.
  void apply(const Level& level, std::size_t depth) {
    ++terms_;
    const std::size_t n_q = problem_.n_q(), n_k = problem_.n_k(), cols = x_.cols;
    // The square symbol of order n, the causal mask folded in (k = i - j is masked iff shift + k < 0).
    const std::int64_t shift = problem_.query_position(0) - problem_.key_position(0);
    std::vector<double> square(2 * n_ - 1, 0.0);
    bool any = false;
    for (std::int64_t k = -std::int64_t(n_k) + 1; k <= std::int64_t(n_q) - 1; ++k) {
      if (problem_.mask == MaskKind::causal && shift + k < 0) continue;
      const double t = level.symbol[static_cast<std::size_t>(k + std::int64_t(n_k) - 1)];
      square[static_cast<std::size_t>(k + std::int64_t(n_) - 1)] = t;
      any = any || t != 0;
    }
    if (!any || coefficients_[depth] == 0) return;
    // The term's entries are at most |a_t base| 2^exponent ||t||_1 max|X| (the vectors are <= 1). Terms
    // below 2^-1000 are dropped and that amount is added to every error bound (Theorem 33.4), so that
    // no rounding of a kept term underflows because of the term's own size.
    // a_t base can overflow (a large s~^t): frexp of an infinity says nothing about the term's size, so
    // the term is kept and the route uncertified (the overflow flag is raised too; issue 9, finding 1).
    const double coefficient_base = coefficients_[depth] * level.base;
    if (!std::isfinite(coefficient_base) && out_of_range_.empty())
      out_of_range_ = "the weight a_t s~^t multinomial(m) of a term is not finite in binary64";
    int coefficient_exponent = 0, x_exponent = 0, symbol_exponent = 0;
    std::frexp(coefficient_base, &coefficient_exponent);
    std::frexp(x_max_, &x_exponent);
    std::frexp(double(2 * n_), &symbol_exponent);
    if (std::isfinite(coefficient_base) &&
        long(coefficient_exponent) + x_exponent + symbol_exponent + level.exponent < -1001) {  // -1001: room for the rounding of a_t base
      dropped_ += 0x1p-1000;
      return;
    }
    const double coefficient = std::ldexp(coefficient_base, int(level.exponent));
    Matrix scaled(n_, cols);  // c o X, zero rows n_k .. n-1
    for (std::size_t j = 0; j < n_k; ++j)
      for (std::size_t c = 0; c < cols; ++c) scaled.at(j, c) = level.col[j] * x_.at(j, c);
    const Matrix product = toeplitz_times_vectors_fft(square, scaled);
    double fft_bound = 0;
    try {
      fft_bound = fft_error_bound(square, scaled);
    } catch (const std::domain_error& error) {
      if (out_of_range_.empty()) out_of_range_ = std::string("outside Model A's range: ") + error.what();
    }
    // G_c = ||t||_2 ||w_c||_2 bounds (|T| |w_c|)_i (Cauchy-Schwarz).
    double symbol_squares = 0;
    for (double t : square) symbol_squares += t * t;
    std::vector<double> column_term(cols);
    for (std::size_t c = 0; c < cols; ++c) {
      double squares = 0;
      for (std::size_t j = 0; j < n_k; ++j) squares += scaled.at(j, c) * scaled.at(j, c);
      column_term[c] = gamma_term_ * std::sqrt(symbol_squares) * std::sqrt(squares) + fft_bound;
    }
    for (std::size_t i = 0; i < n_q; ++i) {
      const double r = coefficient * level.row[i];
      for (std::size_t c = 0; c < cols; ++c) {
        const double z = r * product.at(i, c);
        sums_.y.at(i, c) += z;
        magnitudes_.at(i, c) += std::fabs(z);
        sums_.error.at(i, c) += std::fabs(r) * column_term[c];
      }
    }
  }

  const Problem& problem_;
  const std::vector<double>& coefficients_;
  const std::size_t g_;
  const std::vector<SupportPair> support_;
  const std::vector<std::vector<double>> symbols_;
  const double scale_;
  const Matrix x_;
  const double x_max_;  // max |X|, X = [V, 1]
  const std::size_t n_;
  std::vector<std::size_t> counts_;
  Accumulated sums_;
  Matrix magnitudes_;  // sum over terms of |z~|
  const double gamma_term_;
  const bool coefficient_out_of_range_;
  const std::string environment_;
  std::size_t terms_ = 0;
  double dropped_ = 0;  // 2^-1000 per dropped term
  std::string out_of_range_;
};

// x^alpha for every multi-index alpha of `alphas`, from a table of powers: at most g + d - 1 roundings.
void monomials(const double* x, std::size_t d, std::size_t g, const std::vector<std::vector<std::size_t>>& alphas,
               std::vector<double>& powers, std::vector<double>& out) {
  powers.assign(d * (g + 1), 1.0);
  for (std::size_t l = 0; l < d; ++l)
    for (std::size_t k = 1; k <= g; ++k) powers[l * (g + 1) + k] = k == 1 ? x[l] : powers[l * (g + 1) + k - 1] * x[l];
  out.resize(alphas.size());
  for (std::size_t f = 0; f < alphas.size(); ++f) {
    double value = 1;
    for (std::size_t l = 0; l < d; ++l)
      if (alphas[f][l] != 0) value *= powers[l * (g + 1) + alphas[f][l]];
    out[f] = value;
  }
}

}  // namespace

Binary64Result surrogate_attention_toeplitz_binary64(const Problem& problem, const std::vector<Rational>& coefficients) {
  const std::string environment = unsupported_environment();
  bool out_of_range = false;
  const std::vector<double> rounded = rounded_coefficients(coefficients, out_of_range);
  return ToeplitzExpansion(problem, rounded, out_of_range, environment).run();
}

Binary64Result surrogate_attention_lowrank_binary64(const Problem& problem, const std::vector<Rational>& coefficients) {
  if (problem.kind != Kind::rope)
    throw std::invalid_argument("surrogate_attention_lowrank_binary64: needs kind rope");
  const std::string environment = unsupported_environment();
  bool software_out_of_range = false;
  rounded_coefficients(coefficients, software_out_of_range);  // validates
  const std::size_t n_q = problem.n_q(), n_k = problem.n_k(), d = problem.d(), cols = problem.d_v() + 1;
  const std::size_t g = coefficients.size() - 1;
  const std::vector<std::vector<std::size_t>> alphas = multisets(d, g);
  const std::size_t features = alphas.size();
  const double scale = binary64_scale(problem);
  // weight(alpha) = RN(a_|alpha| s~^|alpha| multinomial(alpha)): one rounding of the exact product.
  std::vector<double> weight;
  for (const Rational& w : lowrank_feature_weights(alphas, coefficients, Rational(scale)))
    weight.push_back(nearest_double(w, software_out_of_range));
  const Matrix u = binary64_rotated_rows(problem, true), v = binary64_rotated_rows(problem, false);
  const Matrix x = with_ones_column<double>(problem.V);  // [V, 1]
  // Theorem 33.5: every term of Y carries at most (g + d + 1) + (g + d) + features + n_k + 3 roundings.
  const double gamma_total = gamma(double(2 * g + 2 * d + 4 + features + n_k));

  std::feclearexcept(window_exceptions);
  Matrix prefix(features, cols), prefix_abs(features, cols);  // sums over the keys taken so far
  Accumulated sums{Matrix(n_q, cols), Matrix(n_q, cols)};
  std::vector<double> powers, phi;
  std::size_t taken = 0;
  for (std::size_t i = 0; i < n_q; ++i) {
    for (const std::size_t visible = problem.visible_key_count(i); taken < visible; ++taken) {
      monomials(&v.values[taken * d], d, g, alphas, powers, phi);
      for (std::size_t f = 0; f < features; ++f)
        for (std::size_t c = 0; c < cols; ++c) {
          const double p = phi[f] * x.at(taken, c);
          prefix.at(f, c) += p;
          prefix_abs.at(f, c) += std::fabs(p);
        }
    }
    monomials(&u.values[i * d], d, g, alphas, powers, phi);
    for (std::size_t f = 0; f < features; ++f) {
      const double q = weight[f] * phi[f];
      for (std::size_t c = 0; c < cols; ++c) {
        sums.y.at(i, c) += q * prefix.at(f, c);
        sums.error.at(i, c) += std::fabs(q) * prefix_abs.at(f, c);
      }
    }
    for (std::size_t c = 0; c < cols; ++c) sums.error.at(i, c) *= slack * gamma_total;
  }
  Binary64Result result = normalise(problem, sums);
  certify(result, environment, software_out_of_range);
  return result;
}

}  // namespace ropecert
