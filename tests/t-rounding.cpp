// Tests of correct rounding (rounding.hpp). The twin is MPFR's own conversion to the hardware
// formats (mpfr_get_d, mpfr_get_flt) and, for binary16 and bfloat16, MPFR's emulation of a narrow
// format (precision 11 or 8, mpfr_set_emin/emax, mpfr_check_range, mpfr_subnormalize); it shares no
// code with round_rational. The named cases pin the corner cases with hand-derived values.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>

#include "ropecert/exact_numbers.hpp"
#include "ropecert/rounding.hpp"
#include "support/hex_text.hpp"
#include "support/mpfr_twin.hpp"

using ropecert_test::mpfr_emulated;
using ropecert::bfloat16;
using ropecert::bfloat16_bits;
using ropecert::binary16;
using ropecert::binary16_bits;
using ropecert::binary32;
using ropecert::Integer;
using ropecert::Rational;
using ropecert::binary64;
using ropecert::BinaryFormat;
using ropecert::decided_rounding;
using ropecert::round_mpfr;
using ropecert::round_rational;
using ropecert::RoundingMode;

namespace {

using ropecert_test::hex;  // beside the overloads below

constexpr RoundingMode all_modes[] = {RoundingMode::nearest_even, RoundingMode::down, RoundingMode::up};
constexpr RoundingMode nearest = RoundingMode::nearest_even;

// RAII owner of one mpfr_t.
struct Real {
  mpfr_t v;
  explicit Real(mpfr_prec_t precision) { mpfr_init2(v, precision); }
  // The exact value of a hexadecimal literal such as "0x1.8p-1074"; throws if it is not exact
  // at 1024 bits, so a typo cannot silently change a named case.
  explicit Real(const char* hex) : Real(1024) {
    char* end = nullptr;
    if (mpfr_strtofr(v, hex, &end, 0, MPFR_RNDN) != 0 || *end != '\0')
      throw std::invalid_argument(std::string("not an exact hex literal: ") + hex);
  }
  ~Real() { mpfr_clear(v); }
  Real(const Real&) = delete;
  Real& operator=(const Real&) = delete;
};

std::string hex(const mpfr_t x) {
  char* text = nullptr;
  mpfr_asprintf(&text, "%Ra", x);
  std::string result(text);
  mpfr_free_str(text);
  return result;
}

// "%a" is exact and shows the sign of zero, so equal strings mean identical results.
std::string hex(const mpq_t x) {
  const int length = gmp_snprintf(nullptr, 0, "%#Qx", x);
  std::string text(std::size_t(length) + 1, '\0');
  gmp_snprintf(&text[0], text.size(), "%#Qx", x);
  text.resize(std::size_t(length));
  return text;
}

const char* name(RoundingMode mode) {
  switch (mode) {
    case RoundingMode::nearest_even: return "nearest_even";
    case RoundingMode::down: return "down";
    case RoundingMode::up: return "up";
  }
  return "?";
}

constexpr BinaryFormat all_formats[] = {binary64, binary32, binary16, bfloat16};

bool same_format(BinaryFormat a, BinaryFormat b) {
  return a.precision == b.precision && a.emin == b.emin && a.emax == b.emax;
}

mpfr_rnd_t mpfr_mode(RoundingMode mode) {
  return mode == RoundingMode::nearest_even ? MPFR_RNDN : mode == RoundingMode::down ? MPFR_RNDD : MPFR_RNDU;
}

// The twin: MPFR's conversion of x to the hardware format, or its emulation of a narrow one, in the same mode.
double mpfr_twin(const mpfr_t x, BinaryFormat format, RoundingMode mode) {
  const mpfr_rnd_t rnd = mpfr_mode(mode);
  if (same_format(format, binary64)) return mpfr_get_d(x, rnd);
  if (same_format(format, binary32)) return double(mpfr_get_flt(x, rnd));
  return mpfr_emulated(x, format, rnd);
}

// Sets x to a 401-bit number that every mode rounds to a <= 55-bit precision like the rational q:
// lo = RD_400(q); if q is not lo, then q and lo + ulp_401(lo) lie strictly between two adjacent
// 400-bit numbers, an interval that holds no format number and no midpoint between two of them
// (those have at most 55 significant bits), so all three roundings of q and of it agree.
void sticky_representative(mpfr_t x, const mpq_t q) {
  mpfr_set_prec(x, 400);
  const int inexact = mpfr_set_q(x, q, MPFR_RNDD);
  mpfr_prec_round(x, 401, MPFR_RNDN);  // exact: adds a zero bit
  if (inexact != 0) mpfr_nextabove(x);
}

// Where a result lies, for RC_TAG.
const char* region(double rounded, BinaryFormat format) {
  const double magnitude = std::fabs(rounded);
  if (magnitude == 0) return "zero";
  if (std::isinf(magnitude)) return "infinite";
  if (magnitude < std::ldexp(1.0, format.emin)) return "subnormal";
  if (magnitude == std::ldexp(std::ldexp(1.0, format.precision) - 1, format.emax - format.precision + 1))
    return "largest finite";
  return "normal";
}

// RC_ASSERTs that round_mpfr and MPFR's conversion agree bit for bit on x in every mode.
void check_against_twin(const mpfr_t x, BinaryFormat format) {
  RC_LOG() << format.name << " x = " << hex(x) << "\n";
  for (RoundingMode mode : all_modes) {
    const double got = round_mpfr(x, format, mode);
    const double expected = mpfr_twin(x, format, mode);
    RC_LOG() << "  " << name(mode) << ": got " << hex(got) << ", MPFR " << hex(expected) << "\n";
    RC_ASSERT(hex(got) == hex(expected));
    // The allocation-free fast path (decided_rounding's) agrees wherever it answers, and answers for every
    // x in [2^emin, 2^emax) in magnitude.
    const std::optional<double> fast = round_mpfr_to_normal(x, format, mode);
    const bool normal_range = mpfr_regular_p(x) && mpfr_get_exp(x) - 1 >= format.emin && mpfr_get_exp(x) <= format.emax;
    RC_ASSERT(fast.has_value() == normal_range);
    if (fast) RC_ASSERT(hex(*fast) == hex(expected));
  }
  RC_TAG(region(mpfr_twin(x, format, nearest), format));
}

// ---- generators ------------------------------------------------------------------------------

// anchor * 2^exponent.
using Anchor = std::pair<std::uint64_t, long>;

// The exact dyadic (-1)^negative * (anchor * 2^depth +- nudge) * 2^(exponent - depth), with
// depth = nudge.size() + extra_depth: the nudge moves the anchor by less than its unit, so
// anchors at format numbers and midpoints give values exactly at, just above and just below them.
struct Dyadic {
  bool negative = false;
  Anchor anchor;
  bool nudge_down = false;
  std::string nudge;  // binary digits of the nudge; empty means 0
  int extra_depth = 0;
  int min_precision = 2;  // the MPFR variable gets max(min_precision, bits needed) bits
};

std::ostream& operator<<(std::ostream& os, const Dyadic& s) {
  return os << (s.negative ? "-" : "+") << "(" << s.anchor.first << " * 2^depth " << (s.nudge_down ? "- 0b" : "+ 0b")
            << (s.nudge.empty() ? "0" : s.nudge) << ") * 2^(" << s.anchor.second << " - depth), depth = "
            << s.nudge.size() + std::size_t(s.extra_depth) << ", precision >= " << s.min_precision;
}

// Sets x to the exact value of s.
void set_dyadic(mpfr_t x, const Dyadic& s) {
  const long depth = long(s.nudge.size()) + s.extra_depth;
  Integer n, nudge;
  mpz_import(n.backend().data(), 1, 1, sizeof s.anchor.first, 0, 0, &s.anchor.first);
  mpz_mul_2exp(n.backend().data(), n.backend().data(), mp_bitcnt_t(depth));
  if (!s.nudge.empty()) mpz_set_str(nudge.backend().data(), s.nudge.c_str(), 2);
  if (s.nudge_down) mpz_sub(n.backend().data(), n.backend().data(), nudge.backend().data()); else mpz_add(n.backend().data(), n.backend().data(), nudge.backend().data());
  if (s.negative) mpz_neg(n.backend().data(), n.backend().data());  // an integer 0 stays +0 in MPFR
  mpfr_set_prec(x, std::max<mpfr_prec_t>(s.min_precision, mpfr_prec_t(mpz_sizeinbase(n.backend().data(), 2))));
  mpfr_set_z_2exp(x, n.backend().data(), -depth + s.anchor.second, MPFR_RNDN);  // exact at that precision
}

// Quantum exponents u (format numbers are q * 2^u, q < 2^precision), biased to the subnormal
// quantum and to the top binade.
rc::Gen<long> gen_quantum(BinaryFormat f) {
  const long subnormal = f.emin - f.precision + 1;
  const long top = f.emax - f.precision + 1;
  return rc::gen::weightedOneOf<long>({{2, rc::gen::just(subnormal)},
                                       {1, rc::gen::inRange(subnormal + 1, subnormal + 4)},
                                       {1, rc::gen::inRange(top - 2, top + 1)},
                                       {2, rc::gen::inRange(subnormal, top + 1)}});
}

// Significands q such that q * 2^u and its neighbours are spaced by 2^u: all q below 2^precision
// at the subnormal quantum, normalised q elsewhere.
rc::Gen<std::uint64_t> gen_significand(BinaryFormat f, long u) {
  const std::uint64_t end = std::uint64_t(1) << f.precision;
  const std::uint64_t begin = u == f.emin - f.precision + 1 ? 0 : end / 2;
  return rc::gen::weightedOneOf<std::uint64_t>({{1, rc::gen::element(begin, begin + 1, end - 1)},
                                                {3, rc::gen::inRange(begin, end)}});
}

rc::Gen<Anchor> gen_format_number(BinaryFormat f) {
  return rc::gen::mapcat(gen_quantum(f), [f](long u) {
    return rc::gen::map(gen_significand(f, u), [u](std::uint64_t q) { return Anchor{q, u}; });
  });
}

// Midpoints (2q + 1) * 2^(u-1) between adjacent format numbers, the overflow threshold included.
rc::Gen<Anchor> gen_midpoint(BinaryFormat f) {
  return rc::gen::mapcat(gen_quantum(f), [f](long u) {
    return rc::gen::map(gen_significand(f, u), [u](std::uint64_t q) { return Anchor{2 * q + 1, u - 1}; });
  });
}

rc::Gen<Anchor> gen_named_boundary(BinaryFormat f) {
  const std::uint64_t half_range = std::uint64_t(1) << (f.precision - 1);
  const long p = f.precision;
  return rc::gen::element(Anchor{half_range, f.emin - p + 1},          // 2^emin, smallest normal
                          Anchor{half_range - 1, f.emin - p + 1},      // largest subnormal
                          Anchor{1, f.emin - p + 1},                   // smallest subnormal
                          Anchor{1, f.emin - p},                       // half of it
                          Anchor{1, f.emin - p - 1},                   // where round_mpfr clamps
                          Anchor{2 * half_range - 1, f.emax - p + 1},  // largest finite
                          Anchor{4 * half_range - 1, f.emax - p},      // overflow threshold of RN
                          Anchor{1, f.emax + 1},                       // 2^(emax+1)
                          Anchor{1, f.emax + 2});                      // where round_mpfr clamps
}

// Anything: a random 64-bit anchor anywhere from far below the subnormals to far above overflow.
rc::Gen<Anchor> gen_wild(BinaryFormat f) {
  return rc::gen::construct<Anchor>(rc::gen::arbitrary<std::uint64_t>(),
                                    rc::gen::inRange<long>(f.emin - 2 * f.precision - 20, f.emax + 20));
}

rc::Gen<Dyadic> gen_dyadic(rc::Gen<Anchor> anchors) {
  using namespace rc::gen;
  return build<Dyadic>(set(&Dyadic::negative),
                       set(&Dyadic::anchor, std::move(anchors)),
                       set(&Dyadic::nudge_down),
                       set(&Dyadic::nudge, weightedOneOf<std::string>({{1, just(std::string())},
                                                                       {2, just(std::string("1"))},
                                                                       {2, container<std::string>(element('0', '1'))}})),
                       set(&Dyadic::extra_depth, weightedOneOf<int>({{1, inRange(0, 4)}, {1, inRange(0, 140)}})),
                       set(&Dyadic::min_precision, inRange(2, 301)));
}

// A rational num / den * 2^shift whose magnitude lies in [2^(target-1), 2^(target+1)).
struct RationalSample {
  bool negative = false;
  std::uint64_t num = 1;
  std::uint64_t den = 1;
  std::uint64_t num_high = 0;  // extra high word of the numerator, for multi-limb arithmetic
  long target = 0;
};

std::ostream& operator<<(std::ostream& os, const RationalSample& s) {
  return os << (s.negative ? "-" : "+") << "(" << s.num_high << " * 2^64 + " << s.num << ") / " << s.den
            << " near 2^" << s.target;
}

void set_rational(mpq_t x, const RationalSample& s) {
  Integer high;
  mpz_import(mpq_numref(x), 1, 1, sizeof s.num, 0, 0, &s.num);
  mpz_import(high.backend().data(), 1, 1, sizeof s.num_high, 0, 0, &s.num_high);
  mpz_mul_2exp(high.backend().data(), high.backend().data(), 64);
  mpz_add(mpq_numref(x), mpq_numref(x), high.backend().data());
  mpz_import(mpq_denref(x), 1, 1, sizeof s.den, 0, 0, &s.den);
  mpq_canonicalize(x);
  const long shift = s.target - (long(mpz_sizeinbase(mpq_numref(x), 2)) - long(mpz_sizeinbase(mpq_denref(x), 2)));
  if (shift >= 0) mpq_mul_2exp(x, x, mp_bitcnt_t(shift)); else mpq_div_2exp(x, x, mp_bitcnt_t(-shift));
  if (s.negative) mpq_neg(x, x);
}

rc::Gen<RationalSample> gen_rational(BinaryFormat f) {
  using namespace rc::gen;
  const long p = f.precision;
  return build<RationalSample>(
      set(&RationalSample::negative),
      set(&RationalSample::num, inRange<std::uint64_t>(1, UINT64_MAX)),
      set(&RationalSample::den, weightedOneOf<std::uint64_t>({{1, element<std::uint64_t>(1, 3, 5, 1u << 20)},
                                                               {3, inRange<std::uint64_t>(1, UINT64_MAX)}})),
      set(&RationalSample::num_high, weightedOneOf<std::uint64_t>({{3, just<std::uint64_t>(0)},
                                                                    {1, arbitrary<std::uint64_t>()}})),
      set(&RationalSample::target, weightedOneOf<long>({{2, inRange<long>(f.emin - p - 3, f.emin + 2)},
                                                         {1, inRange<long>(f.emax - 1, f.emax + 3)},
                                                         {1, inRange<long>(-4, 4)},
                                                         {1, inRange<long>(f.emin - p - 3, f.emax + 3)}})));
}

// ---- named-case helpers ------------------------------------------------------------------------

double round_hex(const char* x, BinaryFormat format, RoundingMode mode) {
  const Real value(x);
  return round_mpfr(value.v, format, mode);
}

double round_fraction(const char* fraction, BinaryFormat format, RoundingMode mode) {
  const Rational q(fraction);  // canonical
  return round_rational(q.backend().data(), format, mode);
}

std::optional<double> decide(const char* lo, const char* hi, BinaryFormat format) {
  const Real a(lo), b(hi);
  return decided_rounding(a.v, b.v, format);
}

std::string hex(std::optional<double> x) { return x ? hex(*x) : std::string("undecided"); }

}  // namespace

