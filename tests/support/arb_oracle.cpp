// The Arb attention oracle (arb_oracle.hpp), written from the definition, term by term.
#include "arb_oracle.hpp"

#include <acb.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace ropecert_test {
namespace {

using ropecert::Kind;
using ropecert::Problem;
using Rule = ropecert::Scale::Rule;

// RAII owner of one arf_t.
struct Arf {
  arf_t v;
  Arf() { arf_init(v); }
  ~Arf() { arf_clear(v); }
  Arf(const Arf&) = delete;
  Arf& operator=(const Arf&) = delete;
};

void set_scale(arb_t s, const Problem& problem, slong prec) {
  switch (problem.scale.rule) {
    case Rule::inv_d:
      arb_one(s);
      arb_div_ui(s, s, problem.d(), prec);
      return;
    case Rule::inv_sqrt_d:
      arb_rsqrt_ui(s, problem.d(), prec);
      return;
    case Rule::decimal:
      if (arb_set_str(s, problem.scale.decimal.c_str(), prec) != 0)
        throw std::invalid_argument("arb_set_str rejects the scale \"" + problem.scale.decimal + "\"");
      return;
  }
}

// Row `row` of m as exact balls.
std::vector<ArbBall> row_balls(const ropecert::Matrix& m, std::size_t row) {
  std::vector<ArbBall> x(m.cols);
  for (std::size_t l = 0; l < m.cols; ++l) arb_set_d(x[l].get(), m.at(row, l));
  return x;
}

// theta_p = base^(-2p/r) for p = 0 .. r/2 - 1 (standard angles; pythagorean ones need none).
std::vector<ArbBall> rope_frequencies(const ropecert::RopeParams& rope, slong prec) {
  if (rope.angles != ropecert::Angles::standard) return {};
  std::vector<ArbBall> theta(rope.rotary_dim / 2);
  ArbBall base, exponent;
  arb_set_d(base.get(), rope.base);
  for (std::size_t p = 0; p < theta.size(); ++p) {
    arb_set_si(exponent.get(), -2 * slong(p));
    arb_div_ui(exponent.get(), exponent.get(), rope.rotary_dim, prec);
    arb_pow(theta[p].get(), base.get(), exponent.get(), prec);
  }
  return theta;
}

// sin and cos of plane p's angle at `position`. Standard: of position * theta_p. Pythagorean:
// cos + i sin = ((u^2 - 1) + 2u i)^position / (u^2 + 1)^position, u = p + 2 (no trigonometry).
void plane_sin_cos(arb_t sine, arb_t cosine, const ropecert::RopeParams& rope, const std::vector<ArbBall>& theta,
                   std::size_t p, std::int64_t position, slong prec) {
  if (rope.angles == ropecert::Angles::standard) {
    ArbBall angle;
    arb_mul_si(angle.get(), theta[p].get(), slong(position), prec);
    arb_sin_cos(sine, cosine, angle.get(), prec);
    return;
  }
  const slong u = slong(p) + 2;
  acb_t z;
  acb_init(z);
  acb_set_si_si(z, u * u - 1, 2 * u);
  acb_div_ui(z, z, ulong(u * u + 1), prec);
  acb_pow_si(z, z, slong(position), prec);
  arb_set(cosine, acb_realref(z));
  arb_set(sine, acb_imagref(z));
  acb_clear(z);
}

// R_position x: each plane p rotated by its angle at `position`; dims >= rotary_dim untouched.
void rotate(std::vector<ArbBall>& x, const ropecert::RopeParams& rope, const std::vector<ArbBall>& theta,
            std::int64_t position, slong prec) {
  const bool half = rope.pairing == ropecert::Pairing::half;
  const std::size_t planes = rope.rotary_dim / 2;
  ArbBall sine, cosine, a, b;
  for (std::size_t p = 0; p < planes; ++p) {
    const std::size_t ia = half ? p : 2 * p;
    const std::size_t ib = half ? p + planes : 2 * p + 1;
    plane_sin_cos(sine.get(), cosine.get(), rope, theta, p, position, prec);
    arb_mul(a.get(), x[ia].get(), cosine.get(), prec);  // x_a cos - x_b sin
    arb_submul(a.get(), x[ib].get(), sine.get(), prec);
    arb_mul(b.get(), x[ia].get(), sine.get(), prec);  // x_a sin + x_b cos
    arb_addmul(b.get(), x[ib].get(), cosine.get(), prec);
    arb_swap(x[ia].get(), a.get());
    arb_swap(x[ib].get(), b.get());
  }
}

// sum_l x_l y_l.
void dot(arb_t result, const std::vector<ArbBall>& x, const std::vector<ArbBall>& y, slong prec) {
  arb_zero(result);
  for (std::size_t l = 0; l < x.size(); ++l) arb_addmul(result, x[l].get(), y[l].get(), prec);
}

// q^T W k = sum_l1 q_l1 sum_l2 W_l1l2 k_l2.
void bilinear(arb_t result, const std::vector<ArbBall>& q, const ropecert::Matrix& w, const std::vector<ArbBall>& k,
              slong prec) {
  arb_zero(result);
  ArbBall wk, entry;
  for (std::size_t l1 = 0; l1 < q.size(); ++l1) {
    arb_zero(wk.get());
    for (std::size_t l2 = 0; l2 < k.size(); ++l2) {
      arb_set_d(entry.get(), w.at(l1, l2));
      arb_addmul(wk.get(), entry.get(), k[l2].get(), prec);
    }
    arb_addmul(result, q[l1].get(), wk.get(), prec);
  }
}

}  // namespace

