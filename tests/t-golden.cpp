// Golden suites (golden.hpp, `ropecert golden`): the files round-trip, the hashes verify, the expected
// outputs are the certified evaluator's, shards merge into the unsharded suite byte for byte, and the
// same command writes the same bytes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "ropecert/case_io.hpp"
#include "ropecert/certified_eval.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/golden.hpp"
#include "ropecert/golden_manifest.hpp"
#include "ropecert/npy.hpp"
#include "ropecert/rounding.hpp"
#include "ropecert/sha256.hpp"
#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

using namespace ropecert;
using ropecert_test::read_file;
using ropecert_test::run_cli;
using ropecert_test::TempDir;
namespace fs = std::filesystem;

namespace {

// Every regular file under `dir`, relative path -> bytes.
std::map<std::string, std::string> all_files(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) files[fs::relative(entry.path(), dir).generic_string()] = read_file(entry.path());
  return files;
}

bool is_bfloat16_number(double x) {
  mpfr_t v;
  mpfr_init2(v, 64);
  mpfr_set_d(v, x, MPFR_RNDN);
  const bool exact = round_mpfr(v, bfloat16, RoundingMode::nearest_even) == x;
  mpfr_clear(v);
  return exact;
}

}  // namespace

TEST_CASE("golden: the smoke suite's files, hashes and expected outputs", "[golden]") {
  const TempDir dir("golden");
  const fs::path out = dir / "suite";
  write_golden(out, GoldenSuiteKind::smoke, GoldenShard{}, false, EvalOptions{}, {});
  const nlohmann::json manifest = nlohmann::json::parse(read_file(out / "manifest.json"));
  CHECK(manifest["format"] == "ropecert-golden/1");
  CHECK(manifest["suite"] == "smoke");
  std::size_t tests = 0;
  std::set<std::string> ids, flags;
  for (const nlohmann::json& group : manifest["testGroups"]) {
    CHECK(group["dtypes"].size() == 4);
    for (const nlohmann::json& test : group["tests"]) {
      ++tests;
      const std::string id = test["tcId"].get<std::string>();
      INFO(id);
      CHECK(ids.insert(id).second);
      for (const auto& flag : test["flags"]) flags.insert(flag.get<std::string>());
      const fs::path case_dir = out / "cases" / id;
      // Every file is listed with its hash, and every listed file exists with that hash.
      std::size_t on_disk = 0;
      for (const fs::directory_entry& entry : fs::recursive_directory_iterator(case_dir)) on_disk += entry.is_regular_file();
      CHECK(on_disk == test["files"].size());
      for (const auto& [path, hash] : test["files"].items()) CHECK(sha256_file_hex(case_dir / path) == hash.get<std::string>());
      // The case loads, its inputs are bfloat16 numbers, and the float32 copies hold the same values.
      const Problem p = load_case(case_dir);
      for (const Matrix* m : {&p.Q, &p.K, &p.V})
        for (double x : m->values) CHECK(is_bfloat16_number(x));
      CHECK(read_npy(case_dir / "Q_f32.npy").values == p.Q.values);
      CHECK(read_npy(case_dir / "V_f32.npy").dtype == NpyDtype::float32);
      // The expected outputs are the certified evaluator's, in each format.
      const CertifiedOutput certified = evaluate_certified(p, EvalOptions{});
      const NpyArray t64 = read_npy(case_dir / "expected" / "T.npy"), t32 = read_npy(case_dir / "expected" / "T_f32.npy");
      const NpyArray t16 = read_npy(case_dir / "expected" / "T_f16.npy"), bf16 = read_npy(case_dir / "expected" / "T_bf16.npy");
      const NpyArray lo = read_npy(case_dir / "expected" / "T_lo.npy"), hi = read_npy(case_dir / "expected" / "T_hi.npy");
      CHECK(t16.dtype == NpyDtype::float16);
      CHECK(bf16.dtype == NpyDtype::uint16);
      CHECK(test["shape"] == nlohmann::json({p.n_q(), p.d_v()}));
      for (std::size_t e = 0; e < certified.entries.size(); ++e) {
        const EntryOutcome& x = certified.entries[e];
        CHECK(t64.values[e] == x.t64);
        CHECK(t32.values[e] == x.t32);
        CHECK(t16.values[e] == x.t16);
        CHECK(bf16.values[e] == double(bfloat16_bits(x.tbf16)));
        CHECK(lo.values[e] <= x.t64);
        CHECK(x.t64 <= hi.values[e]);
      }
      if (fs::exists(case_dir / "expected" / "surrogate.json")) {
        // The surrogate is within its bound (plus the two binary64 roundings) of the enclosure.
        const nlohmann::json s = nlohmann::json::parse(read_file(case_dir / "expected" / "surrogate.json"));
        const NpyArray surrogate = read_npy(case_dir / "expected" / "surrogate_T.npy");
        const double bound = s["bound_on_distance_to_T"].get<double>();
        for (std::size_t e = 0; e < surrogate.values.size(); ++e) {
          CHECK(surrogate.values[e] >= lo.values[e] - bound * (1 + 1e-9) - 1e-15);
          CHECK(surrogate.values[e] <= hi.values[e] + bound * (1 + 1e-9) + 1e-15);
        }
        CHECK(s["g"].get<std::size_t>() >= 1);
      }
    }
  }
  CHECK(manifest["numberOfTests"] == tests);
  for (const char* flag : {"half", "interleaved", "causal", "offset", "decode", "rotary_dim", "scaling:yarn",
                           "emulate:cos_sin=bfloat16", "equal-logits", "near-one-hot", "boundary-B", "general",
                           "surrogate", "rectangular"})
    CHECK(flags.count(flag) == 1);
}