// ==== (a) agreement with MPFR's conversions ======================================================

TEST_CASE("round_mpfr agrees with mpfr_get_d / mpfr_get_flt on exact dyadics", "[rounding][twin]") {
  for (const BinaryFormat format : all_formats) {
    const std::string f = format.name;
    rc::prop(f + ": at and near format numbers", [format] {
      Real x(2);
      set_dyadic(x.v, *gen_dyadic(gen_format_number(format)));
      check_against_twin(x.v, format);
    });
    rc::prop(f + ": at and near midpoints", [format] {
      Real x(2);
      set_dyadic(x.v, *gen_dyadic(gen_midpoint(format)));
      check_against_twin(x.v, format);
    });
    rc::prop(f + ": at and near named boundaries", [format] {
      Real x(2);
      set_dyadic(x.v, *gen_dyadic(gen_named_boundary(format)));
      check_against_twin(x.v, format);
    });
    rc::prop(f + ": anywhere, random precision", [format] {
      Real x(2);
      set_dyadic(x.v, *gen_dyadic(gen_wild(format)));
      check_against_twin(x.v, format);
    });
  }
}

TEST_CASE("round_rational agrees with MPFR on non-dyadic rationals", "[rounding][twin]") {
  for (const BinaryFormat format : all_formats) {
    rc::prop(std::string(format.name) + ": random fractions near the range ends", [format] {
      Rational q;
      set_rational(q.backend().data(), *gen_rational(format));
      Real sticky(2);
      sticky_representative(sticky.v, q.backend().data());
      RC_LOG() << format.name << " x = " << hex(q.backend().data()) << ", 401-bit twin input " << hex(sticky.v) << "\n";
      for (RoundingMode mode : all_modes) {
        const double got = round_rational(q.backend().data(), format, mode);
        const double expected = mpfr_twin(sticky.v, format, mode);
        RC_LOG() << "  " << name(mode) << ": got " << hex(got) << ", MPFR " << hex(expected) << "\n";
        RC_ASSERT(hex(got) == hex(expected));
      }
      RC_TAG(region(mpfr_twin(sticky.v, format, nearest), format));
    });
  }
}

