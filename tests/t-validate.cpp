// Tests for the golden-suite validator (ropecert/validate.hpp) and `ropecert validate`.
// Golden suites are built here by hand from exact rational truths: every expected file is the exact
// rounding (round_rational) of the truth, the enclosure is [RD64(T), RU64(T)], and the manifest lists
// the SHA-256 of every file. Candidates are written with the npy writers; the CLI runs through
// support/cli_runner.
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ropecert/errors.hpp"
#include "ropecert/exact_numbers.hpp"
#include "ropecert/npy.hpp"
#include "ropecert/rounding.hpp"
#include "ropecert/sha256.hpp"
#include "ropecert/validate.hpp"
#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

using namespace ropecert;
using Catch::Matchers::Contains;
using ropecert_test::CliResult;
using ropecert_test::read_file;
using ropecert_test::run_cli;
using ropecert_test::TempDir;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// ---- golden suites built by hand -----------------------------------------------------------------

struct TestSpec {
  std::string tc_id, comment;
  std::vector<std::string> flags;
  std::size_t rows = 0, cols = 0;
  std::vector<Rational> truth;  // C order, exact
  std::string group = "g1";
};

Rational q(long num, long den = 1) { return Rational(num) / Rational(den); }

double rounded(const Rational& x, BinaryFormat format, RoundingMode mode = RoundingMode::nearest_even) {
  return round_rational(x.backend().data(), format, mode);
}

std::vector<double> rounded_all(const TestSpec& t, BinaryFormat format,
                                RoundingMode mode = RoundingMode::nearest_even) {
  std::vector<double> out;
  for (const Rational& x : t.truth) out.push_back(rounded(x, format, mode));
  return out;
}

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

void write_manifest(const fs::path& dir, const json& manifest) { write_text(dir / "manifest.json", manifest.dump(2)); }

// "basic-0001": dyadic entries (exact in every dtype but f16's 17) and 1/3; "basic-0002": -2/7, 0, 5/3, 1/1000.
std::vector<TestSpec> basic_tests() {
  TestSpec a{
      "basic-0001", "dyadic values and one third", {"causal"}, 2, 3, {q(33, 2), q(2), q(1, 4), q(-3), q(17), q(1, 3)}};
  TestSpec b{"basic-0002", "rope with q offset 3", {"interleaved"}, 1, 4, {q(-2, 7), q(0), q(5, 3), q(1, 1000)}};
  return {a, b};
}

// Writes DIR/cases/<tcId>/{case.json, Q.npy, expected/...} and DIR/manifest.json; returns the manifest.
// `group_dtypes` gives a group's "dtypes" (absent: the key is left out, meaning all four).
json write_golden(const fs::path& dir, const std::vector<TestSpec>& tests,
                  const std::map<std::string, std::vector<std::string>>& group_dtypes = {}) {
  json manifest{{"format", "ropecert-golden/1"}, {"generator", "ropecert test"},
                {"suite", "hand-made"},          {"shard", {{"index", 0}, {"count", 1}}},
                {"numberOfTests", tests.size()}, {"notes", "built by t-validate"},
                {"testGroups", json::array()}};
  std::map<std::string, std::size_t> group_index;
  for (const TestSpec& t : tests) {
    const fs::path case_dir = dir / "cases" / t.tc_id;
    fs::create_directories(case_dir / "expected");
    write_text(case_dir / "case.json", "{\"format\": \"ropecert-case/1\", \"kind\": \"rope\"}\n");
    write_npy_float64(case_dir / "Q.npy", {1, 2}, {0.5, -1.0});
    const std::vector<std::size_t> shape{t.rows, t.cols};
    write_npy_float64(case_dir / "expected/T.npy", shape, rounded_all(t, binary64));
    write_npy_float64(case_dir / "expected/T_lo.npy", shape, rounded_all(t, binary64, RoundingMode::down));
    write_npy_float64(case_dir / "expected/T_hi.npy", shape, rounded_all(t, binary64, RoundingMode::up));
    write_npy_float32(case_dir / "expected/T_f32.npy", shape, rounded_all(t, binary32));
    write_npy_float16(case_dir / "expected/T_f16.npy", shape, rounded_all(t, binary16));
    std::vector<std::uint16_t> bits;
    for (double x : rounded_all(t, bfloat16)) bits.push_back(bfloat16_bits(x));
    write_npy_uint16(case_dir / "expected/T_bf16.npy", shape, bits);
    json files = json::object();
    for (const char* name : {"case.json", "Q.npy", "expected/T.npy", "expected/T_lo.npy", "expected/T_hi.npy",
                             "expected/T_f32.npy", "expected/T_f16.npy", "expected/T_bf16.npy"})
      files[name] = sha256_file_hex(case_dir / name);
    if (!group_index.count(t.group)) {
      group_index[t.group] = manifest["testGroups"].size();
      json group{{"groupId", t.group}, {"comment", "group " + t.group}, {"tests", json::array()}};
      if (group_dtypes.count(t.group)) group["dtypes"] = group_dtypes.at(t.group);
      manifest["testGroups"].push_back(group);
    }
    manifest["testGroups"][group_index[t.group]]["tests"].push_back(
        {{"tcId", t.tc_id}, {"comment", t.comment}, {"flags", t.flags}, {"shape", {t.rows, t.cols}}, {"files", files}});
  }
  write_manifest(dir, manifest);
  return manifest;
}

// Rewrites a listed file and its hash in the manifest (a legitimate change, not tampering).
void rehash(const fs::path& golden, json& manifest, const std::string& tc_id, const std::string& relative) {
  for (json& group : manifest["testGroups"])
    for (json& test : group["tests"])
      if (test["tcId"] == tc_id) test["files"][relative] = sha256_file_hex(golden / "cases" / tc_id / relative);
  write_manifest(golden, manifest);
}

// ---- candidates ------------------------------------------------------------------------------------

// The correctly rounded output of every test in `dtype`, in its own file dtype.
void write_perfect(const fs::path& dir, const std::vector<TestSpec>& tests, GradeDtype dtype) {
  fs::create_directories(dir);
  for (const TestSpec& t : tests) {
    const fs::path path = dir / (t.tc_id + ".npy");
    const std::vector<std::size_t> shape{t.rows, t.cols};
    const std::vector<double> values = rounded_all(t, format_of(dtype));
    if (dtype == GradeDtype::f64) write_npy_float64(path, shape, values);
    if (dtype == GradeDtype::f32) write_npy_float32(path, shape, values);
    if (dtype == GradeDtype::f16) write_npy_float16(path, shape, values);
    if (dtype == GradeDtype::bf16) {
      std::vector<std::uint16_t> bits;
      for (double x : values) bits.push_back(bfloat16_bits(x));
      write_npy_uint16(path, shape, bits);
    }
  }
}

