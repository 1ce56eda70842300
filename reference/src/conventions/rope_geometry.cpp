// RoPE geometry (rope_geometry.hpp): planes, frequencies under each convention, rotated rows.
#include "ropecert/rope_geometry.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "ropecert/rope_scaling.hpp"
#include "ropecert/rounding.hpp"

namespace ropecert {

static_assert(sizeof(long) == 8, "positions are passed to MPFI as long");

std::vector<std::pair<std::size_t, std::size_t>> rotary_planes(std::size_t rotary_dim, Pairing pairing) {
  const std::size_t half = rotary_dim / 2;
  std::vector<std::pair<std::size_t, std::size_t>> planes(half);
  for (std::size_t p = 0; p < half; ++p)
    planes[p] = pairing == Pairing::half ? std::make_pair(p, p + half) : std::make_pair(2 * p, 2 * p + 1);
  return planes;
}

namespace {

// theta_p = base^(-2p/r) = exp(-(2p/r) log(base)).
std::vector<Interval> standard_frequencies(const RopeParams& rope, mpfr_prec_t precision) {
  Interval log_base(precision);
  mpfi_set_d(log_base.get(), rope.base);  // exact: precision >= 53
  mpfi_log(log_base.get(), log_base.get());
  std::vector<Interval> frequencies;
  for (std::size_t p = 0; p < rope.rotary_dim / 2; ++p) {
    Interval theta(precision);
    mpfi_mul_si(theta.get(), log_base.get(), -2 * static_cast<long>(p));
    mpfi_div_ui(theta.get(), theta.get(), rope.rotary_dim);
    mpfi_exp(theta.get(), theta.get());
    frequencies.push_back(std::move(theta));
  }
  return frequencies;
}

// theta_p = atan2(2u, u^2 - 1) = atan(2u / (u^2 - 1)), u = p + 2 (u^2 - 1 > 0).
std::vector<Interval> pythagorean_frequencies(const RopeParams& rope, mpfr_prec_t precision) {
  std::vector<Interval> frequencies;
  for (std::size_t p = 0; p < rope.rotary_dim / 2; ++p) {
    const Integer u(p + 2);
    const Rational tangent(2 * u, u * u - 1);
    Interval theta(precision);
    mpfi_set_q(theta.get(), tangent.backend().data());  // rounded outward
    mpfi_atan(theta.get(), theta.get());
    frequencies.push_back(std::move(theta));
  }
  return frequencies;
}

// A Gaussian integer re + im i.
struct Gaussian {
  Integer re, im;
};

Gaussian multiply(const Gaussian& x, const Gaussian& y) {
  return {x.re * y.re - x.im * y.im, x.re * y.im + x.im * y.re};
}

// The cap of the precision at which a scaled frequency's branch is decided (enclose_rope_frequencies).
constexpr mpfr_prec_t kMaxScalingPrecision = 65536;

// theta_p and a from enclose_scaled_frequencies, at `precision` or (when a branch of HF's definition is
// undecided there) at a higher one, rounded outward to `precision` (note 11, "Wiring").
void scaled_frequencies(const RopeParams& rope, mpfr_prec_t precision, RopeFrequencies& out) {
  for (mpfr_prec_t working = precision;; working = std::min(2 * working, kMaxScalingPrecision)) {
    try {
      const ScaledFrequencies scaled = enclose_scaled_frequencies(rope.scaling, rope.base, rope.rotary_dim, working);
      for (const Interval& theta : scaled.inverse_frequencies) {
        Interval rounded(precision);
        mpfi_set(rounded.get(), theta.get());  // outward
        out.theta.push_back(std::move(rounded));
      }
      mpfi_set(out.attention_factor.get(), scaled.attention_factor.get());  // outward
      return;
    } catch (const std::domain_error& undecided) {
      if (working >= kMaxScalingPrecision)
        throw std::domain_error(std::string(undecided.what()) + " (gave up at the cap of " +
                                std::to_string(kMaxScalingPrecision) + " bits)");
    }
  }
}

// theta_p = hf_default_inv_freq_float32(base, r)[p]: exact float32 values, so point intervals.
void float32_frequencies(const RopeParams& rope, mpfr_prec_t precision, RopeFrequencies& out) {
  for (const float value : hf_default_inv_freq_float32(rope.base, rope.rotary_dim)) {
    Interval theta(precision);
    mpfi_set_d(theta.get(), value);  // exact: precision >= 24
    out.theta.push_back(std::move(theta));
  }
}

bool is_point_one(const Interval& x) {
  return mpfr_cmp_ui(&x.get()->left, 1) == 0 && mpfr_cmp_ui(&x.get()->right, 1) == 0;
}

// The format F of a cos / sin emulation; nullptr for exact.
const BinaryFormat* emulated_format(CosSinEmulation emulation) {
  switch (emulation) {
    case CosSinEmulation::exact:
      return nullptr;
    case CosSinEmulation::float32:
      return &binary32;
    case CosSinEmulation::bfloat16:
      return &bfloat16;
    case CosSinEmulation::float16:
      return &binary16;
  }
  return nullptr;
}

// x <- [RN_F(lo), RN_F(hi)]: contains RN_F(t) for every t in x, since rounding is monotone (note 11,
// Lemma 7). Every value of F is a double, set exactly (precision >= 53); NaN endpoints stay NaN. Zero
// endpoints follow MPFI's convention (+0 on the left, -0 on the right), as its own setters do.
void round_endpoints(Interval& x, const BinaryFormat& format) {
  const double lo = round_mpfr(&x.get()->left, format, RoundingMode::nearest_even);
  const double hi = round_mpfr(&x.get()->right, format, RoundingMode::nearest_even);
  mpfr_set_d(&x.get()->left, lo, MPFR_RNDD);
  mpfr_set_d(&x.get()->right, hi, MPFR_RNDU);
  if (mpfr_zero_p(&x.get()->left)) mpfr_set_zero(&x.get()->left, 1);
  if (mpfr_zero_p(&x.get()->right)) mpfr_set_zero(&x.get()->right, -1);
}

}  // namespace

RopeFrequencies enclose_rope_frequencies(const RopeParams& rope, mpfr_prec_t precision) {
  RopeFrequencies out(precision);
  mpfi_set_ui(out.attention_factor.get(), 1);
  if (rope.angles == Angles::pythagorean) {
    out.theta = pythagorean_frequencies(rope, precision);
  } else if (rope.scaling.kind != RopeScalingKind::none) {
    scaled_frequencies(rope, precision, out);
  } else if (rope.emulate.inv_freq == InvFreqEmulation::float32) {
    float32_frequencies(rope, precision, out);
  } else {
    out.theta = standard_frequencies(rope, precision);
  }
  return out;
}

std::vector<Interval> enclose_frequencies(const RopeParams& rope, mpfr_prec_t precision) {
  return enclose_rope_frequencies(rope, precision).theta;
}

// Contract in rope_geometry.hpp (note 13, Lemma FR.1 (a)).
void enclose_cos_sin_at_midpoint(const Interval& angle, Interval& cosine, Interval& sine) {
  const mpfr_prec_t p = mpfi_get_prec(cosine.get());
  MPFR_DECL_INIT(radius, 64);
  mpfr_t m, c, s;
  mpfr_inits2(p, m, c, s, static_cast<mpfr_ptr>(nullptr));
  mpfi_mid(m, angle.get());
  mpfr_sub(radius, &angle.get()->right, m, MPFR_RNDU);
  MPFR_DECL_INIT(left_gap, 64);
  mpfr_sub(left_gap, m, &angle.get()->left, MPFR_RNDU);
  mpfr_max(radius, radius, left_gap, MPFR_RNDU);
  const int exact = mpfr_sin_cos(s, c, m, MPFR_RNDN);
  auto widen = [&](mpfr_srcptr center, Interval& out) {
    MPFR_DECL_INIT(error, 64);
    mpfr_set(error, radius, MPFR_RNDU);
    if (exact != 0 && !mpfr_zero_p(center)) {
      MPFR_DECL_INIT(ulp_bound, 64);
      mpfr_set_ui_2exp(ulp_bound, 1, mpfr_get_exp(center) - p, MPFR_RNDU);
      mpfr_add(error, error, ulp_bound, MPFR_RNDU);
    }
    mpfr_sub(&out.get()->left, center, error, MPFR_RNDD);
    mpfr_add(&out.get()->right, center, error, MPFR_RNDU);
  };
  widen(c, cosine);
  widen(s, sine);
  mpfr_clears(m, c, s, static_cast<mpfr_ptr>(nullptr));
}

std::vector<Interval> enclose_rotated_row(const double* x, std::size_t d, const RopeParams& rope,
                                          const RopeFrequencies& frequencies, std::int64_t position,
                                          mpfr_prec_t precision, CosSinEnclosure cos_sin) {
  std::vector<Interval> rotated(d, Interval(precision));
  for (std::size_t l = rope.rotary_dim; l < d; ++l) mpfi_set_d(rotated[l].get(), x[l]);
  const bool scaled = !is_point_one(frequencies.attention_factor);
  const BinaryFormat* format = emulated_format(rope.emulate.cos_sin);
  Interval angle(precision), cosine(precision), sine(precision), term(precision);
  const auto planes = rotary_planes(rope.rotary_dim, rope.pairing);
  for (std::size_t p = 0; p < planes.size(); ++p) {
    const auto [a, b] = planes[p];
    mpfi_mul_si(angle.get(), frequencies.theta[p].get(), static_cast<long>(position));
    if (cos_sin == CosSinEnclosure::midpoint) {
      enclose_cos_sin_at_midpoint(angle, cosine, sine);
    } else {
      mpfi_cos(cosine.get(), angle.get());
      mpfi_sin(sine.get(), angle.get());
    }
    if (scaled) {  // c = a cos(phi), s = a sin(phi)
      mpfi_mul(cosine.get(), cosine.get(), frequencies.attention_factor.get());
      mpfi_mul(sine.get(), sine.get(), frequencies.attention_factor.get());
    }
    if (format) {  // c = RN_F(a cos(phi)), s = RN_F(a sin(phi))
      round_endpoints(cosine, *format);
      round_endpoints(sine, *format);
    }
    // (x_a, x_b) -> (x_a c - x_b s, x_a s + x_b c)
    mpfi_mul_d(rotated[a].get(), cosine.get(), x[a]);
    mpfi_mul_d(term.get(), sine.get(), x[b]);
    mpfi_sub(rotated[a].get(), rotated[a].get(), term.get());
    mpfi_mul_d(rotated[b].get(), sine.get(), x[a]);
    mpfi_mul_d(term.get(), cosine.get(), x[b]);
    mpfi_add(rotated[b].get(), rotated[b].get(), term.get());
  }
  return rotated;
}

std::vector<Interval> enclose_rotated_row(const double* x, std::size_t d, const RopeParams& rope,
                                          const std::vector<Interval>& frequencies, std::int64_t position,
                                          mpfr_prec_t precision) {
  if (rope.scaling.kind != RopeScalingKind::none)
    throw std::invalid_argument(
        "enclose_rotated_row: rope scaling needs the attention factor; pass enclose_rope_frequencies' result");
  RopeFrequencies unit(precision);
  unit.theta = frequencies;
  mpfi_set_ui(unit.attention_factor.get(), 1);
  return enclose_rotated_row(x, d, rope, unit, position, precision);
}

RationalRotation pythagorean_rotation(std::size_t plane, std::int64_t m) {
  const Integer u(plane + 2);
  // ((u^2 - 1) + 2u i)^|m| and (u^2 + 1)^|m| by repeated squaring.
  Gaussian base{u * u - 1, 2 * u}, power{1, 0};
  Integer base_norm = u * u + 1, denominator = 1;
  const std::uint64_t magnitude = m < 0 ? 0 - static_cast<std::uint64_t>(m) : static_cast<std::uint64_t>(m);
  for (std::uint64_t e = magnitude; e != 0; e >>= 1) {
    if (e & 1) {
      power = multiply(power, base);
      denominator *= base_norm;
    }
    if (e > 1) {
      base = multiply(base, base);
      base_norm *= base_norm;
    }
  }
  // R_{-|m|} = R_{|m|}^T: the conjugate.
  const Integer im = m < 0 ? Integer(-power.im) : power.im;
  return {Rational(power.re, denominator), Rational(im, denominator)};
}

}  // namespace ropecert