// ==== (b) named cases ============================================================================

TEST_CASE("binary64 ties go to even", "[rounding][named]") {
  CHECK(hex(round_hex("0x1.00000000000008p0", binary64, nearest)) == hex(1.0));                  // 1 + 2^-53
  CHECK(hex(round_hex("0x1.00000000000018p0", binary64, nearest)) == hex(0x1.0000000000002p0));  // 1 + 3*2^-53
  CHECK(hex(round_hex("-0x1.00000000000008p0", binary64, nearest)) == hex(-1.0));
  CHECK(hex(round_hex("0x1.00000000000008p0", binary64, RoundingMode::up)) == hex(0x1.0000000000001p0));
  CHECK(hex(round_hex("0x1.00000000000008p0", binary64, RoundingMode::down)) == hex(1.0));
  CHECK(hex(round_hex("-0x1.00000000000008p0", binary64, RoundingMode::down)) == hex(-0x1.0000000000001p0));
  CHECK(hex(round_hex("-0x1.00000000000008p0", binary64, RoundingMode::up)) == hex(-1.0));
  // Just above a tie goes up, just below goes down.
  CHECK(hex(round_hex("0x1.000000000000080000000001p0", binary64, nearest)) == hex(0x1.0000000000001p0));
  CHECK(hex(round_hex("0x1.00000000000007ffffffffffp0", binary64, nearest)) == hex(1.0));
}

