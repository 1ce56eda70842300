// Tests for load_case / save_case (ropecert/case_io.hpp) and for the Problem invariants they rely
// on (positions, visibility, validate_problem in ropecert/problem.hpp).
#include <rapidcheck/catch.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ropecert/case_io.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/npy.hpp"
#include "ropecert/problem.hpp"
#include "support/case_generators.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using namespace ropecert;

using ropecert_test::read_file;
using ropecert_test::TempDir;

namespace {

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// Exact dyadic entries, distinct per position so that a transposed or shifted read is caught.
std::vector<double> pattern(std::size_t count, double salt) {
  std::vector<double> values(count);
  for (std::size_t k = 0; k < count; ++k) values[k] = salt + static_cast<double>(k) / 8 - 1;
  return values;
}

void write_array(const fs::path& path, std::vector<std::size_t> shape, double salt) {
  std::size_t count = 1;
  for (std::size_t dim : shape) count *= dim;
  write_npy_float64(path, shape, pattern(count, salt));
}

// A case directory `name` in `tmp` holding `json` and Q (n_q x d), K (n_k x d), V (n_k x d_v).
fs::path make_case(const TempDir& tmp, const std::string& name, const std::string& json, std::size_t n_q = 3,
                   std::size_t n_k = 4, std::size_t d = 4, std::size_t d_v = 2) {
  const fs::path dir = tmp / name;
  fs::create_directory(dir);
  write_text(dir / "case.json", json);
  write_array(dir / "Q.npy", {n_q, d}, 0);
  write_array(dir / "K.npy", {n_k, d}, 100);
  write_array(dir / "V.npy", {n_k, d_v}, 200);
  return dir;
}

const std::string kRope = R"({"format": "ropecert-case/1", "kind": "rope")";
const std::string kGeneral = R"({"format": "ropecert-case/1", "kind": "general")";

// case.json for kind rope with extra top-level members `top` and the rope object body `rope`.
std::string rope_json(const std::string& top, const std::string& rope = "") {
  return kRope + (top.empty() ? "" : ", " + top) + (rope.empty() ? "" : R"(, "rope": {)" + rope + "}") + "}";
}

// load_case(dir) must throw a one-line InputError "<dir>/<file>: ..." that contains `fragment`.
void require_load_error(const fs::path& dir, const std::string& file, const std::string& fragment) {
  REQUIRE_THROWS_AS(load_case(dir), InputError);
  REQUIRE_THROWS_WITH(load_case(dir),
                      StartsWith((dir / file).string() + ": ") && Contains(fragment) && !Contains("\n"));
}

// A case `name` with the given case.json and arrays that must be rejected naming `file`.
void require_json_rejected(const TempDir& tmp, const std::string& json, const std::string& fragment,
                           std::size_t d = 4) {
  require_load_error(make_case(tmp, "c", json, 3, 4, d), "case.json", fragment);
  fs::remove_all(tmp / "c");
}

std::uint64_t bits_of(double x) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof x);
  return bits;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](double x, double y) { return bits_of(x) == bits_of(y); });
}

bool same_matrix(const Matrix& a, const Matrix& b) {
  return a.rows == b.rows && a.cols == b.cols && same_bits(a.values, b.values);
}

bool same_optional(const std::optional<double>& a, const std::optional<double>& b) {
  return a.has_value() == b.has_value() && (!a || bits_of(*a) == bits_of(*b));
}

// Every field of rope.scaling, doubles bit for bit. Kind none is the same whatever the other fields hold
// (save_case writes no scaling object then).
bool same_scaling(const RopeScaling& a, const RopeScaling& b) {
  if (a.kind == RopeScalingKind::none || b.kind == RopeScalingKind::none) return a.kind == b.kind;
  return a.kind == b.kind && same_optional(a.factor, b.factor) &&
         a.original_max_position_embeddings == b.original_max_position_embeddings &&
         a.max_position_embeddings == b.max_position_embeddings && a.sequence_length == b.sequence_length &&
         bits_of(a.beta_fast) == bits_of(b.beta_fast) && bits_of(a.beta_slow) == bits_of(b.beta_slow) &&
         same_optional(a.mscale, b.mscale) && same_optional(a.mscale_all_dim, b.mscale_all_dim) &&
         a.truncate == b.truncate && same_optional(a.attention_factor, b.attention_factor) &&
         bits_of(a.low_freq_factor) == bits_of(b.low_freq_factor) &&
         bits_of(a.high_freq_factor) == bits_of(b.high_freq_factor) && same_bits(a.short_factor, b.short_factor) &&
         same_bits(a.long_factor, b.long_factor);
}

// Every field that case.json and the .npy files carry.
bool same_problem(const Problem& a, const Problem& b) {
  // The base is part of the problem for standard angles only.
  const bool base_same = a.rope.angles == Angles::pythagorean || bits_of(a.rope.base) == bits_of(b.rope.base);
  const bool rope_same =
      a.kind == Kind::general ||
      (a.rope.angles == b.rope.angles && base_same && a.rope.pairing == b.rope.pairing &&
       a.rope.rotary_dim == b.rope.rotary_dim && a.rope.q_offset == b.rope.q_offset &&
       a.rope.k_offset == b.rope.k_offset && same_scaling(a.rope.scaling, b.rope.scaling) &&
       a.rope.emulate.inv_freq == b.rope.emulate.inv_freq && a.rope.emulate.cos_sin == b.rope.emulate.cos_sin);
  return a.kind == b.kind && a.scale.rule == b.scale.rule && a.scale.decimal == b.scale.decimal && a.mask == b.mask &&
         rope_same && same_matrix(a.Q, b.Q) && same_matrix(a.K, b.K) && same_matrix(a.V, b.V) &&
         a.W.size() == b.W.size() && std::equal(a.W.begin(), a.W.end(), b.W.begin(), same_matrix);
}

// Finite doubles from raw bit patterns: every exponent, subnormals and -0.
rc::Gen<double> finite_double() {
  return rc::gen::map(rc::gen::arbitrary<std::uint64_t>(), [](std::uint64_t bits) {
    double x;
    std::memcpy(&x, &bits, sizeof x);
    return std::isfinite(x) ? x : -0.0;
  });
}

Matrix gen_matrix(std::size_t rows, std::size_t cols) {
  Matrix m(rows, cols);
  m.values = *rc::gen::container<std::vector<double>>(rows * cols, finite_double());
  return m;
}

