#include "ropecert/rope_geometry.hpp"

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

}  // namespace

std::vector<Interval> enclose_frequencies(const RopeParams& rope, mpfr_prec_t precision) {
  return rope.angles == Angles::pythagorean ? pythagorean_frequencies(rope, precision)
                                            : standard_frequencies(rope, precision);
}

std::vector<Interval> enclose_rotated_row(const double* x, std::size_t d, const RopeParams& rope,
                                          const std::vector<Interval>& frequencies,
                                          std::int64_t position, mpfr_prec_t precision) {
  std::vector<Interval> rotated(d, Interval(precision));
  for (std::size_t l = rope.rotary_dim; l < d; ++l) mpfi_set_d(rotated[l].get(), x[l]);
  Interval angle(precision), cosine(precision), sine(precision), term(precision);
  const auto planes = rotary_planes(rope.rotary_dim, rope.pairing);
  for (std::size_t p = 0; p < planes.size(); ++p) {
    const auto [a, b] = planes[p];
    mpfi_mul_si(angle.get(), frequencies[p].get(), static_cast<long>(position));
    mpfi_cos(cosine.get(), angle.get());
    mpfi_sin(sine.get(), angle.get());
    // (x_a, x_b) -> (x_a cos - x_b sin, x_a sin + x_b cos)
    mpfi_mul_d(rotated[a].get(), cosine.get(), x[a]);
    mpfi_mul_d(term.get(), sine.get(), x[b]);
    mpfi_sub(rotated[a].get(), rotated[a].get(), term.get());
    mpfi_mul_d(rotated[b].get(), sine.get(), x[a]);
    mpfi_mul_d(term.get(), cosine.get(), x[b]);
    mpfi_add(rotated[b].get(), rotated[b].get(), term.get());
  }
  return rotated;
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