TEST_CASE("golden: shards merge into the unsharded suite, byte for byte; same command, same bytes", "[golden]") {
  const TempDir dir("golden-shards");
  write_golden(dir / "whole", GoldenSuiteKind::smoke, GoldenShard{}, false, EvalOptions{}, {});
  EvalOptions one_thread;
  one_thread.threads = 1;
  write_golden(dir / "again", GoldenSuiteKind::smoke, GoldenShard{}, false, one_thread, {});
  CHECK(all_files(dir / "whole") == all_files(dir / "again"));
  write_golden(dir / "s0", GoldenSuiteKind::smoke, GoldenShard{0, 3}, false, EvalOptions{}, {});
  write_golden(dir / "s1", GoldenSuiteKind::smoke, GoldenShard{1, 3}, false, EvalOptions{}, {});
  write_golden(dir / "s2", GoldenSuiteKind::smoke, GoldenShard{2, 3}, false, EvalOptions{}, {});
  const auto s0 = all_files(dir / "s0"), s1 = all_files(dir / "s1");
  for (const auto& [path, bytes] : s0)
    if (path != "manifest.json") CHECK(s1.count(path) == 0);  // disjoint
  merge_golden(dir / "merged", {dir / "s2", dir / "s0", dir / "s1"}, false);
  CHECK(all_files(dir / "merged") == all_files(dir / "whole"));
  CHECK_THROWS_AS(merge_golden(dir / "bad", {dir / "s0", dir / "s1"}, false), InputError);        // shard missing
  CHECK_THROWS_AS(merge_golden(dir / "bad", {dir / "s0", dir / "s0", dir / "s1"}, false), InputError);  // twice
  CHECK_FALSE(fs::exists(dir / "bad"));
}

