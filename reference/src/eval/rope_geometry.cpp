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

std::vector<Interval> enclose_frequencies(const RopeParams& rope, mpfr_prec_t precision) {
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

}  // namespace ropecert