// Sometimes a rope.scaling (standard angles; gen_rope_scaling's HF-like parameters, and any finite values in
// the fields its kind ignores, which case.json must carry all the same) or the float32 inv_freq (when RN32
// of the base is finite), and any cos / sin emulation.
void gen_conventions(RopeParams& rope) {
  if (rope.angles == Angles::standard && *rc::gen::arbitrary<bool>()) {
    RopeScaling& s = rope.scaling;
    s = *ropecert_test::gen_rope_scaling(rope.rotary_dim);
    const RopeScalingKind k = s.kind;
    using K = RopeScalingKind;
    const auto unused = [&](std::initializer_list<K> users) {
      return std::find(users.begin(), users.end(), k) == users.end() && *rc::gen::arbitrary<bool>();
    };
    if (unused({K::yarn, K::longrope})) s.attention_factor = *finite_double();
    if (unused({K::yarn})) s.beta_fast = *finite_double();
    if (unused({K::yarn})) s.beta_slow = *finite_double();
    if (unused({K::yarn})) s.mscale = *finite_double();
    if (unused({K::yarn})) s.mscale_all_dim = *finite_double();
    if (unused({K::yarn})) s.truncate = false;
    if (unused({K::llama3})) s.low_freq_factor = *finite_double();
    if (unused({K::llama3})) s.high_freq_factor = *finite_double();
    if (unused({K::dynamic, K::longrope})) s.sequence_length = *rc::gen::arbitrary<std::uint32_t>();
    if (unused({K::dynamic, K::yarn, K::longrope})) s.max_position_embeddings = *rc::gen::arbitrary<std::uint32_t>();
    if (unused({K::yarn, K::llama3, K::longrope}))
      s.original_max_position_embeddings = *rc::gen::arbitrary<std::uint32_t>();
    if (unused({K::longrope})) s.short_factor = *rc::gen::container<std::vector<double>>(finite_double());
    if (unused({K::longrope})) s.long_factor = *rc::gen::container<std::vector<double>>(finite_double());
  } else if (rope.angles == Angles::standard && rope.base < 1e38 && *rc::gen::arbitrary<bool>()) {
    rope.emulate.inv_freq = InvFreqEmulation::float32;
  }
  rope.emulate.cos_sin = *rc::gen::element(CosSinEmulation::exact, CosSinEmulation::float32, CosSinEmulation::bfloat16,
                                           CosSinEmulation::float16);
}

// A valid problem of either kind, biased to corner cases (n = 1, odd d with a smaller rotary_dim,
// offsets at max_position, bases just above 1 and huge, pythagorean angles with any base).
Problem gen_problem() {
  Problem p;
  p.kind = *rc::gen::element(Kind::rope, Kind::general);
  const auto n_q = *rc::gen::inRange<std::size_t>(1, 5);
  const auto n_k = p.kind == Kind::general ? n_q : *rc::gen::inRange<std::size_t>(1, 5);
  const auto d = *rc::gen::inRange<std::size_t>(p.kind == Kind::rope ? 2 : 1, 6);
  p.mask = *rc::gen::element(MaskKind::none, MaskKind::causal);
  p.scale.rule = *rc::gen::element(Scale::Rule::inv_d, Scale::Rule::inv_sqrt_d, Scale::Rule::decimal);
  if (p.scale.rule == Scale::Rule::decimal)
    p.scale.decimal = *rc::gen::element<std::string>("0.125", "-1e-2", ".5", "3.", "+7E+300", "0.1", "0");
  if (p.kind == Kind::rope) {
    // Doubles in (1, DBL_MAX]: the bit patterns after that of 1.0 up to that of DBL_MAX.
    const auto above_one =
        rc::gen::map(rc::gen::inRange<std::uint64_t>(0x3ff0000000000001, 0x7ff0000000000000), [](std::uint64_t bits) {
          double x;
          std::memcpy(&x, &bits, sizeof x);
          return x;
        });
    p.rope.angles = *rc::gen::element(Angles::standard, Angles::pythagorean);
    // Pythagorean angles ignore the base, so any value (even NaN) is valid in memory.
    p.rope.base = p.rope.angles == Angles::standard
                      ? *rc::gen::oneOf(above_one, rc::gen::element(10000.0, 1.1, 0x1.0000000000001p0, DBL_MAX))
                      : *rc::gen::element(10000.0, 0.5, std::nan(""));
    p.rope.pairing = *rc::gen::element(Pairing::half, Pairing::interleaved);
    p.rope.rotary_dim = 2 * *rc::gen::inRange<std::size_t>(1, d / 2 + 1);
    p.rope.q_offset =
        *rc::gen::oneOf(rc::gen::inRange<std::int64_t>(0, 20), rc::gen::just(max_position - std::int64_t(n_q - 1)));
    p.rope.k_offset =
        *rc::gen::oneOf(rc::gen::inRange<std::int64_t>(0, 20), rc::gen::just(max_position - std::int64_t(n_k - 1)));
    if (p.mask == MaskKind::causal) p.rope.k_offset = std::min(p.rope.k_offset, p.rope.q_offset);
    gen_conventions(p.rope);
  }
  p.Q = gen_matrix(n_q, d);
  p.K = gen_matrix(n_k, d);
  p.V = gen_matrix(n_k, *rc::gen::inRange<std::size_t>(1, 4));
  if (p.kind == Kind::general)
    for (std::size_t k = 0; k < 2 * n_q - 1; ++k) p.W.push_back(gen_matrix(d, d));
  return p;
}

// A valid kind rope problem for in-memory validate_problem tests.
Problem small_rope_problem() {
  Problem p;
  p.Q = Matrix(2, 4);
  p.K = Matrix(3, 4);
  p.V = Matrix(3, 1);
  p.rope.rotary_dim = 4;
  return p;
}

// validate_problem(p, "origin") must throw a one-line ProblemError about `part`, "origin: <name>: ..." (or
// "origin: ..." for the settings, which have no name by default) that contains `fragment`.
void require_invalid(const Problem& p, ProblemPart part, const std::string& name, const std::string& fragment) {
  REQUIRE_THROWS_AS(validate_problem(p, "origin"), ProblemError);
  REQUIRE_THROWS_WITH(validate_problem(p, "origin"), StartsWith("origin: " + (name.empty() ? "" : name + ": ")) &&
                                                         Contains(fragment) && !Contains("\n") && !Contains(".npy") &&
                                                         !Contains("case.json"));
  try {
    validate_problem(p, "origin");
  } catch (const ProblemError& error) {
    CHECK(error.part() == part);
    CHECK(error.what() == "origin: " + (name.empty() ? "" : name + ": ") + error.detail());
  }
}

}  // namespace