std::vector<ArbBall> arb_attention(const Problem& problem, slong prec) {
  const bool rope = problem.kind == Kind::rope;
  ArbBall scale;
  set_scale(scale.get(), problem, prec);

  std::vector<std::vector<ArbBall>> queries, keys;
  for (std::size_t i = 0; i < problem.n_q(); ++i) queries.push_back(row_balls(problem.Q, i));
  for (std::size_t j = 0; j < problem.n_k(); ++j) keys.push_back(row_balls(problem.K, j));
  if (rope) {
    const std::vector<ArbBall> theta = rope_frequencies(problem.rope, prec);
    for (std::size_t i = 0; i < queries.size(); ++i)
      rotate(queries[i], problem.rope, theta, problem.query_position(i), prec);
    for (std::size_t j = 0; j < keys.size(); ++j)
      rotate(keys[j], problem.rope, theta, problem.key_position(j), prec);
  }

  std::vector<ArbBall> output(problem.n_q() * problem.d_v());
  std::vector<ArbBall> weight(problem.n_k());
  ArbBall denominator, numerator, v;
  Arf shift;
  for (std::size_t i = 0; i < problem.n_q(); ++i) {
    // Logits of the visible keys, then the largest midpoint as the (exact) shift.
    bool any_visible = false;
    for (std::size_t j = 0; j < problem.n_k(); ++j) {
      if (!problem.key_visible(i, j)) continue;
      if (rope)
        dot(weight[j].get(), queries[i], keys[j], prec);
      else
        bilinear(weight[j].get(), queries[i], problem.coupling(std::int64_t(i) - std::int64_t(j)), keys[j], prec);
      arb_mul(weight[j].get(), weight[j].get(), scale.get(), prec);
      if (!any_visible || arf_cmp(arb_midref(weight[j].get()), shift.v) > 0)
        arf_set(shift.v, arb_midref(weight[j].get()));
      any_visible = true;
    }
    if (!any_visible) throw std::invalid_argument("arb_attention: query row without a visible key");

    arb_zero(denominator.get());
    for (std::size_t j = 0; j < problem.n_k(); ++j) {
      if (!problem.key_visible(i, j)) continue;
      arb_sub_arf(weight[j].get(), weight[j].get(), shift.v, prec);
      arb_exp(weight[j].get(), weight[j].get(), prec);
      arb_add(denominator.get(), denominator.get(), weight[j].get(), prec);
    }
    for (std::size_t c = 0; c < problem.d_v(); ++c) {
      arb_zero(numerator.get());
      for (std::size_t j = 0; j < problem.n_k(); ++j) {
        if (!problem.key_visible(i, j)) continue;
        arb_set_d(v.get(), problem.V.at(j, c));
        arb_addmul(numerator.get(), weight[j].get(), v.get(), prec);
      }
      arb_div(output[i * problem.d_v() + c].get(), numerator.get(), denominator.get(), prec);
    }
  }
  return output;
}

namespace {

bool inside(const ArbBall& ball, const arf_t lo, const arf_t hi) {
  if (!arb_is_finite(ball.get()) || arf_is_nan(lo) || arf_is_nan(hi)) return false;
  // Exact endpoints: an outward-rounded ball built from [lo, hi] (arb_set_interval_mpfr) would
  // be wider than [lo, hi] and could accept a ball that pokes out of it.
  Arf a, b;
  arb_get_interval_arf(a.v, b.v, ball.get(), ARF_PREC_EXACT);
  return arf_cmp(lo, a.v) <= 0 && arf_cmp(b.v, hi) <= 0;
}

}  // namespace

bool arb_ball_inside(const ArbBall& ball, const mpfr_t lo, const mpfr_t hi) {
  Arf a, b;
  arf_set_mpfr(a.v, lo);
  arf_set_mpfr(b.v, hi);
  return inside(ball, a.v, b.v);
}

bool arb_ball_inside(const ArbBall& ball, double lo, double hi) {
  Arf a, b;
  arf_set_d(a.v, lo);
  arf_set_d(b.v, hi);
  return inside(ball, a.v, b.v);
}

}  // namespace ropecert_test
