// Tests of RoPE frequency scaling (rope_scaling.hpp). The oracle is each HF formula written again
// (tests/support/arb_oracle.hpp, arb_scaled_frequencies), in Arb ball arithmetic and in HF's own shape
// (pos_freqs, wavelengths, the ramp and its complement), sharing no code with the library; one hand-computed value per
// method pins the formulas themselves; branch straddling, bad parameters and the float32 emulation have their own
// cases.
#include <arb.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ropecert/exact_numbers.hpp"
#include "ropecert/rope_geometry.hpp"
#include "ropecert/rope_parameters.hpp"
#include "ropecert/rope_scaling.hpp"
#include "support/arb_oracle.hpp"
#include "support/hex_text.hpp"

using namespace ropecert;
using ropecert_test::arb_ball_inside;
using ropecert_test::ArbBall;
using ropecert_test::hex;

namespace {

constexpr slong oracle_precision = 320;
using Method = RopeScalingKind;

std::string show(const Interval& x) {
  char* text = nullptr;
  mpfr_asprintf(&text, "[%.30Rg, %.30Rg]", &x.get()->left, &x.get()->right);
  std::string result(text);
  mpfr_free_str(text);
  return result;
}

std::string show(const ArbBall& x) {
  char* text = arb_get_str(x.get(), 30, 0);
  std::string result(text);
  flint_free(text);
  return result;
}

bool contains(const Interval& x, const ArbBall& ball) { return arb_ball_inside(ball, &x.get()->left, &x.get()->right); }

bool contains_exactly(const Interval& x, const Rational& q) {
  if (!x.is_finite()) return false;
  Rational lo, hi;
  mpfr_get_q(lo.backend().data(), &x.get()->left);
  mpfr_get_q(hi.backend().data(), &x.get()->right);
  return lo <= q && q <= hi;
}

bool identical(const Interval& a, const Interval& b) {
  return mpfr_equal_p(&a.get()->left, &b.get()->left) && mpfr_equal_p(&a.get()->right, &b.get()->right);
}

// (hi - lo) / |mid| < 2^-bits.
bool narrow(const Interval& x, long bits) {
  mpfr_t width;
  mpfr_init2(width, 64);
  mpfi_diam_rel(width, x.get());
  const bool result = mpfr_number_p(width) && mpfr_cmp_si_2exp(width, 1, -bits) < 0;
  mpfr_clear(width);
  return result;
}

bool overlap(const Interval& a, const Interval& b) {
  return mpfr_cmp(&a.get()->left, &b.get()->right) <= 0 && mpfr_cmp(&b.get()->left, &a.get()->right) <= 0;
}

// ---- the oracle: HF's formulas in Arb ----------------------------------------------------------

ArbBall ball(double x) {
  ArbBall b;
  arb_set_d(b.get(), x);
  return b;
}

// HF: pos_freqs = base ** (arange(0, dim, 2) / dim), an Arb power.
ArbBall pos_freq(const ArbBall& base, std::size_t p, std::size_t r) {
  ArbBall exponent, result;
  arb_set_ui(exponent.get(), 2 * p);
  arb_div_ui(exponent.get(), exponent.get(), r, oracle_precision);
  arb_pow(result.get(), base.get(), exponent.get(), oracle_precision);
  return result;
}

ArbBall inverse(const ArbBall& x) {
  ArbBall result;
  arb_inv(result.get(), x.get(), oracle_precision);
  return result;
}

// The oracle: HF's formulas in Arb, in HF's own shape (tests/support/arb_oracle.hpp, arb_scaled_frequencies).
using Oracle = ropecert_test::ArbScaledFrequencies;

Oracle hf_oracle(const RopeScaling& s, double base_value, std::size_t r) {
  return ropecert_test::arb_scaled_frequencies(s, base_value, r, oracle_precision);
}

// Every plane and the attention factor: our enclosure contains the oracle's ball and is narrow.
void check_against_oracle(const RopeScaling& s, double base, std::size_t r, mpfr_prec_t precision, long bits) {
  const ScaledFrequencies got = enclose_scaled_frequencies(s, base, r, precision);
  const Oracle expected = hf_oracle(s, base, r);
  REQUIRE(got.inverse_frequencies.size() == r / 2);
  for (std::size_t p = 0; p < r / 2; ++p) {
    INFO("plane " << p << ": enclosure " << show(got.inverse_frequencies[p]) << ", oracle "
                  << show(expected.inv_freq[p]));
    CHECK(contains(got.inverse_frequencies[p], expected.inv_freq[p]));
    CHECK(narrow(got.inverse_frequencies[p], bits));
  }
  INFO("attention " << show(got.attention_factor) << ", oracle " << show(expected.attention));
  CHECK(contains(got.attention_factor, expected.attention));
  CHECK(narrow(got.attention_factor, bits));
}

RopeScaling make(Method kind) {
  RopeScaling s;
  s.kind = kind;
  return s;
}

RopeScaling llama31() {  // Llama 3.1's rope_scaling
  RopeScaling s = make(Method::llama3);
  s.factor = 8;
  s.low_freq_factor = 1;
  s.high_freq_factor = 4;
  s.original_max_position_embeddings = 8192;
  return s;
}

RopeScaling yarn_example() {  // r = 128, b = 10000, L = 4096, f = 4: low = 20, high = 46 (note 11)
  RopeScaling s = make(Method::yarn);
  s.factor = 4;
  s.original_max_position_embeddings = 4096;
  return s;
}

// The theta_p of the default rope (enclose_frequencies), for building hand-computed expectations.
std::vector<Interval> default_theta(double base, std::size_t r, mpfr_prec_t precision) {
  RopeParams rope;
  rope.base = base;
  rope.rotary_dim = r;
  return enclose_frequencies(rope, precision);
}

// A hand-computed multiple c * theta_p as an Arb ball (theta_p = base^(-2p/r) by Arb).
ArbBall theta_times(double base, std::size_t p, std::size_t r, const Rational& c) {
  ArbBall x = inverse(pos_freq(ball(base), p, r)), q;
  fmpq_t exact;
  fmpq_init(exact);
  fmpz_set_mpz(fmpq_numref(exact), mpq_numref(c.backend().data()));
  fmpz_set_mpz(fmpq_denref(exact), mpq_denref(c.backend().data()));
  arb_mul_fmpz(q.get(), x.get(), fmpq_numref(exact), oracle_precision);
  arb_div_fmpz(q.get(), q.get(), fmpq_denref(exact), oracle_precision);
  fmpq_clear(exact);
  return q;
}

}  // namespace

