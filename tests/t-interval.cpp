// Interval: the RAII owner of an MPFI interval keeps its precision and value through copies and moves.
#include <catch2/catch.hpp>

#include "ropecert/interval.hpp"

using ropecert::Interval;

namespace {
bool equal_bounds(const Interval& a, const Interval& b) {
  return mpfr_equal_p(&a.get()->left, &b.get()->left) && mpfr_equal_p(&a.get()->right, &b.get()->right);
}
}  // namespace

TEST_CASE("a new interval is [0, 0] at the requested precision", "[interval]") {
  const Interval x(200);
  CHECK(x.precision() == 200);
  CHECK(mpfr_zero_p(&x.get()->left));
  CHECK(mpfr_zero_p(&x.get()->right));
  CHECK(x.is_finite());
}

TEST_CASE("copies and moves keep precision and bounds", "[interval]") {
  Interval third(300);
  mpfi_set_ui(third.get(), 1);
  mpfi_div_ui(third.get(), third.get(), 3);  // a proper interval: 1/3 is not a binary number
  REQUIRE(mpfr_less_p(&third.get()->left, &third.get()->right));

  const Interval copy(third);
  CHECK(copy.precision() == 300);
  CHECK(equal_bounds(copy, third));

  Interval assigned(64);
  assigned = third;
  CHECK(assigned.precision() == 300);
  CHECK(equal_bounds(assigned, third));

  Interval moved(std::move(assigned));
  CHECK(moved.precision() == 300);
  CHECK(equal_bounds(moved, third));

  Interval target(64);
  target = std::move(moved);
  CHECK(equal_bounds(target, third));
}

TEST_CASE("is_finite detects NaN and infinite bounds", "[interval]") {
  Interval x(64);
  mpfr_set_inf(&x.get()->right, 1);
  CHECK_FALSE(x.is_finite());
  mpfr_set_nan(&x.get()->left);
  mpfr_set_ui(&x.get()->right, 0, MPFR_RNDN);
  CHECK_FALSE(x.is_finite());
}
