// Plain binary64 softmax attention (attention_double.hpp): the uncertified speed baseline.
#include "ropecert/attention_double.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include "ropecert/logit_scale.hpp"
#include "ropecert/parallel.hpp"
#include "ropecert/rope_geometry.hpp"

namespace ropecert {

namespace {

// Register blocking: a block of kRows query rows against kCols keys (or kCols columns of V) at
// a time, the kRows x kCols partial sums held in registers. Packed inputs are padded with zeros
// to these multiples; padded logits are never used and padded weights are 0.
constexpr std::size_t kRows = 4;
constexpr std::size_t kCols = 4;

std::size_t round_up(std::size_t n, std::size_t m) { return (n + m - 1) / m * m; }

// theta_p, p = 0 .. rotary_dim/2 - 1, in binary64 (problem.hpp).
std::vector<double> frequencies(const RopeParams& rope) {
  std::vector<double> theta(rope.rotary_dim / 2);
  for (std::size_t p = 0; p < theta.size(); ++p) {
    if (rope.angles == Angles::pythagorean) {
      const double u = static_cast<double>(p + 2);
      theta[p] = std::atan2(2.0 * u, u * u - 1.0);  // exact arguments
    } else {
      theta[p] = std::pow(rope.base, -static_cast<double>(2 * p) / static_cast<double>(rope.rotary_dim));
    }
  }
  return theta;
}

// y = R_position x for one row of length d; dimensions >= rotary_dim are copied.
void rotate_row(const double* x, double* y, std::size_t d,
                const std::vector<std::pair<std::size_t, std::size_t>>& planes, const std::vector<double>& theta,
                std::int64_t position) {
  std::copy(x, x + d, y);
  for (std::size_t p = 0; p < planes.size(); ++p) {
    const auto [a, b] = planes[p];
    const double angle = static_cast<double>(position) * theta[p];
    const double c = std::cos(angle), s = std::sin(angle);
    y[a] = x[a] * c - x[b] * s;
    y[b] = x[a] * s + x[b] * c;
  }
}

// Number of keys visible from query i: key positions increase with j, so the visible keys
// (Problem::key_visible) are a prefix [0, end).
std::size_t visible_end(const Problem& problem, std::size_t i) {
  std::size_t lo = 0, hi = problem.n_k();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (problem.key_visible(i, mid))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

// Per-thread scratch, allocated once per thread.
struct Workspace {
  std::vector<double> q_pack;   // kind rope: the block's rotated query rows, [l * kRows + r]
  std::vector<double> weights;  // logits, then weights, of the block: [j * kRows + r]
  std::vector<double> mixed;    // kind general: q_i^T W_k, length d
  Workspace(std::size_t n_k_padded, std::size_t d) : q_pack(d * kRows), weights(n_k_padded * kRows), mixed(d) {}
};

class QuadraticAttention {
 public:
  explicit QuadraticAttention(const Problem& problem)
      : problem_(problem),
        n_q_(problem.n_q()),
        n_k_(problem.n_k()),
        d_(problem.d()),
        d_v_(problem.d_v()),
        n_k_padded_(round_up(n_k_, kCols)),
        d_v_padded_(round_up(d_v_, kCols)),
        scale_(nearest_binary64_scale(problem.scale, problem.d())),
        out_(n_q_, d_v_) {
    if (problem.kind == Kind::rope) rotate_inputs();
    pack_values();
  }

  std::size_t blocks() const { return (n_q_ + kRows - 1) / kRows; }
  Workspace workspace() const { return Workspace(n_k_padded_, d_); }

  // Rows [block * kRows, ...): logits, softmax, weighted sum of V, written to out_.
  void run_block(std::size_t block, Workspace& work) {
    const std::size_t i0 = block * kRows;
    const std::size_t rows = std::min(kRows, n_q_ - i0);
    std::size_t ends[kRows] = {};
    std::size_t end_max = 0;
    for (std::size_t r = 0; r < rows; ++r) {
      ends[r] = visible_end(problem_, i0 + r);
      end_max = std::max(end_max, ends[r]);
    }
    const std::size_t end_padded = round_up(end_max, kCols);
    if (problem_.kind == Kind::rope)
      rope_logits(i0, rows, end_padded, work);
    else
      general_logits(i0, rows, ends, work);

    // Scale, shift by the row maximum, exponentiate; totals in increasing j. Weights past the
    // row's visible keys (other rows of the block see more, or padding) are set to 0.
    double* weight = work.weights.data();
    double totals[kRows] = {};
    for (std::size_t r = 0; r < kRows; ++r) {
      const std::size_t end = r < rows ? ends[r] : 0;
      double top = -std::numeric_limits<double>::infinity();
      for (std::size_t j = 0; j < end; ++j) {
        weight[j * kRows + r] *= scale_;
        top = std::max(top, weight[j * kRows + r]);
      }
      double total = 0;
      for (std::size_t j = 0; j < end; ++j) {
        weight[j * kRows + r] = std::exp(weight[j * kRows + r] - top);
        total += weight[j * kRows + r];
      }
      for (std::size_t j = end; j < end_padded; ++j) weight[j * kRows + r] = 0.0;
      totals[r] = total;
    }

    // sum_j w_ij V_jc in increasing j, from 0. The zero weights add +-0, which changes no sum
    // (a sum from +0 is never -0 in round-to-nearest), so this equals the sum over visible keys.
    for (std::size_t c0 = 0; c0 < d_v_padded_; c0 += kCols) {
      const double* panel = values_packed_.data() + c0 * n_k_padded_;  // [j * kCols + t]
      double acc[kRows][kCols] = {};
      for (std::size_t j = 0; j < end_max; ++j) {
        const double* v = panel + j * kCols;
        const double* w = weight + j * kRows;
        for (std::size_t r = 0; r < kRows; ++r)
          for (std::size_t t = 0; t < kCols; ++t) acc[r][t] += w[r] * v[t];
      }
      for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t t = 0; t < kCols && c0 + t < d_v_; ++t) out_.at(i0 + r, c0 + t) = acc[r][t] / totals[r];
    }
  }

  Matrix take_output() { return std::move(out_); }

 private:
  const Problem& problem_;
  std::size_t n_q_, n_k_, d_, d_v_, n_k_padded_, d_v_padded_;
  double scale_;
  Matrix out_;
  Matrix rotated_q_;                   // kind rope: R_{a_i} q_i, n_q x d
  std::vector<double> keys_packed_;    // kind rope: (R_{b_j} k_j)_l at [(j - t) * d + l * kCols + t], t = j % kCols
  std::vector<double> values_packed_;  // V_jc at [(c - t) * n_k_padded + j * kCols + t], t = c % kCols

  void rotate_inputs() {
    const RopeParams& rope = problem_.rope;
    const auto planes = rotary_planes(rope.rotary_dim, rope.pairing);
    const std::vector<double> theta = frequencies(rope);
    rotated_q_ = Matrix(n_q_, d_);
    for (std::size_t i = 0; i < n_q_; ++i)
      rotate_row(&problem_.Q.values[i * d_], &rotated_q_.values[i * d_], d_, planes, theta, problem_.query_position(i));
    keys_packed_.assign(n_k_padded_ * d_, 0.0);
    std::vector<double> row(d_);
    for (std::size_t j = 0; j < n_k_; ++j) {
      rotate_row(&problem_.K.values[j * d_], row.data(), d_, planes, theta, problem_.key_position(j));
      const std::size_t t = j % kCols;
      for (std::size_t l = 0; l < d_; ++l) keys_packed_[(j - t) * d_ + l * kCols + t] = row[l];
    }
  }

  void pack_values() {
    values_packed_.assign(d_v_padded_ * n_k_padded_, 0.0);
    for (std::size_t j = 0; j < n_k_; ++j)
      for (std::size_t c = 0; c < d_v_; ++c) {
        const std::size_t t = c % kCols;
        values_packed_[(c - t) * n_k_padded_ + j * kCols + t] = problem_.V.at(j, c);
      }
  }

  // Unscaled logits sum_l (R q_i)_l (R k_j)_l for j < end_padded, each summed in increasing l from
  // 0, into work.weights[j * kRows + r]. Rows past `rows` are zero padding.
  void rope_logits(std::size_t i0, std::size_t rows, std::size_t end_padded, Workspace& work) const {
    double* q = work.q_pack.data();
    for (std::size_t l = 0; l < d_; ++l)
      for (std::size_t r = 0; r < kRows; ++r) q[l * kRows + r] = r < rows ? rotated_q_.at(i0 + r, l) : 0.0;
    for (std::size_t j0 = 0; j0 < end_padded; j0 += kCols) {
      const double* panel = keys_packed_.data() + j0 * d_;  // [l * kCols + t]
      double acc[kRows][kCols] = {};
      for (std::size_t l = 0; l < d_; ++l) {
        const double* k = panel + l * kCols;
        const double* ql = q + l * kRows;
        for (std::size_t r = 0; r < kRows; ++r)
          for (std::size_t t = 0; t < kCols; ++t) acc[r][t] += ql[r] * k[t];
      }
      for (std::size_t t = 0; t < kCols; ++t)
        for (std::size_t r = 0; r < kRows; ++r) work.weights[(j0 + t) * kRows + r] = acc[r][t];
    }
  }

  // Unscaled logits sum_b (sum_a q_ia (W_{i-j})_ab) k_jb for the visible keys.
  void general_logits(std::size_t i0, std::size_t rows, const std::size_t* ends, Workspace& work) const {
    double* mixed = work.mixed.data();
    for (std::size_t r = 0; r < rows; ++r) {
      const std::size_t i = i0 + r;
      const double* q = problem_.Q.values.data() + i * d_;
      for (std::size_t j = 0; j < ends[r]; ++j) {
        const double* w = problem_.coupling(static_cast<std::int64_t>(i) - static_cast<std::int64_t>(j)).values.data();
        std::fill_n(mixed, d_, 0.0);
        for (std::size_t a = 0; a < d_; ++a) {
          const double qa = q[a];
          const double* w_row = w + a * d_;
          for (std::size_t b = 0; b < d_; ++b) mixed[b] += qa * w_row[b];
        }
        const double* k = problem_.K.values.data() + j * d_;
        double dot = 0;
        for (std::size_t b = 0; b < d_; ++b) dot += mixed[b] * k[b];
        work.weights[j * kRows + r] = dot;
      }
    }
  }
};

}  // namespace

// Refuses rope.scaling and rope.emulate (std::invalid_argument): this baseline computes only
// theta_p = base^(-2p/r) with unscaled std::cos / std::sin, and must not silently ignore a convention.
Matrix attention_quadratic_double(const Problem& problem, unsigned threads) {
  if (problem.kind == Kind::rope && problem.rope.scaled_or_emulated())
    throw std::invalid_argument(
        "attention_quadratic_double: rope scaling / emulation (rope.scaling, rope.emulate) is not supported");
  QuadraticAttention attention(problem);
  const std::size_t blocks = attention.blocks();
  // Worker t takes blocks t, t + workers, ...: interleaved, so causal rows (whose cost grows with
  // i) balance. Which thread computes a row does not change how it is computed.
  const std::size_t workers = std::min<std::size_t>(effective_threads(threads), std::max<std::size_t>(blocks, 1));
  auto work_of = [&](std::size_t t) {
    Workspace work = attention.workspace();
    for (std::size_t block = t; block < blocks; block += workers) attention.run_block(block, work);
  };
  if (workers == 1)
    work_of(0);
  else
    parallel_for(workers, static_cast<unsigned>(workers), work_of);
  return attention.take_output();
}

}  // namespace ropecert