// ==== per method: hand values, the oracle, the structure ===========================================

TEST_CASE("kind none gives exactly enclose_frequencies and attention 1", "[rope-scaling]") {
  for (const mpfr_prec_t precision : {53, 64, 128, 300}) {
    for (const double base : {10000.0, 500000.0, 0x1.8p0, 0.5}) {
      for (const std::size_t r : {2, 4, 64, 96}) {
        const ScaledFrequencies got = enclose_scaled_frequencies(make(Method::none), base, r, precision);
        const std::vector<Interval> theta = default_theta(base, r, precision);
        REQUIRE(got.inverse_frequencies.size() == theta.size());
        for (std::size_t p = 0; p < theta.size(); ++p) CHECK(identical(got.inverse_frequencies[p], theta[p]));
        CHECK(contains_exactly(got.attention_factor, 1));
        CHECK(narrow(got.attention_factor, 1000));
      }
    }
  }
  check_against_oracle(make(Method::none), 10000, 128, 128, 100);
}

TEST_CASE("linear divides theta by the factor", "[rope-scaling][linear]") {
  RopeScaling s = make(Method::linear);
  s.factor = 4;
  // Hand value: r = 4, b = 10000: theta_1 = 1/100, scaled 1/400.
  const ScaledFrequencies got = enclose_scaled_frequencies(s, 10000, 4, 128);
  CHECK(contains_exactly(got.inverse_frequencies[0], Rational(1, 4)));
  CHECK(contains_exactly(got.inverse_frequencies[1], Rational(1, 400)));
  CHECK_FALSE(contains_exactly(got.inverse_frequencies[1], Rational(1, 100)));
  check_against_oracle(s, 10000, 128, 128, 100);
  s.factor = 2.5;
  check_against_oracle(s, 500000, 64, 128, 100);
}

TEST_CASE("dynamic NTK rescales the base by g^(r/(r-2))", "[rope-scaling][dynamic]") {
  RopeScaling s = make(Method::dynamic);
  s.factor = 2;
  s.max_position_embeddings = 1000;
  s.sequence_length = 3000;
  // Hand value: r = 4, b = 10000: g = 2 * 3000 / 1000 - 1 = 5, new base 10000 * 5^2 = 250000,
  // theta_1 = 250000^(-1/2) = 1/500 (unscaled 1/100).
  ScaledFrequencies got = enclose_scaled_frequencies(s, 10000, 4, 128);
  CHECK(contains_exactly(got.inverse_frequencies[0], 1));
  CHECK(contains_exactly(got.inverse_frequencies[1], Rational(1, 500)));
  CHECK_FALSE(contains_exactly(got.inverse_frequencies[1], Rational(1, 100)));
  CHECK(contains_exactly(got.attention_factor, 1));
  // seq_len <= M (and seq_len None) leave the frequencies unscaled: g = 1.
  for (const std::uint64_t length : {std::uint64_t(0), std::uint64_t(10), std::uint64_t(1000)}) {
    s.sequence_length = length;
    got = enclose_scaled_frequencies(s, 10000, 4, 128);
    CHECK(contains_exactly(got.inverse_frequencies[1], Rational(1, 100)));
  }
  s.factor = 4;
  s.max_position_embeddings = 2048;
  s.sequence_length = 5000;
  check_against_oracle(s, 10000, 64, 128, 100);
  s.factor = 1.75;
  check_against_oracle(s, 1000000, 96, 128, 100);
}

