// Rotated rows from angle tables (rotation_tables.hpp). Every bound is Lemma FR.1' of
// proofs-notes/13-fast-certified-path.md (section fast_route); u = 2^-53.
#include "ropecert/rotation_tables.hpp"

#include <algorithm>
#include <cmath>

#include <mpfi.h>
#include <mpfr.h>

#include "ropecert/parallel.hpp"

namespace ropecert {

namespace {

constexpr std::size_t fine_length = 64;  // positions m = first + 64 h + l, l < fine_length

// The window W of Lemma DW.7: 0 or 2^-485 <= |v| <= 2^485. Operands in W satisfy (R) for mul.
bool in_window(double v) {
  const double magnitude = std::fabs(v);
  return v == 0 || (magnitude >= 0x1p-485 && magnitude <= 0x1p485);
}

bool in_window(DoubleWord x) { return in_window(x.hi) && in_window(x.lo); }

DoubleWord negated(DoubleWord x) { return {-x.hi, -x.lo}; }

// The same real as a double-word number: hi = RN(hi + lo) may fail at a tie of the low word of
// double_word_ball; Fast2Sum restores it exactly (DW.1 (b): |lo| <= |hi|, or hi = 0).
DoubleWord normalised(DoubleWord x) { return fast_two_sum(x.hi, x.lo); }

// c + i s = C F in double words (FR.1' (b)).
struct ComplexWord {
  DoubleWord re, im;
};

// A 64-bit MPFR variable for bounds built by upward operations; value() rounds it up to binary64.
class Upward {
 public:
  Upward() { mpfr_init2(value_, 64); }
  Upward(const Upward&) = delete;
  Upward& operator=(const Upward&) = delete;
  ~Upward() { mpfr_clear(value_); }
  mpfr_ptr get() { return value_; }
  double value() const { return mpfr_get_d(value_, MPFR_RNDU); }

