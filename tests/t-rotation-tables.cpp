// RotationTables (rotation_tables.hpp, proofs-notes/13-fast-certified-path.md, Lemma FR.1') against its slow twin
// written from the definition: enclose_rotated_row at 256 bits (MPFI's cos and sin of the angle's enclosure) times
// the factor's 256-bit enclosure. Every check is done in MPFR, never in doubles: the distance from hi + lo to each
// end of the twin's enclosure, and the 2-norm of these distances, must be at most the row's radius_norm; hi_norm and
// lo_norm must bound the exact norms of hi and lo. Cases: both pairings, rotary_dim < d, standard and Pythagorean
// angles, float32 inv_freq, every scaling kind, positions small, ~10^6, near +-2^52, factor 1 or a scale.
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include "ropecert/double_word_rows.hpp"
#include "ropecert/logit_scale.hpp"
#include "ropecert/rope_geometry.hpp"
#include "ropecert/rotation_tables.hpp"

using namespace ropecert;

namespace {

constexpr mpfr_prec_t table_precision = 128;  // as on the fast route
constexpr mpfr_prec_t twin_precision = 256;
constexpr mpfr_prec_t check_precision = 1200;  // hi + lo and its differences with 256-bit endpoints: exact

// One scaling parameter set per kind, for rotary_dim 8 (HF-like values).
RopeScaling scaling_of_kind(int kind) {
  RopeScaling s;
  switch (kind) {
    case 1:
      s.kind = RopeScalingKind::linear;
      s.factor = 4;
      break;
    case 2:
      s.kind = RopeScalingKind::dynamic;
      s.factor = 2;
      s.max_position_embeddings = 2048;
      s.sequence_length = 6000;
      break;
    case 3:
      s.kind = RopeScalingKind::yarn;
      s.factor = 16;
      s.original_max_position_embeddings = 4096;
      break;
    case 4:
      s.kind = RopeScalingKind::llama3;
      s.factor = 8;
      s.low_freq_factor = 1;
      s.high_freq_factor = 4;
      s.original_max_position_embeddings = 8192;
      break;
    case 5:
      s.kind = RopeScalingKind::longrope;
      s.original_max_position_embeddings = 4096;
      s.max_position_embeddings = 131072;
      s.sequence_length = 5000;
      s.short_factor = {1, 1.5, 2, 3.5};
      s.long_factor = {1, 3, 9.5, 30};
      break;
    default:
      break;
  }
  return s;
}

// A double of magnitude 2^e (|e| <= 40), a power of two, zero, or uniform in [-1, 1].
rc::Gen<double> entry() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::inRange(-1000000, 1000001), [](int k) { return k / 1000000.0; }),
      rc::gen::map(rc::gen::pair(rc::gen::inRange(-(1 << 30), 1 << 30), rc::gen::inRange(-40, 41)),
                   [](std::pair<int, int> m) { return std::ldexp(m.first, m.second - 30); }),
      rc::gen::element(0.0, 1.0, -0.5, 0x1p-30));
}

// The first position of the rows: small, ~10^6, near +-2^52 (count rows must stay within +-max_position).
rc::Gen<std::int64_t> first_position(std::size_t count) {
  const std::int64_t top = max_position - static_cast<std::int64_t>(count);
  return rc::gen::oneOf(rc::gen::inRange<std::int64_t>(-100, 100), rc::gen::inRange<std::int64_t>(999000, 1001000),
                        rc::gen::inRange<std::int64_t>(top - 1000, top + 1),
                        rc::gen::inRange<std::int64_t>(-max_position, -max_position + 1000));
}

// ||v|| rounded down, v given exactly in MPFR at check_precision.
void norm_down(mpfr_t out, const std::vector<mpfr_t*>& v) {
  mpfr_t square;
  mpfr_init2(square, check_precision);
  mpfr_set_zero(out, 1);
  for (mpfr_t* x : v) {
    mpfr_sqr(square, *x, MPFR_RNDD);
    mpfr_add(out, out, square, MPFR_RNDD);
  }
  mpfr_sqrt(out, out, MPFR_RNDD);
  mpfr_clear(square);
}