TEST_CASE("yarn: correction range 20..46, ramp, interpolation and extrapolation", "[rope-scaling][yarn]") {
  const RopeScaling s = yarn_example();
  const mpfr_prec_t precision = 128;
  const ScaledFrequencies got = enclose_scaled_frequencies(s, 10000, 128, precision);
  const std::vector<Interval> theta = default_theta(10000, 128, precision);
  // Hand values: find_correction_dim(32) = 20.944..., floor 20; find_correction_dim(1) = 45.027..., ceil 46.
  // Planes p <= 20 keep theta (pure extrapolation), planes p >= 46 get theta / 4 (interpolation); plane 33 is
  // half-way: rho = 13/26 = 1/2, theta * (1/2 + 1/2 * 1/4) = theta * 5/8.
  for (std::size_t p = 0; p <= 20; ++p) CHECK(identical(got.inverse_frequencies[p], theta[p]));
  for (std::size_t p = 46; p < 64; ++p)
    CHECK(contains(got.inverse_frequencies[p], theta_times(10000, p, 128, Rational(1, 4))));
  CHECK(contains(got.inverse_frequencies[33], theta_times(10000, 33, 128, Rational(5, 8))));
  CHECK(contains(got.inverse_frequencies[21], theta_times(10000, 21, 128, 1 - Rational(1, 26) * Rational(3, 4))));
  CHECK(contains(got.inverse_frequencies[45], theta_times(10000, 45, 128, 1 - Rational(25, 26) * Rational(3, 4))));
  check_against_oracle(s, 10000, 128, precision, 100);
}

TEST_CASE("yarn attention factor", "[rope-scaling][yarn]") {
  RopeScaling s = yarn_example();
  // Default: 0.1 ln(factor) + 1.
  ScaledFrequencies got = enclose_scaled_frequencies(s, 10000, 128, 128);
  CHECK(std::fabs(mpfi_get_d(got.attention_factor.get()) - (0.1 * std::log(4.0) + 1.0)) < 1e-15);
  CHECK(contains(got.attention_factor, hf_oracle(s, 10000, 128).attention));
  // factor 1: get_mscale gives exactly 1.
  s.factor = 1;
  got = enclose_scaled_frequencies(s, 10000, 128, 128);
  CHECK(contains_exactly(got.attention_factor, 1));
  CHECK(narrow(got.attention_factor, 1000));
  // mscale / mscale_all_dim (DeepSeek style): (0.05 ln 40 + 1) / (0.1 ln 40 + 1).
  s.factor = 40;
  s.mscale = 0.5;
  s.mscale_all_dim = 1;
  got = enclose_scaled_frequencies(s, 10000, 128, 128);
  const double hand = (0.05 * std::log(40.0) + 1) / (0.1 * std::log(40.0) + 1);
  CHECK(std::fabs(mpfi_get_d(got.attention_factor.get()) - hand) < 1e-15);
  check_against_oracle(s, 10000, 128, 128, 100);
  // Only one of them set (or one zero, Python-falsy): the default get_mscale(factor).
  s.mscale_all_dim = 0;
  got = enclose_scaled_frequencies(s, 10000, 128, 128);
  CHECK(std::fabs(mpfi_get_d(got.attention_factor.get()) - (0.1 * std::log(40.0) + 1)) < 1e-15);
  s.mscale_all_dim.reset();
  check_against_oracle(s, 10000, 128, 128, 100);
  // Equal mscales: exactly 1 in the real numbers.
  s.mscale = 0.707;
  s.mscale_all_dim = 0.707;
  got = enclose_scaled_frequencies(s, 10000, 128, 128);
  CHECK(contains_exactly(got.attention_factor, 1));
  // The override wins.
  s.attention_factor = 0.75;
  got = enclose_scaled_frequencies(s, 10000, 128, 128);
  CHECK(contains_exactly(got.attention_factor, Rational(3, 4)));
  CHECK(narrow(got.attention_factor, 1000));
}