// RN64(T) + shift in every entry, as float64 (exact for the values used here).
void write_shifted(const fs::path& dir, const TestSpec& t, double shift) {
  fs::create_directories(dir);
  std::vector<double> values = rounded_all(t, binary64);
  for (double& x : values) x += shift;
  write_npy_float64(dir / (t.tc_id + ".npy"), {t.rows, t.cols}, values);
}

CliResult validate(const fs::path& golden, const fs::path& candidate, std::vector<std::string> extra = {}) {
  std::vector<std::string> words{"validate", "--golden", golden.string(), "--candidate", candidate.string()};
  words.insert(words.end(), extra.begin(), extra.end());
  return run_cli(words);
}

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// The contract for bad input: exit 2, one line "ropecert: error: ..." on stderr containing `phrase`.
void expect_bad_input(const CliResult& r, const std::string& phrase) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(lines(r.err) == 1);
  CHECK(r.err.rfind("ropecert: error: ", 0) == 0);
  CHECK_THAT(r.err, Contains(phrase));
}

json json_case(const json& report, const std::string& tc_id) {
  for (const json& c : report["cases"])
    if (c["tcId"] == tc_id) return c;
  FAIL("no case " << tc_id << " in the JSON report");
  return {};
}

// The exact max over entries of |x_k - T_k|.
Rational exact_max_error(const std::vector<double>& x, const TestSpec& t) {
  Rational worst(0);
  for (std::size_t k = 0; k < x.size(); ++k) {
    const Rational d = abs(Rational(x[k]) - t.truth[k]);
    if (d > worst) worst = d;
  }
  return worst;
}

}  // namespace

// ---- library ---------------------------------------------------------------------------------------

TEST_CASE("error_bound is exact for representable distances and rounds up otherwise", "[validate][bound]") {
  CHECK(error_bound(1.0, 0.5, 0.75) == 0.5);
  CHECK(error_bound(0.5, 0.5, 0.75) == 0.25);
  CHECK(error_bound(0.625, 0.5, 0.75) == 0.125);
  CHECK(error_bound(-1.0, 2.0, 2.0) == 3.0);
  CHECK(error_bound(1.0 + 0x1p-52, 1.0, 1.0) == 0x1p-52);
  CHECK(error_bound(1.0, -0x1p-60, -0x1p-60) == 1.0 + 0x1p-52);  // 1 + 2^-60 rounded up
  CHECK(error_bound(-1.0, 0x1p-60, 0x1p-60) == 1.0 + 0x1p-52);
  CHECK(error_bound(DBL_TRUE_MIN, 0.0, 0.0) == DBL_TRUE_MIN);
  CHECK(error_bound(DBL_MAX, -DBL_MAX, -DBL_MAX) == HUGE_VAL);  // overflow: +inf, still an upper bound
}

TEST_CASE("error_bound bounds |c - T| for every T in the enclosure", "[validate][bound][property]") {
  rc::prop("RU(max(|c - lo|, |c - hi|)) >= |c - x| for x in {lo, mid, hi}, exactly", [] {
    const auto gen = rc::gen::map(rc::gen::arbitrary<std::uint64_t>(), [](std::uint64_t bits) {
      double x;
      std::memcpy(&x, &bits, sizeof x);
      return std::isfinite(x) && std::fabs(x) < 1e300 ? x : 1.0;
    });
    const double c = *gen, a = *gen, b = *gen;
    const double lo = std::min(a, b), hi = std::max(a, b);
    const double bound = error_bound(c, lo, hi);
    const Rational mid = (Rational(lo) + Rational(hi)) / 2;
    for (const Rational& x : {Rational(lo), mid, Rational(hi)}) RC_ASSERT(Rational(bound) >= abs(Rational(c) - x));
    // Tight: at most one rounding above the exact maximum.
    const Rational exact = std::max(abs(Rational(c) - Rational(lo)), abs(Rational(c) - Rational(hi)));
    RC_ASSERT(Rational(bound) <= exact * (1 + Rational(1) / Rational(Integer(1) << 52)));
  });
}

TEST_CASE("ulp_exponent follows the format's binades and subnormal quantum", "[validate][ulp]") {
  CHECK(ulp_exponent(1.0, binary32) == -23);
  CHECK(ulp_exponent(1.999, binary32) == -23);
  CHECK(ulp_exponent(17.0, binary32) == -19);
  CHECK(ulp_exponent(0.0, binary32) == -149);
  CHECK(ulp_exponent(0x1p-130, binary32) == -149);
  CHECK(ulp_exponent(65504.0, binary16) == 5);
  CHECK(ulp_exponent(0.0, binary16) == -24);
  CHECK(ulp_exponent(1.0, bfloat16) == -7);
  CHECK(ulp_exponent(1.5, binary64) == -52);
  CHECK(ulp_exponent(0.0, binary64) == -1074);
}

TEST_CASE("parse_policy reads the four policies and the torch defaults", "[validate][policy]") {
  const Policy f32 = parse_policy("torch", GradeDtype::f32);
  CHECK(f32.kind == Policy::Kind::tolerance);
  CHECK(f32.atol == 1e-5);
  CHECK(f32.rtol == 1.3e-6);
  CHECK(parse_policy("torch", GradeDtype::f64).atol == 1e-7);
  CHECK(parse_policy("torch", GradeDtype::f64).rtol == 1e-7);
  CHECK(parse_policy("torch", GradeDtype::bf16).rtol == 1.6e-2);
  CHECK(parse_policy("torch", GradeDtype::bf16).atol == 1e-5);
  CHECK(parse_policy("torch", GradeDtype::f16).rtol == 1e-3);
  CHECK(parse_policy("torch", GradeDtype::f16).atol == 1e-5);
  const Policy tol = parse_policy("abs:1e-3,rel:0.25", GradeDtype::f32);
  CHECK(tol.kind == Policy::Kind::tolerance);
  CHECK(tol.atol == 1e-3);
  CHECK(tol.rtol == 0.25);
  CHECK(parse_policy("ulp:20", GradeDtype::f32).kind == Policy::Kind::ulp);
  CHECK(parse_policy("ulp:2.5", GradeDtype::f32).ulps == 2.5);
  CHECK(parse_policy("ratio:2", GradeDtype::bf16).ratio == 2.0);
  for (const char* bad : {"", "torch2", "ulp:", "ulp:-1", "ulp:inf", "ulp:nan", "ulp: 3", "ratio:x", "abs:1",
                          "abs:1,rel:", "rel:1,abs:2", "abs:-1,rel:0", "ULP:3"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_policy(bad, GradeDtype::f32), InputError);
    CHECK_THROWS_WITH(parse_policy(bad, GradeDtype::f32), Contains("--policy: "));
  }
}

