// RoPE geometry: plane layout of both pairings, rigorous frequencies and rotations.
#include <cmath>

#include <catch2/catch.hpp>

#include "ropecert/rope_geometry.hpp"

using namespace ropecert;

namespace {
bool contains(const Interval& x, double value) {
  return mpfr_cmp_d(&x.get()->left, value) <= 0 && mpfr_cmp_d(&x.get()->right, value) >= 0;
}
double width(const Interval& x) {
  mpfr_t w;
  mpfr_init2(w, 64);
  mpfi_diam_abs(w, x.get());
  const double result = mpfr_get_d(w, MPFR_RNDU);
  mpfr_clear(w);
  return result;
}
}  // namespace

TEST_CASE("rotation planes follow the half and interleaved layouts", "[rope]") {
  using Planes = std::vector<std::pair<std::size_t, std::size_t>>;
  CHECK(rotary_planes(6, Pairing::half) == Planes{{0, 3}, {1, 4}, {2, 5}});
  CHECK(rotary_planes(6, Pairing::interleaved) == Planes{{0, 1}, {2, 3}, {4, 5}});
  CHECK(rotary_planes(2, Pairing::half) == Planes{{0, 1}});
}

TEST_CASE("frequencies base^(-2p/r) are enclosed tightly", "[rope]") {
  RopeParams rope;
  rope.base = 10000;
  rope.rotary_dim = 4;  // theta_0 = 1, theta_1 = 10000^(-1/2) = 1/100
  const std::vector<Interval> theta = enclose_frequencies(rope, 128);
  REQUIRE(theta.size() == 2);
  CHECK(contains(theta[0], 1.0));
  CHECK(width(theta[0]) == 0);
  mpfr_t hundredth;
  mpfr_init2(hundredth, 256);
  mpfr_set_ui(hundredth, 1, MPFR_RNDN);
  mpfr_div_ui(hundredth, hundredth, 100, MPFR_RNDN);
  CHECK(mpfi_is_inside_fr(hundredth, theta[1].get()) > 0);
  mpfr_clear(hundredth);
  CHECK(width(theta[1]) < 1e-36);
}

TEST_CASE("rotation moves plane p by position * theta_p and keeps pass-through dimensions", "[rope]") {
  RopeParams rope;
  rope.base = 10000;
  rope.rotary_dim = 2;  // one plane, theta_0 = 1
  rope.pairing = Pairing::half;
  const double x[3] = {1.0, 0.0, 7.25};
  const std::vector<Interval> theta = enclose_frequencies(rope, 128);
  const std::vector<Interval> rotated = enclose_rotated_row(x, 3, rope, theta, 3, 128);
  // (1, 0) rotated by angle 3: (cos 3, sin 3).
  CHECK(std::fabs(mpfi_get_d(rotated[0].get()) - std::cos(3.0)) < 1e-15);
  CHECK(std::fabs(mpfi_get_d(rotated[1].get()) - std::sin(3.0)) < 1e-15);
  CHECK(mpfi_get_d(rotated[1].get()) > 0);  // counter-clockwise: positive sine component
  CHECK(contains(rotated[2], 7.25));
  CHECK(width(rotated[2]) == 0);
  CHECK(width(rotated[0]) < 1e-36);
}