TEST_CASE("yarn variants against the oracle", "[rope-scaling][yarn]") {
  RopeScaling s = yarn_example();
  SECTION("no truncation") {
    s.truncate = false;
    check_against_oracle(s, 10000, 128, 128, 100);
    check_against_oracle(s, 1000000, 64, 128, 100);
  }
  SECTION("factor from the lengths, M / L") {
    s.factor.reset();
    s.max_position_embeddings = 131072;
    s.original_max_position_embeddings = 4096;  // f = 32
    check_against_oracle(s, 10000, 128, 128, 100);
    const ScaledFrequencies got = enclose_scaled_frequencies(s, 10000, 128, 128);
    CHECK(std::fabs(mpfi_get_d(got.attention_factor.get()) - (0.1 * std::log(32.0) + 1.0)) < 1e-15);
  }
  SECTION("custom betas, gpt-oss like") {
    s.factor = 32;
    s.beta_fast = 32;
    s.beta_slow = 1;
    s.truncate = false;
    check_against_oracle(s, 150000, 64, 128, 100);
  }
  SECTION("beta 0 selects HF's defaults 32 and 1") {
    RopeScaling zero = s;
    zero.beta_fast = 0;
    zero.beta_slow = 0;
    const ScaledFrequencies a = enclose_scaled_frequencies(zero, 10000, 128, 128);
    const ScaledFrequencies b = enclose_scaled_frequencies(s, 10000, 128, 128);
    for (std::size_t p = 0; p < 64; ++p) CHECK(identical(a.inverse_frequencies[p], b.inverse_frequencies[p]));
  }
  SECTION("the correction range clamped to [0, dim - 1] and the low == high guard") {
    // A tiny context: L = 8, r = 16 give find_correction_dim(32) = -2.80..., clamped to low = 0, and
    // find_correction_dim(1) = 0.209..., high = 1.
    s.original_max_position_embeddings = 8;
    check_against_oracle(s, 10000, 16, 128, 100);
    // L = 4, r = 16: find_correction_dim(1) = -0.39..., so low = max(floor(-4.1...), 0) = 0 and
    // high = min(ceil(-0.39...), 15) = 0: HF's guard makes high = 0.001, the ramp is 0 at plane 0 and 1
    // beyond it: plane 0 keeps theta_0 = 1, every other plane is divided by f = 4 (hand values).
    s.original_max_position_embeddings = 4;
    check_against_oracle(s, 10000, 16, 128, 100);
    const ScaledFrequencies guarded = enclose_scaled_frequencies(s, 10000, 16, 128);
    CHECK(contains_exactly(guarded.inverse_frequencies[0], 1));
    for (std::size_t p = 1; p < 8; ++p)
      CHECK(contains(guarded.inverse_frequencies[p], theta_times(10000, p, 16, Rational(1, 4))));
    // beta_fast == beta_slow: floor and ceil differ by one unless the bound is an integer (never).
    s.original_max_position_embeddings = 4096;
    s.beta_fast = 4;
    s.beta_slow = 4;
    check_against_oracle(s, 10000, 64, 128, 100);
    s.truncate = false;  // low == high exactly: HF adds 0.001
    check_against_oracle(s, 10000, 64, 128, 100);
  }
}

TEST_CASE("llama3: three bands at Llama 3.1's parameters", "[rope-scaling][llama3]") {
  const RopeScaling s = llama31();
  const double base = 500000;
  const std::size_t r = 128;
  const ScaledFrequencies got = enclose_scaled_frequencies(s, base, r, 128);
  const std::vector<Interval> theta = default_theta(base, r, 128);
  const Oracle oracle = hf_oracle(s, base, r);
  // Hand values: u_p = 8192 theta_p / (2 pi) = 1303.8 e^(-0.20503 p) crosses 4 between p = 28 and 29 and 1
  // between p = 34 and 35: planes 0..28 high frequency, 29..34 medium, 35..63 low frequency.
  for (std::size_t p = 0; p < 64; ++p) {
    INFO("plane " << p);
    const int band = p <= 28 ? 0 : p <= 34 ? 1 : 2;
    CHECK(oracle.band[p] == band);
    if (band == 0) CHECK(identical(got.inverse_frequencies[p], theta[p]));
    if (band == 2) CHECK(contains(got.inverse_frequencies[p], theta_times(base, p, r, Rational(1, 8))));
    if (band == 1) {
      // Strictly between theta / 8 and theta.
      Interval eighth = theta[p];
      mpfi_div_ui(eighth.get(), eighth.get(), 8);
      CHECK(mpfr_cmp(&got.inverse_frequencies[p].get()->left, &eighth.get()->right) > 0);
      CHECK(mpfr_cmp(&got.inverse_frequencies[p].get()->right, &theta[p].get()->left) < 0);
    }
  }
  CHECK(contains_exactly(got.attention_factor, 1));
  check_against_oracle(s, base, r, 128, 100);
  // Plane 30 by hand: u = 2.7785478850088974, s = (u - 1) / 3, weight (1 - s) / 8 + s.
  const double u = 2.7785478850088974, smooth = (u - 1) / 3, weight = (1 - smooth) / 8 + smooth;
  const double theta30 = std::pow(base, -60.0 / 128);
  CHECK(std::fabs(mpfi_get_d(got.inverse_frequencies[30].get()) / (weight * theta30) - 1) < 1e-13);
}

TEST_CASE("llama3 against the oracle at other parameters", "[rope-scaling][llama3]") {
  RopeScaling s = llama31();
  check_against_oracle(s, 10000, 64, 128, 100);
  s.factor = 32;
  s.low_freq_factor = 0.5;
  s.high_freq_factor = 3.25;
  s.original_max_position_embeddings = 4096;
  check_against_oracle(s, 500000, 128, 128, 100);
}

