// The Arb attention oracle (arb_oracle.hpp), written from the definition, term by term.
#include "arb_oracle.hpp"

#include <acb.h>

#include <algorithm>
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

using Method = ropecert::RopeScalingKind;

// ---- HF's rope scaling in Arb (moved here from tests/t-rope-scaling.cpp) ----------------------------

ArbBall ball(double x) {
  ArbBall b;
  arb_set_d(b.get(), x);
  return b;
}

ArbBall ball_u(std::uint64_t n) {
  ArbBall b;
  arb_set_ui(b.get(), n);
  return b;
}

ArbBall ratio(std::uint64_t numerator, std::uint64_t denominator, slong prec) {
  ArbBall b = ball_u(numerator);
  arb_div_ui(b.get(), b.get(), denominator, prec);
  return b;
}

// HF: pos_freqs = base ** (arange(0, dim, 2) / dim), an Arb power.
ArbBall pos_freq(const ArbBall& base, std::size_t p, std::size_t r, slong prec) {
  ArbBall exponent, result;
  arb_set_ui(exponent.get(), 2 * p);
  arb_div_ui(exponent.get(), exponent.get(), r, prec);
  arb_pow(result.get(), base.get(), exponent.get(), prec);
  return result;
}

ArbBall inverse(const ArbBall& x, slong prec) {
  ArbBall result;
  arb_inv(result.get(), x.get(), prec);
  return result;
}

// The factor HF uses: the given one, or max_position_embeddings / original_max_position_embeddings.
ArbBall hf_factor(const ropecert::RopeScaling& s, slong prec) {
  return s.factor ? ball(*s.factor) : ratio(s.max_position_embeddings, s.original_max_position_embeddings, prec);
}

// z = x * d for a double d (exact in Arb).
void arb_mul_double(arb_t z, const arb_t x, double d, slong prec) {
  arb_t t;
  arb_init(t);
  arb_set_d(t, d);
  arb_mul(z, x, t, prec);
  arb_clear(t);
}

void require_decided(bool decided, const char* what) {
  if (!decided) throw ArbUndecided(std::string("arb oracle: undecided: ") + what);
}

// get_mscale(scale, mscale) with HF's 0.1 as 1/10.
ArbBall get_mscale(const ArbBall& scale, double mscale, slong prec) {
  ArbBall result, one = ball_u(1);
  if (arb_le(scale.get(), one.get())) return one;
  require_decided(arb_gt(scale.get(), one.get()), "get_mscale: scale > 1");
  arb_log(result.get(), scale.get(), prec);
  arb_mul_double(result.get(), result.get(), mscale, prec);
  arb_div_ui(result.get(), result.get(), 10, prec);
  arb_add_ui(result.get(), result.get(), 1, prec);
  return result;
}

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