TEST_CASE("binary64 rational 1/3 in every mode", "[rounding][named]") {
  CHECK(hex(round_fraction("1/3", binary64, nearest)) == hex(0x1.5555555555555p-2));
  CHECK(hex(round_fraction("1/3", binary64, RoundingMode::down)) == hex(0x1.5555555555555p-2));
  CHECK(hex(round_fraction("1/3", binary64, RoundingMode::up)) == hex(0x1.5555555555556p-2));
  CHECK(hex(round_fraction("-1/3", binary64, RoundingMode::down)) == hex(-0x1.5555555555556p-2));
  CHECK(hex(round_fraction("2/3", binary64, nearest)) == hex(0x1.5555555555555p-1));
  CHECK(hex(round_fraction("0/7", binary64, RoundingMode::down)) == hex(0.0));  // exact zero is +0
}

TEST_CASE("binary64 subnormals and underflow to signed zero", "[rounding][named]") {
  // 2^-1075 is the midpoint between +0 and 2^-1074: the tie goes to the even +0.
  CHECK(hex(round_hex("0x1p-1075", binary64, nearest)) == hex(0.0));
  CHECK(hex(round_hex("0x1p-1075", binary64, RoundingMode::up)) == hex(0x1p-1074));
  CHECK(hex(round_hex("0x1p-1075", binary64, RoundingMode::down)) == hex(0.0));
  CHECK(hex(round_hex("0x1.0000001p-1075", binary64, nearest)) == hex(0x1p-1074));
  CHECK(hex(round_hex("0x3p-1076", binary64, nearest)) == hex(0x1p-1074));                // 0.75 * 2^-1074
  CHECK(hex(round_hex("0x3p-1075", binary64, nearest)) == hex(0x1p-1073));                // tie, to even 2
  CHECK(hex(round_hex("0x5p-1075", binary64, nearest)) == hex(0x1p-1073));                // tie, to even 2
  CHECK(hex(round_hex("-0x1p-1080", binary64, nearest)) == hex(-0.0));
  CHECK(hex(round_hex("-0x1p-1080", binary64, RoundingMode::up)) == hex(-0.0));
  CHECK(hex(round_hex("-0x1p-1080", binary64, RoundingMode::down)) == hex(-0x1p-1074));
  // Subnormal quantum near 2^emin: the largest subnormal and the rounding across 2^-1022.
  CHECK(hex(round_hex("0x0.fffffffffffff8p-1022", binary64, nearest)) == hex(0x1p-1022));
  CHECK(hex(round_hex("0x0.fffffffffffff8p-1022", binary64, RoundingMode::down)) == hex(0x0.fffffffffffffp-1022));
  CHECK(hex(round_hex("0x1.00000000000008p-1022", binary64, nearest)) == hex(0x1p-1022));
  // Far below the range (the clamped path of round_mpfr).
  CHECK(hex(round_hex("0x1p-536870912", binary64, nearest)) == hex(0.0));
  CHECK(hex(round_hex("0x1p-536870912", binary64, RoundingMode::up)) == hex(0x1p-1074));
  CHECK(hex(round_hex("-0x1p-536870912", binary64, RoundingMode::down)) == hex(-0x1p-1074));
}

TEST_CASE("binary64 overflow", "[rounding][named]") {
  constexpr double max = 0x1.fffffffffffffp1023;
  const double inf = HUGE_VAL;
  // (2 - 2^-53) * 2^1023 is the midpoint between max and 2^1024: RN overflows there, not before.
  CHECK(hex(round_hex("0x1.fffffffffffff8p1023", binary64, nearest)) == hex(inf));
  CHECK(hex(round_hex("0x1.fffffffffffff7ffffffp1023", binary64, nearest)) == hex(max));
  CHECK(hex(round_hex("-0x1.fffffffffffff8p1023", binary64, nearest)) == hex(-inf));
  CHECK(hex(round_hex("0x1.fffffffffffff8p1023", binary64, RoundingMode::down)) == hex(max));
  CHECK(hex(round_hex("0x1.0000000000001p1023", binary64, RoundingMode::up)) == hex(0x1.0000000000001p1023));
  CHECK(hex(round_hex("0x1.fffffffffffff0001p1023", binary64, RoundingMode::up)) == hex(inf));
  CHECK(hex(round_hex("0x1p1024", binary64, RoundingMode::down)) == hex(max));
  CHECK(hex(round_hex("0x1p1024", binary64, RoundingMode::up)) == hex(inf));
  CHECK(hex(round_hex("-0x1p1024", binary64, RoundingMode::up)) == hex(-max));
  CHECK(hex(round_hex("-0x1p1024", binary64, RoundingMode::down)) == hex(-inf));
  CHECK(hex(round_hex("0x1p536870912", binary64, nearest)) == hex(inf));
  CHECK(hex(round_hex("0x1p536870912", binary64, RoundingMode::down)) == hex(max));
  CHECK(hex(round_hex("-0x1p536870912", binary64, RoundingMode::up)) == hex(-max));
}

TEST_CASE("binary32 named cases", "[rounding][named]") {
  CHECK(hex(round_hex("0x1.000001p0", binary32, nearest)) == hex(1.0));                 // 1 + 2^-24
  CHECK(hex(round_hex("0x1.000003p0", binary32, nearest)) == hex(0x1.000004p0));        // 1 + 3*2^-24
  CHECK(hex(round_hex("0x1.000001p0", binary32, RoundingMode::up)) == hex(0x1.000002p0));
  CHECK(hex(round_fraction("1/3", binary32, nearest)) == hex(0x1.555556p-2));
  CHECK(hex(round_fraction("1/3", binary32, RoundingMode::down)) == hex(0x1.555554p-2));
  CHECK(hex(round_hex("0x1p-150", binary32, nearest)) == hex(0.0));                     // tie to even +0
  CHECK(hex(round_hex("0x1p-150", binary32, RoundingMode::up)) == hex(0x1p-149));
  CHECK(hex(round_hex("0x3p-151", binary32, nearest)) == hex(0x1p-149));
  CHECK(hex(round_hex("-0x1p-155", binary32, nearest)) == hex(-0.0));
  CHECK(hex(round_hex("-0x1p-155", binary32, RoundingMode::down)) == hex(-0x1p-149));
  CHECK(hex(round_hex("0x1.fffffep127", binary32, nearest)) == hex(0x1.fffffep127));
  CHECK(hex(round_hex("0x1.ffffffp127", binary32, nearest)) == hex(HUGE_VAL));         // overflow threshold
  CHECK(hex(round_hex("0x1.fffffefp127", binary32, nearest)) == hex(0x1.fffffep127));
  CHECK(hex(round_hex("0x1p128", binary32, RoundingMode::down)) == hex(0x1.fffffep127));
  CHECK(hex(round_hex("-0x1p128", binary32, RoundingMode::down)) == hex(-HUGE_VAL));
}