// The lower bound of ||row|| for doubles (exact squares at check_precision, rounded down at the end).
bool norm_at_most(const double* row, std::size_t d, double bound) {
  std::vector<mpfr_t> values(d);
  std::vector<mpfr_t*> pointers;
  for (std::size_t l = 0; l < d; ++l) {
    mpfr_init2(values[l], check_precision);
    mpfr_set_d(values[l], row[l], MPFR_RNDN);
    pointers.push_back(&values[l]);
  }
  mpfr_t norm;
  mpfr_init2(norm, check_precision);
  norm_down(norm, pointers);
  const bool ok = mpfr_cmp_d(norm, bound) <= 0;
  mpfr_clear(norm);
  for (mpfr_t& v : values) mpfr_clear(v);
  return ok;
}

// The checks of one row: the twin's enclosures lie within the row's radius, and the norm bounds hold.
void check_row(const DoubleWordRows& rows, std::size_t row, const std::vector<Interval>& twin) {
  const std::size_t d = rows.hi.cols;
  std::vector<mpfr_t> distance(d);
  std::vector<mpfr_t*> pointers;
  mpfr_t mid, gap;
  mpfr_inits2(check_precision, mid, gap, static_cast<mpfr_ptr>(nullptr));
  for (std::size_t l = 0; l < d; ++l) {
    const double hi = rows.hi.at(row, l), lo = rows.lo.at(row, l);
    RC_ASSERT(hi + lo == hi);  // a double-word number (DW.0)
    mpfr_init2(distance[l], check_precision);
    mpfr_set_d(mid, hi, MPFR_RNDN);
    mpfr_add_d(mid, mid, lo, MPFR_RNDN);  // exact
    mpfr_sub(distance[l], &twin[l].get()->right, mid, MPFR_RNDN);  // exact at check_precision
    mpfr_sub(gap, mid, &twin[l].get()->left, MPFR_RNDN);
    mpfr_max(distance[l], distance[l], gap, MPFR_RNDN);
    RC_LOG() << "entry " << l << ": hi " << hi << " lo " << lo << " distance "
             << mpfr_get_d(distance[l], MPFR_RNDU) << "\n";
    RC_ASSERT(mpfr_cmp_d(distance[l], rows.radius_norm[row]) <= 0);
    pointers.push_back(&distance[l]);
  }
  norm_down(gap, pointers);
  RC_LOG() << "radius norm " << rows.radius_norm[row] << " distance norm " << mpfr_get_d(gap, MPFR_RNDU) << "\n";
  RC_ASSERT(mpfr_cmp_d(gap, rows.radius_norm[row]) <= 0);
  mpfr_clears(mid, gap, static_cast<mpfr_ptr>(nullptr));
  for (mpfr_t& x : distance) mpfr_clear(x);
  RC_ASSERT(norm_at_most(&rows.hi.values[row * d], d, rows.hi_norm[row]));
  RC_ASSERT(norm_at_most(&rows.lo.values[row * d], d, rows.lo_norm[row]));
}

}  // namespace

TEST_CASE("rotation tables: every row lies within its radius of the 256-bit MPFI twin", "[rotation-tables][property]") {
  rc::prop("tables against enclose_rotated_row at 256 bits", [] {
    RopeParams rope;
    const int scaling_kind = *rc::gen::inRange(0, 6);
    rope.scaling = scaling_of_kind(scaling_kind);
    rope.pairing = *rc::gen::element(Pairing::half, Pairing::interleaved);
    if (scaling_kind == 0) {
      rope.angles = *rc::gen::element(Angles::standard, Angles::pythagorean);
      rope.rotary_dim = 2 * static_cast<std::size_t>(*rc::gen::inRange(1, 7));
      if (rope.angles == Angles::standard)
        rope.emulate.inv_freq = *rc::gen::element(InvFreqEmulation::exact, InvFreqEmulation::float32);
    } else {
      rope.rotary_dim = 8;
    }
    rope.base = *rc::gen::element(10000.0, 500000.0);
    const std::size_t d = rope.rotary_dim + static_cast<std::size_t>(*rc::gen::inRange(0, 4));
    const std::size_t count = static_cast<std::size_t>(*rc::gen::inRange(1, 200));
    const std::int64_t first = *first_position(count);
    Scale scale;
    scale.rule = *rc::gen::element(Scale::Rule::inv_d, Scale::Rule::inv_sqrt_d, Scale::Rule::decimal);
    scale.decimal = "0.3";
    const bool unit_factor = *rc::gen::arbitrary<bool>();
    RC_TAG(scaling_kind, unit_factor);
    RC_LOG() << "scaling " << scaling_kind << " angles " << static_cast<int>(rope.angles) << " rotary_dim "
             << rope.rotary_dim << " d " << d << " first " << first << " count " << count << "\n";

    auto factor_at = [&](mpfr_prec_t precision) {
      Interval f(precision);
      if (unit_factor)
        mpfi_set_ui(f.get(), 1);
      else
        f = enclose_scale(scale, d, precision);
      return f;
    };
    const RopeFrequencies frequencies = enclose_rope_frequencies(rope, table_precision);
    const RotationTables tables(rope, frequencies, factor_at(table_precision), first, count, 1);
    const RopeFrequencies twin_frequencies = enclose_rope_frequencies(rope, twin_precision);
    const Interval twin_factor = factor_at(twin_precision);

    const std::size_t checked = static_cast<std::size_t>(*rc::gen::inRange(1, 4));
    DoubleWordRows rows(checked, d);
    for (std::size_t row = 0; row < checked; ++row) {
      const std::size_t t = *rc::gen::inRange<std::size_t>(0, count);
      const std::vector<double> x = *rc::gen::container<std::vector<double>>(d, entry());
      RC_ASSERT(tables.rotate_row(x.data(), t, rows, row));
      std::vector<Interval> twin =
          enclose_rotated_row(x.data(), d, rope, twin_frequencies, first + static_cast<std::int64_t>(t), twin_precision);
      for (Interval& y : twin) mpfi_mul(y.get(), y.get(), twin_factor.get());
      RC_LOG() << "row " << row << " t " << t << "\n";
      check_row(rows, row, twin);
    }
  });
}