// theta_p = base^(-2p/r) for p = 0 .. r/2 - 1 (standard angles without scaling or emulation).
std::vector<ArbBall> default_frequencies(const ropecert::RopeParams& rope, slong prec) {
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

// theta_p and a of the problem's convention (arb_oracle.hpp): pythagorean angles need no theta.
struct Frequencies {
  std::vector<ArbBall> theta;
  ArbBall attention;  // a
};

Frequencies rope_frequencies(const ropecert::RopeParams& rope, slong prec) {
  Frequencies f;
  arb_one(f.attention.get());
  if (rope.angles != ropecert::Angles::standard) return f;
  if (rope.scaling.kind != Method::none) {
    ArbScaledFrequencies scaled = arb_scaled_frequencies(rope.scaling, rope.base, rope.rotary_dim, prec);
    f.theta = std::move(scaled.inv_freq);
    f.attention = scaled.attention;
  } else if (rope.emulate.inv_freq == ropecert::InvFreqEmulation::float32) {
    for (const float x : arb_inv_freq_float32(rope.base, rope.rotary_dim, prec)) {
      f.theta.emplace_back();
      arb_set_d(f.theta.back().get(), x);
    }
  } else {
    f.theta = default_frequencies(rope, prec);
  }
  return f;
}

// The format of a cos / sin emulation, or nullptr for exact.
const ropecert::BinaryFormat* emulated_format(ropecert::CosSinEmulation e) {
  switch (e) {
    case ropecert::CosSinEmulation::exact:
      return nullptr;
    case ropecert::CosSinEmulation::float32:
      return &ropecert::binary32;
    case ropecert::CosSinEmulation::bfloat16:
      return &ropecert::bfloat16;
    case ropecert::CosSinEmulation::float16:
      return &ropecert::binary16;
  }
  return nullptr;
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
// With a cos / sin emulation F, the entries are c = RN_F(a cos phi), s = RN_F(a sin phi) instead.
void rotate(std::vector<ArbBall>& x, const ropecert::RopeParams& rope, const Frequencies& frequencies,
            std::int64_t position, slong prec) {
  const bool half = rope.pairing == ropecert::Pairing::half;
  const std::size_t planes = rope.rotary_dim / 2;
  const ropecert::BinaryFormat* format = emulated_format(rope.emulate.cos_sin);
  ArbBall sine, cosine, a, b;
  for (std::size_t p = 0; p < planes; ++p) {
    const std::size_t ia = half ? p : 2 * p;
    const std::size_t ib = half ? p + planes : 2 * p + 1;
    plane_sin_cos(sine.get(), cosine.get(), rope, frequencies.theta, p, position, prec);
    if (format) {
      arb_mul(cosine.get(), cosine.get(), frequencies.attention.get(), prec);
      arb_mul(sine.get(), sine.get(), frequencies.attention.get(), prec);
      arb_set_d(cosine.get(), arb_round_decided(cosine, *format));
      arb_set_d(sine.get(), arb_round_decided(sine, *format));
    }
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

// The RoPE logit before the scale s: with the emulation, the dot product of the emulated rotated rows
// (a is inside their entries); without it, a^2 (R q)_rot . (R k)_rot + q_pass . k_pass.
void rope_dot(arb_t result, const std::vector<ArbBall>& q, const std::vector<ArbBall>& k,
              const ropecert::RopeParams& rope, const ArbBall& attention, slong prec) {
  if (rope.emulate.cos_sin != ropecert::CosSinEmulation::exact) return dot(result, q, k, prec);
  const bool half = rope.pairing == ropecert::Pairing::half;
  const std::size_t planes = rope.rotary_dim / 2;
  ArbBall rotary, square;
  for (std::size_t p = 0; p < planes; ++p) {
    const std::size_t ia = half ? p : 2 * p;
    const std::size_t ib = half ? p + planes : 2 * p + 1;
    arb_addmul(rotary.get(), q[ia].get(), k[ia].get(), prec);
    arb_addmul(rotary.get(), q[ib].get(), k[ib].get(), prec);
  }
  arb_sqr(square.get(), attention.get(), prec);
  arb_mul(result, rotary.get(), square.get(), prec);
  for (std::size_t l = rope.rotary_dim; l < q.size(); ++l) arb_addmul(result, q[l].get(), k[l].get(), prec);
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

// arb_attention at one working precision; throws ArbUndecided (arb_attention retries).
std::vector<ArbBall> attention_at(const Problem& problem, slong prec) {
  const bool rope = problem.kind == Kind::rope;
  ArbBall scale;
  set_scale(scale.get(), problem, prec);

  std::vector<std::vector<ArbBall>> queries, keys;
  for (std::size_t i = 0; i < problem.n_q(); ++i) queries.push_back(row_balls(problem.Q, i));
  for (std::size_t j = 0; j < problem.n_k(); ++j) keys.push_back(row_balls(problem.K, j));
  Frequencies frequencies;
  if (rope) {
    frequencies = rope_frequencies(problem.rope, prec);
    for (std::size_t i = 0; i < queries.size(); ++i)
      rotate(queries[i], problem.rope, frequencies, problem.query_position(i), prec);
    for (std::size_t j = 0; j < keys.size(); ++j)
      rotate(keys[j], problem.rope, frequencies, problem.key_position(j), prec);
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
        rope_dot(weight[j].get(), queries[i], keys[j], problem.rope, frequencies.attention, prec);
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

}  // namespace

std::vector<ArbBall> arb_attention(const Problem& problem, slong prec) {
  for (slong working = prec;; working *= 2) {
    try {
      return attention_at(problem, working);
    } catch (const ArbUndecided&) {
      if (working >= 64 * prec) throw;
    }
  }
}

ArbScaledFrequencies arb_scaled_frequencies(const ropecert::RopeScaling& s, double base_value, std::size_t r,
                                            slong prec) {
  const std::size_t half = r / 2;
  const ArbBall base = ball(base_value), one = ball_u(1);
  ArbScaledFrequencies o;
  o.attention = one;
  std::vector<ArbBall> default_inv(half);
  for (std::size_t p = 0; p < half; ++p) default_inv[p] = inverse(pos_freq(base, p, r, prec), prec);

  switch (s.kind) {
    case Method::none:
      o.inv_freq = default_inv;
      break;
    case Method::linear: {
      // inv_freq /= factor
      for (std::size_t p = 0; p < half; ++p) {
        ArbBall x = default_inv[p];
        arb_div(x.get(), x.get(), hf_factor(s, prec).get(), prec);
        o.inv_freq.push_back(x);
      }
      break;
    }
    case Method::dynamic: {
      // seq_len = max(seq_len, M); base = base * ((factor * seq_len / M) - (factor - 1)) ** (dim / (dim - 2))
      const std::uint64_t M = s.max_position_embeddings;
      const std::uint64_t seq_len = s.sequence_length > M ? s.sequence_length : M;
      ArbBall g = hf_factor(s, prec), exponent, new_base;
      arb_mul_ui(g.get(), g.get(), seq_len, prec);
      arb_div_ui(g.get(), g.get(), M, prec);
      ArbBall f_minus_one = hf_factor(s, prec);
      arb_sub_ui(f_minus_one.get(), f_minus_one.get(), 1, prec);
      arb_sub(g.get(), g.get(), f_minus_one.get(), prec);
      arb_set_ui(exponent.get(), r);
      arb_div_ui(exponent.get(), exponent.get(), r - 2, prec);
      arb_pow(new_base.get(), g.get(), exponent.get(), prec);
      arb_mul(new_base.get(), new_base.get(), base.get(), prec);
      for (std::size_t p = 0; p < half; ++p) o.inv_freq.push_back(inverse(pos_freq(new_base, p, r, prec), prec));
      break;
    }
    case Method::yarn: {
      const ArbBall factor = hf_factor(s, prec);
      if (s.attention_factor) {
        o.attention = ball(*s.attention_factor);
      } else if (s.mscale && *s.mscale != 0 && s.mscale_all_dim && *s.mscale_all_dim != 0) {
        arb_div(o.attention.get(), get_mscale(factor, *s.mscale, prec).get(),
                get_mscale(factor, *s.mscale_all_dim, prec).get(), prec);
      } else {
        o.attention = get_mscale(factor, 1.0, prec);
      }
      const double beta_fast = s.beta_fast != 0 ? s.beta_fast : 32;
      const double beta_slow = s.beta_slow != 0 ? s.beta_slow : 1;
      // find_correction_dim(num_rotations) = (dim * log(L / (num_rotations * 2 * pi))) / (2 * log(base))
      const auto find_correction_dim = [&](double rotations) {
        ArbBall x, denominator, log_base;
        arb_const_pi(denominator.get(), prec);
        arb_mul_double(denominator.get(), denominator.get(), rotations, prec);
        arb_mul_ui(denominator.get(), denominator.get(), 2, prec);
        arb_set_ui(x.get(), s.original_max_position_embeddings);
        arb_div(x.get(), x.get(), denominator.get(), prec);
        arb_log(x.get(), x.get(), prec);
        arb_mul_ui(x.get(), x.get(), r, prec);
        arb_log(log_base.get(), base.get(), prec);
        arb_mul_ui(log_base.get(), log_base.get(), 2, prec);
        arb_div(x.get(), x.get(), log_base.get(), prec);
        return x;
      };
      ArbBall low = find_correction_dim(beta_fast), high = find_correction_dim(beta_slow), zero, top;
      arb_set_ui(top.get(), r - 1);
      if (s.truncate) {
        arb_floor(low.get(), low.get(), prec);
        arb_ceil(high.get(), high.get(), prec);
        require_decided(arb_is_exact(low.get()), "yarn floor(find_correction_dim(beta_fast))");
        require_decided(arb_is_exact(high.get()), "yarn ceil(find_correction_dim(beta_slow))");
      }
      arb_max(low.get(), low.get(), zero.get(), prec);
      arb_min(high.get(), high.get(), top.get(), prec);
      // if min == max: max += 0.001
      if (arb_eq(low.get(), high.get()) || (beta_fast == beta_slow && arb_overlaps(low.get(), high.get()))) {
        ArbBall thousandth = ratio(1, 1000, prec);
        arb_add(high.get(), high.get(), thousandth.get(), prec);
      } else {
        require_decided(arb_ne(low.get(), high.get()), "yarn low == high");
      }
      ArbBall width;
      arb_sub(width.get(), high.get(), low.get(), prec);
      for (std::size_t p = 0; p < half; ++p) {
        const ArbBall pos = pos_freq(base, p, r, prec);
        const ArbBall extrapolation = inverse(pos, prec);
        ArbBall interpolation, ramp, extrapolation_factor, a, b;
        arb_mul(interpolation.get(), factor.get(), pos.get(), prec);
        arb_inv(interpolation.get(), interpolation.get(), prec);
        // linear_ramp_factor: clamp((arange - min) / (max - min), 0, 1)
        arb_set_ui(ramp.get(), p);
        arb_sub(ramp.get(), ramp.get(), low.get(), prec);
        arb_div(ramp.get(), ramp.get(), width.get(), prec);
        arb_max(ramp.get(), ramp.get(), zero.get(), prec);
        arb_min(ramp.get(), ramp.get(), one.get(), prec);
        // inv_freq_extrapolation_factor = 1 - ramp
        arb_sub(extrapolation_factor.get(), one.get(), ramp.get(), prec);
        // inv_freq = interpolation * (1 - extrapolation_factor) + extrapolation * extrapolation_factor
        arb_sub(a.get(), one.get(), extrapolation_factor.get(), prec);
        arb_mul(a.get(), a.get(), interpolation.get(), prec);
        arb_mul(b.get(), extrapolation.get(), extrapolation_factor.get(), prec);
        arb_add(a.get(), a.get(), b.get(), prec);
        o.inv_freq.push_back(a);
      }
      break;
    }
    case Method::llama3: {
      const ArbBall factor = hf_factor(s, prec), low_factor = ball(s.low_freq_factor),
                    high_factor = ball(s.high_freq_factor);
      const ArbBall context = ball_u(s.original_max_position_embeddings);
      ArbBall low_wavelength, high_wavelength, two_pi;
      arb_div(low_wavelength.get(), context.get(), low_factor.get(), prec);
      arb_div(high_wavelength.get(), context.get(), high_factor.get(), prec);
      arb_const_pi(two_pi.get(), prec);
      arb_mul_ui(two_pi.get(), two_pi.get(), 2, prec);
      for (std::size_t p = 0; p < half; ++p) {
        const ArbBall& inv = default_inv[p];
        ArbBall wavelength, result;
        arb_div(wavelength.get(), two_pi.get(), inv.get(), prec);
        const bool is_low = arb_gt(wavelength.get(), low_wavelength.get());
        const bool is_high = arb_lt(wavelength.get(), high_wavelength.get());
        const bool is_medium =
            arb_le(wavelength.get(), low_wavelength.get()) && arb_ge(wavelength.get(), high_wavelength.get());
        require_decided(int(is_low) + int(is_high) + int(is_medium) == 1, "llama3 band");
        if (is_low) {
          arb_div(result.get(), inv.get(), factor.get(), prec);
          o.band.push_back(2);
        } else if (is_high) {
          result = inv;
          o.band.push_back(0);
        } else {
          // smooth = (L / wavelen - low) / (high - low); (1 - smooth) * inv / factor + smooth * inv
          ArbBall smooth, span, a, b;
          arb_div(smooth.get(), context.get(), wavelength.get(), prec);
          arb_sub(smooth.get(), smooth.get(), low_factor.get(), prec);
          arb_sub(span.get(), high_factor.get(), low_factor.get(), prec);
          arb_div(smooth.get(), smooth.get(), span.get(), prec);
          arb_sub(a.get(), one.get(), smooth.get(), prec);
          arb_mul(a.get(), a.get(), inv.get(), prec);
          arb_div(a.get(), a.get(), factor.get(), prec);
          arb_mul(b.get(), smooth.get(), inv.get(), prec);
          arb_add(result.get(), a.get(), b.get(), prec);
          o.band.push_back(1);
        }
        o.inv_freq.push_back(result);
      }
      break;
    }
    case Method::longrope: {
      const ArbBall factor = hf_factor(s, prec);
      if (s.attention_factor) {
        o.attention = ball(*s.attention_factor);
      } else if (!arb_gt(factor.get(), one.get())) {
        require_decided(arb_le(factor.get(), one.get()), "longrope factor > 1");
      } else {
        // sqrt(1 + log(factor) / log(original_max_position_embeddings))
        ArbBall log_context;
        arb_log_ui(log_context.get(), s.original_max_position_embeddings, prec);
        arb_log(o.attention.get(), factor.get(), prec);
        arb_div(o.attention.get(), o.attention.get(), log_context.get(), prec);
        arb_add_ui(o.attention.get(), o.attention.get(), 1, prec);
        arb_sqrt(o.attention.get(), o.attention.get(), prec);
      }
      const bool use_long = s.sequence_length != 0 && s.sequence_length > s.original_max_position_embeddings;
      const std::vector<double>& ext = use_long ? s.long_factor : s.short_factor;
      for (std::size_t p = 0; p < half; ++p) {
        // 1.0 / (ext_factors * base ** inv_freq_shape)
        ArbBall x = pos_freq(base, p, r, prec);
        arb_mul_double(x.get(), x.get(), ext[p], prec);
        o.inv_freq.push_back(inverse(x, prec));
      }
      break;
    }
  }
  return o;
}

std::vector<float> arb_inv_freq_float32(double base, std::size_t dim, slong prec) {
  const float b = static_cast<float>(base);  // RN32 (an IEEE conversion on x86-64)
  const float d = static_cast<float>(dim);   // exact: dim < 2^24
  std::vector<float> result;
  ArbBall power, exponent, base_ball;
  arb_set_d(base_ball.get(), b);
  for (std::size_t k = 0; k < dim; k += 2) {
    const float e = static_cast<float>(k) / d;  // RN32(k / dim)
    arb_set_d(exponent.get(), e);
    double rounded = 0;
    for (slong working = prec;; working *= 2) {
      arb_pow(power.get(), base_ball.get(), exponent.get(), working);
      try {
        rounded = arb_round_decided(power, ropecert::binary32);  // RN32(B^e)
        break;
      } catch (const ArbUndecided&) {
        if (working >= 64 * prec) throw;
      }
    }
    result.push_back(1.0f / static_cast<float>(rounded));  // RN32(1 / y): exact cast, IEEE division
  }
  return result;
}

double arb_round_decided(const ArbBall& ball, ropecert::BinaryFormat format) {
  if (!arb_is_finite(ball.get())) throw ArbUndecided("arb oracle: a non-finite ball has no rounding");
  mpfr_t lo, hi;
  const slong bits = std::max<slong>(64, arb_bits(ball.get()) + 64);
  mpfr_inits2(bits, lo, hi, static_cast<mpfr_ptr>(nullptr));
  arb_get_interval_mpfr(lo, hi, ball.get());  // outward
  const double a = ropecert::round_mpfr(lo, format, ropecert::RoundingMode::nearest_even);
  const double b = ropecert::round_mpfr(hi, format, ropecert::RoundingMode::nearest_even);
  mpfr_clears(lo, hi, static_cast<mpfr_ptr>(nullptr));
  if (a != b) throw ArbUndecided(std::string("arb oracle: rounding to ") + format.name + " undecided");
  return a == 0 ? a + b : a;  // -0 and +0 compare equal; keep +0 unless both are -0
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