TEST_CASE("load_case applies the documented defaults", "[case-io]") {
  TempDir tmp;
  const Problem p = load_case(make_case(tmp, "c", kRope + "}", 3, 4, 6, 2));
  CHECK(p.kind == Kind::rope);
  CHECK(p.scale.rule == Scale::Rule::inv_sqrt_d);
  CHECK(p.scale.decimal.empty());
  CHECK(p.mask == MaskKind::none);
  CHECK(p.rope.angles == Angles::standard);
  CHECK(p.rope.base == 10000.0);
  CHECK(p.rope.pairing == Pairing::half);
  CHECK(p.rope.rotary_dim == 6);
  CHECK(p.rope.q_offset == 0);
  CHECK(p.rope.k_offset == 0);
  CHECK(p.W.empty());
  REQUIRE(p.Q.rows == 3);
  REQUIRE(p.Q.cols == 6);
  CHECK(p.Q.values == pattern(18, 0));
  REQUIRE(p.K.rows == 4);
  CHECK(p.K.values == pattern(24, 100));
  REQUIRE(p.V.cols == 2);
  CHECK(p.V.values == pattern(8, 200));
  const Problem partial = load_case(make_case(tmp, "p", rope_json("", R"("pairing": "interleaved")")));
  CHECK(partial.rope.angles == Angles::standard);
  CHECK(partial.rope.base == 10000.0);
  CHECK(partial.rope.rotary_dim == 4);
  CHECK(partial.rope.q_offset == 0);
  CHECK(partial.rope.k_offset == 0);
}

TEST_CASE("load_case reads every field of case.json", "[case-io]") {
  TempDir tmp;
  const std::string json = rope_json(R"("scale": "0.125", "mask": "causal")",
                                     R"("angles": "standard", "base": 500000.5, "pairing": "interleaved",
                                        "rotary_dim": 2, "q_offset": 7, "k_offset": 3)");
  const Problem p = load_case(make_case(tmp, "c", json, 2, 6, 4, 1));
  CHECK(p.scale.rule == Scale::Rule::decimal);
  CHECK(p.scale.decimal == "0.125");
  CHECK(p.mask == MaskKind::causal);
  CHECK(p.rope.angles == Angles::standard);
  CHECK(p.rope.base == 500000.5);
  CHECK(p.rope.pairing == Pairing::interleaved);
  CHECK(p.rope.rotary_dim == 2);
  CHECK(p.rope.q_offset == 7);
  CHECK(p.rope.k_offset == 3);
  CHECK(load_case(make_case(tmp, "d", rope_json(R"("scale": "inv_d")"))).scale.rule == Scale::Rule::inv_d);
  CHECK(load_case(make_case(tmp, "e", rope_json(R"("scale": "inv_sqrt_d", "mask": "none")"))).scale.rule ==
        Scale::Rule::inv_sqrt_d);
}

TEST_CASE("load_case reads rope.angles; pythagorean angles take no base", "[case-io]") {
  TempDir tmp;
  const Problem p = load_case(
      make_case(tmp, "p", rope_json("", R"("angles": "pythagorean", "pairing": "interleaved", "q_offset": 2)")));
  CHECK(p.rope.angles == Angles::pythagorean);
  CHECK(p.rope.pairing == Pairing::interleaved);
  CHECK(p.rope.q_offset == 2);
  CHECK(p.rope.rotary_dim == 4);
  const Problem s = load_case(make_case(tmp, "s", rope_json("", R"("angles": "standard", "base": 2.5)")));
  CHECK(s.rope.angles == Angles::standard);
  CHECK(s.rope.base == 2.5);
  const std::string no_base = "key 'rope.base' does not apply to angles \"pythagorean\"; remove it";
  require_json_rejected(tmp, rope_json("", R"("angles": "pythagorean", "base": 10000)"), no_base);
  require_json_rejected(tmp, rope_json("", R"("base": 2.5, "angles": "pythagorean")"), no_base);
  require_json_rejected(tmp, rope_json("", R"("angles": "pythagorean", "base": "x")"), no_base);
  require_json_rejected(tmp, rope_json("", R"("angles": "rational")"),
                        "key 'rope.angles' is \"rational\"; expected \"standard\" or \"pythagorean\"");
  require_json_rejected(tmp, rope_json("", R"("angles": "Pythagorean")"), "key 'rope.angles' is \"Pythagorean\"");
  require_json_rejected(tmp, rope_json("", R"("angles": 1)"), "key 'rope.angles' must be a string, got 1");
  require_json_rejected(tmp, rope_json("", R"("angles": "standard", "base": 1)"),
                        "rope.base = 1 must be a finite number > 1");
}

TEST_CASE("positions use the offsets for kind rope and ignore them for kind general", "[case-io][problem]") {
  Problem p = small_rope_problem();
  p.rope.q_offset = 7;
  p.rope.k_offset = 3;
  CHECK(p.query_position(1) == 8);
  CHECK(p.key_position(2) == 5);
  p.rope.k_offset = 6;
  CHECK(p.key_visible(0, 2));  // mask none keeps the key at 8 for the query at 7
  p.mask = MaskKind::causal;
  CHECK(p.key_visible(0, 1));   // key at 7, query at 7
  CHECK(!p.key_visible(0, 2));  // key at 8, query at 7
  CHECK(p.key_visible(1, 2));   // key at 8, query at 8
  p.kind = Kind::general;
  CHECK(p.query_position(1) == 1);
  CHECK(p.key_position(2) == 2);
  CHECK(!p.key_visible(1, 2));
  CHECK(p.key_visible(2, 1));
}

TEST_CASE("load_case reads kind general with W[k + n - 1] = W_k", "[case-io]") {
  TempDir tmp;
  const fs::path dir = make_case(tmp, "g", kGeneral + R"(, "mask": "causal"})", 3, 3, 2, 1);
  write_array(dir / "W.npy", {5, 2, 2}, 300);
  const Problem p = load_case(dir);
  REQUIRE(p.kind == Kind::general);
  REQUIRE(p.W.size() == 5);
  const std::vector<double> all = pattern(20, 300);
  for (std::size_t k = 0; k < 5; ++k) {
    REQUIRE(p.W[k].rows == 2);
    REQUIRE(p.W[k].cols == 2);
    CHECK(p.W[k].values == std::vector<double>(all.begin() + 4 * k, all.begin() + 4 * k + 4));
  }
  CHECK(&p.coupling(-2) == &p.W[0]);
  CHECK(&p.coupling(2) == &p.W[4]);
}

TEST_CASE("load_case accepts float32 arrays and a rotary_dim below an odd d", "[case-io]") {
  TempDir tmp;
  const fs::path dir = make_case(tmp, "c", rope_json("", R"("rotary_dim": 4)"), 3, 4, 5);
  write_npy_float32(dir / "Q.npy", {3, 5}, pattern(15, 0.5));
  const Problem p = load_case(dir);
  CHECK(p.Q.values == pattern(15, 0.5));
  CHECK(p.rope.rotary_dim == 4);
}