TEST_CASE("longrope: short and long factors, attention sqrt(1 + ln f / ln L)", "[rope-scaling][longrope]") {
  RopeScaling s = make(Method::longrope);
  const std::size_t r = 8;
  s.short_factor = {1, 1.5, 2, 4};
  s.long_factor = {1, 3, 8, 16};
  s.original_max_position_embeddings = 4096;
  s.max_position_embeddings = 131072;  // f = 32 (Phi-3 style, factor unset)
  // Hand value: ln 32 / ln 4096 = 5 / 12, so a^2 = 17 / 12; theta_1 = 10000^(-1/4) = 1/10.
  s.sequence_length = 4096;  // not > L: short factors
  ScaledFrequencies got = enclose_scaled_frequencies(s, 10000, r, 128);
  Interval square = got.attention_factor;
  mpfi_sqr(square.get(), square.get());
  CHECK(contains_exactly(square, Rational(17, 12)));
  CHECK(narrow(got.attention_factor, 100));
  CHECK(contains_exactly(got.inverse_frequencies[0], 1));
  CHECK(contains_exactly(got.inverse_frequencies[1], Rational(1, 15)));  // (1/10) / 1.5
  check_against_oracle(s, 10000, r, 128, 100);
  s.sequence_length = 4097;  // long factors
  got = enclose_scaled_frequencies(s, 10000, r, 128);
  CHECK(contains_exactly(got.inverse_frequencies[1], Rational(1, 30)));  // (1/10) / 3
  check_against_oracle(s, 10000, r, 128, 100);
  s.sequence_length = 0;  // None: short
  got = enclose_scaled_frequencies(s, 10000, r, 128);
  CHECK(contains_exactly(got.inverse_frequencies[1], Rational(1, 15)));
  // factor given and equal to 1: attention 1; an override wins.
  s.factor = 1;
  got = enclose_scaled_frequencies(s, 10000, r, 128);
  CHECK(contains_exactly(got.attention_factor, 1));
  CHECK(narrow(got.attention_factor, 1000));
  s.factor = 8;
  check_against_oracle(s, 10000, r, 128, 100);
  s.attention_factor = 1.25;
  got = enclose_scaled_frequencies(s, 10000, r, 128);
  CHECK(contains_exactly(got.attention_factor, Rational(5, 4)));
}

// ==== consistency: two precisions ==============================================================

TEST_CASE("two precisions overlap and the higher one is narrower", "[rope-scaling][consistency]") {
  std::vector<std::pair<RopeScaling, double>> cases = {
      {make(Method::none), 10000}, {llama31(), 500000}, {yarn_example(), 10000}};
  RopeScaling linear = make(Method::linear);
  linear.factor = 3;
  cases.push_back({linear, 10000});
  RopeScaling dynamic = make(Method::dynamic);
  dynamic.factor = 2;
  dynamic.max_position_embeddings = 2048;
  dynamic.sequence_length = 4000;
  cases.push_back({dynamic, 10000});
  RopeScaling yarn = yarn_example();
  yarn.truncate = false;
  cases.push_back({yarn, 10000});
  for (const auto& [s, base] : cases) {
    const ScaledFrequencies a = enclose_scaled_frequencies(s, base, 128, 64);
    const ScaledFrequencies b = enclose_scaled_frequencies(s, base, 128, 256);
    for (std::size_t p = 0; p < 64; ++p) {
      INFO("kind " << int(s.kind) << " plane " << p);
      CHECK(overlap(a.inverse_frequencies[p], b.inverse_frequencies[p]));
      CHECK(narrow(b.inverse_frequencies[p], 200));
    }
    CHECK(overlap(a.attention_factor, b.attention_factor));
  }
}

TEST_CASE("random parameters against the oracle", "[rope-scaling][property]") {
  rc::prop("every method, random base, dim, factor and lengths", [] {
    RopeScaling s;
    s.kind = *rc::gen::element(Method::none, Method::linear, Method::dynamic, Method::yarn, Method::llama3,
                               Method::longrope);
    const std::size_t r = 2 * *rc::gen::inRange<std::size_t>(2, 65);
    const double base = *rc::gen::element(10000.0, 500000.0, 1000000.0, 150000.0, 1234.5);
    s.factor = *rc::gen::element(1.0, 1.5, 2.0, 4.0, 8.0, 16.0, 40.0);
    s.original_max_position_embeddings = *rc::gen::element<std::uint64_t>(512, 2048, 4096, 8192, 32768);
    s.max_position_embeddings = s.original_max_position_embeddings * *rc::gen::inRange<std::uint64_t>(1, 33);
    s.sequence_length = *rc::gen::inRange<std::uint64_t>(0, 3 * s.max_position_embeddings);
    s.truncate = *rc::gen::arbitrary<bool>();
    s.beta_fast = *rc::gen::element(0.0, 32.0, 16.0);
    s.beta_slow = *rc::gen::element(0.0, 1.0, 2.0);
    if (*rc::gen::arbitrary<bool>()) {
      s.mscale = *rc::gen::element(0.0, 0.707, 1.0);
      s.mscale_all_dim = *rc::gen::element(0.0, 0.707, 1.0);
    }
    s.low_freq_factor = *rc::gen::element(0.5, 1.0, 2.0);
    s.high_freq_factor = s.low_freq_factor + *rc::gen::element(0.5, 3.0);
    for (std::size_t p = 0; p < r / 2; ++p) {
      s.short_factor.push_back(*rc::gen::element(1.0, 1.25, 2.0, 3.5));
      s.long_factor.push_back(*rc::gen::element(1.0, 4.0, 10.5, 40.0));
    }
    if (s.kind == Method::longrope && *rc::gen::arbitrary<bool>()) s.factor.reset();
    RC_LOG() << "kind " << int(s.kind) << " r " << r << " base " << base << " L " << s.original_max_position_embeddings
             << " M " << s.max_position_embeddings << " seq " << s.sequence_length << " truncate " << s.truncate
             << "\n";
    RC_CLASSIFY(s.kind == Method::yarn, "yarn");
    RC_CLASSIFY(s.kind == Method::llama3, "llama3");
    std::optional<ScaledFrequencies> got;
    try {
      got.emplace(enclose_scaled_frequencies(s, base, r, 128));
    } catch (const std::domain_error& e) {
      RC_FAIL(std::string("undecided at 128 bits: ") + e.what());
    }
    const Oracle expected = hf_oracle(s, base, r);
    for (std::size_t p = 0; p < r / 2; ++p) {
      RC_LOG() << "plane " << p << " " << show(got->inverse_frequencies[p]) << " oracle " << show(expected.inv_freq[p])
               << "\n";
      RC_ASSERT(contains(got->inverse_frequencies[p], expected.inv_freq[p]));
      RC_ASSERT(narrow(got->inverse_frequencies[p], 100));
    }
    RC_ASSERT(contains(got->attention_factor, expected.attention));
  });
}

