// RoPE geometry: plane layout of both pairings, rigorous frequencies and rotations, and the exact
// rotations of Pythagorean angles.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include "ropecert/rope_geometry.hpp"
#include "support/case_generators.hpp"

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

// lo <= q <= hi, compared exactly (the endpoints converted by mpfr_get_q).
bool contains_exactly(const Interval& x, const Rational& q) {
  if (!x.is_finite()) return false;
  Rational lo, hi;
  mpfr_get_q(lo.backend().data(), &x.get()->left);
  mpfr_get_q(hi.backend().data(), &x.get()->right);
  return lo <= q && q <= hi;
}

Rational fraction(long numerator, long denominator) { return Rational(numerator) / Rational(denominator); }

bool rotation_is(const RationalRotation& r, const Rational& cos, const Rational& sin) {
  return r.cos == cos && r.sin == sin;
}

// (c1 + s1 i)(c2 + s2 i).
RationalRotation compose(const RationalRotation& r1, const RationalRotation& r2) {
  return {r1.cos * r2.cos - r1.sin * r2.sin, r1.cos * r2.sin + r1.sin * r2.cos};
}

std::string text(const RationalRotation& r) { return r.cos.str() + " + " + r.sin.str() + " i"; }
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

TEST_CASE("pythagorean rotations match hand computations", "[rope][pythagorean]") {
  // Plane p has u = p + 2: (cos, sin) = (3/5, 4/5), (4/5, 3/5), (15/17, 8/17), (12/13, 5/13).
  CHECK(rotation_is(pythagorean_rotation(0, 1), fraction(3, 5), fraction(4, 5)));
  CHECK(rotation_is(pythagorean_rotation(1, 1), fraction(4, 5), fraction(3, 5)));  // 8/10, 6/10 reduced
  CHECK(rotation_is(pythagorean_rotation(2, 1), fraction(15, 17), fraction(8, 17)));
  CHECK(rotation_is(pythagorean_rotation(3, 1), fraction(12, 13), fraction(5, 13)));
  // (3/5 + 4/5 i)^2 = -7/25 + 24/25 i, ^3 = -117/125 + 44/125 i; (4/5 + 3/5 i)^2 = 7/25 + 24/25 i.
  CHECK(rotation_is(pythagorean_rotation(0, 2), fraction(-7, 25), fraction(24, 25)));
  CHECK(rotation_is(pythagorean_rotation(0, 3), fraction(-117, 125), fraction(44, 125)));
  CHECK(rotation_is(pythagorean_rotation(1, 2), fraction(7, 25), fraction(24, 25)));
  // m < 0: the conjugate; m = 0: the identity.
  CHECK(rotation_is(pythagorean_rotation(0, -1), fraction(3, 5), fraction(-4, 5)));
  CHECK(rotation_is(pythagorean_rotation(0, -2), fraction(-7, 25), fraction(-24, 25)));
  CHECK(rotation_is(pythagorean_rotation(2, -1), fraction(15, 17), fraction(-8, 17)));
  CHECK(rotation_is(pythagorean_rotation(0, 0), 1, 0));
  CHECK(rotation_is(pythagorean_rotation(7, 0), 1, 0));
}

TEST_CASE("pythagorean rotations lie on the unit circle and compose exactly", "[rope][pythagorean][property]") {
  const auto plane = rc::gen::inRange<std::size_t>(0, 40);
  const auto m = rc::gen::inRange<std::int64_t>(-200, 201);
  rc::prop("cos^2 + sin^2 == 1", [&] {
    const std::size_t p = *plane;
    const std::int64_t k = *m;
    const RationalRotation r = pythagorean_rotation(p, k);
    RC_LOG() << "plane " << p << " m " << k << ": " << text(r);
    RC_ASSERT(r.cos * r.cos + r.sin * r.sin == Rational(1));
  });
  rc::prop("R_m1 R_m2 == R_(m1 + m2)", [&] {
    const std::size_t p = *plane;
    const std::int64_t m1 = *m, m2 = *m;
    RC_CLASSIFY((m1 < 0) != (m2 < 0), "opposite signs");
    RC_LOG() << "plane " << p << " m1 " << m1 << " m2 " << m2;
    const RationalRotation product = compose(pythagorean_rotation(p, m1), pythagorean_rotation(p, m2));
    const RationalRotation sum = pythagorean_rotation(p, m1 + m2);
    RC_ASSERT(rotation_is(product, sum.cos, sum.sin));
  });
}

TEST_CASE("the interval rotation of pythagorean angles contains the exact rational rotation",
          "[rope][pythagorean][property]") {
  rc::prop("R_position x in enclose_rotated_row, tightly", [] {
    RopeParams rope;
    rope.angles = Angles::pythagorean;
    rope.base = std::numeric_limits<double>::quiet_NaN();  // unused by pythagorean angles
    rope.rotary_dim = 2 * *rc::gen::inRange<std::size_t>(1, 5);
    rope.pairing = *rc::gen::element(Pairing::half, Pairing::interleaved);
    const std::size_t d = rope.rotary_dim + *rc::gen::inRange<std::size_t>(0, 3);
    const std::int64_t position = *rc::gen::inRange<std::int64_t>(-1000, 1001);
    std::vector<double> x(d);
    for (double& value : x) value = *ropecert_test::gen_entry();
    RC_LOG() << "rotary_dim " << rope.rotary_dim << " d " << d << " position " << position;

    const std::vector<Interval> theta = enclose_frequencies(rope, 128);
    RC_ASSERT(theta.size() == rope.rotary_dim / 2);
    const std::vector<Interval> rotated = enclose_rotated_row(x.data(), d, rope, theta, position, 128);
    // The exact R_position x, and a width bound: pass-through dimensions are exact; in a plane the
    // width is about |position| 2^-127 (|x_a| + |x_b|) <= 2^-117 (|x_a| + |x_b|).
    std::vector<Rational> exact(x.begin(), x.end());
    std::vector<double> max_width(d, 0.0);
    const auto planes = rotary_planes(rope.rotary_dim, rope.pairing);
    for (std::size_t p = 0; p < planes.size(); ++p) {
      const auto [a, b] = planes[p];
      const RationalRotation r = pythagorean_rotation(p, position);
      exact[a] = Rational(x[a]) * r.cos - Rational(x[b]) * r.sin;
      exact[b] = Rational(x[a]) * r.sin + Rational(x[b]) * r.cos;
      max_width[a] = max_width[b] = std::ldexp(1 + std::fabs(x[a]) + std::fabs(x[b]), -100);
    }
    for (std::size_t l = 0; l < d; ++l) {
      RC_LOG() << "dimension " << l << ": exact " << exact[l].str();
      RC_ASSERT(contains_exactly(rotated[l], exact[l]));
      RC_ASSERT(width(rotated[l]) <= max_width[l]);
    }
  });
}