// Issue 9, item 6: a '<u2' Q.npy (bfloat16 bit patterns) was read as integers, 1.0 as 16256.
TEST_CASE("load_case refuses float16 and uint16 (bfloat16 bit patterns) arrays", "[case-io][errors]") {
  TempDir tmp;
  const std::string expected = "('<f8') or float32 ('<f4'), which hold every float16 and bfloat16 value exactly";
  const fs::path dir = make_case(tmp, "c", kRope + "}", 3, 4, 4, 2);
  SECTION("bfloat16 bit patterns in Q") {
    write_npy_uint16(dir / "Q.npy", {3, 4}, std::vector<std::uint16_t>(12, 0x3f80));  // bfloat16 1.0
    require_load_error(dir, "Q.npy", "dtype '<u2' is not supported; expected float64 " + expected);
  }
  SECTION("float16 in V") {
    write_npy_float16(dir / "V.npy", {4, 2}, std::vector<double>(8, 1.0));
    require_load_error(dir, "V.npy", "dtype '<f2' is not supported; expected float64 " + expected);
  }
  SECTION("uint16 in W") {
    const fs::path general = make_case(tmp, "g", kGeneral + "}", 3, 3, 2, 1);
    write_npy_uint16(general / "W.npy", {5, 2, 2}, std::vector<std::uint16_t>(20, 0));
    require_load_error(general, "W.npy", "dtype '<u2' is not supported");
  }
}

TEST_CASE("load_case accepts the decimal scale syntax and the boundary offsets", "[case-io]") {
  TempDir tmp;
  for (const char* decimal : {"1", "-1.", ".5", "+2.5E-3", "0.125", "1e-2", "007", "-0"}) {
    INFO(decimal);
    const std::string json = rope_json(std::string(R"("scale": ")") + decimal + "\"");
    CHECK(load_case(make_case(tmp, "c", json)).scale.decimal == decimal);
    fs::remove_all(tmp / "c");
  }
  // n_q = 3 rows from 2^52 - 2 end exactly at max_position; k_offset = q_offset keeps row 0 visible.
  const std::string edge =
      rope_json(R"("mask": "causal")", R"("q_offset": 4503599627370494, "k_offset": 4503599627370494)");
  CHECK(load_case(make_case(tmp, "edge", edge, 3, 3)).query_position(2) == max_position);
}

TEST_CASE("case.json: unknown, missing and duplicate keys are errors", "[case-io][errors]") {
  TempDir tmp;
  require_json_rejected(tmp, rope_json(R"("maks": "causal")"),
                        "unknown key 'maks' (allowed: format, kind, scale, mask, rope)");
  require_json_rejected(tmp, rope_json("", R"("bse": 10)"), "unknown key 'rope.bse'");
  require_json_rejected(tmp, R"({"kind": "rope"})", "missing required key 'format'");
  require_json_rejected(tmp, R"({"format": "ropecert-case/1"})", "missing required key 'kind'");
  require_json_rejected(tmp, rope_json(R"("mask": "none", "mask": "causal")"), "duplicate key 'mask'");
  require_json_rejected(tmp, rope_json("", R"("base": 10, "base": 20)"), "duplicate key 'base'");
  require_json_rejected(tmp, rope_json(R"("a\nb": 1)"), "unknown key 'a\\nb'");
}

TEST_CASE("case.json: malformed JSON and wrong values are errors", "[case-io][errors]") {
  TempDir tmp;
  require_json_rejected(tmp, "{\"format\": \"ropecert-case/1\",\n \"kind\": \"rope\",,\n}",
                        "malformed JSON: parse error at line 2");
  require_json_rejected(tmp, "", "malformed JSON");
  require_json_rejected(tmp, rope_json("", R"("base": 1e400)"), "malformed JSON: number overflow");
  require_json_rejected(tmp, "[1, 2]", "the top level must be a JSON object, got an array");
  require_json_rejected(tmp, R"({"format": "ropecert-case/2", "kind": "rope"})",
                        "format \"ropecert-case/2\" is not supported; expected \"ropecert-case/1\"");
  require_json_rejected(tmp, R"({"format": 1, "kind": "rope"})", "key 'format' must be a string, got 1");
  require_json_rejected(tmp, R"({"format": "ropecert-case/1", "kind": "alibi"})",
                        "key 'kind' is \"alibi\"; expected \"rope\" or \"general\"");
  require_json_rejected(tmp, rope_json(R"("mask": ["causal"])"), "key 'mask' must be a string, got an array");
  require_json_rejected(tmp, rope_json("", R"("pairing": "even")"), "key 'rope.pairing' is \"even\"");
  require_json_rejected(tmp, rope_json(R"("rope": "default")"), "key 'rope' must be an object, got \"default\"");
}

TEST_CASE("case.json: the scale is inv_d, inv_sqrt_d or a decimal string", "[case-io][errors]") {
  TempDir tmp;
  require_json_rejected(tmp, rope_json(R"("scale": 0.125)"),
                        "key 'scale' must be a string such as \"0.125\", not a JSON number");
  require_json_rejected(tmp, rope_json(R"("scale": true)"), "key 'scale' must be a string, got true");
  for (const char* bad : {"1.2.3", "0x10", "1e", ".", "", " 1", "inf", "nan", "1/8", "inv_sqrt"})
    require_json_rejected(tmp, rope_json(std::string(R"("scale": ")") + bad + "\""),
                          std::string("scale \"") + bad + "\" is not a decimal number; expected \"inv_d\"");
  require_json_rejected(tmp, rope_json(R"("scale": "1\n")"), "scale \"1\\x0a\" is not a decimal number");
}

TEST_CASE("case.json: rope parameters are checked", "[case-io][errors]") {
  TempDir tmp;
  for (const char* r : {"3", "6", "0"})
    require_json_rejected(tmp, rope_json("", std::string(R"("rotary_dim": )") + r),
                          std::string("rope.rotary_dim = ") + r + " must be even with 2 <= rotary_dim <= d = 4");
  require_json_rejected(tmp, rope_json("", R"("rotary_dim": -2)"), "must be a positive even integer, got -2");
  require_json_rejected(tmp, rope_json("", R"("rotary_dim": 4.5)"),
                        "key 'rope.rotary_dim' must be an integer, got 4.5");
  require_json_rejected(tmp, kRope + "}", "RoPE needs an even head dimension d, got d = 5; set rope.rotary_dim", 5);
  require_json_rejected(tmp, rope_json("", R"("base": 1)"), "rope.base = 1 must be a finite number > 1");
  require_json_rejected(tmp, rope_json("", R"("base": 0.5)"), "rope.base = 0.5 must be a finite number > 1");
  require_json_rejected(tmp, rope_json("", R"("base": "10000")"), "key 'rope.base' must be a number, got \"10000\"");
  require_json_rejected(tmp, rope_json("", R"("q_offset": -1)"), "rope.q_offset = -1 must be >= 0");
  require_json_rejected(tmp, rope_json("", R"("k_offset": -5)"), "rope.k_offset = -5 must be >= 0");
  require_json_rejected(tmp, rope_json("", R"("q_offset": 4503599627370495)"),
                        "rope.q_offset = 4503599627370495 puts row 2 beyond max_position = 2^52");
  require_json_rejected(tmp, rope_json("", R"("k_offset": 9223372036854775807)"), "puts row 3 beyond max_position");
  require_json_rejected(tmp, rope_json("", R"("k_offset": 9223372036854775808)"), "is out of range");
  require_json_rejected(tmp, kGeneral + R"(, "rope": {}})", "key 'rope' applies only to kind rope");
}