// ==== branches decided from the enclosure =========================================================

TEST_CASE("a straddled llama3 band raises domain_error, a higher precision decides it", "[rope-scaling][branch]") {
  // low_freq_factor = the double nearest to u_30 = 8192 theta_30 / (2 pi): within 2^-53 relative of the
  // threshold, so 24 bits cannot separate them; 256 bits can (u_30 is never a rational: note 11, Lemma 4).
  mpfr_t u;
  mpfr_init2(u, 400);
  mpfr_set_ui(u, 500000, MPFR_RNDN);
  mpfr_log(u, u, MPFR_RNDN);
  mpfr_mul_si(u, u, -60, MPFR_RNDN);
  mpfr_div_ui(u, u, 128, MPFR_RNDN);
  mpfr_exp(u, u, MPFR_RNDN);
  mpfr_mul_ui(u, u, 8192, MPFR_RNDN);
  mpfr_t two_pi;
  mpfr_init2(two_pi, 400);
  mpfr_const_pi(two_pi, MPFR_RNDN);
  mpfr_mul_ui(two_pi, two_pi, 2, MPFR_RNDN);
  mpfr_div(u, u, two_pi, MPFR_RNDN);
  const double near_threshold = mpfr_get_d(u, MPFR_RNDN);
  const bool medium = mpfr_cmp_d(u, near_threshold) >= 0;  // u_30 >= low_freq_factor: medium, else low band
  mpfr_clears(u, two_pi, static_cast<mpfr_ptr>(nullptr));
  INFO("low_freq_factor " << hex(near_threshold));

  RopeScaling s = llama31();
  s.low_freq_factor = near_threshold;
  CHECK_THROWS_AS(enclose_scaled_frequencies(s, 500000, 128, 24), std::domain_error);
  CHECK_THROWS_WITH(enclose_scaled_frequencies(s, 500000, 128, 24),
                    Catch::Contains("plane 30") && Catch::Contains("raise the precision"));
  const ScaledFrequencies got = enclose_scaled_frequencies(s, 500000, 128, 256);
  // At 256 bits the band is the one MPFR's 400-bit comparison gives: the low band is theta / 8 exactly,
  // the medium band theta (1/8 + s 7/8) with 0 < s < 2^-50, which 256 bits tell apart.
  INFO("medium " << medium);
  CHECK(contains(got.inverse_frequencies[30], hf_oracle(s, 500000, 128).inv_freq[30]));
  CHECK(contains(got.inverse_frequencies[30], theta_times(500000, 30, 128, Rational(1, 8))) == !medium);
  // The same threshold with high_freq_factor.
  s = llama31();
  s.low_freq_factor = 0.5;
  s.high_freq_factor = near_threshold;
  CHECK_THROWS_AS(enclose_scaled_frequencies(s, 500000, 128, 24), std::domain_error);
  CHECK_NOTHROW(enclose_scaled_frequencies(s, 500000, 128, 256));
}

TEST_CASE("a straddled yarn floor or low == high guard raises domain_error", "[rope-scaling][branch]") {
  // beta_fast = RN(L / (2 pi b^(2k/r))) puts find_correction_dim(beta_fast) within ~2^-50 of k = 21.
  mpfr_t beta, x;
  mpfr_inits2(400, beta, x, static_cast<mpfr_ptr>(nullptr));
  mpfr_set_ui(x, 10000, MPFR_RNDN);
  mpfr_log(x, x, MPFR_RNDN);
  mpfr_mul_ui(x, x, 42, MPFR_RNDN);
  mpfr_div_ui(x, x, 128, MPFR_RNDN);
  mpfr_exp(x, x, MPFR_RNDN);  // b^(2k/r)
  mpfr_const_pi(beta, MPFR_RNDN);
  mpfr_mul_ui(beta, beta, 2, MPFR_RNDN);
  mpfr_mul(beta, beta, x, MPFR_RNDN);
  mpfr_ui_div(beta, 4096, beta, MPFR_RNDN);
  const double near_integer = mpfr_get_d(beta, MPFR_RNDN);
  // beta = RN(L / (2 pi)) puts find_correction_dim(beta) within ~2^-50 of 0.
  mpfr_const_pi(beta, MPFR_RNDN);
  mpfr_mul_ui(beta, beta, 2, MPFR_RNDN);
  mpfr_ui_div(beta, 4096, beta, MPFR_RNDN);
  const double near_zero = mpfr_get_d(beta, MPFR_RNDN);
  mpfr_clears(beta, x, static_cast<mpfr_ptr>(nullptr));

  RopeScaling s = yarn_example();
  s.beta_fast = near_integer;
  INFO("beta_fast " << hex(near_integer));
  CHECK_THROWS_WITH(enclose_scaled_frequencies(s, 10000, 128, 24),
                    Catch::Contains("floor(find_correction_dim(beta_fast))") && Catch::Contains("raise the precision"));
  check_against_oracle(s, 10000, 128, 256, 200);
  s.truncate = false;  // continuous: decided at any precision
  CHECK_NOTHROW(enclose_scaled_frequencies(s, 10000, 128, 24));

  // The HF guard `if min == max` without truncation, for beta_fast == beta_slow: low == high iff
  // find_correction_dim(beta) >= 0, which sits at 0 here.
  s.beta_fast = near_zero;
  s.beta_slow = near_zero;
  CHECK_THROWS_WITH(enclose_scaled_frequencies(s, 10000, 128, 24), Catch::Contains("low == high"));
  check_against_oracle(s, 10000, 128, 256, 200);
  // Overlapping bounds from distinct betas at a low precision.
  s.beta_fast = near_zero;
  s.beta_slow = std::nextafter(near_zero, 0.0);
  CHECK_THROWS_WITH(enclose_scaled_frequencies(s, 10000, 128, 24), Catch::Contains("low == high"));
}