TEST_CASE("convention_hints names conventions from flags and comment words", "[validate][hints]") {
  GoldenTest t;
  t.flags = {"Interleaved", "yarn:4"};
  t.comment = "q offset 3 with a KV cache";
  const std::vector<std::string> hints = convention_hints(t);
  REQUIRE(hints.size() == 3);
  CHECK_THAT(hints[0], Contains("likely cause: check the RoPE pairing"));
  CHECK_THAT(hints[1], Contains("likely cause: check the YaRN scaling"));
  CHECK_THAT(hints[2], Contains("likely cause: check the position offsets"));
  GoldenTest plain;
  plain.comment = "half precision inputs, linear in V, base case";  // common words are not conventions
  CHECK(convention_hints(plain).empty());
  plain.flags = {"half", "base"};
  CHECK(convention_hints(plain).size() == 2);
}

TEST_CASE("grade_candidate under each policy on exact numbers", "[validate][grade]") {
  GoldenTest test;
  test.tc_id = "t";
  test.rows = 1;
  test.cols = 3;
  CaseTruth truth;
  truth.t64 = truth.lo = truth.hi = {1.0, -2.0, 0.0};
  truth.rounded = truth.t64;
  Candidate c;
  c.present = true;
  c.shape = {1, 3};
  // err = 0.5, 0.25, 0.0 exactly.
  c.values = {1.5, -2.25, 0.0};
  CaseGrade g = grade_candidate(test, truth, c, GradeDtype::f32, parse_policy("abs:0.5,rel:0", GradeDtype::f32));
  CHECK(g.verdict == Verdict::pass);
  CHECK(g.max_abs_error == 0.5);
  CHECK(*g.max_rel_error == 0.5);          // 0.5 / 1 and 0.25 / 2; the zero entry has no relative error
  CHECK(g.normwise_ulps == 0.5 * 0x1p22);  // max |T| = 2: ulp_f32 = 2^-22
  CHECK(g.reference_error == 0);
  // The threshold is exact: one more unit in the last place of c fails.
  c.values[0] = 1.5 + 0x1p-52;
  g = grade_candidate(test, truth, c, GradeDtype::f32, parse_policy("abs:0.5,rel:0", GradeDtype::f32));
  CHECK(g.verdict == Verdict::fail);
  CHECK(g.mismatches == 1);
  CHECK(g.worst.row == 0);
  CHECK(g.worst.col == 0);
  CHECK(g.verdict == Verdict::fail);
  // atol + rtol |T|: rtol weighs |T| = 2 more than |T| = 1.
  c.values = {1.25, -2.5, 0.0};
  CHECK(grade_candidate(test, truth, c, GradeDtype::f32, parse_policy("abs:0,rel:0.25", GradeDtype::f32)).mismatches ==
        0);
  CHECK(grade_candidate(test, truth, c, GradeDtype::f32, parse_policy("abs:0.25,rel:0", GradeDtype::f32)).mismatches ==
        1);
  // ulp: 0.5 / 2^-22 = 2^21 ulps.
  CHECK(grade_candidate(test, truth, c, GradeDtype::f32, parse_policy("ulp:2097152", GradeDtype::f32)).verdict ==
        Verdict::pass);
  CHECK(grade_candidate(test, truth, c, GradeDtype::f32, parse_policy("ulp:2097151.5", GradeDtype::f32)).verdict ==
        Verdict::fail);
  // ratio with an exact reference (error 0): only the exact value passes.
  CHECK(grade_candidate(test, truth, c, GradeDtype::f32, parse_policy("ratio:1000", GradeDtype::f32)).verdict ==
        Verdict::fail);
  c.values = truth.t64;
  CHECK(grade_candidate(test, truth, c, GradeDtype::f32, parse_policy("ratio:1", GradeDtype::f32)).verdict ==
        Verdict::pass);
  // ratio with a reference error 0.125: K = 2 allows 0.25, not more.
  truth.rounded = {1.125, -2.0, 0.0};
  c.values = {1.25, -2.0, 0.0};
  CHECK(grade_candidate(test, truth, c, GradeDtype::f32, parse_policy("ratio:2", GradeDtype::f32)).verdict ==
        Verdict::pass);
  CHECK(grade_candidate(test, truth, c, GradeDtype::f32, parse_policy("ratio:1.5", GradeDtype::f32)).verdict ==
        Verdict::fail);
  c.values = {1.0, -2.0, 0.0};  // better than the reference: passes any K >= 0
  CHECK(grade_candidate(test, truth, c, GradeDtype::f32, parse_policy("ratio:0", GradeDtype::f32)).verdict ==
        Verdict::pass);
}

TEST_CASE("grade_candidate certifies a pass for every T in a wide enclosure", "[validate][grade]") {
  // T in [1, 2]: c = 1.9 is within 0.5 |T| of T = 2 but not of T = 1, so rel:0.5 cannot be certified.
  GoldenTest test;
  test.tc_id = "wide";
  test.rows = 1;
  test.cols = 2;
  CaseTruth truth;
  truth.lo = {1.0, -2.0};
  truth.hi = {2.0, -1.0};
  truth.t64 = truth.rounded = {1.5, -1.5};
  Candidate c;
  c.present = true;
  c.shape = {1, 2};
  c.values = {1.9, -1.5};  // err = max(0.9, 0.1) and 0.5
  const Policy rel = parse_policy("abs:0,rel:0.5", GradeDtype::f64);
  CaseGrade g = grade_candidate(test, truth, c, GradeDtype::f64, rel);
  CHECK(g.max_abs_error == 1.9 - 1.0);  // exact (Sterbenz)
  CHECK(g.mismatches == 1);
  CHECK(g.worst.col == 0);
  c.values = {1.5, -1.9};  // the negative side: min |T| = 1 at T = -1
  g = grade_candidate(test, truth, c, GradeDtype::f64, rel);
  CHECK(g.mismatches == 1);
  CHECK(g.worst.col == 1);
  c.values = {1.5, -1.5};  // err 0.5 <= 0.5 * 1 for every T in the enclosures
  CHECK(grade_candidate(test, truth, c, GradeDtype::f64, rel).verdict == Verdict::pass);
}