TEST_CASE("the causal mask must leave every query row a visible key", "[case-io][errors]") {
  TempDir tmp;
  require_json_rejected(tmp, rope_json(R"("mask": "causal")", R"("k_offset": 5)"),
                        "causal mask leaves query row 0 (position 0) with no visible key (first key position 5)");
  require_json_rejected(tmp, rope_json(R"("mask": "causal")", R"("q_offset": 9, "k_offset": 10)"),
                        "query row 0 (position 9) with no visible key (first key position 10)");
  CHECK_NOTHROW(load_case(make_case(tmp, "ok", rope_json(R"("mask": "causal")", R"("q_offset": 9, "k_offset": 9)"))));
  CHECK_NOTHROW(load_case(make_case(tmp, "none", rope_json(R"("mask": "none")", R"("k_offset": 5)"))));
}

TEST_CASE("load_case checks the shapes of Q, K, V and W", "[case-io][errors]") {
  TempDir tmp;
  const fs::path dir = make_case(tmp, "c", kRope + "}");
  SECTION("K with another d") {
    write_array(dir / "K.npy", {4, 5}, 0);
    require_load_error(dir, "K.npy", "shape (4, 5) but Q.npy has d = 4");
  }
  SECTION("V with other rows") {
    write_array(dir / "V.npy", {5, 2}, 0);
    require_load_error(dir, "V.npy", "has 5 rows but K.npy has 4");
  }
  SECTION("Q not 2-D") {
    write_array(dir / "Q.npy", {12}, 0);
    require_load_error(dir, "Q.npy", "expected a 2-D array (n_q, d), got a 1-D array");
  }
  SECTION("empty Q") {
    write_array(dir / "Q.npy", {0, 4}, 0);
    require_load_error(dir, "Q.npy", "shape (0, 4) is empty; n_q and d must both be >= 1");
  }
  SECTION("V without columns") {
    write_array(dir / "V.npy", {4, 0}, 0);
    require_load_error(dir, "V.npy", "shape (4, 0) is empty");
  }
  SECTION("W beside kind rope") {
    write_array(dir / "W.npy", {5, 4, 4}, 0);
    require_load_error(dir, "W.npy", "kind rope takes no W");
  }
}

TEST_CASE("kind general needs n_q = n_k and W of shape (2n-1, d, d)", "[case-io][errors]") {
  TempDir tmp;
  const fs::path unequal = make_case(tmp, "u", kGeneral + "}", 3, 4, 2);
  write_array(unequal / "W.npy", {5, 2, 2}, 0);
  require_load_error(unequal, "K.npy", "kind general needs n_q = n_k, got n_q = 3 (Q.npy) and n_k = 4 (K.npy)");
  const fs::path dir = make_case(tmp, "g", kGeneral + "}", 3, 3, 2);
  require_load_error(dir, "W.npy", "missing file");
  write_array(dir / "W.npy", {4, 2, 2}, 0);
  require_load_error(dir, "W.npy", "holds 4 matrices; expected 2n-1 = 5 matrices of shape (2, 2) for n = 3, d = 2");
  write_array(dir / "W.npy", {5, 2, 3}, 0);
  require_load_error(dir, "W.npy", "matrix 0 has shape (2, 3); expected 2n-1 = 5");
  write_array(dir / "W.npy", {10, 2}, 0);
  require_load_error(dir, "W.npy", "expected a 3-D array (2n-1, d, d), got a 2-D array");
  write_npy_float64(dir / "W.npy", {1000000000000, 0, 2}, {});
  require_load_error(dir, "W.npy", "holds empty matrices");
}

TEST_CASE("load_case reports missing files and bad values by file", "[case-io][errors]") {
  TempDir tmp;
  REQUIRE_THROWS_WITH(load_case(tmp / "absent"), (tmp / "absent").string() + ": no such case directory");
  const fs::path dir = make_case(tmp, "c", kRope + "}");
  SECTION("missing case.json") {
    fs::remove(dir / "case.json");
    require_load_error(dir, "case.json", "missing file");
  }
  SECTION("missing K.npy") {
    fs::remove(dir / "K.npy");
    require_load_error(dir, "K.npy", "missing file");
  }
  SECTION("NaN in V.npy") {
    std::vector<double> v = pattern(8, 0);
    v[2] = std::numeric_limits<double>::quiet_NaN();
    write_npy_float64(dir / "V.npy", {4, 2}, v);
    require_load_error(dir, "V.npy", "value at index (1, 0) is NaN");
  }
}