// ==== bad parameters ==============================================================================

TEST_CASE("bad parameters raise invalid_argument with a one-line message", "[rope-scaling][validate]") {
  struct Bad {
    const char* why;
    RopeScaling s;
    double base;
    std::size_t r;
  };
  std::vector<Bad> bad;
  const auto add = [&](const char* why, RopeScaling s, double base = 10000, std::size_t r = 8) {
    bad.push_back({why, std::move(s), base, r});
  };
  add("odd rotary_dim", make(Method::none), 10000, 7);
  add("rotary_dim 0", make(Method::none), 10000, 0);
  add("base 0", make(Method::none), 0);
  add("base NaN", make(Method::none), NAN);
  add("base inf", make(Method::linear), HUGE_VAL);
  RopeScaling s = make(Method::linear);
  add("linear without factor", s);
  s.factor = 0.5;
  add("linear factor < 1", s);
  s.factor = NAN;
  add("linear factor NaN", s);
  s = make(Method::dynamic);
  s.factor = 2;
  s.max_position_embeddings = 100;
  add("dynamic rotary_dim 2", s, 10000, 2);
  s.max_position_embeddings = 0;
  add("dynamic without max_position_embeddings", s);
  s = yarn_example();
  add("yarn base 1", s, 1.0);
  s.original_max_position_embeddings = 0;
  add("yarn without L", s);
  s = yarn_example();
  s.beta_fast = -1;
  add("yarn negative beta", s);
  s = yarn_example();
  s.beta_slow = HUGE_VAL;
  add("yarn infinite beta", s);
  s = yarn_example();
  s.factor.reset();
  add("yarn factor unset without M", s);
  s.max_position_embeddings = 1024;
  add("yarn factor unset with M < L", s);
  s = yarn_example();
  s.attention_factor = -0.5;
  add("yarn negative attention", s);
  s = yarn_example();
  s.mscale = NAN;
  add("yarn mscale NaN", s);
  s = llama31();
  s.low_freq_factor = 4;
  s.high_freq_factor = 1;
  add("llama3 low > high", s);
  s.low_freq_factor = 2;
  s.high_freq_factor = 2;
  add("llama3 low == high", s);
  s.low_freq_factor = 0;
  add("llama3 low 0", s);
  s = llama31();
  s.factor.reset();
  add("llama3 without factor", s);
  s = llama31();
  s.original_max_position_embeddings = 0;
  add("llama3 without L", s);
  s = make(Method::longrope);
  s.factor = 2;
  s.original_max_position_embeddings = 4096;
  s.short_factor = {1, 1, 1};
  s.long_factor = {1, 1, 1, 1};
  add("longrope short_factor length", s);
  s.short_factor = {1, 1, 1, 1};
  s.long_factor = {1, 1, 0, 1};
  add("longrope zero long factor", s);
  s.long_factor = {1, 1, 1, 1};
  s.original_max_position_embeddings = 1;
  add("longrope log(1) in the attention factor", s);
  s.original_max_position_embeddings = 0;
  add("longrope without L", s);

  for (const Bad& b : bad) {
    INFO(b.why);
    try {
      validate_rope_scaling(b.s, b.base, b.r);
      FAIL_CHECK("validate_rope_scaling accepted it");
    } catch (const std::invalid_argument& e) {
      const std::string message = e.what();
      CHECK(message.rfind("rope scaling (", 0) == 0);
      CHECK(message.find('\n') == std::string::npos);
    }
    CHECK_THROWS_AS(enclose_scaled_frequencies(b.s, b.base, b.r, 128), std::invalid_argument);
  }
  CHECK_THROWS_AS(enclose_scaled_frequencies(make(Method::none), 10000, 8, 1), std::invalid_argument);
  // The same parameters made good are accepted.
  s.original_max_position_embeddings = 4096;
  CHECK_NOTHROW(validate_rope_scaling(s, 10000, 8));
  s.attention_factor = 1.0;  // log L no longer needed
  s.original_max_position_embeddings = 1;
  CHECK_NOTHROW(validate_rope_scaling(s, 10000, 8));
}

