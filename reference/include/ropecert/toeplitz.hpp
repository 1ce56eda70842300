// Toeplitz matrices times vectors (paper claim C2, Fact 3.3, as corrected in
// proofs-notes/21-circulant-embedding.md): the dense definition, the circulant embedding, an exact
// route (one integer polynomial product per column, FLINT) and a binary64 route (FFTW) with an
// a-priori error bound.
//
// A Toeplitz n x n matrix T is given by its symbol t_k, k = -(n-1) .. n-1, stored as a vector of
// length 2n-1 with symbol[k + n - 1] = t_k, and T_ij = t_{i-j} (the indexing of W_{i-j}).
// Right-hand sides are the columns of a row-major matrix (a vector is one column): RationalMatrix
// (rational_matrix.hpp) for the exact routes, Matrix (binary64, problem.hpp) for the floating ones.
#pragma once
#include <cstddef>
#include <vector>

#include "ropecert/exact_numbers.hpp"
#include "ropecert/problem.hpp"
#include "ropecert/rational_matrix.hpp"

namespace ropecert {

// The order n of the Toeplitz matrix whose symbol has symbol_length = 2n - 1 entries.
// Throws std::invalid_argument if symbol_length is even (0 included).
std::size_t toeplitz_order(std::size_t symbol_length);

// The same n, checked against the number of rows of the right-hand sides: throws
// std::invalid_argument unless symbol_length == 2 rows - 1.
std::size_t toeplitz_order(std::size_t symbol_length, std::size_t rows);

// Y = T X from the definition, Y_ic = sum_{j=0}^{n-1} t_{i-j} X_jc, in O(n^2 m) operations: the
// slow twin of the fast routes. Exact for Rational. For double each entry is a recursive sum in
// the order j = 0 .. n-1, so |Y~ - Y| <= gamma_n (|T| |X|) entrywise, gamma_n = n u / (1 - n u)
// (Higham, Accuracy and Stability, eq. (3.5); no underflow or overflow). Throws as
// toeplitz_order(symbol.size(), X.rows).
RationalMatrix toeplitz_times_vectors_dense(const std::vector<Rational>& symbol, const RationalMatrix& x);
Matrix toeplitz_times_vectors_dense(const std::vector<double>& symbol, const Matrix& x);

// The first column c of the N x N circulant C (C_ij = c_{(i-j) mod N}) whose leading n x n block
// is T, N = `size`: c_r = t_r for r = 0 .. n-1, c_{N-k} = t_{-k} for k = 1 .. n-1, zeros between.
// So (C [x; 0])_i = (T x)_i for i < n (proofs-notes/21-circulant-embedding.md, Lemma 1).
// Throws std::invalid_argument if N < 2n - 1 (then some t_{-k} would land on a t_r) or if the
// symbol length is even.
std::vector<Rational> circulant_embedding(const std::vector<Rational>& symbol, std::size_t size);
std::vector<double> circulant_embedding(const std::vector<double>& symbol, std::size_t size);

// Y = C X for the N x N circulant with first column `column` (N = column.size()), from the
// definition Y_ic = sum_{j=0}^{N-1} c_{(i-j) mod N} X_jc, in O(N^2 m): the twin of the embedding.
// Throws std::invalid_argument if X.rows != N.
RationalMatrix circulant_times_vectors_dense(const std::vector<Rational>& column, const RationalMatrix& x);
Matrix circulant_times_vectors_dense(const std::vector<double>& column, const Matrix& x);

// Y = T X exactly, the fast exact route. For each column x, y_i is the coefficient of z^{i+n-1} in
// (sum_k t_k z^{k+n-1}) (sum_j x_j z^j). This is the circulant embedding of size N = 2n - 1 done
// as one polynomial product: reducing the product mod z^N - 1 folds only the degrees >= 2n - 1
// onto 0 .. n-2, so the degrees n-1 .. 2n-2 are the entries of C [x; 0] for the size-(2n-1)
// embedding (proofs-notes/21-circulant-embedding.md, Lemma 2). The symbol and each column are
// scaled to integers by the lcm of their denominators, multiplied by one fmpz_poly_mul, and the
// coefficients are divided back exactly. The result equals toeplitz_times_vectors_dense
// (canonical rationals). Throws as toeplitz_order(symbol.size(), X.rows).
RationalMatrix toeplitz_times_vectors_exact(const std::vector<Rational>& symbol, const RationalMatrix& x);

// The smallest N >= 2n - 1 of the form 2^a 3^b 5^c 7^d (N < 4n): FFTW has hard-coded codelets for
// these prime factors, so it needs no Rader or Bluestein step. Throws std::invalid_argument unless
// 1 <= n <= 2^28.
std::size_t fft_embedding_size(std::size_t n);

// Y~ ~= T X in binary64. Each column is zero-padded to N = fft_embedding_size(n) and multiplied by
// the circulant embedding with FFTW: r2c of c and of the column, pointwise complex product, c2r,
// times RN(1/N), first n entries (proofs-notes/21-circulant-embedding.md, Theorem 4).
// Cost O(N log N) per column. Error: |Y~ - T X| <= fft_error_bound(symbol, X) entrywise, under
// the FFT accuracy model of the note (assumed for FFTW's internals, tested, not proven).
// Plans are FFTW_ESTIMATE only (no timing: on one machine and FFTW build, the same input gives the
// same bits). Plans are created and destroyed under one process-wide mutex and FFTW's execute is
// thread-safe, so the function may be called from several threads at once, provided no other code
// in the process uses the FFTW planner concurrently. Non-finite entries propagate to the result.
// Throws as toeplitz_order(symbol.size(), X.rows), and std::invalid_argument if n > 2^28.
Matrix toeplitz_times_vectors_fft(const std::vector<double>& symbol, const Matrix& x);

// The model constant kappa: FFTW's r2c and c2r of size N are assumed to have 2-norm relative error
// at most kappa * ceil(log2 N) * 2^-53 (proofs-notes/21-circulant-embedding.md, Model A).
inline constexpr double fft_model_constant = 16;

// A bound B >= |Y~_ic - (T X)_ic| for every entry of Y~ = toeplitz_times_vectors_fft(symbol, X),
// where T X is the exact product of the rationals the doubles encode; B also bounds the 2-norm of
// each column of Y~ - T X:
//   B = (1 + 2^-16) u ||x||_2 [kappa L (2 ||t||_1 + sqrt(N) ||t||_2) + 5 ||t||_1],
// u = 2^-53, N = fft_embedding_size(n), L = ceil(log2 N), kappa = fft_model_constant, ||t|| the
// norms of the symbol, ||x||_2 the largest column 2-norm. Proven from Model A
// (proofs-notes/21-circulant-embedding.md, Theorem 4); the factor 1 + 2^-16 also covers the
// rounding of this binary64 evaluation (Lemma 5). Model A is assumed for FFTW, and tested, not
// proven. Throws std::domain_error if an entry is not finite or a nonzero entry lies outside
// [2^-450, 2^450] (Model A's range condition), and as toeplitz_times_vectors_fft on shapes.
double fft_error_bound(const std::vector<double>& symbol, const Matrix& x);

}  // namespace ropecert