TEST_CASE("validate_problem names the part of each in-memory defect by its role", "[problem][errors]") {
  CHECK_NOTHROW(validate_problem(small_rope_problem(), "origin"));
  Problem p = small_rope_problem();
  SECTION("default rotary_dim 0") {
    p.rope.rotary_dim = 0;
    require_invalid(p, ProblemPart::settings, "", "rope.rotary_dim = 0 must be even");
  }
  SECTION("infinite base") {
    p.rope.base = std::numeric_limits<double>::infinity();
    require_invalid(p, ProblemPart::settings, "", "rope.base = inf must be a finite number > 1");
  }
  SECTION("NaN base") {
    p.rope.base = std::nan("");
    require_invalid(p, ProblemPart::settings, "", "must be a finite number > 1");
  }
  SECTION("pythagorean angles ignore the base") {
    p.rope.angles = Angles::pythagorean;
    for (double base : {std::nan(""), 1.0, -std::numeric_limits<double>::infinity()}) {
      p.rope.base = base;
      CHECK_NOTHROW(validate_problem(p, "origin"));
    }
    p.rope.rotary_dim = 6;
    require_invalid(p, ProblemPart::settings, "", "rope.rotary_dim = 6 must be even with 2 <= rotary_dim <= d = 4");
  }
  SECTION("infinite Q entry") {
    p.Q.at(1, 2) = std::numeric_limits<double>::infinity();
    require_invalid(p, ProblemPart::Q, "Q", "value at index (1, 2) is +Inf");
  }
  SECTION("infinite K entry") {
    p.K.at(2, 3) = -std::numeric_limits<double>::infinity();
    require_invalid(p, ProblemPart::K, "K", "value at index (2, 3) is -Inf");
  }
  SECTION("NaN V entry") {
    p.V.at(2, 0) = std::nan("");
    require_invalid(p, ProblemPart::V, "V", "value at index (2, 0) is NaN");
  }
  SECTION("values and shape disagree") {
    p.Q.values.pop_back();
    require_invalid(p, ProblemPart::Q, "Q", "holds 7 values but its shape (2, 4) needs 8");
  }
  SECTION("bad decimal") {
    p.scale.rule = Scale::Rule::decimal;
    p.scale.decimal = "1e+";
    require_invalid(p, ProblemPart::settings, "", "scale \"1e+\" is not a decimal number");
  }
  SECTION("NaN in W") {
    p.kind = Kind::general;
    p.K = Matrix(2, 4);
    p.V = Matrix(2, 1);
    p.W.assign(3, Matrix(4, 4));
    p.W[2].at(1, 0) = std::nan("");
    require_invalid(p, ProblemPart::W, "W", "value at index (2, 1, 0) is NaN");
  }
  SECTION("K with another d names Q by its role") {
    p.K = Matrix(3, 5);
    require_invalid(p, ProblemPart::K, "K", "shape (3, 5) but Q has d = 4");
  }
  SECTION("V with other rows names K by its role") {
    p.V = Matrix(2, 1);
    require_invalid(p, ProblemPart::V, "V", "has 2 rows but K has 3");
  }
  SECTION("kind general with n_q != n_k") {
    p.kind = Kind::general;
    p.W.assign(3, Matrix(4, 4));
    require_invalid(p, ProblemPart::K, "K", "kind general needs n_q = n_k, got n_q = 2 (Q) and n_k = 3 (K)");
  }
  SECTION("W beside kind rope") {
    p.W.assign(3, Matrix(4, 4));
    require_invalid(p, ProblemPart::W, "W", "kind rope takes no W");
  }
}

TEST_CASE("validate_problem names the parts as the caller does", "[problem][errors]") {
  Problem p = small_rope_problem();
  p.K = Matrix(3, 5);
  const PartNames arguments{"q", "k", "v", "W", ""};
  REQUIRE_THROWS_WITH(validate_problem(p, "attention()", arguments), "attention(): k: shape (3, 5) but q has d = 4");
  REQUIRE_THROWS_WITH(validate_problem(p, "", arguments), "k: shape (3, 5) but q has d = 4");
  p.K = Matrix(3, 4);
  p.rope.rotary_dim = 3;
  REQUIRE_THROWS_WITH(validate_problem(p, "x", {"q", "k", "v", "W", "settings"}),
                      "x: settings: rope.rotary_dim = 3 must be even with 2 <= rotary_dim <= d = 4");
}

TEST_CASE("save_case writes a fixed, pretty-printed case.json", "[case-io]") {
  TempDir tmp;
  Problem p = small_rope_problem();
  p.scale = {Scale::Rule::decimal, "0.125"};
  p.mask = MaskKind::causal;
  p.rope = {Angles::standard, 1.1, Pairing::interleaved, 2, 3, 1, {}, {}};
  fs::create_directory(tmp / "r");
  save_case(p, tmp / "r");
  CHECK(read_file(tmp / "r" / "case.json") == R"({
  "format": "ropecert-case/1",
  "kind": "rope",
  "scale": "0.125",
  "mask": "causal",
  "rope": {
    "angles": "standard",
    "base": 1.1,
    "pairing": "interleaved",
    "rotary_dim": 2,
    "q_offset": 3,
    "k_offset": 1
  }
}
)");
  CHECK(!fs::exists(tmp / "r" / "W.npy"));
  p.rope.angles = Angles::pythagorean;  // the base (still 1.1) is not written
  fs::create_directory(tmp / "p");
  save_case(p, tmp / "p");
  CHECK(read_file(tmp / "p" / "case.json") == R"({
  "format": "ropecert-case/1",
  "kind": "rope",
  "scale": "0.125",
  "mask": "causal",
  "rope": {
    "angles": "pythagorean",
    "pairing": "interleaved",
    "rotary_dim": 2,
    "q_offset": 3,
    "k_offset": 1
  }
}
)");
  CHECK(load_case(tmp / "p").rope.angles == Angles::pythagorean);
  p.kind = Kind::general;
  p.scale.rule = Scale::Rule::inv_d;
  p.K = Matrix(2, 4);
  p.V = Matrix(2, 1);
  p.W.assign(3, Matrix(4, 4));
  fs::create_directory(tmp / "g");
  save_case(p, tmp / "g");
  CHECK(read_file(tmp / "g" / "case.json") == R"({
  "format": "ropecert-case/1",
  "kind": "general",
  "scale": "inv_d",
  "mask": "causal"
}
)");
  CHECK(read_npy(tmp / "g" / "W.npy").shape == std::vector<std::size_t>{3, 4, 4});
}

TEST_CASE("save_case requires an existing empty directory", "[case-io][errors]") {
  TempDir tmp;
  const Problem p = small_rope_problem();
  REQUIRE_THROWS_AS(save_case(p, tmp / "absent"), std::logic_error);
  fs::create_directory(tmp / "full");
  write_text(tmp / "full" / "note.txt", "x");
  REQUIRE_THROWS_AS(save_case(p, tmp / "full"), std::logic_error);
  CHECK(!fs::exists(tmp / "full" / "case.json"));
}

TEST_CASE("save_case then load_case gives back the same problem, deterministically", "[case-io][property]") {
  TempDir tmp;
  int round = 0;
  rc::prop("round trip", [&] {
    const Problem p = gen_problem();
    RC_CLASSIFY(p.kind == Kind::general, "general");
    RC_CLASSIFY(p.mask == MaskKind::causal, "causal");
    RC_CLASSIFY(p.kind == Kind::rope && p.rope.angles == Angles::pythagorean, "pythagorean");
    RC_CLASSIFY(p.kind == Kind::rope && p.rope.scaling.kind != RopeScalingKind::none, "scaling");
    RC_CLASSIFY(p.kind == Kind::rope && p.rope.emulate.cos_sin != CosSinEmulation::exact, "cos_sin emulated");
    const fs::path a = tmp / ("a" + std::to_string(round));
    const fs::path b = tmp / ("b" + std::to_string(round++));
    fs::create_directory(a);
    fs::create_directory(b);
    save_case(p, a);
    save_case(p, b);
    RC_ASSERT(same_problem(load_case(a), p));
    for (const char* file : {"case.json", "Q.npy", "K.npy", "V.npy", "W.npy"})
      RC_ASSERT(fs::exists(a / file) == fs::exists(b / file) && read_file(a / file) == read_file(b / file));
    fs::remove_all(a);
    fs::remove_all(b);
  });
}

