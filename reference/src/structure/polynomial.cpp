#include "ropecert/polynomial.hpp"

#include <functional>

namespace ropecert {

Integer binomial(std::size_t n, std::size_t k) {
  if (k > n) return 0;
  Integer result = 1;
  for (std::size_t i = 1; i <= k; ++i) result = result * (n - k + i) / i;  // exact at every step
  return result;
}

Integer multinomial(const std::vector<std::size_t>& m) {
  Integer result = 1;
  std::size_t total = 0;
  for (std::size_t count : m) {
    total += count;
    result *= binomial(total, count);
  }
  return result;
}

std::vector<std::vector<std::size_t>> multisets(std::size_t kinds, std::size_t max_total) {
  std::vector<std::vector<std::size_t>> out;
  std::vector<std::size_t> m(kinds, 0);
  std::function<void(std::size_t, std::size_t)> fill = [&](std::size_t kind, std::size_t left) {
    if (kind == kinds) {
      out.push_back(m);
      return;
    }
    for (std::size_t count = 0; count <= left; ++count) {
      m[kind] = count;
      fill(kind + 1, left - count);
    }
    m[kind] = 0;
  };
  fill(0, max_total);
  return out;
}

std::vector<Rational> shifted_taylor_coefficients(const Rational& R, std::size_t g) {
  std::vector<Rational> a(g + 1);
  Integer factorial = 1;  // u!
  for (std::size_t u = 0; u <= g; ++u) {
    if (u > 0) factorial *= u;
    // (x + R)^u / u! = sum_t binom(u, t) R^(u-t) x^t / u!
    Rational power = 1;  // R^(u-t), built from t = u downwards
    for (std::size_t t = u + 1; t-- > 0;) {
      a[t] += Rational(binomial(u, t)) * power / Rational(factorial);
      power *= R;
    }
  }
  return a;
}

Rational evaluate_polynomial(const std::vector<Rational>& coefficients, const Rational& x) {
  Rational value = 0;
  for (std::size_t t = coefficients.size(); t-- > 0;) value = value * x + coefficients[t];
  return value;
}

RationalMatrix evaluate_entrywise(const std::vector<Rational>& coefficients, const RationalMatrix& m) {
  RationalMatrix result = m;
  for (Rational& x : result.values) x = evaluate_polynomial(coefficients, x);
  return result;
}

}  // namespace ropecert
