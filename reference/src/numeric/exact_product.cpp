// Error-free splitting of a matrix product into exact DGEMMs (exact_product.hpp;
// proofs-notes/13-fast-certified-path.md, section exact_product, Lemmas EP.1 to EP.4).
#include "ropecert/exact_product.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mutex>
#include <random>
#include <stdexcept>

#include "ropecert/floating_environment.hpp"

namespace ropecert {

namespace {

// The smallest tau with mu <= 2^tau, for mu > 0 finite.
int ceil_log2(double mu) {
  int e = 0;
  const double f = std::frexp(mu, &e);  // mu = f 2^e, f in [1/2, 1)
  return f == 0.5 ? e - 1 : e;
}

// One OpenBLAS thread, set once for the process (exact_product.hpp explains the choice).
void use_one_blas_thread() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

// Self-test (1): [X 0; 0 2^-60 Y] [Z 0; 0 W] of order 2h against the exact integer products.
bool block_diagonal_product_is_exact(std::size_t h, std::mt19937_64& random) {
  // Entries below 2^p with h 2^(2p) <= 2^53: every partial sum of products is an integer below 2^53.
  const int p = (53 - ceil_log2(static_cast<double>(h))) / 2;
  const std::int64_t top = (std::int64_t{1} << p) - 1;
  auto positive = [&] { return (std::int64_t{1} << (p - 1)) + static_cast<std::int64_t>(random() % (top >> 1)); };
  auto signed_entry = [&] { return static_cast<std::int64_t>(random() % (2 * top + 1)) - top; };
  std::vector<std::int64_t> xs(h * h), zs(h * h), ys(h * h), ws(h * h);
  for (std::size_t i = 0; i < h * h; ++i) {
    xs[i] = positive();  // positive blocks: the sums reach about 2^52, so a narrower accumulator loses bits
    zs[i] = positive();
    ys[i] = signed_entry();
    ws[i] = signed_entry();
  }
  const double tiny = 0x1p-60;
  Matrix a(2 * h, 2 * h), bt(2 * h, 2 * h);  // bt = B^T
  for (std::size_t i = 0; i < h; ++i)
    for (std::size_t j = 0; j < h; ++j) {
      a.at(i, j) = static_cast<double>(xs[i * h + j]);
      a.at(h + i, h + j) = tiny * static_cast<double>(ys[i * h + j]);
      bt.at(j, i) = static_cast<double>(zs[i * h + j]);
      bt.at(h + j, h + i) = static_cast<double>(ws[i * h + j]);
    }
  const Matrix c = multiply_by_transpose(a, bt);
  for (std::size_t i = 0; i < 2 * h; ++i)
    for (std::size_t j = 0; j < 2 * h; ++j) {
      std::int64_t exact = 0;
      double scale = 1;
      if (i < h && j < h) {
        for (std::size_t l = 0; l < h; ++l) exact += xs[i * h + l] * zs[l * h + j];
      } else if (i >= h && j >= h) {
        for (std::size_t l = 0; l < h; ++l) exact += ys[(i - h) * h + l] * ws[l * h + (j - h)];
        scale = tiny;
      }
      if (c.at(i, j) != scale * static_cast<double>(exact)) return false;  // |exact| <= 2^53: both exact
    }
  return true;
}

// Self-test (2): an outer product (k = 1) of full 53-bit significands must equal the scalar products.
bool outer_product_is_rounded_product(std::size_t n, std::mt19937_64& random) {
  Matrix x(n, 1), yt(n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    const auto significand = [&] { return static_cast<double>((random() >> 11) | (std::uint64_t{1} << 52)); };
    const int shift = static_cast<int>(random() % 61) - 30 - 52;
    x.at(i, 0) = std::ldexp(significand(), shift) * ((random() & 1) ? -1 : 1);
    yt.at(i, 0) = std::ldexp(significand(), shift);
  }
  const Matrix c = multiply_by_transpose(x, yt);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (c.at(i, j) != x.at(i, 0) * yt.at(j, 0)) return false;
  return true;
}

}  // namespace

RowSplitting split_rows(const Matrix& x, int beta, const char* what, std::size_t max_slices) {
  RowSplitting result;
  result.remainder = x;
  Matrix& remainder = result.remainder;
  while (result.slices.size() < max_slices) {
    Matrix slice(x.rows, x.cols);
    bool nonzero = false;
    for (std::size_t i = 0; i < x.rows; ++i) {
      double mu = 0;
      for (std::size_t j = 0; j < x.cols; ++j) mu = std::max(mu, std::fabs(remainder.at(i, j)));
      if (mu == 0) continue;
      nonzero = true;
      const int e = ceil_log2(mu) + beta;  // sigma = 0.75 2^e, |remainder| <= 2^(e - beta) <= 2^(e - 2)
      if (e > 1023 || e - 53 < -1022) {  // sigma + r finite; slice entries normal or zero (Lemma EP.4)
        result.refused = std::string("a ") + what + " (or its remainder) with largest magnitude in (2^" +
                         std::to_string(e - beta - 1) + ", 2^" + std::to_string(e - beta) +
                         "] is outside the exponent range of the splitting (note 13, Lemma EP.4)";
        return result;
      }
      result.grid_min = std::min(result.grid_min, e - 53);
      result.grid_max = std::max(result.grid_max, e - 53);
      const double sigma = std::ldexp(0.75, e);
      for (std::size_t j = 0; j < x.cols; ++j) {
        double& r = remainder.at(i, j);
        const double q = (r + sigma) - sigma;  // r rounded to the grid 2^(e-53) (Lemma EP.1)
        slice.at(i, j) = q;
        r -= q;  // exact (Lemma EP.1)
      }
    }
    if (!nonzero) break;
    result.slices.push_back(std::move(slice));
  }
  return result;
}

std::string slice_products_refusal(const RowSplitting& a, const RowSplitting& b) {
  if (!a.refused.empty()) return a.refused;
  if (!b.refused.empty()) return b.refused;
  if (a.slices.empty() || b.slices.empty()) return "";
  // Every value of a slice product is an integer of magnitude <= 2^53 times 2^(g_A + g_B) (Lemma EP.3).
  if (a.grid_min + b.grid_min < -1022)
    return "a slice product could hold a nonzero value below 2^-1022 (grid 2^" +
           std::to_string(a.grid_min + b.grid_min) + "; note 13, Lemma EP.4)";
  if (a.grid_max + b.grid_max + 53 > 1023)
    return "a slice product could reach 2^1024 (grid 2^" + std::to_string(a.grid_max + b.grid_max) +
           "; note 13, Lemma EP.4)";
  return "";
}

std::string slicing_unavailable() {
  const std::string environment = unsupported_environment();
  if (!environment.empty())
    return "floating-point environment: " + environment +
           " (the splitting needs round to nearest with subnormals; note 13, Lemma EP.1)";
  if (!blas_products_are_exact()) return "the BLAS failed the start-up exactness self-test (blas_products_are_exact)";
  use_one_blas_thread();
  return "";
}

Matrix transpose(const Matrix& x) {
  Matrix t(x.cols, x.rows);
  for (std::size_t i = 0; i < x.rows; ++i)
    for (std::size_t j = 0; j < x.cols; ++j) t.at(j, i) = x.at(i, j);
  return t;
}

void multiply_by_transpose(const Matrix& x, const Matrix& yt, std::size_t yt_rows, Matrix& product) {
  if (x.cols != yt.cols) throw std::invalid_argument("multiply_by_transpose: the factors' column counts differ");
  const std::size_t n = std::min(yt_rows, yt.rows);
  product.rows = x.rows;
  product.cols = n;
  product.values.assign(x.rows * n, 0.0);  // zero, as (EP.A) says; reuses the capacity of an earlier product
  if (x.rows == 0 || n == 0) return;
  const auto blas_max = static_cast<std::size_t>(std::numeric_limits<blasint>::max());
  if (x.rows > blas_max || n > blas_max || x.cols > blas_max)
    throw std::length_error("exact_product: a dimension exceeds the BLAS integer range");
  const auto k = static_cast<blasint>(x.cols);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(x.rows), static_cast<blasint>(n), k, 1.0,
              x.values.data(), k, yt.values.data(), k, 0.0, product.values.data(), static_cast<blasint>(n));
}

