// Benchmark peer: the plain float64 computation of RoPE softmax attention (issue 10, item 6), uncertified,
// for timing only. Rotate q and k in double (theta_p = pow(base, -2p/r), cos and sin of position * theta_p),
// L = s Q_rot K_rot^T (cblas_dgemm when built with a CBLAS, else loops), the causal mask, exp(L - row max),
// W V (dgemm), divide by the row sums. Not part of ropecert.
//
//   float64_attention CASE_DIR [--out DIR] [--threads N]
//
// --threads N (default 1) is passed to OpenBLAS (openblas_set_num_threads) when the CBLAS found at run time is
// OpenBLAS; the reference BLAS is single-threaded. Writes DIR/T.npy (the float64 results, not correctly rounded).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#if ROPECERT_BENCH_CBLAS
#include <cblas.h>
// Defined only when the BLAS behind libblas.so.3 is OpenBLAS (Debian's alternatives system): weak, so that
// its address is null with the reference BLAS.
extern "C" void openblas_set_num_threads(int threads) __attribute__((weak));
#endif

#include "peer_case.hpp"
#include "ropecert/npy.hpp"

namespace {

using ropecert::Problem;

// Row-major C = A B^T (b_transposed) or C = A B, with A m x k and C m x n.
void multiply(const double* a, const double* b, double* c, std::size_t m, std::size_t n, std::size_t k,
              bool b_transposed) {
#if ROPECERT_BENCH_CBLAS
  cblas_dgemm(CblasRowMajor, CblasNoTrans, b_transposed ? CblasTrans : CblasNoTrans, int(m), int(n), int(k), 1.0, a,
              int(k), b, b_transposed ? int(k) : int(n), 0.0, c, int(n));
#else
  std::fill(c, c + m * n, 0.0);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t l = 0; l < k; ++l) {
      const double x = a[i * k + l];
      if (b_transposed)
        for (std::size_t j = 0; j < n; ++j) c[i * n + j] += x * b[j * k + l];
      else
        for (std::size_t j = 0; j < n; ++j) c[i * n + j] += x * b[l * n + j];
    }
#endif
}

// Sets the BLAS thread count where the BLAS has one; returns the BLAS's description.
const char* set_blas_threads(int threads) {
#if ROPECERT_BENCH_CBLAS
  if (openblas_set_num_threads == nullptr) return "cblas_dgemm (not OpenBLAS: one thread)";
  openblas_set_num_threads(threads);
  return "cblas_dgemm (OpenBLAS)";
#else
  (void)threads;
  return "loops";
#endif
}

// x with every row rotated by R_{position(row)} in double.
template <class Position>
std::vector<double> rotated(const ropecert::Matrix& x, Position position, const ropecert::RopeParams& rope) {
  std::vector<double> out = x.values;
  const std::size_t planes = rope.rotary_dim / 2;
  for (std::size_t i = 0; i < x.rows; ++i) {
    double* row = out.data() + i * x.cols;
    for (std::size_t p = 0; p < planes; ++p) {
      const ropecert_bench::PlaneCoordinates c = ropecert_bench::plane_coordinates(rope, p);
      const double theta = std::pow(rope.base, -2.0 * double(p) / double(rope.rotary_dim));
      const double angle = double(position(i)) * theta;
      const double cosine = std::cos(angle), sine = std::sin(angle);
      const double xa = row[c.a], xb = row[c.b];
      row[c.a] = xa * cosine - xb * sine;
      row[c.b] = xa * sine + xb * cosine;
    }
  }
  return out;
}

double scale_of(const Problem& problem) {
  switch (problem.scale.rule) {
    case ropecert::Scale::Rule::inv_d:
      return 1.0 / double(problem.d());
    case ropecert::Scale::Rule::inv_sqrt_d:
      return 1.0 / std::sqrt(double(problem.d()));
    case ropecert::Scale::Rule::decimal:
      return std::strtod(problem.scale.decimal.c_str(), nullptr);
  }
  return 0;
}

int float64_attention_main(int argc, char** argv) {
  const ropecert_bench::PeerArguments arguments = ropecert_bench::parse_peer_arguments(argc, argv, false);
  const Problem problem = ropecert_bench::load_standard_rope_case(arguments.case_dir);
  const std::size_t n_q = problem.n_q(), n_k = problem.n_k(), d = problem.d(), d_v = problem.d_v();
  const char* blas = set_blas_threads(arguments.threads);

  const auto start = std::chrono::steady_clock::now();
  const std::vector<double> q = rotated(problem.Q, [&](std::size_t i) { return problem.query_position(i); },
                                        problem.rope);
  const std::vector<double> k = rotated(problem.K, [&](std::size_t j) { return problem.key_position(j); },
                                        problem.rope);
  std::vector<double> w(n_q * n_k), t(n_q * d_v);
  multiply(q.data(), k.data(), w.data(), n_q, n_k, d, true);
  const double s = scale_of(problem);
  std::vector<double> row_sum(n_q);
  for (std::size_t i = 0; i < n_q; ++i) {
    double* row = w.data() + i * n_k;
    const std::size_t visible = problem.visible_key_count(i);
    for (std::size_t j = 0; j < visible; ++j) row[j] *= s;
    const double row_max = *std::max_element(row, row + visible);
    double sum = 0;
    for (std::size_t j = 0; j < visible; ++j) sum += row[j] = std::exp(row[j] - row_max);
    std::fill(row + visible, row + n_k, 0.0);
    row_sum[i] = sum;
  }
  multiply(w.data(), problem.V.values.data(), t.data(), n_q, d_v, n_k, false);
  for (std::size_t i = 0; i < n_q; ++i)
    for (std::size_t c = 0; c < d_v; ++c) t[i * d_v + c] /= row_sum[i];
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::printf("float64_attention: n_q=%zu n_k=%zu d=%zu d_v=%zu threads=%d matmul=%s\n", n_q, n_k, d, d_v,
              arguments.threads, blas);
  std::printf("wall time: %.3f s (computation, without reading the case or writing the outputs)\n", seconds);
  if (arguments.out) {
    std::filesystem::create_directories(*arguments.out);
    ropecert::write_npy_float64(*arguments.out / "T.npy", {n_q, d_v}, t);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return ropecert_bench::run_peer("float64_attention", float64_attention_main, argc, argv);
}
