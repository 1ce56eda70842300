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
// (Lemma EP.3).
int ozaki_beta(std::size_t k);

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