TEST_CASE("closer_of says closer only when it holds for every T in the enclosures", "[validate][grade][against]") {
  // T in [1, 2]. a = 1.5 has max |a - T| <= 0.5, b = 1.6 at most 0.6: a smaller upper bound, but at T = 2
  // b is the closer one, so neither is proven closer (comparing the upper bounds said "a").
  GoldenTest test;
  test.tc_id = "wide";
  test.rows = 1;
  test.cols = 1;
  CaseTruth truth;
  truth.lo = {1.0};
  truth.hi = {2.0};
  truth.t64 = truth.rounded = {1.5};
  Candidate a, b;
  a.present = b.present = true;
  a.shape = b.shape = {1, 1};
  a.values = {1.5};
  b.values = {1.6};
  const Policy policy = parse_policy("torch", GradeDtype::f64);
  CaseGrade ga = grade_candidate(test, truth, a, GradeDtype::f64, policy);
  CaseGrade gb = grade_candidate(test, truth, b, GradeDtype::f64, policy);
  CHECK(ga.min_max_abs_error == 0.0);  // both candidates lie in the enclosure
  CHECK(gb.min_max_abs_error == 0.0);
  CHECK(closer_of(ga, gb) == Closer::undecided);
  CHECK(closer_of(gb, ga) == Closer::undecided);
  // b = 2.75 is at least 0.75 from every T; a at most 0.5: a is provably closer, in either order.
  b.values = {2.75};
  gb = grade_candidate(test, truth, b, GradeDtype::f64, policy);
  CHECK(gb.min_max_abs_error == 0.75);
  CHECK(gb.max_abs_error == 1.75);
  CHECK(closer_of(ga, gb) == Closer::first);
  CHECK(closer_of(gb, ga) == Closer::second);
  // Equal bounds do not separate: b at distance 0.5 below the enclosure against a's upper bound 0.5.
  b.values = {0.5};
  gb = grade_candidate(test, truth, b, GradeDtype::f64, policy);
  CHECK(gb.min_max_abs_error == 0.5);
  CHECK(closer_of(ga, gb) == Closer::undecided);
  // A missing candidate has infinite bounds: any graded one is closer; two missing ones are undecided.
  Candidate missing;
  const CaseGrade gm = grade_candidate(test, truth, missing, GradeDtype::f64, policy);
  CHECK(closer_of(ga, gm) == Closer::first);
  CHECK(closer_of(gm, ga) == Closer::second);
  CHECK(closer_of(gm, gm) == Closer::undecided);
}

TEST_CASE("ratio:K compares with a lower bound of the reference error (issue 9, item 3)", "[validate][grade][ratio]") {
  // T = 1/3 in [RD64, RU64] = [RN64(1/3), RN64(1/3) + ulp]. The candidate RN64(1/3) + ulp is 2/3 ulp from T,
  // twice the error 1/3 ulp of RN64(1/3): ratio:1 must fail. An upper bound of the reference error
  // (hi - lo = 1 ulp) let it pass.
  GoldenTest test;
  test.tc_id = "third";
  test.rows = 1;
  test.cols = 1;
  CaseTruth truth;
  truth.lo = {rounded(q(1, 3), binary64, RoundingMode::down)};
  truth.hi = {rounded(q(1, 3), binary64, RoundingMode::up)};
  truth.t64 = truth.rounded = {rounded(q(1, 3), binary64)};
  REQUIRE(truth.t64[0] == truth.lo[0]);
  Candidate c;
  c.present = true;
  c.shape = {1, 1};
  c.values = {std::nextafter(truth.t64[0], 1.0)};
  REQUIRE(abs(Rational(c.values[0]) - q(1, 3)) == 2 * abs(Rational(truth.t64[0]) - q(1, 3)));
  CaseGrade g = grade_candidate(test, truth, c, GradeDtype::f64, parse_policy("ratio:1", GradeDtype::f64));
  CHECK(g.verdict == Verdict::fail);
  CHECK(g.reference_error == 0);  // RN64(1/3) is inside the enclosure: no positive lower bound
  // The correctly rounded value itself has the reference error exactly: it passes every K >= 1.
  c.values = truth.rounded;
  CHECK(grade_candidate(test, truth, c, GradeDtype::f64, parse_policy("ratio:1", GradeDtype::f64)).verdict ==
        Verdict::pass);
  CHECK(grade_candidate(test, truth, c, GradeDtype::f64, parse_policy("ratio:0.5", GradeDtype::f64)).verdict ==
        Verdict::fail);
  // f32: RN32(1/3) lies outside the float64 enclosure, so |RN32(1/3) - T| has a positive lower bound L;
  // the other float32 neighbour of 1/3 passes ratio:K only when its error bound is at most K L.
  const double rn32 = rounded(q(1, 3), binary32);
  const double other = rn32 > truth.hi[0] ? rounded(q(1, 3), binary32, RoundingMode::down)
                                          : rounded(q(1, 3), binary32, RoundingMode::up);
  truth.rounded = {rn32};
  c.values = {other};
  g = grade_candidate(test, truth, c, GradeDtype::f32, parse_policy("ratio:1", GradeDtype::f32));
  CHECK(g.verdict == Verdict::fail);
  CHECK(Rational(g.reference_error) <= abs(Rational(rn32) - q(1, 3)));
  CHECK(g.reference_error > 0);
  // Exact ratio of the errors: |other - 1/3| / |RN32 - 1/3| = 2; K = 2.01 covers it with the enclosure's width.
  CHECK(abs(Rational(other) - q(1, 3)) == 2 * abs(Rational(rn32) - q(1, 3)));
  CHECK(grade_candidate(test, truth, c, GradeDtype::f32, parse_policy("ratio:2.01", GradeDtype::f32)).verdict ==
        Verdict::pass);
  CHECK(grade_candidate(test, truth, c, GradeDtype::f32, parse_policy("ratio:1.99", GradeDtype::f32)).verdict ==
        Verdict::fail);
}