TEST_CASE("rotation tables: outside the window W the row is refused (the caller uses MPFI)", "[rotation-tables]") {
  RopeParams rope;
  rope.rotary_dim = 4;
  const RopeFrequencies frequencies = enclose_rope_frequencies(rope, table_precision);
  Interval one(table_precision);
  mpfi_set_ui(one.get(), 1);
  const RotationTables tables(rope, frequencies, one, 0, 10, 1);
  DoubleWordRows rows(1, 6);
  const double subnormal[6] = {1, 0x1p-1070, 0.5, 0.25, 1, 1};
  CHECK_FALSE(tables.rotate_row(subnormal, 3, rows, 0));
  const double huge[6] = {1, 0x1p500, 0.5, 0.25, 1, 1};
  CHECK_FALSE(tables.rotate_row(huge, 3, rows, 0));
  // A pass-through entry is copied exactly when the factor is 1: no window needed there.
  const double pass_subnormal[6] = {1, 0.75, 0.5, 0.25, 0x1p-1070, 1};
  REQUIRE(tables.rotate_row(pass_subnormal, 3, rows, 0));
  CHECK(rows.hi.at(0, 4) == 0x1p-1070);
  CHECK(rows.lo.at(0, 4) == 0);
}

TEST_CASE("rotation tables apply only with an exact cos / sin", "[rotation-tables]") {
  RopeParams rope;
  CHECK(rotation_tables_apply(rope));
  for (const CosSinEmulation e : {CosSinEmulation::float32, CosSinEmulation::bfloat16, CosSinEmulation::float16}) {
    rope.emulate.cos_sin = e;
    CHECK_FALSE(rotation_tables_apply(rope));
  }
}

TEST_CASE("norm_upper_binary64 bounds the exact 2-norm, also for subnormal entries", "[rotation-tables][property]") {
  rc::prop("norm_upper_binary64 >= ||x|| (checked in MPFR)", [] {
    const std::size_t n = static_cast<std::size_t>(*rc::gen::inRange(1, 300));
    const int shift = *rc::gen::element(0, -1060, -560, 400);  // shifted to subnormal squares, or large ones
    std::vector<double> x = *rc::gen::container<std::vector<double>>(n, entry());
    for (double& v : x) v = std::ldexp(v, shift);
    const double bound = norm_upper_binary64(x.data(), n);
    RC_LOG() << "n " << n << " shift " << shift << " bound " << bound << "\n";
    RC_ASSERT(norm_at_most(x.data(), n, bound));
  });
  const double tiny[3] = {0x1p-1074, -0x1p-1074, 0x1p-1070};  // every square underflows to 0
  CHECK(norm_at_most(tiny, 3, norm_upper_binary64(tiny, 3)));
  const std::vector<double> many(1 << 16, 1 + 0x1p-52), too_many((1 << 16) + 1, 1.0);
  CHECK(norm_at_most(many.data(), many.size(), norm_upper_binary64(many.data(), many.size())));
  CHECK(std::isinf(norm_upper_binary64(too_many.data(), too_many.size())));
}