TEST_CASE("binary32 rounding is not binary64 rounding twice", "[rounding][named]") {
  // x = 1 + 2^-24 + 2^-80 lies just above the binary32 midpoint 1 + 2^-24; RN64(x) is that
  // midpoint, which RN32 then sends to the even 1. Direct rounding must give 1 + 2^-23.
  const char* x = "0x1.00000100000000000001p0";
  const double via_binary64 = round_hex(x, binary64, nearest);
  REQUIRE(hex(via_binary64) == hex(0x1.000001p0));
  Real midpoint(53);
  mpfr_set_d(midpoint.v, via_binary64, MPFR_RNDN);
  CHECK(hex(round_mpfr(midpoint.v, binary32, nearest)) == hex(1.0));
  CHECK(hex(round_hex(x, binary32, nearest)) == hex(0x1.000002p0));
}

TEST_CASE("round_mpfr passes special values through", "[rounding][named]") {
  Real x(53);
  mpfr_set_nan(x.v);
  CHECK(std::isnan(round_mpfr(x.v, binary64, nearest)));
  mpfr_set_inf(x.v, -1);
  CHECK(hex(round_mpfr(x.v, binary32, RoundingMode::up)) == hex(-HUGE_VAL));
  mpfr_set_inf(x.v, 1);
  CHECK(hex(round_mpfr(x.v, binary64, RoundingMode::down)) == hex(HUGE_VAL));
  mpfr_set_zero(x.v, -1);  // an exact zero gives +0, whatever its MPFR sign
  CHECK(hex(round_mpfr(x.v, binary64, RoundingMode::down)) == hex(0.0));
}

// ==== (c) decided_rounding =======================================================================

TEST_CASE("decided_rounding decides exactly when both ends round alike", "[rounding][decided]") {
  CHECK(hex(decide("0x1p0", "0x1.0000000000000001p0", binary64)) == hex(1.0));
  // Straddles the midpoint 1 + 2^-53.
  CHECK(hex(decide("0x1.00000000000007fffp0", "0x1.000000000000080001p0", binary64)) == "undecided");
  // The tie itself goes to even 1, anything above it to 1 + 2^-52.
  CHECK(hex(decide("0x1.00000000000008p0", "0x1.00000000000008p0", binary64)) == hex(1.0));
  CHECK(hex(decide("0x1.00000000000008p0", "0x1.000000000000080001p0", binary64)) == "undecided");
  // Below the odd-side tie 1 + 3*2^-53 rounds to 1 + 2^-52, the tie to 1 + 2^-51.
  CHECK(hex(decide("0x1.00000000000017fffp0", "0x1.00000000000018p0", binary64)) == "undecided");
  CHECK(hex(decide("0x1.00000000000018p0", "0x1.00000000000018001p0", binary64)) == hex(0x1.0000000000002p0));
  // Around 1 + 2^-24, a binary64 number and a binary32 midpoint: decided only in binary64.
  CHECK(hex(decide("0x1.000000ffffffffffffffp0", "0x1.00000100000000000001p0", binary64)) == hex(0x1.000001p0));
  CHECK(hex(decide("0x1.000000ffffffffffffffp0", "0x1.00000100000000000001p0", binary32)) == "undecided");
  // Several binary64 numbers inside one binary32 rounding cell: decided only in binary32.
  CHECK(hex(decide("0x1.0000004p0", "0x1.000001p-0", binary64)) == "undecided");
  CHECK(hex(decide("0x1.0000004p0", "0x1.000001p-0", binary32)) == hex(1.0));
}

TEST_CASE("decided_rounding of enclosures that round to zero", "[rounding][decided]") {
  // A negative real that rounds to zero gives -0, an exact zero and a positive real +0
  // (proofs-notes/10-certified-evaluation.md, Lemma 4, Zero), so an enclosure is decided only when
  // both ends give the same signed zero.
  CHECK(hex(decide("-0x1p-1080", "-0x1p-1090", binary64)) == hex(-0.0));
  CHECK(hex(decide("0x1p-1090", "0x1p-1080", binary64)) == hex(0.0));
  CHECK(hex(decide("0x0p0", "0x1p-1080", binary64)) == hex(0.0));  // 0 and tiny positives alike give +0
  CHECK(hex(decide("0x0p0", "0x0p0", binary64)) == hex(0.0));      // an exact zero is +0
  CHECK(hex(decide("-0x0p0", "-0x0p0", binary64)) == hex(0.0));    // whatever the sign of MPFR's zero
  // 2^-1075 is the tie between 0 and 2^-1074: to even +0; anything above it to 2^-1074.
  CHECK(hex(decide("0x1p-1080", "0x1p-1075", binary64)) == hex(0.0));
  CHECK(hex(decide("0x1p-1080", "0x1.0001p-1075", binary64)) == "undecided");
}

TEST_CASE("an enclosure straddling zero decides no sign of zero", "[rounding][decided][regression]") {
  // Issue 9, item 4: both ends round to zero, but lo gives -0 and 0 (or hi) gives +0. Deciding +0
  // here shipped +0 for tiny negative outputs.
  CHECK(hex(decide("-0x1p-1080", "0x1p-1080", binary64)) == "undecided");
  CHECK(hex(decide("-0x1p-1080", "0x0p0", binary64)) == "undecided");
  CHECK(hex(decide("-0x1p-1080", "0x1p-1075", binary64)) == "undecided");
  CHECK(hex(decide("-0x1p-160", "0x1p-160", binary32)) == "undecided");
  CHECK(hex(decide("-0x1p-26", "0x1p-25", binary16)) == "undecided");
  CHECK(hex(decide("-0x1p-140", "0x1p-140", bfloat16)) == "undecided");
}