TEST_CASE("a ratio:K pass holds for every T in the enclosures", "[validate][grade][ratio][property]") {
  // Entries on a grid of step 2^-50 near 1: lo, hi, RN and c are grid points, K in {0, 1/2, 1, 2, 3}.
  // Whenever grade_candidate passes, max_k |c_k - T_k| <= K max_k |RN_k - T_k| must hold exactly for T at
  // the ends and the midpoints of the enclosures.
  rc::prop("pass implies the ratio criterion for sampled T", [] {
    const std::size_t n = *rc::gen::inRange<std::size_t>(1, 4);
    const double step = 0x1p-50;
    GoldenTest test;
    test.tc_id = "p";
    test.rows = 1;
    test.cols = n;
    CaseTruth truth;
    Candidate c;
    c.present = true;
    c.shape = {1, n};
    for (std::size_t k = 0; k < n; ++k) {
      const int lo = *rc::gen::inRange(-4, 5), width = *rc::gen::inRange(0, 3);
      truth.lo.push_back(1 + lo * step);
      truth.hi.push_back(1 + (lo + width) * step);
      truth.t64.push_back(truth.lo.back());
      truth.rounded.push_back(1 + *rc::gen::inRange(-6, 7) * step);
      c.values.push_back(1 + *rc::gen::inRange(-6, 7) * step);
    }
    const double ratio = *rc::gen::element(0.0, 0.5, 1.0, 2.0, 3.0);
    Policy policy = parse_policy("ratio:1", GradeDtype::f32);
    policy.ratio = ratio;
    const CaseGrade g = grade_candidate(test, truth, c, GradeDtype::f32, policy);
    RC_CLASSIFY(g.verdict == Verdict::pass);
    if (g.verdict != Verdict::pass) return;
    for (int pick = 0; pick < 9; ++pick) {  // the same choice (lo, mid, hi) in every entry, and mixed ones
      Rational worst_c(0), worst_rn(0);
      for (std::size_t k = 0; k < n; ++k) {
        const int choice = (pick + int(k) * (pick / 3)) % 3;
        const Rational t = choice == 0   ? Rational(truth.lo[k])
                           : choice == 2 ? Rational(truth.hi[k])
                                         : (Rational(truth.lo[k]) + Rational(truth.hi[k])) / 2;
        worst_c = std::max(worst_c, Rational(abs(Rational(c.values[k]) - t)));
        worst_rn = std::max(worst_rn, Rational(abs(Rational(truth.rounded[k]) - t)));
      }
      RC_ASSERT(worst_c <= Rational(ratio) * worst_rn);
    }
  });
}

// ---- the CLI ---------------------------------------------------------------------------------------

TEST_CASE("validate: a perfect candidate passes under every policy and dtype", "[validate][cli]") {
  TempDir dir("validate");
  const std::vector<TestSpec> tests = basic_tests();
  write_golden(dir / "golden", tests);
  for (GradeDtype dtype : {GradeDtype::f64, GradeDtype::f32, GradeDtype::bf16, GradeDtype::f16}) {
    const fs::path candidate = dir / (std::string("perfect-") + dtype_name(dtype));
    write_perfect(candidate, tests, dtype);
    for (const char* policy : {"torch", "ulp:1", "ratio:1", "abs:1e-3,rel:1e-2"}) {
      const CliResult r = validate(dir / "golden", candidate, {"--dtype", dtype_name(dtype), "--policy", policy});
      INFO(dtype_name(dtype) << " " << policy << "\n" << r.out << r.err);
      CHECK(r.exit_code == 0);
      CHECK_THAT(r.out, Contains("summary: 2 tests, 2 passed, 0 failed, 0 missing"));
      CHECK_THAT(r.out, Contains("all passed"));
      CHECK(r.err.empty());
    }
  }
}

TEST_CASE("validate: 10 ulps of max|T| fail torch f32 where atol + rtol|T| is exceeded, pass ulp:20",
          "[validate][cli]") {
  TempDir dir("validate");
  const TestSpec t = basic_tests()[0];  // max |T| = 17: ulp_f32 = 2^-19
  write_golden(dir / "golden", {t});
  write_shifted(dir / "c", t, 10 * 0x1p-19);  // 1.9e-5 everywhere
  // torch f32: atol + rtol |T| = 1e-5 + 1.3e-6 |T| exceeds 1.9e-5 only for |T| >= 6.98: 2, 1/4, -3, 1/3 fail.
  CliResult r = validate(dir / "golden", dir / "c", {"--json", (dir / "r.json").string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Contains("4/6"));
  CHECK_THAT(r.out, Contains("4 of 6 entries exceed atol + rtol |T|"));
  CHECK_THAT(r.out, Contains("worst entry (0, 2): candidate 0.250019073486328"));
  CHECK_THAT(r.out, Contains("truth in [0.25, 0.25]"));
  // 1.9e-5 is 1.1e-6 of max|T|: the size of rounding, so precision comes before the named convention.
  const std::size_t precision = r.out.find("likely cause: precision: the max error is 1.12e-06 of max|T|");
  const std::size_t causal = r.out.find("likely cause: check the causal mask");
  CHECK(precision != std::string::npos);
  CHECK(causal != std::string::npos);
  CHECK(precision < causal);
  CHECK_THAT(r.out, Contains("summary: 1 tests, 0 passed, 1 failed, 0 missing"));
  const json report = json::parse(read_file(dir / "r.json"));
  const json c = json_case(report, t.tc_id);
  CHECK(c["verdict"] == "fail");
  CHECK(c["mismatches"] == 4);
  CHECK(c["normwise_ulps"].get<double>() >= 10.0);
  CHECK(c["normwise_ulps"].get<double>() <= 10.0 + 1e-9);
  CHECK(c["max_abs_error"].get<double>() >= 10 * 0x1p-19);

  // RN64(1/3) = T_lo, so the entry 1/3 is bounded by exactly 10 ulps too: ulp:10 passes, ulp:9.999 does not.
  for (const char* ok : {"ulp:20", "ulp:10", "abs:2e-5,rel:0"}) {
    r = validate(dir / "golden", dir / "c", {"--policy", ok});
    INFO(ok << "\n" << r.out);
    CHECK(r.exit_code == 0);
  }
  for (const char* bad : {"ulp:9", "ulp:9.999", "ratio:2", "abs:1.9e-5,rel:0"}) {
    r = validate(dir / "golden", dir / "c", {"--policy", bad});
    INFO(bad << "\n" << r.out);
    CHECK(r.exit_code == 1);
  }
  // Under bf16's looser torch tolerance (rtol 1.6e-2) the same output passes.
  CHECK(validate(dir / "golden", dir / "c", {"--dtype", "bf16"}).exit_code == 0);
}

TEST_CASE("validate: one float64 ulp above RN64(1/3) fails ratio:1 (issue 9, item 3)", "[validate][cli][ratio]") {
  TempDir dir("validate");
  const TestSpec t = basic_tests()[0];  // entry (1, 2) is 1/3
  write_golden(dir / "golden", {t});
  std::vector<double> values = rounded_all(t, binary64);
  values[5] = std::nextafter(values[5], 1.0);
  fs::create_directories(dir / "c");
  write_npy_float64(dir / "c" / (t.tc_id + ".npy"), {t.rows, t.cols}, values);
  const CliResult r = validate(dir / "golden", dir / "c", {"--dtype", "f64", "--policy", "ratio:1"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Contains("worst entry (1, 2)"));
  write_perfect(dir / "c", {t}, GradeDtype::f64);
  CHECK(validate(dir / "golden", dir / "c", {"--dtype", "f64", "--policy", "ratio:1"}).exit_code == 0);
}

TEST_CASE("validate: missing, unusable and wrongly shaped candidates fail", "[validate][cli]") {
  TempDir dir("validate");
  const std::vector<TestSpec> tests = basic_tests();
  write_golden(dir / "golden", tests);
  write_perfect(dir / "c", tests, GradeDtype::f32);

  fs::remove(dir / "c" / "basic-0002.npy");
  CliResult r = validate(dir / "golden", dir / "c", {"--json", (dir / "r.json").string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Contains("missing basic-0002: no candidate file basic-0002.npy"));
  CHECK_THAT(r.out, Contains("summary: 2 tests, 1 passed, 0 failed, 1 missing"));
  json report = json::parse(read_file(dir / "r.json"));
  CHECK(json_case(report, "basic-0002")["verdict"] == "missing");
  CHECK(json_case(report, "basic-0002")["max_abs_error"].is_null());
  CHECK(json_case(report, "basic-0001")["verdict"] == "pass");

  write_npy_float64(dir / "c" / "basic-0002.npy", {4, 1}, {0, 0, 0, 0});
  r = validate(dir / "golden", dir / "c");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Contains("FAIL basic-0002: candidate has shape (4, 1), expected (1, 4)"));

  write_npy_float64(dir / "c" / "basic-0002.npy", {1, 4}, {0, std::nan(""), 0, 0});
  r = validate(dir / "golden", dir / "c");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Contains("value at index (0, 1) is NaN"));

  write_npy_uint16(dir / "c" / "basic-0002.npy", {1, 4}, {0, 0, 0, 0});
  r = validate(dir / "golden", dir / "c");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Contains("dtype '<u2' (bfloat16 bit patterns) is read only with --dtype bf16"));
}