// ==== rope.scaling and rope.emulate (problem.hpp; README, "The case format") ==========================

TEST_CASE("load_case reads every field of rope.scaling and rope.emulate", "[case-io][conventions]") {
  TempDir tmp;
  const std::string all = R"("rotary_dim": 4, "scaling": {"rope_type": "yarn", "factor": 4.5,
      "original_max_position_embeddings": 4096, "max_position_embeddings": 131072, "sequence_length": 9000,
      "beta_fast": 16, "beta_slow": 2.5, "mscale": 0.707, "mscale_all_dim": 1, "truncate": false,
      "attention_factor": 1.25, "low_freq_factor": 0.5, "high_freq_factor": 3, "short_factor": [1, 1.5],
      "long_factor": [2, 40]}, "emulate": {"inv_freq": "exact", "cos_sin": "bfloat16"})";
  const Problem p = load_case(make_case(tmp, "c", rope_json("", all)));
  const RopeScaling& s = p.rope.scaling;
  CHECK(s.kind == RopeScalingKind::yarn);
  CHECK(s.factor == 4.5);
  CHECK(s.original_max_position_embeddings == 4096);
  CHECK(s.max_position_embeddings == 131072);
  CHECK(s.sequence_length == 9000);
  CHECK(s.beta_fast == 16);
  CHECK(s.beta_slow == 2.5);
  CHECK(s.mscale == 0.707);
  CHECK(s.mscale_all_dim == 1.0);
  CHECK(!s.truncate);
  CHECK(s.attention_factor == 1.25);
  CHECK(s.low_freq_factor == 0.5);
  CHECK(s.high_freq_factor == 3);
  CHECK(s.short_factor == std::vector<double>{1, 1.5});
  CHECK(s.long_factor == std::vector<double>{2, 40});
  CHECK(p.rope.emulate.inv_freq == InvFreqEmulation::exact);
  CHECK(p.rope.emulate.cos_sin == CosSinEmulation::bfloat16);
  // Defaults: no scaling object, or rope_type "default", is no scaling; emulate absent is exact.
  const Problem plain = load_case(make_case(tmp, "d", rope_json("", R"("scaling": {"rope_type": "default"})")));
  CHECK(plain.rope.scaling.kind == RopeScalingKind::none);
  CHECK(plain.rope.emulate.inv_freq == InvFreqEmulation::exact);
  CHECK(plain.rope.emulate.cos_sin == CosSinEmulation::exact);
  const Problem minimal = load_case(make_case(tmp, "e", rope_json("", R"("scaling": {"rope_type": "llama3",
      "factor": 8, "original_max_position_embeddings": 8192}, "emulate": {"inv_freq": "exact"})")));
  CHECK(minimal.rope.scaling.kind == RopeScalingKind::llama3);
  CHECK(minimal.rope.scaling.low_freq_factor == 1);  // RopeScaling's defaults
  CHECK(minimal.rope.scaling.high_freq_factor == 4);
  CHECK(minimal.rope.scaling.truncate);
  CHECK(!minimal.rope.scaling.attention_factor);
  const Problem float32 = load_case(make_case(tmp, "f", rope_json("", R"("emulate": {"inv_freq": "float32",
      "cos_sin": "float16"})")));
  CHECK(float32.rope.emulate.inv_freq == InvFreqEmulation::float32);
  CHECK(float32.rope.emulate.cos_sin == CosSinEmulation::float16);
}

TEST_CASE("save_case writes rope.scaling and rope.emulate only when not the defaults", "[case-io][conventions]") {
  TempDir tmp;
  Problem p = small_rope_problem();
  p.rope.scaling.kind = RopeScalingKind::longrope;
  p.rope.scaling.original_max_position_embeddings = 4096;
  p.rope.scaling.max_position_embeddings = 131072;
  p.rope.scaling.short_factor = {1, 1.25};
  p.rope.scaling.long_factor = {4, 0.1};
  p.rope.scaling.beta_slow = -0.0;  // not the default 1: written, sign included
  p.rope.emulate.cos_sin = CosSinEmulation::float32;
  fs::create_directory(tmp / "a");
  save_case(p, tmp / "a");
  CHECK(read_file(tmp / "a" / "case.json") == R"({
  "format": "ropecert-case/1",
  "kind": "rope",
  "scale": "inv_sqrt_d",
  "mask": "none",
  "rope": {
    "angles": "standard",
    "base": 10000.0,
    "pairing": "half",
    "rotary_dim": 4,
    "q_offset": 0,
    "k_offset": 0,
    "scaling": {
      "rope_type": "longrope",
      "original_max_position_embeddings": 4096,
      "max_position_embeddings": 131072,
      "beta_slow": -0.0,
      "short_factor": [
        1.0,
        1.25
      ],
      "long_factor": [
        4.0,
        0.1
      ]
    },
    "emulate": {
      "cos_sin": "float32"
    }
  }
}
)");
  CHECK(same_problem(load_case(tmp / "a"), p));
  // Every field at once, in the documented order.
  p.rope.scaling.kind = RopeScalingKind::yarn;
  p.rope.scaling.factor = 8;
  p.rope.scaling.sequence_length = 1;
  p.rope.scaling.beta_fast = 16;
  p.rope.scaling.mscale = 0.5;
  p.rope.scaling.mscale_all_dim = 0.25;
  p.rope.scaling.truncate = false;
  p.rope.scaling.attention_factor = 2;
  p.rope.scaling.low_freq_factor = 3;
  p.rope.scaling.high_freq_factor = 5;
  p.rope.scaling.beta_slow = 1;  // the default again: not written
  p.rope.emulate = {InvFreqEmulation::exact, CosSinEmulation::float16};
  validate_problem(p, "x");
  fs::create_directory(tmp / "b");
  save_case(p, tmp / "b");
  CHECK(read_file(tmp / "b" / "case.json").find(R"("scaling": {
      "rope_type": "yarn",
      "factor": 8.0,
      "original_max_position_embeddings": 4096,
      "max_position_embeddings": 131072,
      "sequence_length": 1,
      "beta_fast": 16.0,
      "mscale": 0.5,
      "mscale_all_dim": 0.25,
      "truncate": false,
      "attention_factor": 2.0,
      "low_freq_factor": 3.0,
      "high_freq_factor": 5.0,
      "short_factor": [)") != std::string::npos);
  CHECK(read_file(tmp / "b" / "case.json").find(R"("emulate": {
      "cos_sin": "float16"
    })") != std::string::npos);
  CHECK(same_problem(load_case(tmp / "b"), p));
  // The float32 inv_freq alone.
  p.rope.scaling = RopeScaling();
  p.rope.emulate = {InvFreqEmulation::float32, CosSinEmulation::exact};
  fs::create_directory(tmp / "c");
  save_case(p, tmp / "c");
  CHECK(read_file(tmp / "c" / "case.json").find(R"("k_offset": 0,
    "emulate": {
      "inv_freq": "float32"
    }
  }
})") != std::string::npos);
  CHECK(same_problem(load_case(tmp / "c"), p));
}

TEST_CASE("case.json: rope.scaling and rope.emulate are checked", "[case-io][conventions][errors]") {
  TempDir tmp;
  const auto scaling = [](const std::string& body) { return rope_json("", R"("scaling": {)" + body + "}"); };
  require_json_rejected(tmp, scaling(R"("rope_type": "linear", "factor": 2, "type": "linear")"),
                        "unknown key 'rope.scaling.type' (allowed: rope_type, factor,");
  require_json_rejected(tmp, scaling(R"("factor": 2)"), "missing required key 'rope.scaling.rope_type'");
  require_json_rejected(tmp, scaling(R"("rope_type": "su", "factor": 2)"),
                        "key 'rope.scaling.rope_type' is \"su\"; expected \"default\" or \"linear\" or");
  require_json_rejected(tmp, scaling(R"("rope_type": "linear", "factor": null)"),
                        "key 'rope.scaling.factor' must be a number, got null");
  require_json_rejected(tmp, scaling(R"("rope_type": "linear", "factor": 2, "truncate": "yes")"),
                        "key 'rope.scaling.truncate' must be true or false, got \"yes\"");
  require_json_rejected(tmp, scaling(R"("rope_type": "llama3", "factor": 8, "original_max_position_embeddings": 1.5)"),
                        "key 'rope.scaling.original_max_position_embeddings' must be an integer, got 1.5");
  require_json_rejected(tmp, scaling(R"("rope_type": "dynamic", "factor": 2, "max_position_embeddings": -3)"),
                        "key 'rope.scaling.max_position_embeddings' must be >= 0, got -3");
  require_json_rejected(tmp, scaling(R"("rope_type": "longrope", "short_factor": 1)"),
                        "key 'rope.scaling.short_factor' must be an array of numbers, got 1");
  require_json_rejected(tmp, scaling(R"("rope_type": "longrope", "long_factor": [1, [2]])"),
                        "key 'rope.scaling.long_factor' must be an array of numbers, but element 1 is an array");
  require_json_rejected(tmp, scaling(R"("rope_type": "linear", "factor": 2, "factor": 3)"), "duplicate key 'factor'");
  // Values: validate_rope_scaling's message, naming case.json.
  require_json_rejected(tmp, scaling(R"("rope_type": "linear")"), "rope scaling (linear): factor is required");
  require_json_rejected(tmp, scaling(R"("rope_type": "yarn", "factor": 2)"),
                        "rope scaling (yarn): original_max_position_embeddings must be >= 1");
  require_json_rejected(tmp, scaling(R"("rope_type": "longrope", "factor": 2, "original_max_position_embeddings": 64,
      "short_factor": [1, 1], "long_factor": [1])"),
                        "rope scaling (longrope): long_factor has 1 values, need rotary_dim / 2 = 2");
  require_json_rejected(tmp, scaling(R"("rope_type": "llama3", "factor": 8, "original_max_position_embeddings": 64,
      "low_freq_factor": 4, "high_freq_factor": 1)"),
                        "rope scaling (llama3): need 0 < low_freq_factor < high_freq_factor");
  require_json_rejected(tmp, rope_json("", R"("rotary_dim": 2, "scaling": {"rope_type": "dynamic", "factor": 2,
      "max_position_embeddings": 16})"),
                        "rope scaling (dynamic): rotary_dim must be >= 4");
  // Combinations.
  require_json_rejected(tmp, rope_json("", R"("angles": "pythagorean", "scaling": {"rope_type": "linear",
      "factor": 2})"),
                        "rope.scaling needs angles \"standard\"");
  require_json_rejected(tmp, rope_json("", R"("scaling": {"rope_type": "linear", "factor": 2},
      "emulate": {"inv_freq": "float32"})"),
                        "HF's scaled float32 paths are out of scope");
  require_json_rejected(tmp, rope_json("", R"("angles": "pythagorean", "emulate": {"inv_freq": "float32"})"),
                        "rope.emulate.inv_freq \"float32\" needs angles \"standard\"");
  require_json_rejected(tmp, rope_json("", R"("base": 1e39, "emulate": {"inv_freq": "float32"})"),
                        "rope.emulate.inv_freq \"float32\": hf_default_inv_freq_float32: base");
  require_json_rejected(tmp, rope_json("", R"("emulate": {"cos_sin": "fp8"})"),
                        "key 'rope.emulate.cos_sin' is \"fp8\"; expected \"exact\" or \"float32\" or");
  require_json_rejected(tmp, rope_json("", R"("emulate": {"inv_freq": "float64"})"),
                        "key 'rope.emulate.inv_freq' is \"float64\"; expected \"exact\" or \"float32\"");
  require_json_rejected(tmp, rope_json("", R"("emulate": {"sin": "float32"})"),
                        "unknown key 'rope.emulate.sin' (allowed: inv_freq, cos_sin)");
  require_json_rejected(tmp, rope_json("", R"("emulate": true)"), "key 'rope.emulate' must be an object, got true");
  // The cos / sin emulation is allowed with pythagorean angles.
  CHECK(load_case(make_case(tmp, "p", rope_json("", R"("angles": "pythagorean", "emulate": {"cos_sin": "float16"})")))
            .rope.emulate.cos_sin == CosSinEmulation::float16);
}

TEST_CASE("validate_problem checks the conventions of an in-memory problem", "[problem][conventions][errors]") {
  Problem p = small_rope_problem();
  p.rope.scaling.kind = RopeScalingKind::linear;
  p.rope.scaling.factor = 2;
  CHECK_NOTHROW(validate_problem(p, "origin"));
  p.rope.scaling.beta_fast = std::nan("");  // unused by linear, but must be writable as JSON
  require_invalid(p, ProblemPart::settings, "", "rope.scaling.beta_fast = nan must be finite");
  p.rope.scaling.beta_fast = 32;
  p.rope.scaling.long_factor = {1, HUGE_VAL};
  require_invalid(p, ProblemPart::settings, "", "rope.scaling.long_factor = inf must be finite");
  p.rope.scaling.long_factor.clear();
  p.rope.scaling.factor = 0.5;
  require_invalid(p, ProblemPart::settings, "", "rope scaling (linear): factor 0.5 must be finite and >= 1");
}