TEST_CASE("decided_rounding refuses NaN and infinite endpoints", "[rounding][decided]") {
  Real lo(53), hi(53);
  mpfr_set_d(lo.v, 1.0, MPFR_RNDN);
  mpfr_set_inf(hi.v, 1);
  CHECK_FALSE(decided_rounding(lo.v, hi.v, binary64).has_value());
  mpfr_set_nan(lo.v);
  mpfr_set_d(hi.v, 1.0, MPFR_RNDN);
  CHECK_FALSE(decided_rounding(lo.v, hi.v, binary64).has_value());
  // Finite endpoints that both overflow share the rounded value +inf.
  CHECK(hex(decide("0x1p1024", "0x1p1030", binary64)) == hex(HUGE_VAL));
}

TEST_CASE("decided_rounding agrees with MPFR's rounding of the endpoints", "[rounding][decided]") {
  for (const BinaryFormat format : all_formats) {
    rc::prop(std::string(format.name) + ": enclosures around midpoints and boundaries", [format] {
      // Centres at midpoints, at boundaries, and within a subnormal quantum of 0 (zero results).
      const Anchor zero{0, format.emin - format.precision};
      const Dyadic centre =
          *gen_dyadic(rc::gen::weightedOneOf<Anchor>({{3, gen_midpoint(format)},
                                                        {2, gen_named_boundary(format)},
                                                        {1, rc::gen::just(zero)}}));
      // Radius 2^(anchor unit exponent + k): from far inside one rounding cell to wider than it.
      const long k = *rc::gen::inRange<long>(-70, 3);
      Real x(2), lo(2), hi(2), radius(2);
      set_dyadic(x.v, centre);
      mpfr_set_ui_2exp(radius.v, 1, centre.anchor.second + k, MPFR_RNDN);
      const mpfr_prec_t precision = mpfr_get_prec(x.v) + 200;
      mpfr_set_prec(lo.v, precision);
      mpfr_set_prec(hi.v, precision);
      RC_ASSERT(mpfr_sub(lo.v, x.v, radius.v, MPFR_RNDN) == 0);
      RC_ASSERT(mpfr_add(hi.v, x.v, radius.v, MPFR_RNDN) == 0);
      RC_LOG() << format.name << " [" << hex(lo.v) << ", " << hex(hi.v) << "]\n";

      const std::optional<double> decided = decided_rounding(lo.v, hi.v, format);
      const double a = mpfr_twin(lo.v, format, nearest);
      const double b = mpfr_twin(hi.v, format, nearest);
      RC_LOG() << "decided " << hex(decided) << ", MPFR gives " << hex(a) << " and " << hex(b) << "\n";
      RC_CLASSIFY(decided.has_value(), "decided");
      RC_CLASSIFY(decided == 0.0, "decided zero");
      // Decided exactly when the ends round to the same signed value (-0 and +0 differ).
      RC_ASSERT(decided.has_value() == (a == b && std::signbit(a) == std::signbit(b)));
      if (decided) RC_ASSERT(hex(*decided) == hex(a));
    });
  }
}

// ==== (d) binary16 and bfloat16 ==================================================================

TEST_CASE("the emulation twin itself agrees with mpfr_get_d and mpfr_get_flt", "[rounding][twin]") {
  // The binary16 / bfloat16 twin is trusted only because the same recipe reproduces MPFR's own
  // conversions to the hardware formats.
  for (const BinaryFormat format : {binary64, binary32}) {
    rc::prop(std::string(format.name) + ": emulation == hardware conversion", [format] {
      Real x(2);
      set_dyadic(x.v, *rc::gen::weightedOneOf<Dyadic>({{1, gen_dyadic(gen_named_boundary(format))},
                                                       {1, gen_dyadic(gen_midpoint(format))},
                                                       {1, gen_dyadic(gen_wild(format))}}));
      RC_LOG() << format.name << " x = " << hex(x.v) << "\n";
      for (RoundingMode mode : all_modes) {
        const double emulated = mpfr_emulated(x.v, format, mpfr_mode(mode));
        const double hardware = mpfr_twin(x.v, format, mode);
        RC_LOG() << "  " << name(mode) << ": emulated " << hex(emulated) << ", hardware " << hex(hardware) << "\n";
        RC_ASSERT(hex(emulated) == hex(hardware));
      }
    });
  }
}

TEST_CASE("binary16 named cases", "[rounding][named][binary16]") {
  const double inf = HUGE_VAL;
  // Largest finite (2^11 - 1) * 2^5 = 65504; the midpoint 65520 to 2^16 is a tie whose even
  // neighbour is 2^16 = 2^(emax+1): it overflows in nearest, not before.
  CHECK(hex(round_hex("0x1.ffcp15", binary16, nearest)) == hex(65504.0));
  CHECK(hex(round_fraction("65519", binary16, nearest)) == hex(65504.0));
  CHECK(hex(round_fraction("65520", binary16, nearest)) == hex(inf));
  CHECK(hex(round_fraction("-65520", binary16, nearest)) == hex(-inf));
  CHECK(hex(round_fraction("65520", binary16, RoundingMode::down)) == hex(65504.0));
  CHECK(hex(round_fraction("65505", binary16, RoundingMode::up)) == hex(inf));
  CHECK(hex(round_fraction("1000000", binary16, RoundingMode::down)) == hex(65504.0));
  CHECK(hex(round_fraction("-1000000", binary16, RoundingMode::up)) == hex(-65504.0));
  // Ties to even at 1: 1 + 2^-11 -> 1, 1 + 3 * 2^-11 -> 1 + 2^-9; 2049 -> 2048, 2051 -> 2052.
  CHECK(hex(round_hex("0x1.002p0", binary16, nearest)) == hex(1.0));
  CHECK(hex(round_hex("0x1.006p0", binary16, nearest)) == hex(0x1.008p0));
  CHECK(hex(round_hex("0x1.0020001p0", binary16, nearest)) == hex(0x1.004p0));
  CHECK(hex(round_fraction("2049", binary16, nearest)) == hex(2048.0));
  CHECK(hex(round_fraction("2051", binary16, nearest)) == hex(2052.0));
  CHECK(hex(round_fraction("1/3", binary16, nearest)) == hex(0x1.554p-2));
  CHECK(hex(round_fraction("1/3", binary16, RoundingMode::up)) == hex(0x1.558p-2));
  CHECK(hex(round_fraction("1/10", binary16, nearest)) == hex(0x1.998p-4));  // 0x2E66
  // Subnormals: quantum 2^-24; smallest normal 2^-14; largest subnormal 1023 * 2^-24.
  CHECK(hex(round_hex("0x1p-24", binary16, nearest)) == hex(0x1p-24));
  CHECK(hex(round_hex("0x1p-25", binary16, nearest)) == hex(0.0));  // tie: to the even +0
  CHECK(hex(round_hex("0x1.0000001p-25", binary16, nearest)) == hex(0x1p-24));
  CHECK(hex(round_hex("0x1p-25", binary16, RoundingMode::up)) == hex(0x1p-24));
  CHECK(hex(round_hex("0x3p-25", binary16, nearest)) == hex(0x1p-23));  // 1.5 quanta: tie to even 2
  CHECK(hex(round_hex("0x5p-25", binary16, nearest)) == hex(0x1p-23));  // 2.5 quanta: tie to even 2
  CHECK(hex(round_hex("-0x1p-30", binary16, nearest)) == hex(-0.0));
  CHECK(hex(round_hex("-0x1p-30", binary16, RoundingMode::down)) == hex(-0x1p-24));
  CHECK(hex(round_hex("0x3ffp-24", binary16, nearest)) == hex(0x3ffp-24));
  CHECK(hex(round_hex("0x7ffp-25", binary16, nearest)) == hex(0x1p-14));  // 1023.5 quanta: to even 1024
  CHECK(hex(round_hex("0x7ffp-25", binary16, RoundingMode::down)) == hex(0x3ffp-24));
  CHECK(hex(round_hex("0x1.006p-14", binary16, nearest)) == hex(0x1.008p-14));  // 1.5 normal quanta 2^-24: to even
}

