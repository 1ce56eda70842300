// Toeplitz times vectors from the definitions (dense twins and the circulant embedding, for
// Rational and double) and the exact route by one FLINT integer polynomial product per column
// (proofs-notes/21-circulant-embedding.md, Lemmas 1 and 2).
#include "ropecert/toeplitz.hpp"

#include <flint/fmpz_poly.h>
#include <gmp.h>

#include <stdexcept>

namespace ropecert {

std::size_t toeplitz_order(std::size_t symbol_length) {
  if (symbol_length % 2 == 0)
    throw std::invalid_argument("toeplitz: the symbol must have 2n - 1 entries (an odd number)");
  return (symbol_length + 1) / 2;
}

std::size_t toeplitz_order(std::size_t symbol_length, std::size_t rows) {
  const std::size_t n = toeplitz_order(symbol_length);
  if (rows != n) throw std::invalid_argument("toeplitz: the right-hand sides must have n rows (symbol: 2n - 1 entries)");
  return n;
}

namespace {

// The definitions, shared by the Rational and binary64 overloads (MatrixT: RationalMatrix, Matrix).
template <class MatrixT, class T>
MatrixT dense_toeplitz(const std::vector<T>& symbol, const MatrixT& x) {
  const std::size_t n = toeplitz_order(symbol.size(), x.rows);
  MatrixT y(n, x.cols);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t c = 0; c < x.cols; ++c)
      for (std::size_t j = 0; j < n; ++j) y.at(i, c) += symbol[i + n - 1 - j] * x.at(j, c);  // t_{i-j}
  return y;
}

template <class T>
std::vector<T> embedding(const std::vector<T>& symbol, std::size_t size) {
  const std::size_t n = toeplitz_order(symbol.size());
  if (size < 2 * n - 1) throw std::invalid_argument("circulant_embedding: the size must be at least 2n - 1");
  std::vector<T> column(size, T(0));
  for (std::size_t r = 0; r < n; ++r) column[r] = symbol[n - 1 + r];         // t_r
  for (std::size_t k = 1; k < n; ++k) column[size - k] = symbol[n - 1 - k];  // t_{-k}
  return column;
}

template <class MatrixT, class T>
MatrixT dense_circulant(const std::vector<T>& column, const MatrixT& x) {
  const std::size_t size = column.size();
  if (x.rows != size) throw std::invalid_argument("circulant_times_vectors_dense: X must have N rows");
  MatrixT y(size, x.cols);
  for (std::size_t i = 0; i < size; ++i)
    for (std::size_t c = 0; c < x.cols; ++c)
      for (std::size_t j = 0; j < size; ++j) y.at(i, c) += column[(i + size - j) % size] * x.at(j, c);
  return y;
}

}  // namespace

RationalMatrix toeplitz_times_vectors_dense(const std::vector<Rational>& symbol, const RationalMatrix& x) {
  return dense_toeplitz(symbol, x);
}
Matrix toeplitz_times_vectors_dense(const std::vector<double>& symbol, const Matrix& x) {
  return dense_toeplitz(symbol, x);
}
std::vector<Rational> circulant_embedding(const std::vector<Rational>& symbol, std::size_t size) {
  return embedding(symbol, size);
}
std::vector<double> circulant_embedding(const std::vector<double>& symbol, std::size_t size) {
  return embedding(symbol, size);
}
RationalMatrix circulant_times_vectors_dense(const std::vector<Rational>& column, const RationalMatrix& x) {
  return dense_circulant(column, x);
}
Matrix circulant_times_vectors_dense(const std::vector<double>& column, const Matrix& x) {
  return dense_circulant(column, x);
}

namespace {

// RAII owner of one fmpz_poly_t.
struct IntegerPolynomial {
  fmpz_poly_t p;
  IntegerPolynomial() { fmpz_poly_init(p); }
  ~IntegerPolynomial() { fmpz_poly_clear(p); }
  IntegerPolynomial(const IntegerPolynomial&) = delete;
  IntegerPolynomial& operator=(const IntegerPolynomial&) = delete;
};

// Sets poly = sum_k D v_k z^k for the `count` rationals v_k = entry(k) and returns D, the lcm of
// their denominators (1 if count == 0), so that every D v_k is an integer.
template <class Entry>
Integer set_scaled_to_integers(fmpz_poly_t poly, std::size_t count, Entry entry) {
  Integer lcm = 1;
  for (std::size_t k = 0; k < count; ++k)
    mpz_lcm(lcm.backend().data(), lcm.backend().data(), mpq_denref(entry(k).backend().data()));
  fmpz_poly_zero(poly);
  Integer scaled;
  for (std::size_t k = 0; k < count; ++k) {
    mpq_srcptr v = entry(k).backend().data();
    mpz_divexact(scaled.backend().data(), lcm.backend().data(), mpq_denref(v));
    mpz_mul(scaled.backend().data(), scaled.backend().data(), mpq_numref(v));
    fmpz_poly_set_coeff_mpz(poly, slong(k), scaled.backend().data());
  }
  return lcm;
}

}  // namespace

RationalMatrix toeplitz_times_vectors_exact(const std::vector<Rational>& symbol, const RationalMatrix& x) {
  const std::size_t n = toeplitz_order(symbol.size(), x.rows);
  IntegerPolynomial symbol_poly, column_poly, product;
  // symbol_poly = D_t sum_k t_k z^{k+n-1}: symbol[k + n - 1] = t_k is already in that order.
  const Integer symbol_lcm =
      set_scaled_to_integers(symbol_poly.p, symbol.size(), [&](std::size_t k) -> const Rational& { return symbol[k]; });
  RationalMatrix y(n, x.cols);
  Integer denominator;
  for (std::size_t c = 0; c < x.cols; ++c) {
    const Integer column_lcm =
        set_scaled_to_integers(column_poly.p, n, [&](std::size_t j) -> const Rational& { return x.at(j, c); });
    fmpz_poly_mul(product.p, symbol_poly.p, column_poly.p);
    mpz_mul(denominator.backend().data(), symbol_lcm.backend().data(), column_lcm.backend().data());
    for (std::size_t i = 0; i < n; ++i) {
      mpq_ptr entry = y.at(i, c).backend().data();
      fmpz_poly_get_coeff_mpz(mpq_numref(entry), product.p, slong(i + n - 1));  // 0 beyond the length
      mpz_set(mpq_denref(entry), denominator.backend().data());
      mpq_canonicalize(entry);
    }
  }
  return y;
}

}  // namespace ropecert