TEST_CASE("validate: a modified golden suite is refused (exit 2, naming the file)", "[validate][cli][hash]") {
  TempDir dir("validate");
  const std::vector<TestSpec> tests = basic_tests();
  write_golden(dir / "golden", tests);
  write_perfect(dir / "c", tests, GradeDtype::f32);
  REQUIRE(validate(dir / "golden", dir / "c").exit_code == 0);

  // A valid file with other content: only the hash can tell.
  const fs::path t64 = dir / "golden" / "cases" / "basic-0001" / "expected" / "T.npy";
  std::vector<double> values = rounded_all(tests[0], binary64);
  values[0] = 16.0;
  write_npy_float64(t64, {2, 3}, values);
  expect_bad_input(validate(dir / "golden", dir / "c"), "basic-0001/expected/T.npy: SHA-256 mismatch (manifest ");

  write_golden(dir / "golden", tests);
  write_text(dir / "golden" / "cases" / "basic-0002" / "case.json",
             "{\"format\": \"ropecert-case/1\", \"kind\": \"general\"}\n");
  expect_bad_input(validate(dir / "golden", dir / "c"), "basic-0002/case.json: SHA-256 mismatch");

  write_golden(dir / "golden", tests);
  fs::remove(dir / "golden" / "cases" / "basic-0002" / "Q.npy");
  expect_bad_input(validate(dir / "golden", dir / "c"), "basic-0002/Q.npy: cannot read");
}

TEST_CASE("validate: malformed manifests are refused (exit 2)", "[validate][cli][manifest]") {
  TempDir dir("validate");
  const std::vector<TestSpec> tests = basic_tests();
  const json good = write_golden(dir / "golden", tests);
  write_perfect(dir / "c", tests, GradeDtype::f32);
  const auto with = [&](const std::function<void(json&)>& edit, const std::string& phrase) {
    json m = good;
    edit(m);
    write_manifest(dir / "golden", m);
    INFO(phrase);
    expect_bad_input(validate(dir / "golden", dir / "c"), phrase);
  };
  write_text(dir / "golden" / "manifest.json", "{\"format\": \"ropecert-golden/1\",");
  expect_bad_input(validate(dir / "golden", dir / "c"), "manifest.json: malformed JSON");
  with([](json& m) { m["format"] = "ropecert-golden/2"; }, "format: \"ropecert-golden/2\" is not supported");
  with([](json& m) { m.erase("testGroups"); }, "missing \"testGroups\"");
  with([](json& m) { m["testGroups"][0]["tests"][1]["tcId"] = "basic-0001"; },
       "testGroups[0].tests[1].tcId: \"basic-0001\" duplicates testGroups[0].tests[0]");
  with([](json& m) { m["testGroups"][0]["tests"][0]["tcId"] = "../x"; }, "is not a valid test id");
  with([](json& m) { m["testGroups"][0]["tests"][0].erase("shape"); }, "testGroups[0].tests[0]: missing \"shape\"");
  with([](json& m) { m["testGroups"][0]["tests"][0]["shape"] = {2, -3}; }, "shape[1]: expected a non-negative integer");
  with([](json& m) { m["testGroups"][0]["tests"][0]["files"]["Q.npy"] = "ABC"; }, "expected a SHA-256 of 64 lowercase");
  with([](json& m) { m["testGroups"][0]["tests"][0]["files"]["../../etc/passwd"] = std::string(64, 'a'); },
       "expected a relative path inside cases/<tcId>/");
  with([](json& m) { m["numberOfTests"] = 3; }, "numberOfTests: 3 declared, 2 tests listed");
  with([](json& m) { m["testGroups"][0]["dtypes"] = {"f32", "fp8"}; }, "unknown dtype \"fp8\"");
  with([](json& m) { m["testGroups"][0]["tests"][0]["files"].erase("expected/T_lo.npy"); },
       "T_lo.npy: not listed in the manifest's files");
  with([](json& m) { m["testGroups"][0]["tests"][0]["shape"] = {3, 2}; }, "shape (2, 3), the manifest says (3, 2)");
  fs::remove(dir / "golden" / "manifest.json");
  expect_bad_input(validate(dir / "golden", dir / "c"), "manifest.json: cannot read");
  expect_bad_input(validate(dir / "nowhere", dir / "c"), "nowhere: not a directory");
}