TEST_CASE("bfloat16 named cases", "[rounding][named][bfloat16]") {
  const double max = 3.3895313892515355e38;
  REQUIRE(max == 0x1.fep127);  // (2^8 - 1) * 2^120
  CHECK(hex(round_hex("0x1.fep127", bfloat16, nearest)) == hex(max));
  CHECK(hex(round_hex("0x1.ffp127", bfloat16, nearest)) == hex(HUGE_VAL));  // the tie to 2^128
  CHECK(hex(round_hex("0x1.feffffp127", bfloat16, nearest)) == hex(max));
  CHECK(hex(round_hex("0x1.ffp127", bfloat16, RoundingMode::down)) == hex(max));
  CHECK(hex(round_hex("0x1p128", bfloat16, RoundingMode::up)) == hex(HUGE_VAL));
  CHECK(hex(round_hex("-0x1p200", bfloat16, RoundingMode::up)) == hex(-max));
  // Ties: 1 + 2^-8 -> 1, 1 + 3 * 2^-8 -> 1 + 2^-6. float32's 1 + 2^-23 rounds to 1.
  CHECK(hex(round_hex("0x1.01p0", bfloat16, nearest)) == hex(1.0));
  CHECK(hex(round_hex("0x1.03p0", bfloat16, nearest)) == hex(0x1.04p0));
  CHECK(hex(round_hex("0x1.000002p0", bfloat16, nearest)) == hex(1.0));
  CHECK(hex(round_fraction("1/3", bfloat16, nearest)) == hex(0x1.56p-2));  // 0x3EAB
  CHECK(hex(round_fraction("1/3", bfloat16, RoundingMode::down)) == hex(0x1.54p-2));
  // pi: float32 0x40490FDB, bfloat16 0x4049 = 3.140625.
  CHECK(hex(round_hex("0x1.921fb54442d18469898cc51701b8p1", bfloat16, nearest)) == hex(3.140625));
  // Subnormals: quantum 2^-133, smallest normal 2^-126.
  CHECK(hex(round_hex("0x1p-133", bfloat16, nearest)) == hex(0x1p-133));
  CHECK(hex(round_hex("0x1p-134", bfloat16, nearest)) == hex(0.0));
  CHECK(hex(round_hex("0x3p-134", bfloat16, nearest)) == hex(0x1p-132));
  CHECK(hex(round_hex("0x1p-134", bfloat16, RoundingMode::up)) == hex(0x1p-133));
  CHECK(hex(round_hex("0xffp-134", bfloat16, nearest)) == hex(0x1p-126));  // 127.5 quanta: to even 128
  CHECK(hex(round_hex("0xffp-134", bfloat16, RoundingMode::down)) == hex(0x7fp-133));
}

TEST_CASE("decided_rounding in the narrow formats", "[rounding][decided][binary16][bfloat16]") {
  // Straddles the binary16 midpoint 1 + 2^-11; one side only decides.
  CHECK(hex(decide("0x1.001fffp0", "0x1.0020001p0", binary16)) == "undecided");
  CHECK(hex(decide("0x1.001fffp0", "0x1.002p0", binary16)) == hex(1.0));
  CHECK(hex(decide("0x1.001fffp0", "0x1.002p0", bfloat16)) == hex(1.0));
  CHECK(hex(decide("0x1.fd0001p127", "0x1.fefffp127", bfloat16)) == hex(0x1.fep127));
  CHECK(hex(decide("0x1.fdp127", "0x1.fefffp127", bfloat16)) == "undecided");  // the tie goes to even 0x1.fcp127
  CHECK(hex(decide("0x1.ffcp15", "0x1.ffdfp15", binary16)) == hex(65504.0));   // [65504, 65519.5]
  CHECK(hex(decide("0x1.ffcp15", "0x1.ffep15", binary16)) == "undecided");     // 65520 overflows
  CHECK(hex(decide("-0x1p-25", "-0x1p-26", binary16)) == hex(-0.0));           // -2^-25 ties to even -0
  CHECK(hex(decide("0x0p0", "0x1p-25", binary16)) == hex(0.0));
}