// ==== the float32 emulation ======================================================================

namespace {

// The same pipeline by another route: hardware float32 for the conversions, the division and the
// reciprocal (IEEE-754 basic operations, correctly rounded), MPFR's correctly rounded pow at 24 bits.
std::vector<float> hardware_pipeline(double base, std::size_t dim) {
  const float b = static_cast<float>(base);  // RN32 (x86-64 SSE conversion)
  const float d = static_cast<float>(dim);
  std::vector<float> result;
  mpfr_t x, y, z;
  mpfr_inits2(24, x, y, z, static_cast<mpfr_ptr>(nullptr));
  for (std::size_t k = 0; k < dim; k += 2) {
    const float e = static_cast<float>(k) / d;
    mpfr_set_flt(x, b, MPFR_RNDN);
    mpfr_set_flt(y, e, MPFR_RNDN);
    mpfr_pow(z, x, y, MPFR_RNDN);  // correctly rounded to 24 bits; normal range here
    const float power = mpfr_get_flt(z, MPFR_RNDN);
    result.push_back(1.0f / power);
  }
  mpfr_clears(x, y, z, static_cast<mpfr_ptr>(nullptr));
  return result;
}

// |x - theta| / ulp(x) for the float x, bounded above using the enclosure of theta.
double ulps_from(float x, const Interval& theta) {
  const double ulp = std::ldexp(1.0, std::ilogb(x) - 23);
  const double lo = mpfr_get_d(&theta.get()->left, MPFR_RNDD), hi = mpfr_get_d(&theta.get()->right, MPFR_RNDU);
  return std::max(std::fabs(double(x) - lo), std::fabs(double(x) - hi)) / ulp;
}

}  // namespace

TEST_CASE("float32 emulation: hand values", "[rope-scaling][float32]") {
  // dim 4, base 10000: e = {0, 0.5}; 10000^0.5 = 100 exactly; RN32(1/100) = 0x1.47ae14p-7.
  const std::vector<float> got = hf_default_inv_freq_float32(10000, 4);
  REQUIRE(got.size() == 2);
  CHECK(hex(got[0]) == hex(1.0));
  CHECK(hex(got[1]) == hex(0x1.47ae14p-7));
  // Odd dim: arange(0, 5, 2) = 0, 2, 4.
  CHECK(hf_default_inv_freq_float32(10000, 5).size() == 3);
  // dim 2: only k = 0.
  CHECK(hf_default_inv_freq_float32(10000, 2) == std::vector<float>{1.0f});
  // A base that is not a float32: 10000.3 becomes RN32 = 10000.2998046875 first; dim 4 gives
  // RN32(1 / RN32(sqrt(10000.2998046875))).
  const std::vector<float> rounded = hf_default_inv_freq_float32(10000.3, 4);
  CHECK(hex(rounded[1]) == hex(1.0f / std::sqrt(10000.2998046875f)));  // sqrtf and / are correctly rounded
  CHECK_THROWS_AS(hf_default_inv_freq_float32(10000, 0), std::invalid_argument);
  CHECK_THROWS_AS(hf_default_inv_freq_float32(-1, 4), std::invalid_argument);
  CHECK_THROWS_AS(hf_default_inv_freq_float32(1e300, 4), std::invalid_argument);   // inf in float32
  CHECK_THROWS_AS(hf_default_inv_freq_float32(1e-300, 4), std::invalid_argument);  // 0 in float32
}

TEST_CASE("float32 emulation equals the hardware pipeline and stays near the exact theta", "[rope-scaling][float32]") {
  for (const double base : {10000.0, 500000.0, 1000000.0, 10000.3, 150000.0}) {
    for (const std::size_t dim : {2, 4, 64, 80, 96, 128, 256}) {
      INFO("base " << base << " dim " << dim);
      const std::vector<float> got = hf_default_inv_freq_float32(base, dim);
      const std::vector<float> twin = hardware_pipeline(base, dim);
      REQUIRE(got.size() == twin.size());
      for (std::size_t p = 0; p < got.size(); ++p) {
        INFO("p " << p << ": " << hex(got[p]) << " vs " << hex(twin[p]));
        CHECK(hex(got[p]) == hex(twin[p]));
      }
      // Against the certified theta_p of RN32(base) (note 11, Lemma 6): at most 2 ulps when k / dim is
      // exact in float32 (dim a power of two), at most ln(base) + 3 ulps otherwise.
      const double base32 = double(static_cast<float>(base));
      const std::vector<Interval> theta = default_theta(base32, dim, 128);
      const bool exact_exponents = (dim & (dim - 1)) == 0;
      const double bound = exact_exponents ? 2.0 : std::log(base32) + 3;
      for (std::size_t p = 0; p < got.size(); ++p) {
        INFO("p " << p);
        CHECK(ulps_from(got[p], theta[p]) <= bound);
      }
    }
  }
}
