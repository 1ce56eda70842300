// The logit scale's views (logit_scale.hpp): the binary64 view against one correctly rounded operation each
// (IEEE division, MPFR's rec_sqrt, glibc's strtod), and decimals beyond MPFR's exponent range.
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <mpfr.h>
#include <regex>
#include <string>

#include "ropecert/decimal.hpp"
#include "ropecert/logit_scale.hpp"
#include "support/hex_text.hpp"

using namespace ropecert;
using ropecert_test::hex;

namespace {

Scale decimal(const std::string& text) {
  Scale s;
  s.rule = Scale::Rule::decimal;
  s.decimal = text;
  return s;
}

}  // namespace

TEST_CASE("nearest_binary64_scale is RN64 of the exact scale", "[scale]") {
  Scale s;
  for (std::size_t d : {1, 2, 3, 6, 64, 96, 128, 1000}) {
    s.rule = Scale::Rule::inv_d;
    CHECK(hex(nearest_binary64_scale(s, d)) == hex(1.0 / static_cast<double>(d)));
    s.rule = Scale::Rule::inv_sqrt_d;
    mpfr_t x;
    mpfr_init2(x, 53);
    mpfr_set_ui(x, d, MPFR_RNDN);
    mpfr_rec_sqrt(x, x, MPFR_RNDN);
    CHECK(hex(nearest_binary64_scale(s, d)) == hex(mpfr_get_d(x, MPFR_RNDN)));
    mpfr_clear(x);
  }
  for (const char* text : {"0.1", "-0.3", "1e300", "1.7976931348623157e308", "4.9e-324", "2.4703282292062328e-324",
                           "2.4703282292062327e-324", "1e-320", "-7e-310", "1e-400", "-1e-400"}) {
    INFO(text);
    CHECK(hex(nearest_binary64_scale(decimal(text), 8)) == hex(std::strtod(text, nullptr)));
  }
}

TEST_CASE("nearest_binary64_scale of decimals too large to hold exactly ends, with the sign", "[scale][issue9]") {
  // MPFR overflows on 10^(4e8) and underflows on 10^(-4e8): the Ziv loop on enclose_scale never decided them
  // (an infinite end, or ends of both signs of zero).
  CHECK(nearest_binary64_scale(decimal("1e400000000"), 8) == HUGE_VAL);
  CHECK(nearest_binary64_scale(decimal("-1e400000000"), 8) == -HUGE_VAL);
  CHECK(hex(nearest_binary64_scale(decimal("1e-400000000"), 8)) == hex(0.0));
  CHECK(hex(nearest_binary64_scale(decimal("-1e-400000000"), 8)) == hex(-0.0));
  CHECK(hex(nearest_binary64_scale(decimal("-0e99999"), 8)) == hex(0.0));  // an exact zero is +0
  // An exponent beyond exact_decimal's 10^4 with a representable value: 10^20000 * 10^-20000 = 1.
  CHECK(nearest_binary64_scale(decimal("1" + std::string(20000, '0') + "e-20000"), 8) == 1.0);
  CHECK(nearest_binary64_scale(decimal("0." + std::string(20000, '0') + "15e20001"), 8) == 1.5);
}

TEST_CASE("decimal_order brackets |x| between powers of ten", "[scale][decimal]") {
  CHECK(decimal_order("1") == 1);
  CHECK(decimal_order("9.99") == 1);
  CHECK(decimal_order("10") == 2);
  CHECK(decimal_order("-0.001") == -2);
  CHECK(decimal_order(".05e3") == 2);
  CHECK(decimal_order("00012.5e-4") == -2);  // 0.00125
  CHECK(decimal_order("1e99999999999999999999") == 1000000000000001LL);  // clamped exponent
  CHECK_FALSE(decimal_order("0.000e5").has_value());
}

TEST_CASE("is_decimal is the decimal grammar, in linear time", "[scale][decimal]") {
  for (const char* yes : {"1", "+1.", ".5", "-0.5e-3", "1E+5", "007", "0.e0"}) CHECK(is_decimal(yes));
  for (const char* no : {"", ".", "+", "e5", "1e", "1e+", "1.2.3", "0x1p3", " 1", "1 ", "inf", "nan", "--1", "1e5.0"})
    CHECK_FALSE(is_decimal(no));
  // Issue 9 follow-up: std::regex recursed once per character and overflowed the stack on long scales.
  CHECK(is_decimal(std::string(1000000, '7') + "e-999999"));
  CHECK_FALSE(is_decimal(std::string(1000000, '7') + "x"));
}

TEST_CASE("is_decimal agrees with the grammar's regular expression on short strings", "[scale][decimal][property]") {
  static const std::regex grammar(R"([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?)");
  rc::prop("same verdict", [] {
    // Half noise, half made of the grammar's pieces (each possibly empty), so both verdicts are frequent.
    const auto piece = [](const std::string& alphabet, std::size_t most) {
      return rc::gen::resize(int(most), rc::gen::container<std::string>(rc::gen::elementOf(alphabet)));
    };
    const std::string text =
        *rc::gen::weightedOneOf<std::string>(
            {{1, piece("019+-.eE x", 10)},
             {1, rc::gen::map(rc::gen::tuple(piece("+-", 1), piece("09", 3), piece(".", 1), piece("09", 3),
                                             piece("eE", 1), piece("+-", 1), piece("09", 2)),
                              [](const std::tuple<std::string, std::string, std::string, std::string, std::string,
                                                  std::string, std::string>& p) {
                                return std::get<0>(p) + std::get<1>(p) + std::get<2>(p) + std::get<3>(p) +
                                       std::get<4>(p) + std::get<5>(p) + std::get<6>(p);
                              })}});
    RC_CLASSIFY(std::regex_match(text, grammar), "a decimal");
    RC_ASSERT(is_decimal(text) == std::regex_match(text, grammar));
  });
}