TEST_CASE("validate: an undecided (NaN) or inconsistent golden entry is refused", "[validate][cli]") {
  TempDir dir("validate");
  const std::vector<TestSpec> tests = basic_tests();
  json manifest = write_golden(dir / "golden", tests);
  write_perfect(dir / "c", tests, GradeDtype::f32);
  const fs::path expected = dir / "golden" / "cases" / "basic-0001" / "expected";
  std::vector<double> values = rounded_all(tests[0], binary64);

  std::vector<double> with_nan = values;
  with_nan[4] = std::nan("");
  write_npy_float64(expected / "T.npy", {2, 3}, with_nan);
  rehash(dir / "golden", manifest, "basic-0001", "expected/T.npy");
  expect_bad_input(validate(dir / "golden", dir / "c"), "value at index (1, 1) is NaN");
  expect_bad_input(validate(dir / "golden", dir / "c"), "undecided entry");

  write_npy_float64(expected / "T.npy", {2, 3}, values);
  rehash(dir / "golden", manifest, "basic-0001", "expected/T.npy");
  write_npy_uint16(expected / "T_bf16.npy", {2, 3}, {0x4184, 0x4000, 0x3e80, 0xc040, 0x4188, 0x7fc0});
  rehash(dir / "golden", manifest, "basic-0001", "expected/T_bf16.npy");
  expect_bad_input(validate(dir / "golden", dir / "c", {"--dtype", "bf16"}), "entry (1, 2) is the bit pattern of NaN");

  std::vector<double> outside = values;
  outside[0] = 16.25;  // T = 33/2 exactly: outside [T_lo, T_hi] = [16.5, 16.5]
  write_npy_float64(expected / "T.npy", {2, 3}, outside);
  rehash(dir / "golden", manifest, "basic-0001", "expected/T.npy");
  expect_bad_input(validate(dir / "golden", dir / "c"), "the suite is inconsistent");

  write_npy_float64(expected / "T.npy", {2, 3}, values);
  rehash(dir / "golden", manifest, "basic-0001", "expected/T.npy");
  std::vector<double> f32 = rounded_all(tests[0], binary32);
  f32[5] = std::nextafter(static_cast<float>(f32[5]), 1.0f);  // not RN32(1/3)
  write_npy_float32(expected / "T_f32.npy", {2, 3}, f32);
  rehash(dir / "golden", manifest, "basic-0001", "expected/T_f32.npy");
  expect_bad_input(validate(dir / "golden", dir / "c"), "T_f32.npy: entry (1, 2)");
}

