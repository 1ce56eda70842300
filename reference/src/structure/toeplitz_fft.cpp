// Toeplitz times vectors in binary64 through the circulant embedding and FFTW, and the a-priori
// error bound of proofs-notes/21-circulant-embedding.md (Model A, Theorem 4, Lemma 5).
#include "ropecert/toeplitz.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>

namespace ropecert {
namespace {

constexpr std::size_t max_order = std::size_t(1) << 28;  // keeps N < 2^30 (FFTW takes an int)

std::size_t checked_order(const std::vector<double>& symbol, const Matrix& x) {
  const std::size_t n = toeplitz_order(symbol.size(), x.rows);
  if (n > max_order) throw std::invalid_argument("toeplitz fft: n must be at most 2^28");
  return n;
}

bool is_7_smooth(std::size_t m) {
  for (std::size_t p : {2, 3, 5, 7})
    while (m % p == 0) m /= p;
  return m == 1;
}

// FFTW's planner (plan creation and destruction) is not thread-safe; execution is.
std::mutex& planner_mutex() {
  static std::mutex mutex;
  return mutex;
}

struct FftwFree {
  void operator()(void* p) const { fftw_free(p); }
};
template <class T>
using FftwBuffer = std::unique_ptr<T[], FftwFree>;

// fftw_malloc gives the SIMD alignment the plans are made for.
template <class T>
FftwBuffer<T> fftw_buffer(std::size_t count) {
  T* p = static_cast<T*>(fftw_malloc(sizeof(T) * count));
  if (p == nullptr) throw std::bad_alloc();
  return FftwBuffer<T>(p);
}

class Plan {
 public:
  // FFTW_ESTIMATE: the plan does not depend on timings, and planning does not touch the arrays.
  static Plan r2c(std::size_t size, double* in, fftw_complex* out) {
    std::lock_guard<std::mutex> lock(planner_mutex());
    return Plan(fftw_plan_dft_r2c_1d(int(size), in, out, FFTW_ESTIMATE));
  }
  static Plan c2r(std::size_t size, fftw_complex* in, double* out) {
    std::lock_guard<std::mutex> lock(planner_mutex());
    return Plan(fftw_plan_dft_c2r_1d(int(size), in, out, FFTW_ESTIMATE));
  }
  ~Plan() {
    std::lock_guard<std::mutex> lock(planner_mutex());
    fftw_destroy_plan(plan_);
  }
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;

  void execute() const { fftw_execute(plan_); }

 private:
  explicit Plan(fftw_plan plan) : plan_(plan) {
    if (plan_ == nullptr) throw std::runtime_error("toeplitz fft: FFTW could not create a plan");
  }
  fftw_plan plan_;
};

// Checks Model A's range condition on every entry.
void check_range(const std::vector<double>& values) {
  for (double v : values)
    if (!std::isfinite(v) || (v != 0 && (std::fabs(v) < 0x1p-450 || std::fabs(v) > 0x1p450)))
      throw std::domain_error("fft_error_bound: entries must be 0 or of magnitude in [2^-450, 2^450]");
}

}  // namespace

std::size_t fft_embedding_size(std::size_t n) {
  if (n == 0 || n > max_order) throw std::invalid_argument("fft_embedding_size: n must be in [1, 2^28]");
  std::size_t size = 2 * n - 1;
  while (!is_7_smooth(size)) ++size;
  return size;
}

Matrix toeplitz_times_vectors_fft(const std::vector<double>& symbol, const Matrix& x) {
  const std::size_t n = checked_order(symbol, x);
  const std::size_t size = fft_embedding_size(n);
  const std::size_t half = size / 2 + 1;  // r2c keeps the non-redundant half of a Hermitian spectrum
  const FftwBuffer<double> real = fftw_buffer<double>(size);
  const FftwBuffer<fftw_complex> spectrum = fftw_buffer<fftw_complex>(half);
  const FftwBuffer<fftw_complex> symbol_spectrum = fftw_buffer<fftw_complex>(half);
  const Plan forward = Plan::r2c(size, real.get(), spectrum.get());
  const Plan backward = Plan::c2r(size, spectrum.get(), real.get());

  const std::vector<double> column = circulant_embedding(symbol, size);
  std::copy(column.begin(), column.end(), real.get());
  forward.execute();
  std::memcpy(symbol_spectrum.get(), spectrum.get(), sizeof(fftw_complex) * half);

  const double inverse_size = 1.0 / double(size);
  Matrix y(n, x.cols);
  for (std::size_t c = 0; c < x.cols; ++c) {
    for (std::size_t j = 0; j < size; ++j) real[j] = j < n ? x.at(j, c) : 0.0;
    forward.execute();
    for (std::size_t k = 0; k < half; ++k) {
      const double a = symbol_spectrum[k][0], b = symbol_spectrum[k][1];
      const double p = spectrum[k][0], q = spectrum[k][1];
      spectrum[k][0] = a * p - b * q;
      spectrum[k][1] = a * q + b * p;
    }
    backward.execute();  // unnormalised: N times the inverse transform
    for (std::size_t i = 0; i < n; ++i) y.at(i, c) = real[i] * inverse_size;
  }
  return y;
}

double fft_error_bound(const std::vector<double>& symbol, const Matrix& x) {
  const std::size_t n = checked_order(symbol, x);
  check_range(symbol);
  check_range(x.values);
  const std::size_t size = fft_embedding_size(n);

  // Every operation below acts on non-negative normal numbers and rounds to nearest, so the result
  // is at least the exact formula divided by (1 + u)^K, K <= 3n + 10; the factor 1 + 2^-16 covers
  // this and the second-order terms of Theorem 4 (Lemma 5).
  double symbol_norm1 = 0, symbol_sum_squares = 0;
  for (double t : symbol) {
    symbol_norm1 += std::fabs(t);
    symbol_sum_squares += t * t;
  }
  const double symbol_norm2 = std::sqrt(symbol_sum_squares);
  double column_sum_squares = 0;
  for (std::size_t c = 0; c < x.cols; ++c) {
    double sum = 0;
    for (std::size_t j = 0; j < n; ++j) sum += x.at(j, c) * x.at(j, c);
    column_sum_squares = std::max(column_sum_squares, sum);
  }
  const double column_norm2 = std::sqrt(column_sum_squares);

  double levels = 0;  // L = ceil(log2 N)
  while (std::size_t(1) << std::size_t(levels) < size) ++levels;
  const double u = 0x1p-53;
  return (1 + 0x1p-16) * u * column_norm2 *
         (fft_model_constant * levels * (2 * symbol_norm1 + std::sqrt(double(size)) * symbol_norm2) +
          5 * symbol_norm1);
}

}  // namespace ropecert