Matrix multiply_by_transpose(const Matrix& x, const Matrix& yt, std::size_t yt_rows) {
  Matrix product;
  multiply_by_transpose(x, yt, yt_rows, product);
  return product;
}

int ozaki_beta(std::size_t k) {
  if (k == 0 || k > (std::uint64_t{1} << 53)) throw std::invalid_argument("ozaki_beta: k must be in [1, 2^53]");
  // The least beta with 2^(2 beta - 53) >= k: exact comparison (k is exact in binary64), no rounded logarithm.
  int beta = 0;
  while (std::ldexp(1.0, 2 * beta - 53) < static_cast<double>(k)) ++beta;
  return beta;
}

bool blas_products_are_exact() {
  static const bool exact = [] {
    use_one_blas_thread();
    std::mt19937_64 random(20261207);
    for (std::size_t h : {1, 17, 128})
      if (!block_diagonal_product_is_exact(h, random)) return false;
    return outer_product_is_rounded_product(40, random);
  }();
  return exact;
}

SliceProducts exact_product(const Matrix& a, const Matrix& b) {
  if (a.cols != b.rows) throw std::invalid_argument("exact_product: A has " + std::to_string(a.cols) +
                                                    " columns but B has " + std::to_string(b.rows) + " rows");
  if (a.cols == 0) throw std::invalid_argument("exact_product: the inner dimension k must be positive");
  SliceProducts result;
  auto finite = [](const Matrix& x) {
    return std::all_of(x.values.begin(), x.values.end(), [](double v) { return std::isfinite(v); });
  };
  if (!finite(a) || !finite(b)) {
    result.refused = "an entry of A or B is not finite";
    return result;
  }
  result.refused = slicing_unavailable();
  if (!result.refused.empty()) return result;
  const int beta = ozaki_beta(a.cols);
  const RowSplitting as = split_rows(a, beta, "row of A");
  const RowSplitting bs = split_rows(transpose(b), beta, "column of B");
  result.refused = slice_products_refusal(as, bs);
  if (!result.refused.empty()) return result;
  result.a_slices = as.slices.size();
  result.b_slices = bs.slices.size();
  for (const Matrix& a_s : as.slices)
    for (const Matrix& b_t : bs.slices) result.products.push_back(multiply_by_transpose(a_s, b_t));
  return result;
}

}  // namespace ropecert