TEST_CASE("golden manifest: the byte format, and reading back what was written", "[golden][manifest]") {
  GoldenManifest m;
  m.generator = "ropecert 9";
  m.suite = "smoke";
  m.notes = "n";
  m.shard = GoldenShard{1, 3};
  m.groups = {{"g", "first", {"f64", "f32"}}, {"empty", "no tests", {"f16"}}, {"h", "", {"bf16"}}};
  m.tests = {{"g-0001", "g", "a", {"causal"}, {"f64", "f32"}, 2, 3, {{"Q.npy", std::string(64, 'a')}}},
             {"h-0001", "h", "", {}, {"bf16"}, 1, 1, {}}};
  const std::string text = golden_manifest_text(m);
  // Keys sorted, indented by two, a final newline; the group without tests is left out.
  CHECK(text ==
        "{\n  \"format\": \"ropecert-golden/1\",\n  \"generator\": \"ropecert 9\",\n  \"notes\": \"n\",\n"
        "  \"numberOfTests\": 2,\n  \"shard\": {\n    \"count\": 3,\n    \"index\": 1\n  },\n  \"suite\": \"smoke\",\n"
        "  \"testGroups\": [\n    {\n      \"comment\": \"first\",\n      \"dtypes\": [\n        \"f64\",\n"
        "        \"f32\"\n      ],\n      \"groupId\": \"g\",\n      \"tests\": [\n        {\n"
        "          \"comment\": \"a\",\n          \"files\": {\n            \"Q.npy\": \"" + std::string(64, 'a') +
        "\"\n          },\n          \"flags\": [\n            \"causal\"\n          ],\n"
        "          \"shape\": [\n            2,\n            3\n          ],\n          \"tcId\": \"g-0001\"\n"
        "        }\n      ]\n    },\n    {\n      \"comment\": \"\",\n      \"dtypes\": [\n        \"bf16\"\n"
        "      ],\n      \"groupId\": \"h\",\n      \"tests\": [\n        {\n          \"comment\": \"\",\n"
        "          \"files\": {},\n          \"flags\": [],\n          \"shape\": [\n            1,\n            1\n"
        "          ],\n          \"tcId\": \"h-0001\"\n        }\n      ]\n    }\n  ]\n}\n");
  const TempDir dir("golden-manifest");
  std::ofstream(dir / "manifest.json", std::ios::binary) << text;
  const GoldenManifest back = read_golden_manifest(dir / "manifest.json");
  CHECK(golden_manifest_text(back) == text);
  CHECK(back.shard->index == 1);
  CHECK(back.shard->count == 3);
  REQUIRE(back.tests.size() == 2);
  CHECK(back.tests[1].dtypes == std::vector<std::string>{"bf16"});
  CHECK(back.tests[0].files == m.tests[0].files);
  // Without "shard" the writer leaves it out and the reader gives none back.
  m.shard.reset();
  std::ofstream(dir / "manifest.json", std::ios::binary) << golden_manifest_text(m);
  CHECK_FALSE(read_golden_manifest(dir / "manifest.json").shard);
  // Two groups with one groupId cannot be written back group by group: refused.
  nlohmann::json doc = nlohmann::json::parse(text);
  doc["testGroups"][1]["groupId"] = "g";
  std::ofstream(dir / "manifest.json", std::ios::binary) << doc.dump();
  CHECK_THROWS_WITH(read_golden_manifest(dir / "manifest.json"),
                    Catch::Matchers::Contains("testGroups[1].groupId: \"g\" duplicates testGroups[0]"));
}

