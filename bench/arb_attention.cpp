// Benchmark peer: RoPE softmax attention as a hand-written Arb program would compute it (issue 10, item 6).
// Written from the definition (problem.hpp): rotate q and k first, L = s (Q_rot K_rot^T) by arb_mat_mul,
// the causal mask, w_ij = exp(L_ij - m_i) with any m_i, the numerators W V by a second arb_mat_mul, the row
// sums, T = (W V) / row sums. An entry is decided when both ends of its ball round to the same binary64
// and binary32 number (ropecert::decided_rounding); rows holding an undecided entry are redone at twice
// the precision. Not part of ropecert: a timing reference for the fast certified path.
//
//   arb_attention CASE_DIR [--out DIR] [--prec BITS] [--threads N]
//
// Writes DIR/T.npy and DIR/T_f32.npy (NaN where undecided) with ropecert's npy writer, so that they can be
// compared byte for byte with `ropecert eval CASE_DIR --out DIR2`. Exit status 1 if an entry is still
// undecided at 8192 bits, 2 on bad input.
#include <arb.h>
#include <arb_mat.h>
#include <flint/flint.h>
#include <mpfr.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "peer_case.hpp"
#include "ropecert/npy.hpp"
#include "ropecert/rounding.hpp"

namespace {

using ropecert::Problem;
using Clock = std::chrono::steady_clock;

// Owners of Arb objects.
struct Arb {
  arb_t v;
  Arb() { arb_init(v); }
  ~Arb() { arb_clear(v); }
  Arb(const Arb&) = delete;
  Arb& operator=(const Arb&) = delete;
};
struct ArbMat {
  arb_mat_t m;
  ArbMat(std::size_t rows, std::size_t cols) { arb_mat_init(m, slong(rows), slong(cols)); }
  ~ArbMat() { arb_mat_clear(m); }
  ArbMat(const ArbMat&) = delete;
  ArbMat& operator=(const ArbMat&) = delete;
  arb_struct* at(std::size_t i, std::size_t j) { return arb_mat_entry(m, slong(i), slong(j)); }
};

// Seconds spent in each stage, summed over blocks and precisions.
struct StageTimes {
  double rotate = 0, logits = 0, exponentials = 0, numerators = 0, round = 0;
};
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void set_scale(arb_t s, const Problem& problem, slong prec) {
  switch (problem.scale.rule) {
    case ropecert::Scale::Rule::inv_d:
      arb_one(s);
      arb_div_ui(s, s, problem.d(), prec);
      return;
    case ropecert::Scale::Rule::inv_sqrt_d:
      arb_rsqrt_ui(s, problem.d(), prec);
      return;
    case ropecert::Scale::Rule::decimal:
      if (arb_set_str(s, problem.scale.decimal.c_str(), prec) != 0)
        throw ropecert::InputError("scale \"" + problem.scale.decimal + "\": arb_set_str rejects it");
      return;
  }
}

// Row `rows[t]` of x rotated by R_{position(rows[t])}, as row t of `out` (rows.size() x d).
// theta_p = base^(-2p/r); plane (a, b) becomes (x_a cos - x_b sin, x_a sin + x_b cos) of the angle
// position * theta_p; coordinates >= rotary_dim pass unchanged.
template <class Position>
void rotated_rows(ArbMat& out, const ropecert::Matrix& x, const std::vector<std::size_t>& rows, Position position,
                  const ropecert::RopeParams& rope, slong prec) {
  const std::size_t planes = rope.rotary_dim / 2;
  std::vector<Arb> theta(planes);
  Arb base, exponent, angle, sine, cosine, xa, xb;
  arb_set_d(base.v, rope.base);
  for (std::size_t p = 0; p < planes; ++p) {
    arb_set_si(exponent.v, -2 * slong(p));
    arb_div_ui(exponent.v, exponent.v, rope.rotary_dim, prec);
    arb_pow(theta[p].v, base.v, exponent.v, prec);
  }
  for (std::size_t t = 0; t < rows.size(); ++t) {
    for (std::size_t l = 0; l < x.cols; ++l) arb_set_d(out.at(t, l), x.at(rows[t], l));
    for (std::size_t p = 0; p < planes; ++p) {
      const ropecert_bench::PlaneCoordinates c = ropecert_bench::plane_coordinates(rope, p);
      arb_mul_si(angle.v, theta[p].v, slong(position(rows[t])), prec);
      arb_sin_cos(sine.v, cosine.v, angle.v, prec);
      arb_set(xa.v, out.at(t, c.a));
      arb_set(xb.v, out.at(t, c.b));
      arb_mul(out.at(t, c.a), xa.v, cosine.v, prec);
      arb_submul(out.at(t, c.a), xb.v, sine.v, prec);
      arb_mul(out.at(t, c.b), xa.v, sine.v, prec);
      arb_addmul(out.at(t, c.b), xb.v, cosine.v, prec);
    }
  }
}

// RN_format of every real in the ball x, if its two ends agree.
std::optional<double> decided(const arb_t x, ropecert::BinaryFormat format, slong prec) {
  arf_t end;
  arf_init(end);
  mpfr_t lo, hi;
  mpfr_init2(lo, prec + 64);
  mpfr_init2(hi, prec + 64);
  arb_get_lbound_arf(end, x, prec + 64);
  arf_get_mpfr(lo, end, MPFR_RNDD);
  arb_get_ubound_arf(end, x, prec + 64);
  arf_get_mpfr(hi, end, MPFR_RNDU);
  const std::optional<double> result = ropecert::decided_rounding(lo, hi, format);
  mpfr_clear(lo);
  mpfr_clear(hi);
  arf_clear(end);
  return result;
}

struct Outputs {
  std::vector<double> t64, t32;  // row-major n_q x d_v, NaN where undecided
};

// Evaluates the query rows `rows` at `prec` bits in blocks; fills their decided entries in `out` and returns
// the rows that still hold an undecided entry.
std::vector<std::size_t> evaluate_rows(const Problem& problem, const std::vector<std::size_t>& rows, slong prec,
                                       Outputs& out, StageTimes& times) {
  const std::size_t n_k = problem.n_k(), d = problem.d(), d_v = problem.d_v();
  constexpr std::size_t block_rows = 256;

  Clock::time_point start = Clock::now();
  std::vector<std::size_t> keys(n_k);
  for (std::size_t j = 0; j < n_k; ++j) keys[j] = j;
  ArbMat k_rot(n_k, d), k_rot_t(d, n_k), v(n_k, d_v);
  rotated_rows(k_rot, problem.K, keys, [&](std::size_t j) { return problem.key_position(j); }, problem.rope, prec);
  arb_mat_transpose(k_rot_t.m, k_rot.m);
  for (std::size_t j = 0; j < n_k; ++j)
    for (std::size_t c = 0; c < d_v; ++c) arb_set_d(v.at(j, c), problem.V.at(j, c));
  Arb scale, row_sum, entry;
  set_scale(scale.v, problem, prec);
  times.rotate += seconds_since(start);

  std::vector<std::size_t> undecided;
  for (std::size_t first = 0; first < rows.size(); first += block_rows) {
    const std::vector<std::size_t> block(rows.begin() + long(first),
                                         rows.begin() + long(std::min(rows.size(), first + block_rows)));
    const std::size_t b = block.size();
    ArbMat q_rot(b, d), w(b, n_k), numerators(b, d_v);

    start = Clock::now();
    rotated_rows(q_rot, problem.Q, block, [&](std::size_t i) { return problem.query_position(i); }, problem.rope,
                 prec);
    times.rotate += seconds_since(start);

    start = Clock::now();
    arb_mat_mul(w.m, q_rot.m, k_rot_t.m, prec);
    arb_mat_scalar_mul_arb(w.m, w.m, scale.v, prec);
    times.logits += seconds_since(start);

    start = Clock::now();
    for (std::size_t t = 0; t < b; ++t) {
      const std::size_t visible = problem.visible_key_count(block[t]);
      arf_struct* row_max = arb_midref(w.at(t, 0));
      for (std::size_t j = 1; j < visible; ++j)
        if (arf_cmp(arb_midref(w.at(t, j)), row_max) > 0) row_max = arb_midref(w.at(t, j));
      arf_t m;
      arf_init(m);
      arf_set(m, row_max);
      for (std::size_t j = 0; j < visible; ++j) {
        arb_sub_arf(w.at(t, j), w.at(t, j), m, prec);
        arb_exp(w.at(t, j), w.at(t, j), prec);
      }
      for (std::size_t j = visible; j < n_k; ++j) arb_zero(w.at(t, j));
      arf_clear(m);
    }
    times.exponentials += seconds_since(start);

    start = Clock::now();
    arb_mat_mul(numerators.m, w.m, v.m, prec);
    times.numerators += seconds_since(start);

    start = Clock::now();
    for (std::size_t t = 0; t < b; ++t) {
      arb_zero(row_sum.v);
      for (std::size_t j = 0; j < n_k; ++j) arb_add(row_sum.v, row_sum.v, w.at(t, j), prec);
      bool row_decided = true;
      for (std::size_t c = 0; c < d_v; ++c) {
        arb_div(entry.v, numerators.at(t, c), row_sum.v, prec);
        const std::optional<double> t64 = decided(entry.v, ropecert::binary64, prec);
        const std::optional<double> t32 = decided(entry.v, ropecert::binary32, prec);
        const std::size_t index = block[t] * d_v + c;
        out.t64[index] = t64 ? *t64 : std::numeric_limits<double>::quiet_NaN();
        out.t32[index] = t32 ? *t32 : std::numeric_limits<double>::quiet_NaN();
        row_decided = row_decided && t64 && t32;
      }
      if (!row_decided) undecided.push_back(block[t]);
    }
    times.round += seconds_since(start);
  }
  return undecided;
}

int arb_attention_main(int argc, char** argv) {
  const ropecert_bench::PeerArguments arguments = ropecert_bench::parse_peer_arguments(argc, argv, true);
  const Problem problem = ropecert_bench::load_standard_rope_case(arguments.case_dir);
  flint_set_num_threads(arguments.threads);

  const std::size_t n_q = problem.n_q(), d_v = problem.d_v();
  Outputs out{std::vector<double>(n_q * d_v), std::vector<double>(n_q * d_v)};
  StageTimes times;
  std::vector<std::size_t> rows(n_q);
  for (std::size_t i = 0; i < n_q; ++i) rows[i] = i;

  const Clock::time_point start = Clock::now();
  slong prec = arguments.precision;
  constexpr slong max_precision = 8192;
  std::string rounds;
  for (;;) {
    const std::vector<std::size_t> undecided = evaluate_rows(problem, rows, prec, out, times);
    rounds += " " + std::to_string(prec) + " bits: " + std::to_string(rows.size()) + " rows, " +
              std::to_string(undecided.size()) + " left undecided;";
    rows = undecided;
    if (rows.empty() || prec >= max_precision) break;
    prec *= 2;
  }
  const double total = seconds_since(start);

  std::printf("arb_attention: n_q=%zu n_k=%zu d=%zu d_v=%zu start_prec=%ld threads=%d\n", n_q, problem.n_k(),
              problem.d(), d_v, arguments.precision, arguments.threads);
  std::printf("rounds:%s\n", rounds.c_str());
  std::printf("stages (s): rotate %.3f, logits (arb_mat_mul + scale) %.3f, exp %.3f, numerators (arb_mat_mul) %.3f, "
              "row sums + divide + round %.3f\n",
              times.rotate, times.logits, times.exponentials, times.numerators, times.round);
  std::printf("wall time: %.3f s (computation, without reading the case or writing the outputs)\n", total);

  if (arguments.out) {
    std::filesystem::create_directories(*arguments.out);
    ropecert::write_npy_float64(*arguments.out / "T.npy", {n_q, d_v}, out.t64);
    ropecert::write_npy_float32(*arguments.out / "T_f32.npy", {n_q, d_v}, out.t32);
  }
  return rows.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) { return ropecert_bench::run_peer("arb_attention", arb_attention_main, argc, argv); }
