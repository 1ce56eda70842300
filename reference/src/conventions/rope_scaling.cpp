// RoPE frequency scaling (HF transformers' modeling_rope_utils.py), enclosed in MPFI.
// Formulas, sources and proofs: proofs-notes/11-rope-scaling.md ("note 11").
#include "ropecert/rope_scaling.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>

#include "ropecert/errors.hpp"
#include "ropecert/exact_numbers.hpp"
#include "ropecert/problem.hpp"
#include "ropecert/rope_geometry.hpp"
#include "ropecert/rope_parameters.hpp"
#include "ropecert/rounding.hpp"

namespace ropecert {

static_assert(sizeof(unsigned long) == 8, "lengths are passed to MPFI as unsigned long");

namespace {

using Method = RopeScalingKind;

[[noreturn]] void invalid(Method kind, const std::string& problem) {
  throw std::invalid_argument(std::string("rope scaling (") + rope_scaling_kind_name(kind) + "): " + problem);
}

[[noreturn]] void undecided(Method kind, const std::string& what, mpfr_prec_t precision) {
  throw std::domain_error(std::string("rope scaling (") + rope_scaling_kind_name(kind) + "): " + what + " is undecided at " +
                          std::to_string(precision) + " bits; raise the precision");
}

// The exact value of a double (mpq_set_d is exact).
Rational exact(double x) {
  Rational q;
  mpq_set_d(q.backend().data(), x);
  return q;
}

Rational exact(std::uint64_t n) { return Rational(Integer(static_cast<unsigned long long>(n))); }

// f: the given factor, or M / L (validate_rope_scaling ensures L >= 1 then).
Rational scaling_factor(const RopeScaling& s) {
  return s.factor ? exact(*s.factor)
                  : Rational(exact(s.max_position_embeddings) / exact(s.original_max_position_embeddings));
}

Interval enclose(const Rational& q, mpfr_prec_t precision) {
  Interval x(precision);
  mpfi_set_q(x.get(), q.backend().data());  // outward
  return x;
}

Interval enclose(double v, mpfr_prec_t precision) {
  Interval x(precision);
  mpfi_set_d(x.get(), v);  // outward (exact when precision >= 53)
  return x;
}

mpfr_ptr lo(Interval& x) { return &x.get()->left; }
mpfr_ptr hi(Interval& x) { return &x.get()->right; }
mpfr_srcptr lo(const Interval& x) { return &x.get()->left; }
mpfr_srcptr hi(const Interval& x) { return &x.get()->right; }

// clamp(x, 0, 1) for every x in the interval: clamp is non-decreasing, so endpoint-wise (note 11, Lemma 2).
void clamp01(Interval& x) {
  for (mpfr_ptr end : {lo(x), hi(x)}) {
    if (mpfr_sgn(end) < 0) mpfr_set_ui(end, 0, MPFR_RNDN);
    if (mpfr_cmp_ui(end, 1) > 0) mpfr_set_ui(end, 1, MPFR_RNDN);
  }
}

// get_mscale(f, m) = 1 if f <= 1, else m ln(f) / 10 + 1 (HF's 0.1 taken as 1/10; note 11).
Interval get_mscale(const Rational& f, double m, mpfr_prec_t precision) {
  Interval result(precision);
  if (f <= 1) {
    mpfi_set_ui(result.get(), 1);
    return result;
  }
  result = enclose(f, precision);
  mpfi_log(result.get(), result.get());
  mpfi_mul_d(result.get(), result.get(), m);
  mpfi_div_ui(result.get(), result.get(), 10);
  mpfi_add_ui(result.get(), result.get(), 1);
  return result;
}

// find_correction_dim(beta) = r ln(L / (2 pi beta)) / (2 ln b).
Interval correction_dim(double beta, std::size_t r, double base, std::uint64_t context, mpfr_prec_t precision) {
  Interval denominator(precision), x(precision), log_base = enclose(base, precision);
  mpfi_const_pi(denominator.get());
  mpfi_mul_ui(denominator.get(), denominator.get(), 2);
  mpfi_mul_d(denominator.get(), denominator.get(), beta);
  mpfi_ui_div(x.get(), context, denominator.get());
  mpfi_log(x.get(), x.get());
  mpfi_mul_ui(x.get(), x.get(), r);
  mpfi_log(log_base.get(), log_base.get());
  mpfi_mul_ui(log_base.get(), log_base.get(), 2);
  mpfi_div(x.get(), x.get(), log_base.get());
  return x;
}

// floor (or ceil) of the real enclosed by x, when both endpoints agree on it.
Integer decided_integer_part(const Interval& x, bool ceiling, Method kind, const std::string& what) {
  if (!x.is_finite()) undecided(kind, what, x.precision());
  const mpfr_rnd_t rnd = ceiling ? MPFR_RNDU : MPFR_RNDD;
  Integer a, b;
  mpfr_get_z(a.backend().data(), lo(x), rnd);
  mpfr_get_z(b.backend().data(), hi(x), rnd);
  if (a != b) undecided(kind, what, x.precision());
  return a;
}

// ---- the methods -------------------------------------------------------------------------------

void apply_linear(const RopeScaling& s, ScaledFrequencies& out, mpfr_prec_t precision) {
  const Interval f = enclose(scaling_factor(s), precision);
  for (Interval& theta : out.inverse_frequencies) mpfi_div(theta.get(), theta.get(), f.get());
}

// theta_p * g^(-2p/(r-2)), g = f s / M - (f - 1), s = max(seq_len, M) (note 11, section dynamic).
void apply_dynamic(const RopeScaling& s, std::size_t r, ScaledFrequencies& out, mpfr_prec_t precision) {
  const Rational f = scaling_factor(s);
  const std::uint64_t length = std::max(s.sequence_length, s.max_position_embeddings);
  const Rational g = f * exact(length) / exact(s.max_position_embeddings) - (f - 1);  // >= 1
  Interval log_g = enclose(g, precision), term(precision);
  mpfi_log(log_g.get(), log_g.get());
  for (std::size_t p = 1; p < out.inverse_frequencies.size(); ++p) {
    mpfi_mul_si(term.get(), log_g.get(), -2 * static_cast<long>(p));
    mpfi_div_ui(term.get(), term.get(), r - 2);
    mpfi_exp(term.get(), term.get());
    mpfi_mul(out.inverse_frequencies[p].get(), out.inverse_frequencies[p].get(), term.get());
  }
}

// theta_p * c_p with c_p = 1 - rho_p (1 - 1/f): HF's interpolation * rho + extrapolation * (1 - rho)
// (note 11, section YaRN, Lemma 3).
void apply_yarn(const RopeScaling& s, double base, std::size_t r, ScaledFrequencies& out, mpfr_prec_t precision) {
  const Method kind = Method::yarn;
  const Rational f = scaling_factor(s);
  const Interval f_interval = enclose(f, precision);
  const std::uint64_t context = s.original_max_position_embeddings;

  // Attention factor.
  if (s.attention_factor) {
    out.attention_factor = enclose(*s.attention_factor, precision);
  } else if (s.mscale && *s.mscale != 0 && s.mscale_all_dim && *s.mscale_all_dim != 0) {
    const Interval numerator = get_mscale(f, *s.mscale, precision);
    const Interval denominator = get_mscale(f, *s.mscale_all_dim, precision);
    if (mpfi_has_zero(denominator.get())) undecided(kind, "get_mscale(factor, mscale_all_dim) != 0", precision);
    mpfi_div(out.attention_factor.get(), numerator.get(), denominator.get());
  } else {
    out.attention_factor = get_mscale(f, 1.0, precision);
  }

  // The correction range: x_fast = find_correction_dim(beta_fast), x_slow = find_correction_dim(beta_slow).
  const double beta_fast = s.beta_fast == 0 ? 32.0 : s.beta_fast;  // HF: get("beta_fast") or 32
  const double beta_slow = s.beta_slow == 0 ? 1.0 : s.beta_slow;   // HF: get("beta_slow") or 1
  const Interval x_fast = correction_dim(beta_fast, r, base, context, precision);
  const Interval x_slow = correction_dim(beta_slow, r, base, context, precision);
  const long top = static_cast<long>(r) - 1;  // HF clamps high to dim - 1
  const std::size_t planes = out.inverse_frequencies.size();

  if (s.truncate) {
    // low = max(floor(x_fast), 0), high = min(ceil(x_slow), r - 1): integers, so rho_p and c_p are
    // exact rationals (note 11, Lemma 3).
    Integer low = decided_integer_part(x_fast, false, kind, "floor(find_correction_dim(beta_fast))");
    Integer high = decided_integer_part(x_slow, true, kind, "ceil(find_correction_dim(beta_slow))");
    if (low < 0) low = 0;
    if (high > top) high = top;
    Rational low_q(low), high_q(high);
    if (low == high) high_q += Rational(1, 1000);  // HF: max += 0.001, "prevent singularity"
    for (std::size_t p = 0; p < planes; ++p) {
      Rational rho = (Rational(static_cast<long>(p)) - low_q) / (high_q - low_q);
      if (rho < 0) rho = 0;
      if (rho > 1) rho = 1;
      const Rational c = 1 - rho * (1 - 1 / f);
      const Interval c_interval = enclose(c, precision);
      mpfi_mul(out.inverse_frequencies[p].get(), out.inverse_frequencies[p].get(), c_interval.get());
    }
    return;
  }

  // No truncation: low = max(x_fast, 0), high = min(x_slow, r - 1), both continuous, endpoint-wise.
  mpfr_t top_value;
  mpfr_init2(top_value, 64);
  mpfr_set_si(top_value, top, MPFR_RNDN);  // exact
  Interval low = x_fast, high = x_slow;
  if (mpfr_sgn(lo(low)) < 0) mpfr_set_ui(lo(low), 0, MPFR_RNDN);
  if (mpfr_sgn(hi(low)) < 0) mpfr_set_ui(hi(low), 0, MPFR_RNDN);
  mpfr_min(lo(high), lo(high), top_value, MPFR_RNDD);
  mpfr_min(hi(high), hi(high), top_value, MPFR_RNDU);
  mpfr_clear(top_value);

  // HF's `if min == max: max += 0.001`, an equality of reals (note 11, Lemma 4).
  bool singular;
  if (beta_fast == beta_slow) {
    // Same real x: max(x, 0) == min(x, r - 1) iff 0 <= x <= r - 1.
    const Interval& x = x_fast;
    if (mpfr_sgn(lo(x)) >= 0 && mpfr_cmp_si(hi(x), top) <= 0) {
      singular = true;
    } else if (mpfr_sgn(hi(x)) < 0 || mpfr_cmp_si(lo(x), top) > 0) {
      singular = false;
    } else {
      undecided(kind, "low == high (is find_correction_dim in [0, dim - 1]?)", precision);
    }
  } else {
    if (mpfr_cmp(hi(low), lo(high)) >= 0 && mpfr_cmp(hi(high), lo(low)) >= 0)
      undecided(kind, "low == high (the correction range bounds overlap)", precision);
    singular = false;
  }
  Interval width(precision);
  if (singular) {
    mpfi_set_ui(width.get(), 1);
    mpfi_div_ui(width.get(), width.get(), 1000);
  } else {
    mpfi_sub(width.get(), high.get(), low.get());
  }
  Interval one_minus_inverse(precision), rho(precision);
  mpfi_ui_div(one_minus_inverse.get(), 1, f_interval.get());
  mpfi_ui_sub(one_minus_inverse.get(), 1, one_minus_inverse.get());
  for (std::size_t p = 0; p < planes; ++p) {
    mpfi_ui_sub(rho.get(), p, low.get());  // p - low
    mpfi_div(rho.get(), rho.get(), width.get());
    clamp01(rho);
    mpfi_mul(rho.get(), rho.get(), one_minus_inverse.get());
    mpfi_ui_sub(rho.get(), 1, rho.get());  // c_p = 1 - rho_p (1 - 1/f)
    mpfi_mul(out.inverse_frequencies[p].get(), out.inverse_frequencies[p].get(), rho.get());
  }
}

// Bands by u_p = L theta_p / (2 pi) = L / wavelength (note 11, section Llama 3, Lemma 4 (c)).
void apply_llama3(const RopeScaling& s, ScaledFrequencies& out, mpfr_prec_t precision) {
  const Method kind = Method::llama3;
  const Interval f = enclose(scaling_factor(s), precision);
  const double low_factor = s.low_freq_factor, high_factor = s.high_freq_factor;
  Interval two_pi(precision), u(precision), smooth(precision), span(precision), inverse_f(precision);
  mpfi_const_pi(two_pi.get());
  mpfi_mul_ui(two_pi.get(), two_pi.get(), 2);
  span = enclose(high_factor, precision);
  mpfi_sub_d(span.get(), span.get(), low_factor);  // high - low > 0
  mpfi_ui_div(inverse_f.get(), 1, f.get());
  for (std::size_t p = 0; p < out.inverse_frequencies.size(); ++p) {
    Interval& theta = out.inverse_frequencies[p];
    mpfi_mul_ui(u.get(), theta.get(), s.original_max_position_embeddings);
    mpfi_div(u.get(), u.get(), two_pi.get());
    if (mpfr_cmp_d(hi(u), low_factor) < 0) {
      mpfi_div(theta.get(), theta.get(), f.get());  // wavelength > L / low: low frequency, divided by f
    } else if (mpfr_cmp_d(lo(u), high_factor) > 0) {
      // wavelength < L / high: high frequency, unchanged
    } else if (mpfr_cmp_d(lo(u), low_factor) >= 0 && mpfr_cmp_d(hi(u), high_factor) <= 0) {
      // medium: ((1 - s) / f + s) theta = (1/f + s (1 - 1/f)) theta, s = (u - low) / (high - low)
      mpfi_sub_d(smooth.get(), u.get(), low_factor);
      mpfi_div(smooth.get(), smooth.get(), span.get());
      Interval weight(precision);
      mpfi_ui_sub(weight.get(), 1, inverse_f.get());
      mpfi_mul(weight.get(), weight.get(), smooth.get());
      mpfi_add(weight.get(), weight.get(), inverse_f.get());
      mpfi_mul(theta.get(), theta.get(), weight.get());
    } else {
      undecided(kind,
                "plane " + std::to_string(p) + ": the band (L / wavelength against low_freq_factor " +
                    number_text(low_factor) + " and high_freq_factor " + number_text(high_factor) + ")",
                precision);
    }
  }
}

// theta_p / e_p; a = sqrt(1 + ln f / ln L) (note 11, section LongRoPE).
void apply_longrope(const RopeScaling& s, ScaledFrequencies& out, mpfr_prec_t precision) {
  const Rational f = scaling_factor(s);
  const std::uint64_t context = s.original_max_position_embeddings;
  if (s.attention_factor) {
    out.attention_factor = enclose(*s.attention_factor, precision);
  } else if (f <= 1) {
    mpfi_set_ui(out.attention_factor.get(), 1);
  } else {
    Interval log_context(precision);
    mpfi_set_ui(log_context.get(), context);
    mpfi_log(log_context.get(), log_context.get());
    Interval& a = out.attention_factor;
    a = enclose(f, precision);
    mpfi_log(a.get(), a.get());
    mpfi_div(a.get(), a.get(), log_context.get());
    mpfi_add_ui(a.get(), a.get(), 1);
    mpfi_sqrt(a.get(), a.get());
  }
  const bool long_context = s.sequence_length != 0 && s.sequence_length > context;
  const std::vector<double>& e = long_context ? s.long_factor : s.short_factor;
  for (std::size_t p = 0; p < out.inverse_frequencies.size(); ++p)
    mpfi_div_d(out.inverse_frequencies[p].get(), out.inverse_frequencies[p].get(), e[p]);
}

}  // namespace

ScaledFrequencies enclose_scaled_frequencies(const RopeScaling& scaling, double base, std::size_t rotary_dim,
                                             mpfr_prec_t precision) {
  if (precision < 2 || precision > MPFR_PREC_MAX)
    invalid(scaling.kind, "precision " + std::to_string(precision) + " must be >= 2");
  validate_rope_scaling(scaling, base, rotary_dim);
  RopeParams rope;
  rope.angles = Angles::standard;
  rope.base = base;
  rope.rotary_dim = rotary_dim;
  ScaledFrequencies out(precision);
  out.inverse_frequencies = enclose_frequencies(rope, precision);
  mpfi_set_ui(out.attention_factor.get(), 1);
  switch (scaling.kind) {
    case Method::none:
      break;
    case Method::linear:
      apply_linear(scaling, out, precision);
      break;
    case Method::dynamic:
      apply_dynamic(scaling, rotary_dim, out, precision);
      break;
    case Method::yarn:
      apply_yarn(scaling, base, rotary_dim, out, precision);
      break;
    case Method::llama3:
      apply_llama3(scaling, out, precision);
      break;
    case Method::longrope:
      apply_longrope(scaling, out, precision);
      break;
  }
  return out;
}

// ---- float32 emulation -----------------------------------------------------------------------------

namespace {

double round32(const Rational& q) { return round_rational(q.backend().data(), binary32, RoundingMode::nearest_even); }

// RN_binary32(x^y) for binary32 numbers x > 0 and y: MPFR's pow rounded down and up at growing
// precision until both round alike (Ziv; rounding.hpp, decided_rounding). An exact power gives equal
// bounds at once, so the loop ends (note 11, Lemma 5).
double round32_pow(double x, double y) {
  mpfr_t base, exponent, low, high;
  mpfr_inits2(64, base, exponent, low, high, static_cast<mpfr_ptr>(nullptr));
  mpfr_set_d(base, x, MPFR_RNDN);  // exact
  mpfr_set_d(exponent, y, MPFR_RNDN);
  double result = 0;
  for (mpfr_prec_t precision = 64;; precision *= 2) {
    mpfr_set_prec(low, precision);
    mpfr_set_prec(high, precision);
    mpfr_pow(low, base, exponent, MPFR_RNDD);
    mpfr_pow(high, base, exponent, MPFR_RNDU);
    if (const std::optional<double> decided = decided_rounding(low, high, binary32)) {
      result = *decided;
      break;
    }
    if (precision > (mpfr_prec_t(1) << 20)) {
      mpfr_clears(base, exponent, low, high, static_cast<mpfr_ptr>(nullptr));
      throw std::logic_error("hf_default_inv_freq_float32: pow undecided at 2^20 bits");
    }
  }
  mpfr_clears(base, exponent, low, high, static_cast<mpfr_ptr>(nullptr));
  return result;
}

}  // namespace

std::vector<float> hf_default_inv_freq_float32(double base, std::size_t dim) {
  validate_hf_inv_freq_float32(base, dim);
  const double B = round32(exact(base));  // the Python float scalar becomes a float32 operand
  const Rational D(round32(exact(std::uint64_t(dim))));  // exact: dim < 2^24
  std::vector<float> inverse;
  for (std::size_t k = 0; k < dim; k += 2) {
    const Rational K(round32(exact(std::uint64_t(k))));            // int64 -> float32, exact: k < 2^24
    const double e = round32(K / D);                               // RN(k / dim)
    const double y = round32_pow(B, e);                            // RN(B^e)
    inverse.push_back(static_cast<float>(round32(1 / exact(y))));  // RN(1 / y); the cast is exact
  }
  return inverse;
}

}  // namespace ropecert