TEST_CASE("validate --json writes the per-case results", "[validate][cli][json]") {
  TempDir dir("validate");
  const std::vector<TestSpec> tests = basic_tests();
  write_golden(dir / "golden", tests);
  write_perfect(dir / "c", tests, GradeDtype::f32);
  write_shifted(dir / "c", tests[1], 0.25);  // basic-0002 off by 1/4 (as float64): 15% of max|T|
  const fs::path out = dir / "report.json";
  const CliResult r = validate(dir / "golden", dir / "c", {"--policy", "ratio:2", "--json", out.string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  REQUIRE(fs::exists(out));
  CHECK_FALSE(fs::exists(out.string() + ".tmp"));
  const json report = json::parse(read_file(out));
  CHECK(report["format"] == "ropecert-validate/1");
  CHECK(report["dtype"] == "f32");
  CHECK(report["policy"]["kind"] == "ratio");
  CHECK(report["policy"]["ratio"] == 2.0);
  CHECK(report["suite"] == "hand-made");
  REQUIRE(report["cases"].size() == 2);
  CHECK(report["cases"][0]["tcId"] == "basic-0001");  // manifest order
  const json pass = json_case(report, "basic-0001"), fail = json_case(report, "basic-0002");
  CHECK(pass["verdict"] == "pass");
  CHECK(pass["comment"] == "dyadic values and one third");
  CHECK(pass["mismatches"] == 0);
  CHECK(pass["entries"] == 6);
  // The max error of RN32(T) is that of RN32(1/3): reference_error bounds it from below, max_abs_error of the
  // candidate RN32(T) itself from above, each within the enclosure's width.
  const double ref = pass["reference_error"].get<double>();
  const double measured = pass["max_abs_error"].get<double>();
  const Rational exact_ref = exact_max_error(rounded_all(tests[0], binary32), tests[0]);
  const Rational width = Rational(1) / Rational(Integer(1) << 50);
  CHECK(Rational(ref) <= exact_ref);
  CHECK(Rational(ref) >= exact_ref - width);
  CHECK(Rational(measured) >= exact_ref);
  CHECK(Rational(measured) <= exact_ref + width);
  CHECK(fail["verdict"] == "fail");
  CHECK(fail["max_abs_error"].get<double>() >= 0.25);
  CHECK(fail["max_abs_error"].get<double>() <= 0.25 + 0x1p-40);
  CHECK(fail["mismatches"] == 4);
  CHECK(fail["max_rel_error"].get<double>() >= 250);  // 0.25 / (1/1000) at T = 1/1000
  REQUIRE(fail["worst"].is_object());
  CHECK(fail["worst"]["index"][0] == 0);
  CHECK(fail["worst"]["index"][1].get<int>() < 4);
  CHECK(fail["worst"]["error"] == fail["max_abs_error"]);  // ratio: the worst entry is the largest error
  CHECK(fail["worst"]["truth_lo"].get<double>() <= fail["worst"]["truth_hi"].get<double>());
  CHECK_THAT(fail["message"].get<std::string>(), Contains("the error of the correctly rounded f32 output"));
  REQUIRE(fail["hints"].size() == 2);  // "interleaved" flag, "offset" in the comment
  CHECK_THAT(fail["hints"][0].get<std::string>(), Contains("likely cause: check the RoPE pairing"));
  CHECK_THAT(fail["hints"][1].get<std::string>(), Contains("likely cause: check the position offsets"));
  CHECK(pass["hints"].empty());
  CHECK(report["summary"]["tests"] == 2);
  CHECK(report["summary"]["passed"] == 1);
  CHECK(report["summary"]["failed"] == 1);
  CHECK(report["summary"]["missing"] == 0);
  CHECK(report["summary"]["all_passed"] == false);
  CHECK_FALSE(report.contains("against"));
  // --json into a directory that does not exist is bad input, before any work.
  expect_bad_input(validate(dir / "golden", dir / "c", {"--json", (dir / "no" / "r.json").string()}),
                   "directory does not exist");
}

TEST_CASE("validate --against says which candidate is provably closer to the truth", "[validate][cli][against]") {
  TempDir dir("validate");
  const std::vector<TestSpec> tests = basic_tests();
  write_golden(dir / "golden", tests);
  write_perfect(dir / "good", tests, GradeDtype::f32);
  write_perfect(dir / "mixed", tests, GradeDtype::f32);
  write_shifted(dir / "mixed", tests[0], 0x1p-12);            // worse on basic-0001
  write_perfect(dir / "mixed", {tests[1]}, GradeDtype::f64);  // better on basic-0002

  CliResult r = validate(dir / "golden", dir / "good",
                         {"--against", (dir / "mixed").string(), "--json", (dir / "a.json").string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);  // the exit code is that of --candidate
  CHECK_THAT(r.out, Contains("closer: candidate in 1, other in 1, undecided in 0"));
  json report = json::parse(read_file(dir / "a.json"));
  CHECK(json_case(report, "basic-0001")["closer"] == "candidate");
  CHECK(json_case(report, "basic-0002")["closer"] == "other");
  CHECK(json_case(report, "basic-0001")["against"]["verdict"] == "fail");
  CHECK(report["against"]["candidate_closer"] == 1);
  CHECK(report["against"]["other_closer"] == 1);
  CHECK(report["against"]["undecided"] == 0);

  r = validate(dir / "golden", dir / "mixed", {"--against", (dir / "good").string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Contains("closer: candidate in 1, other in 1, undecided in 0"));

  r = validate(dir / "golden", dir / "good", {"--against", (dir / "good").string()});
  CHECK_THAT(r.out, Contains("closer: candidate in 0, other in 0, undecided in 2"));

  fs::create_directories(dir / "empty");
  r = validate(dir / "golden", dir / "good", {"--against", (dir / "empty").string()});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("closer: candidate in 2, other in 0, undecided in 0"));
  expect_bad_input(validate(dir / "golden", dir / "good", {"--against", (dir / "absent").string()}),
                   "absent: not a directory");
}

TEST_CASE("validate reads bfloat16 bit patterns exactly", "[validate][cli][bf16]") {
  TempDir dir("validate");
  const std::vector<TestSpec> tests = basic_tests();
  write_golden(dir / "golden", tests);
  write_perfect(dir / "c", tests, GradeDtype::bf16);
  const fs::path out = dir / "r.json";
  CliResult r = validate(dir / "golden", dir / "c", {"--dtype", "bf16", "--policy", "ratio:1", "--json", out.string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  // RN_bf16(1/3) = 0x1.56p-2: the error 1/3 - 0x1.56p-2 ~ 6.5e-4 dominates basic-0001.
  const json report = json::parse(read_file(out));
  const double measured = json_case(report, "basic-0001")["max_abs_error"].get<double>();
  const Rational exact = exact_max_error(rounded_all(tests[0], bfloat16), tests[0]);
  CHECK(exact == abs(Rational(0x1.56p-2) - q(1, 3)));
  CHECK(Rational(measured) >= exact);
  CHECK(Rational(measured) <= exact + Rational(1) / Rational(Integer(1) << 50));  // + the enclosure's width

  // The next bfloat16 above RN(1/3) is four times as far from 1/3: it fails ratio:1.
  std::vector<std::uint16_t> bits;
  for (double x : rounded_all(tests[0], bfloat16)) bits.push_back(bfloat16_bits(x));
  CHECK(bits[5] == 0x3eab);
  bits[5] = 0x3eac;
  write_npy_uint16(dir / "c" / "basic-0001.npy", {2, 3}, bits);
  r = validate(dir / "golden", dir / "c", {"--dtype", "bf16", "--policy", "ratio:1"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Contains("worst entry (1, 2): candidate 0.3359375"));
  // ... but passes torch bf16 (rtol 1.6e-2).
  CHECK(validate(dir / "golden", dir / "c", {"--dtype", "bf16"}).exit_code == 0);

  bits[5] = 0x7fc0;  // a bfloat16 NaN
  write_npy_uint16(dir / "c" / "basic-0001.npy", {2, 3}, bits);
  r = validate(dir / "golden", dir / "c", {"--dtype", "bf16"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Contains("is 0x7fc0, a bfloat16 NaN"));
}

TEST_CASE("validate skips tests whose group lacks the dtype", "[validate][cli]") {
  TempDir dir("validate");
  std::vector<TestSpec> tests = basic_tests();
  tests[1].group = "g2";
  write_golden(dir / "golden", tests, {{"g2", {"f64", "f32"}}});
  write_perfect(dir / "c", tests, GradeDtype::f16);
  CliResult r = validate(dir / "golden", dir / "c", {"--dtype", "f16"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("skipped basic-0002: group g2 has no f16 expectations"));
  CHECK_THAT(r.out, Contains("summary: 2 tests, 1 passed, 0 failed, 0 missing, 1 skipped"));

  write_golden(dir / "only", {tests[1]}, {{"g2", {"f64", "f32"}}});
  expect_bad_input(validate(dir / "only", dir / "c", {"--dtype", "f16"}),
                   "--dtype: no test group of the suite lists f16");
}

TEST_CASE("validate: usage errors and help", "[validate][cli]") {
  TempDir dir("validate");
  const std::vector<TestSpec> tests = basic_tests();
  write_golden(dir / "golden", tests);
  write_perfect(dir / "c", tests, GradeDtype::f32);
  expect_bad_input(validate(dir / "golden", dir / "c", {"--dtype", "fp8"}), "--dtype: expected f64, f32, bf16 or f16");
  expect_bad_input(validate(dir / "golden", dir / "c", {"--policy", "strict"}), "--policy: expected torch, ulp:N");
  expect_bad_input(run_cli({"validate", "--golden", (dir / "golden").string()}), "--candidate DIR is required");
  expect_bad_input(validate(dir / "golden", dir / "nope"), "nope: not a directory");
  const CliResult help = run_cli({"validate", "--help"});
  CHECK(help.exit_code == 0);
  for (const char* phrase : {"--golden DIR", "ulp:N", "ratio:K", "FlashAttention-style", "Elementwise ulps are not",
                             "abs:X,rel:Y", "--against", "Exit codes"})
    CHECK_THAT(help.out, Contains(phrase));
  CHECK_THAT(run_cli({"--help"}).out, Contains("validate --golden DIR --candidate DIR"));
}

TEST_CASE("failing grades hint at precision by the size of the error", "[validate][hints]") {
  GoldenTest test;
  test.tc_id = "h";
  test.flags = {"causal"};
  test.rows = test.cols = 1;
  CaseTruth truth;
  truth.t64 = truth.lo = truth.hi = truth.rounded = {1.0};
  Candidate c;
  c.present = true;
  c.shape = {1, 1};
  const Policy exact = parse_policy("abs:0,rel:0", GradeDtype::f64);
  const auto hints = [&](double value) {
    c.values = {value};
    return grade_candidate(test, truth, c, GradeDtype::f64, exact).hints;
  };
  std::vector<std::string> h = hints(1.001);  // <= 2^-9 of max|T|: precision first
  REQUIRE(h.size() == 2);
  CHECK_THAT(h[0], Contains("likely cause: precision"));
  CHECK_THAT(h[1], Contains("check the causal mask"));
  h = hints(1.004);  // between 2^-9 and 2^-7: the convention first
  REQUIRE(h.size() == 2);
  CHECK_THAT(h[0], Contains("check the causal mask"));
  CHECK_THAT(h[1], Contains("likely cause: precision"));
  h = hints(1.1);  // 10%: no precision hint
  REQUIRE(h.size() == 1);
  CHECK_THAT(h[0], Contains("check the causal mask"));
  c.values = {1.0};
  CHECK(grade_candidate(test, truth, c, GradeDtype::f64, exact).hints.empty());  // a pass has no hints
}