namespace {

// The value of a 16-bit pattern, from the IEEE-754 definition (section 3.4), with no call into the
// library: sign, biased exponent field E (w bits, bias emax), trailing field T (t bits).
// Returns NaN for NaN patterns.
double decode16(std::uint16_t bits, int trailing, int emax) {
  const int exponent_bits = 15 - trailing;
  const unsigned all_ones = (1u << exponent_bits) - 1;
  const unsigned field = (bits >> trailing) & all_ones;
  const unsigned t = bits & ((1u << trailing) - 1);
  double magnitude;
  if (field == all_ones) {
    magnitude = t == 0 ? HUGE_VAL : NAN;
  } else if (field == 0) {
    magnitude = std::ldexp(double(t), 1 - emax - trailing);  // subnormal: T * 2^(emin - t), emin = 1 - emax
  } else {
    magnitude = std::ldexp(double((1u << trailing) + t), int(field) - emax - trailing);
  }
  return (bits & 0x8000) ? -magnitude : magnitude;
}

std::string hex16(unsigned bits) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%04X", bits);
  return text;
}

}  // namespace

TEST_CASE("binary16_bits and bfloat16_bits of named values", "[rounding][bits]") {
  CHECK(hex16(binary16_bits(1.0)) == "0x3C00");
  CHECK(hex16(binary16_bits(-2.0)) == "0xC000");
  CHECK(hex16(binary16_bits(0.5)) == "0x3800");
  CHECK(hex16(binary16_bits(65504.0)) == "0x7BFF");
  CHECK(hex16(binary16_bits(-65504.0)) == "0xFBFF");
  CHECK(hex16(binary16_bits(0x1p-24)) == "0x0001");
  CHECK(hex16(binary16_bits(0x3ffp-24)) == "0x03FF");
  CHECK(hex16(binary16_bits(0x1p-14)) == "0x0400");
  CHECK(hex16(binary16_bits(0x1.554p-2)) == "0x3555");  // RN16(1/3)
  CHECK(hex16(binary16_bits(0.0)) == "0x0000");
  CHECK(hex16(binary16_bits(-0.0)) == "0x8000");
  CHECK(hex16(binary16_bits(HUGE_VAL)) == "0x7C00");
  CHECK(hex16(binary16_bits(-HUGE_VAL)) == "0xFC00");

  CHECK(hex16(bfloat16_bits(1.0)) == "0x3F80");
  CHECK(hex16(bfloat16_bits(-2.0)) == "0xC000");
  CHECK(hex16(bfloat16_bits(3.3895313892515355e38)) == "0x7F7F");
  CHECK(hex16(bfloat16_bits(0x1p-133)) == "0x0001");
  CHECK(hex16(bfloat16_bits(0x1p-126)) == "0x0080");
  CHECK(hex16(bfloat16_bits(0x7fp-133)) == "0x007F");
  CHECK(hex16(bfloat16_bits(3.140625)) == "0x4049");
  CHECK(hex16(bfloat16_bits(0x1.56p-2)) == "0x3EAB");  // RN(1/3)
  CHECK(hex16(bfloat16_bits(-0.0)) == "0x8000");
  CHECK(hex16(bfloat16_bits(HUGE_VAL)) == "0x7F80");
  CHECK(hex16(bfloat16_bits(-HUGE_VAL)) == "0xFF80");
}

TEST_CASE("the bit helpers reject values outside the format", "[rounding][bits]") {
  for (const double x : {0x1.002p0, 65505.0, 65520.0, 1e5, 0x1p-25, 0x3p-26, 0.1, 1e-300}) {
    INFO(hex(x));
    CHECK_THROWS_AS(binary16_bits(x), std::invalid_argument);
  }
  for (const double x : {0x1.01p0, 0x1.ffp127, 0x1p128, 1e300, 0x1p-134, 0.1, 0x1.000002p0}) {
    INFO(hex(x));
    CHECK_THROWS_AS(bfloat16_bits(x), std::invalid_argument);
  }
  CHECK_THROWS_AS(binary16_bits(NAN), std::invalid_argument);
  CHECK_THROWS_AS(bfloat16_bits(-NAN), std::invalid_argument);
  CHECK_THROWS_WITH(binary16_bits(0.1), "binary16_bits: 0x1.999999999999ap-4 is not a binary16 number");
}

TEST_CASE("the bit helpers invert the IEEE decoding on all 2^16 patterns", "[rounding][bits]") {
  // Exhaustive: every non-NaN pattern decodes (from the definition, in the test) to a value whose
  // encoding is that pattern; every value round_rational produces lies in the format.
  std::size_t checked16 = 0, checked_bf = 0;
  for (unsigned bits = 0; bits <= 0xFFFF; ++bits) {
    const double h = decode16(std::uint16_t(bits), 10, 15);
    if (!std::isnan(h)) {
      if (binary16_bits(h) != bits) FAIL_CHECK("binary16 " << hex16(bits) << " decodes to " << hex(h));
      ++checked16;
    }
    const double b = decode16(std::uint16_t(bits), 7, 127);
    if (!std::isnan(b)) {
      if (bfloat16_bits(b) != bits) FAIL_CHECK("bfloat16 " << hex16(bits) << " decodes to " << hex(b));
      // bfloat16 is the upper half of binary32: the float's own encoding (hardware) agrees.
      const float f = float(b);
      std::uint32_t word;
      std::memcpy(&word, &f, sizeof word);
      if ((word & 0xFFFF) != 0 || (word >> 16) != bits) FAIL_CHECK("bfloat16 " << hex16(bits) << " vs float32 bits");
      ++checked_bf;
    }
  }
  CHECK(checked16 == 65536 - 2 * 1023);  // 2 * (2^10 - 1) NaN patterns
  CHECK(checked_bf == 65536 - 2 * 127);
}

TEST_CASE("rounded values encode and bits agree with the MPFR emulation", "[rounding][bits][twin]") {
  for (const BinaryFormat format : {binary16, bfloat16}) {
    rc::prop(std::string(format.name) + ": RN(x) has an encoding whose decoding is RN(x)", [format] {
      Real x(2);
      set_dyadic(x.v, *gen_dyadic(rc::gen::weightedOneOf<Anchor>(
                          {{1, gen_midpoint(format)}, {1, gen_named_boundary(format)}, {1, gen_wild(format)}})));
      const double rounded = round_mpfr(x.v, format, nearest);
      RC_LOG() << format.name << " x = " << hex(x.v) << " RN " << hex(rounded) << "\n";
      RC_ASSERT(hex(rounded) == hex(mpfr_twin(x.v, format, nearest)));
      const std::uint16_t bits = same_format(format, binary16) ? binary16_bits(rounded) : bfloat16_bits(rounded);
      const double back = same_format(format, binary16) ? decode16(bits, 10, 15) : decode16(bits, 7, 127);
      RC_ASSERT(hex(back) == hex(rounded));
    });
  }
}
