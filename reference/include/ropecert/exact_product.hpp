// Error-free splitting of a binary64 matrix product into exact DGEMMs (Ozaki, Ogita, Oishi, Rump 2012,
// Numer. Algorithms 59; proofs-notes/13-fast-certified-path.md, section exact_product).
//
// A (m x k) is split row by row and B (k x n) column by column into slices, A = sum_s A_s, B = sum_t B_t
// (carried to completion: no remainder), such that every slice product A_s B_t is computed EXACTLY by any
// DGEMM that performs only binary64 additions, multiplications and fused multiply-adds of the given entries,
// in any order (Lemma EP.3). The slice products are OpenBLAS cblas_dgemm calls.
//
// OpenBLAS threads: the first call of exact_product or blas_products_are_exact sets OpenBLAS to one thread
// (openblas_set_num_threads is process-wide), because the fast path parallelises over blocks of query rows
// itself and nested BLAS threads would oversubscribe the cores. The results do not depend on that choice:
// every DGEMM performed here is exact (Lemma EP.3), so any thread count or blocking gives the same bits;
// a caller may set another thread count afterwards (t-exact-product checks that 2 threads give equal bits).
#pragma once
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "ropecert/problem.hpp"

namespace ropecert {

struct SliceProducts {
  // products[s * b_slices + t] = A_s B_t (m x n), each computed exactly; their exact (rational) sum is A B.
  std::vector<Matrix> products;
  std::size_t a_slices = 0;  // number of row-wise slices of A (the most any row of A needs)
  std::size_t b_slices = 0;  // number of column-wise slices of B
  std::string refused;       // why no product was computed ("" otherwise); products is then empty
};

// beta(k) = ceil((53 + log2 k) / 2), k >= 1: slices whose entries are integers of at most 53 - beta bits times
// a power of two per row (of A) and per column (of B) have exact products and partial sums of length k
// (Lemma EP.3). Throws std::invalid_argument for k = 0 or k > 2^53.
int ozaki_beta(std::size_t k);

// The row-wise splitting of X (note 13, Lemmas EP.1, EP.2): X = sum_s slices[s] + remainder exactly, where
// row i of slice s is an integer vector of at most 53 - beta bits (in magnitude <= 2^(53 - beta)) times a
// power of two 2^g; grid_min and grid_max bound those exponents g over the nonzero slice rows. Slices are
// extracted until the remainder is zero or there are max_slices of them (then the remainder may be
// nonzero: |remainder_ij| <= 2^(g - 1) for the row's last grid 2^g, Lemma EP.2 (c)). refused says why the
// splitting left the range of Lemma EP.4 ("" otherwise; the other fields are then incomplete); `what`
// names a row of X in that message. Precondition: X finite, 2 <= beta <= 53, the environment of
// slicing_unavailable().
struct RowSplitting {
  std::vector<Matrix> slices;
  Matrix remainder;
  int grid_min = std::numeric_limits<int>::max();
  int grid_max = std::numeric_limits<int>::min();
  std::string refused;
};
RowSplitting split_rows(const Matrix& x, int beta, const char* what,
                        std::size_t max_slices = std::numeric_limits<std::size_t>::max());

// Why the products of slices of `a` (rows of A) and `b` (rows of B^T, i.e. columns of B), split with the same
// beta = ozaki_beta(k), may not be exact (Lemma EP.4: a refused splitting, or grids whose products could
// underflow or overflow); "" when every slice product A_s B_t is exact (Lemma EP.3).
std::string slice_products_refusal(const RowSplitting& a, const RowSplitting& b);

// Why no exact slice product can be computed in this process ("" when they can): an unsupported
// floating-point environment (floating_environment.hpp) or a failed blas_products_are_exact(). Also sets
// OpenBLAS to one thread (see above). Callers run it once before split_rows and multiply_by_transpose.
std::string slicing_unavailable();

// X Y^T (X r x k, Yt c x k, both row-major; only the first yt_rows rows of Yt when it has more) by one
// cblas_dgemm: the one BLAS call shape of the fast path, the one the self-test checks. Exact for slices
// (Lemma EP.3); for other inputs, each entry obeys (EP.A). Throws std::invalid_argument when the column counts
// differ, std::length_error when a dimension exceeds the BLAS integer (blasint) range.
Matrix multiply_by_transpose(const Matrix& x, const Matrix& yt,
                             std::size_t yt_rows = std::numeric_limits<std::size_t>::max());
// The same into `product` (resized and zeroed first), reusing its storage: the fast route's loops of products.
void multiply_by_transpose(const Matrix& x, const Matrix& yt, std::size_t yt_rows, Matrix& product);

// The transpose of x.
Matrix transpose(const Matrix& x);

// The slice products of A B (see SliceProducts), A m x k and B k x n with k >= 1 and m, n >= 0.
// Refused (SliceProducts::refused, no products) with the reason when:
//  - an entry of A or B is not finite;
//  - the environment is unsupported (floating_environment.hpp: not round to nearest, or FTZ/DAZ set),
//    which the extraction of Lemma EP.1 needs;
//  - the exponent range of note 13, Lemma EP.4 is left: a row of A or column of B (or a remainder of it) has
//    maximum magnitude mu with 2^(ceil(log2 mu) + beta) above 2^1023 or a slice grid 2^(ceil(log2 mu) + beta
//    - 53) below 2^-1022 (so inputs with subnormal entries are refused), or a slice product could reach 2^1024
//    or hold a nonzero value below 2^-1022 (then no value in any DGEMM is subnormal);
//  - blas_products_are_exact() is false.
// Throws std::invalid_argument when a.cols != b.rows or k == 0, std::length_error when a dimension exceeds
// the BLAS integer (blasint) range.
SliceProducts exact_product(const Matrix& a, const Matrix& b);

// The start-up self-test of the BLAS assumption (note 13, exact_product, "Self-test"), run once and cached.
// Checks that cblas_dgemm, called as exact_product calls it, returns exactly known products:
//  (1) block-diagonal integer matrices [X 0; 0 2^-60 Y] [Z 0; 0 W] of orders 2, 34 and 256, whose entries
//      have few enough bits that every partial sum of plain binary64 products is exact; any algorithm that
//      first adds entries of different blocks (Strassen, Winograd) loses the 2^-60 block, and any algorithm
//      with a lower internal precision loses bits of the 53-bit results;
//  (2) an outer product (k = 1) of full 53-bit significands, which must equal the scalar products RN(x y).
// It cannot check: shapes, sizes or thread counts other than those tested (a BLAS may dispatch by size), data-
// dependent algorithms, or a BLAS that behaves differently later; it samples the assumption, it does not prove it.
bool blas_products_are_exact();

}  // namespace ropecert