 private:
  mpfr_t value_;
};

}  // namespace

bool rotation_tables_apply(const RopeParams& rope) { return rope.emulate.cos_sin == CosSinEmulation::exact; }

RotationTables::RotationTables(const RopeParams& rope, const RopeFrequencies& frequencies, const Interval& factor,
                               std::int64_t first_position, std::size_t count, unsigned threads)
    : rotary_dim_(rope.rotary_dim), planes_(rotary_planes(rope.rotary_dim, rope.pairing)) {
  const mpfr_prec_t precision = frequencies.attention_factor.precision();
  const std::size_t plane_count = planes_.size(), coarse_length = (count + fine_length - 1) / fine_length;
  {
    mpfr_t scratch;
    mpfr_init2(scratch, 2 * precision + 64);
    const DoubleWordBall f = double_word_ball(factor.get(), scratch);
    mpfr_clear(scratch);
    factor_ = normalised(f.mid);
    factor_radius_ = f.radius;
    factor_is_one_ = mpfr_cmp_ui(&factor.get()->left, 1) == 0 && mpfr_cmp_ui(&factor.get()->right, 1) == 0;
    usable_ = in_window(factor_) && std::isfinite(factor_radius_);
  }
  Interval scaled_factor(precision);  // f a
  mpfi_mul(scaled_factor.get(), factor.get(), frequencies.attention_factor.get());
  fine_.resize(fine_length * plane_count);
  coarse_.resize(coarse_length * plane_count);
  std::vector<char> entries_usable(plane_count, 1);
  // FR.1' (a): each entry from the MPFI enclosure of its angle, then converted as in FR.1 (b).
  parallel_for(plane_count, threads, [&](std::size_t p) {
    Interval angle(precision), cosine(precision), sine(precision);
    mpfr_t scratch;
    mpfr_init2(scratch, 2 * precision + 64);
    auto convert = [&](Entry& entry) {
      const DoubleWordBall re = double_word_ball(cosine.get(), scratch);
      const DoubleWordBall im = double_word_ball(sine.get(), scratch);
      entry.re = normalised(re.mid);
      entry.im = normalised(im.mid);
      mpfr_set_d(scratch, re.radius, MPFR_RNDU);
      mpfr_add_d(scratch, scratch, im.radius, MPFR_RNDU);
      entry.rho = mpfr_get_d(scratch, MPFR_RNDU);
      if (!in_window(entry.re) || !in_window(entry.im) || !std::isfinite(entry.rho)) entries_usable[p] = 0;
    };
    for (std::size_t l = 0; l < fine_length; ++l) {
      mpfi_mul_ui(angle.get(), frequencies.theta[p].get(), l);
      enclose_cos_sin_at_midpoint(angle, cosine, sine);
      convert(fine_[l * plane_count + p]);
    }
    for (std::size_t h = 0; h < coarse_length; ++h) {
      const std::int64_t position = first_position + static_cast<std::int64_t>(fine_length * h);
      mpfi_mul_si(angle.get(), frequencies.theta[p].get(), static_cast<long>(position));
      enclose_cos_sin_at_midpoint(angle, cosine, sine);
      mpfi_mul(cosine.get(), cosine.get(), scaled_factor.get());
      mpfi_mul(sine.get(), sine.get(), scaled_factor.get());
      convert(coarse_[h * plane_count + p]);
    }
    mpfr_clear(scratch);
  });
  usable_ = usable_ && std::find(entries_usable.begin(), entries_usable.end(), 0) == entries_usable.end();

  // FR.1' (c): delta_h = eps + 6u^2 (A + eps), eps = rho_C + A rho_F + rho_C rho_F + 9u^2 (A + rho_C)(1 + rho_F),
  // with A >= |f a| and rho_F the largest fine rho; all upward.
  double rho_fine = 0;
  for (const Entry& e : fine_) rho_fine = std::max(rho_fine, e.rho);
  Upward bound_a, eps, term, one_plus_rho_fine;
  mpfr_abs(bound_a.get(), &scaled_factor.get()->left, MPFR_RNDU);
  mpfr_abs(term.get(), &scaled_factor.get()->right, MPFR_RNDU);
  mpfr_max(bound_a.get(), bound_a.get(), term.get(), MPFR_RNDU);
  mpfr_set_d(one_plus_rho_fine.get(), rho_fine, MPFR_RNDU);
  mpfr_add_ui(one_plus_rho_fine.get(), one_plus_rho_fine.get(), 1, MPFR_RNDU);
  delta_.assign(coarse_length, 0);
  for (std::size_t h = 0; h < coarse_length; ++h)
    for (std::size_t p = 0; p < plane_count; ++p) {
      const double rho_coarse = coarse_[h * plane_count + p].rho;
      mpfr_add_d(term.get(), bound_a.get(), rho_coarse, MPFR_RNDU);  // 9u^2 (A + rho_C)(1 + rho_F)
      mpfr_mul(term.get(), term.get(), one_plus_rho_fine.get(), MPFR_RNDU);
      mpfr_mul_ui(term.get(), term.get(), 9, MPFR_RNDU);
      mpfr_mul_2si(term.get(), term.get(), -106, MPFR_RNDU);
      mpfr_set_d(eps.get(), rho_coarse, MPFR_RNDU);  // rho_C (1 + rho_F) + A rho_F
      mpfr_mul(eps.get(), eps.get(), one_plus_rho_fine.get(), MPFR_RNDU);
      mpfr_add(eps.get(), eps.get(), term.get(), MPFR_RNDU);
      mpfr_mul_d(term.get(), bound_a.get(), rho_fine, MPFR_RNDU);
      mpfr_add(eps.get(), eps.get(), term.get(), MPFR_RNDU);
      mpfr_add(term.get(), bound_a.get(), eps.get(), MPFR_RNDU);  // + 6u^2 (A + eps)
      mpfr_mul_ui(term.get(), term.get(), 6, MPFR_RNDU);
      mpfr_mul_2si(term.get(), term.get(), -106, MPFR_RNDU);
      mpfr_add(eps.get(), eps.get(), term.get(), MPFR_RNDU);
      delta_[h] = std::max(delta_[h], eps.value());
    }
  for (const double delta : delta_) usable_ = usable_ && std::isfinite(delta);
}

bool RotationTables::rotate_row(const double* x, std::size_t t, DoubleWordRows& out, std::size_t row) const {
  if (!usable_) return false;
  const std::size_t d = out.hi.cols, plane_count = planes_.size();
  for (std::size_t l = 0; l < d; ++l)
    if ((l < rotary_dim_ || !factor_is_one_) && !in_window(x[l])) return false;
  double* hi = &out.hi.values[row * d];
  double* lo = &out.lo.values[row * d];
  const Entry* coarse = &coarse_[(t / fine_length) * plane_count];
  const Entry* fine = &fine_[(t % fine_length) * plane_count];
  for (std::size_t p = 0; p < plane_count; ++p) {
    // FR.1' (b): the rotation factor C F = f a e^(i theta m), with DW.5 products and DW.3 sums.
    const Entry& c = coarse[p];
    const Entry& f = fine[p];
    const ComplexWord rotation{add(mul(c.re, f.re), negated(mul(c.im, f.im))), add(mul(c.re, f.im), mul(c.im, f.re))};
    if (!in_window(rotation.re) || !in_window(rotation.im)) return false;
    // FR.1' (c): (x_a c - x_b s, x_a s + x_b c) with DW.4 products and DW.3 sums.
    const auto [a, b] = planes_[p];
    const DoubleWord y_a = add(mul(rotation.re, x[a]), negated(mul(rotation.im, x[b])));
    const DoubleWord y_b = add(mul(rotation.im, x[a]), mul(rotation.re, x[b]));
    hi[a] = y_a.hi;
    lo[a] = y_a.lo;
    hi[b] = y_b.hi;
    lo[b] = y_b.lo;
  }
  for (std::size_t l = rotary_dim_; l < d; ++l) {  // FR.1' (d): f x_l, exactly when f = 1
    const DoubleWord y = factor_is_one_ ? DoubleWord{x[l], 0} : mul(factor_, x[l]);
    hi[l] = y.hi;
    lo[l] = y.lo;
  }
  // FR.1' (e): ||r|| <= (2 delta_h + kappa) ||x||, kappa = 2u^2 (|F.hi| + |F.lo|) + rho_f (0 when f = 1).
  Upward radius_norm, kappa;
  if (!factor_is_one_) {
    mpfr_set_d(kappa.get(), std::fabs(factor_.hi), MPFR_RNDU);
    mpfr_add_d(kappa.get(), kappa.get(), std::fabs(factor_.lo), MPFR_RNDU);
    mpfr_mul_2si(kappa.get(), kappa.get(), -105, MPFR_RNDU);
    mpfr_add_d(kappa.get(), kappa.get(), factor_radius_, MPFR_RNDU);
  } else {
    mpfr_set_zero(kappa.get(), 1);
  }
  mpfr_set_d(radius_norm.get(), delta_[t / fine_length], MPFR_RNDU);
  mpfr_mul_2si(radius_norm.get(), radius_norm.get(), 1, MPFR_RNDU);
  mpfr_add(radius_norm.get(), radius_norm.get(), kappa.get(), MPFR_RNDU);
  mpfr_mul_d(radius_norm.get(), radius_norm.get(), norm_upper_binary64(x, d), MPFR_RNDU);
  out.hi_norm[row] = norm_upper_binary64(hi, d);
  out.lo_norm[row] = norm_upper_binary64(lo, d);
  out.radius_norm[row] = radius_norm.value();
  return std::isfinite(out.hi_norm[row]) && std::isfinite(out.lo_norm[row]) && std::isfinite(out.radius_norm[row]);
}

}  // namespace ropecert