TEST_CASE("golden merge refuses bad shards with one line, exit 2 (issue 9, item 7)", "[golden][merge][cli]") {
  const TempDir dir("golden-merge");
  write_golden(dir / "s0", GoldenSuiteKind::smoke, GoldenShard{0, 2}, false, EvalOptions{}, {});
  write_golden(dir / "s1", GoldenSuiteKind::smoke, GoldenShard{1, 2}, false, EvalOptions{}, {});
  const nlohmann::json manifest1 = nlohmann::json::parse(read_file(dir / "s1" / "manifest.json"));
  const std::string first_id = manifest1["testGroups"][0]["tests"][0]["tcId"].get<std::string>();
  // Copies s1 to `name`, applies `edit` to the copy, merges s0 with it: exit 2, one line with `phrase`.
  const auto refused = [&](const std::string& name, const std::function<void(const fs::path&)>& edit,
                           const std::string& phrase) {
    fs::copy(dir / "s1", dir / name, fs::copy_options::recursive);
    edit(dir / name);
    const fs::path out = dir / ("merged-" + name);
    const auto r = run_cli({"golden", "merge", "--out", out.string(), (dir / "s0").string(), (dir / name).string()});
    INFO(name << "\n" << r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.rfind("ropecert: error: ", 0) == 0);
    CHECK(r.err.find(phrase) != std::string::npos);
    CHECK_FALSE(fs::exists(out));
  };
  const auto edit_manifest = [](const std::function<void(nlohmann::json&)>& change) {
    return [change](const fs::path& shard) {
      nlohmann::json m = nlohmann::json::parse(read_file(shard / "manifest.json"));
      change(m);
      std::ofstream(shard / "manifest.json", std::ios::binary) << m.dump(2) << "\n";
    };
  };
  refused("no-shard", edit_manifest([](nlohmann::json& m) { m.erase("shard"); }), "missing \"shard\"");
  refused("bad-shard", edit_manifest([](nlohmann::json& m) { m["shard"] = "1/2"; }), "shard");
  refused("suite", edit_manifest([](nlohmann::json& m) { m["suite"] = "huge"; }), "unknown suite \"huge\"");
  // A case file changed after the shard was written, its manifest untouched: the hash must catch it.
  refused("tampered",
          [&](const fs::path& shard) {
            std::ofstream(shard / "cases" / first_id / "expected" / "T.npy", std::ios::binary | std::ios::app) << ' ';
          },
          "SHA-256 mismatch");
  refused("removed", [&](const fs::path& shard) { fs::remove(shard / "cases" / first_id / "Q.npy"); },
          "Q.npy: cannot read");
  // An unknown suite in every shard is refused too (it used to become the default suite).
  fs::copy(dir / "s0", dir / "s0-huge", fs::copy_options::recursive);
  edit_manifest([](nlohmann::json& m) { m["suite"] = "huge"; })(dir / "s0-huge");
  fs::copy(dir / "s1", dir / "s1-huge", fs::copy_options::recursive);
  edit_manifest([](nlohmann::json& m) { m["suite"] = "huge"; })(dir / "s1-huge");
  CHECK_THROWS_WITH(merge_golden(dir / "huge", {dir / "s0-huge", dir / "s1-huge"}, false),
                    Catch::Matchers::Contains("unknown suite \"huge\""));
  CHECK_FALSE(fs::exists(dir / "huge"));
  // The untouched shards still merge.
  merge_golden(dir / "merged", {dir / "s0", dir / "s1"}, false);
  CHECK(fs::exists(dir / "merged" / "manifest.json"));
}

TEST_CASE("golden: the command line", "[golden][cli]") {
  const TempDir dir("golden-cli");
  const std::string out = (dir / "suite").string();
  const auto r = run_cli({"golden", "--suite", "smoke", "--shard", "1/4", "--out", out});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(read_file(dir / "suite" / "manifest.json"))["shard"]["count"] == 4);
  CHECK(run_cli({"golden", "--suite", "smoke", "--out", out}).exit_code == 2);  // exists, not empty
  CHECK(run_cli({"golden", "--suite", "huge", "--out", (dir / "x").string()}).exit_code == 2);
  CHECK(run_cli({"golden", "--shard", "4/4", "--out", (dir / "x").string()}).exit_code == 2);
  CHECK(run_cli({"golden", "--shard", "1-4", "--out", (dir / "x").string()}).exit_code == 2);
  CHECK(run_cli({"golden", "merge", "--out", (dir / "x").string(), out}).exit_code == 2);  // 1 of 4 shards
  CHECK_FALSE(fs::exists(dir / "x"));
}
