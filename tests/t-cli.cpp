// The ropecert executable as a user meets it: help, a successful eval, determinism across thread
// counts, and every kind of bad input (exit code 2, one line on stderr naming the file and the
// problem, OUT_DIR not created or left as it was).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ropecert/case_io.hpp"
#include "ropecert/certified_eval.hpp"
#include "ropecert/npy.hpp"
#include "ropecert/rounding.hpp"
#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

using namespace ropecert;
using ropecert_test::CliResult;
using ropecert_test::run_cli;
using ropecert_test::TempDir;
using ropecert_test::read_file;
namespace fs = std::filesystem;

namespace {

Problem small_rope_problem() {
  Problem p;
  p.kind = Kind::rope;
  p.mask = MaskKind::causal;
  p.rope.rotary_dim = 4;
  p.rope.pairing = Pairing::interleaved;
  p.Q = Matrix(3, 4);
  p.K = Matrix(3, 4);
  p.V = Matrix(3, 2);
  for (std::size_t e = 0; e < 12; ++e) {
    p.Q.values[e] = static_cast<double>(static_cast<int>(e * 7 % 11) - 5) / 4;
    p.K.values[e] = static_cast<double>(static_cast<int>(e * 5 % 13) - 6) / 8;
  }
  for (std::size_t e = 0; e < 6; ++e) p.V.values[e] = static_cast<double>(e) / 3;  // full significands
  validate_problem(p, "test");
  return p;
}

std::string write_case(const TempDir& dir, const Problem& p, const std::string& name = "case") {
  const std::string path = dir.path().string() + "/" + name;
  fs::create_directory(path);
  save_case(p, path);
  return path;
}

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_file(path)); }

// Rewrites CASE/case.json after `edit` has changed it.
template <class Edit>
void edit_case_json(const std::string& case_path, Edit edit) {
  nlohmann::json json = read_json(case_path + "/case.json");
  edit(json);
  std::ofstream(case_path + "/case.json") << json.dump();
}

std::size_t lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

// Runs eval on a broken case and checks the contract for bad input.
void expect_bad_input(const TempDir& dir, const std::string& case_path, const std::string& file,
                      const std::string& phrase) {
  const std::string out = dir.path().string() + "/out";
  const CliResult r = run_cli({"eval", case_path, "--out", out});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(lines(r.err) == 1);
  CHECK(r.err.rfind("ropecert: error: ", 0) == 0);
  CHECK(r.err.find(file) != std::string::npos);
  CHECK(r.err.find(phrase) != std::string::npos);
  CHECK_FALSE(fs::exists(out));
  for (const auto& entry : fs::directory_iterator(dir.path()))  // no staging directory left behind
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
}

}  // namespace

TEST_CASE("help and usage", "[cli]") {
  const CliResult help = run_cli({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("eval CASE_DIR --out OUT_DIR") != std::string::npos);
  const CliResult eval_help = run_cli({"eval", "--help"});
  CHECK(eval_help.exit_code == 0);
  CHECK(eval_help.out.find("--max-prec") != std::string::npos);
  CHECK(run_cli({"demo", "--help"}).exit_code == 0);
  CHECK(run_cli({"bench", "--help"}).exit_code == 0);
  CHECK(run_cli({}).exit_code == 2);
  const CliResult unknown = run_cli({"evaluate"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err == "ropecert: error: evaluate: unknown command (see ropecert --help)\n");
}

TEST_CASE("every command: --help, and usage errors in one line naming the command", "[cli]") {
  struct Usage {
    std::vector<std::string> args;
    std::string message;  // the whole stderr after "ropecert: error: ", but for the trailing hint
  };
  const std::vector<std::vector<std::string>> commands{
      {"eval"}, {"fast"}, {"golden"}, {"golden", "merge"}, {"validate"}, {"audit"}, {"demo"}, {"bench"}, {"bench", "fast"}};
  for (const auto& command : commands) {
    std::vector<std::string> args = command;
    args.push_back("--help");
    const CliResult help = run_cli(args);
    INFO(args.front() << " --help");
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("Usage: ropecert " + command.front()) != std::string::npos);
    CHECK(help.out.find("  --help") != std::string::npos);
  }
  const std::vector<Usage> usages{
      {{"eval", "--out", "o"}, "eval: expected one CASE_DIR (see ropecert eval --help)"},
      {{"eval", "a", "b", "--out", "o"}, "eval: expected one CASE_DIR (see ropecert eval --help)"},
      {{"eval", "a"}, "eval: --out OUT_DIR is required (see ropecert eval --help)"},
      {{"fast", "a", "--out", "o"}, "fast: --eps E is required (see ropecert fast --help)"},
      {{"golden", "x", "--out", "o"}, "golden: unexpected argument 'x' (see ropecert golden --help)"},
      {{"golden", "merge", "--out", "o"}, "golden merge: expected at least one SHARD_DIR (see ropecert golden merge --help)"},
      {{"golden", "merge", "s", "--out", "o", "--suite", "smoke"}, "--suite: unknown option (see --help)"},
      {{"validate", "--golden", "g"}, "validate: --candidate DIR is required (see ropecert validate --help)"},
      {{"audit", "x"}, "audit: unexpected argument 'x' (see ropecert audit --help)"},
      {{"demo", "x"}, "demo: unexpected argument 'x' (see ropecert demo --help)"},
      {{"bench"}, "bench: expected one BENCHMARK (eval or fast) (see ropecert bench --help)"},
      {{"bench", "fast", "x"}, "bench fast: unexpected argument 'x' (see ropecert bench fast --help)"},
  };
  for (const Usage& usage : usages) {
    const CliResult r = run_cli(usage.args);
    INFO(usage.args.front() << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "ropecert: error: " + usage.message + "\n");
  }
}

TEST_CASE("eval writes correctly rounded outputs, an enclosure and a report", "[cli]") {
  const TempDir dir("cli-eval");
  const Problem p = small_rope_problem();
  const std::string case_path = write_case(dir, p), out = dir.path().string() + "/out";
  const CliResult r = run_cli({"eval", case_path, "--out", out});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const CertifiedOutput expected = evaluate_certified(p, EvalOptions{});
  const NpyArray t64 = read_npy(out + "/T.npy"), t32 = read_npy(out + "/T_f32.npy");
  const NpyArray lo = read_npy(out + "/T_lo.npy"), hi = read_npy(out + "/T_hi.npy");
  CHECK(t64.dtype == NpyDtype::float64);
  CHECK(t32.dtype == NpyDtype::float32);
  CHECK(t64.shape == std::vector<std::size_t>{3, 2});
  for (std::size_t e = 0; e < 6; ++e) {
    CHECK(t64.values[e] == expected.entries[e].t64);
    CHECK(t32.values[e] == expected.entries[e].t32);
    CHECK(lo.values[e] <= t64.values[e]);
    CHECK(t64.values[e] <= hi.values[e]);
  }
  CHECK(t64.values[0] == 0.0);  // causal row 0 sees key 0 only: V_00 = 0
  const nlohmann::json report = read_json(out + "/report.json");
  CHECK(report["format"] == "ropecert-eval-report/1");
  CHECK(report["undecided_count"] == 0);
  CHECK(report["entries"] == 6);
  CHECK(report["options"]["route"] == "fast");
  CHECK(report["fast_route"]["rows_decided"].get<std::size_t>() + report["fast_route"]["rows_fallen_back"].get<std::size_t>() == 3);
  CHECK(report["timing"]["wall_time_s"].is_number());
  CHECK(report["max_enclosure_width"].get<double>() > 0);
}

TEST_CASE("eval --outputs writes the files of the formats it lists, each correctly rounded", "[cli][outputs]") {
  const TempDir dir("cli-outputs");
  const Problem p = small_rope_problem();
  const std::string case_path = write_case(dir, p);
  const CertifiedOutput expected = evaluate_certified(p, EvalOptions{});
  for (const std::string route : {"fast", "mpfi"}) {
    const std::string out = dir.path().string() + "/narrow-" + route;
    const CliResult r = run_cli({"eval", case_path, "--out", out, "--outputs", "bf16,f32,f16", "--route", route});
    INFO(route << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_FALSE(fs::exists(out + "/T.npy"));  // f64 not asked for
    const NpyArray t32 = read_npy(out + "/T_f32.npy"), t16 = read_npy(out + "/T_f16.npy");
    const NpyArray bf16 = read_npy(out + "/T_bf16.npy");
    CHECK(t16.dtype == NpyDtype::float16);
    CHECK(bf16.dtype == NpyDtype::uint16);
    for (std::size_t e = 0; e < expected.entries.size(); ++e) {
      CHECK(t32.values[e] == expected.entries[e].t32);
      CHECK(t16.values[e] == expected.entries[e].t16);
      CHECK(bf16.values[e] == static_cast<double>(bfloat16_bits(expected.entries[e].tbf16)));
    }
    const nlohmann::json report = read_json(out + "/report.json");
    CHECK(report["options"]["outputs"] == nlohmann::json::array({"f32", "f16", "bf16"}));
  }
  for (const std::string list : {"f32,f32", "f8", "", "f64,"}) {
    const std::string out = dir.path().string() + "/bad";
    const CliResult r = run_cli({"eval", case_path, "--out", out, "--outputs", list});
    INFO("--outputs '" << list << "': " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.rfind("ropecert: error: --outputs: ", 0) == 0);
    CHECK_FALSE(fs::exists(out));
  }
}

TEST_CASE("outputs are byte-identical for any thread count", "[cli][determinism]") {
  const TempDir dir("cli-threads");
  const std::string case_path = write_case(dir, small_rope_problem());
  const std::string one = dir.path().string() + "/one", two = dir.path().string() + "/two";
  REQUIRE(run_cli({"eval", case_path, "--out", one, "--threads", "1"}).exit_code == 0);
  REQUIRE(run_cli({"eval", case_path, "--out", two, "--threads", "2"}).exit_code == 0);
  for (const char* name : {"T.npy", "T_f32.npy", "T_lo.npy", "T_hi.npy"})
    CHECK(read_file(one + "/" + name) == read_file(two + "/" + name));
  nlohmann::json a = read_json(one + "/report.json"), b = read_json(two + "/report.json");
  a.erase("timing");
  b.erase("timing");
  CHECK(a == b);
}

TEST_CASE("a non-empty OUT_DIR is left as it was unless --force", "[cli]") {
  const TempDir dir("cli-force");
  const std::string case_path = write_case(dir, small_rope_problem()), out = dir.path().string() + "/out";
  fs::create_directory(out);
  std::ofstream(out + "/keep.txt") << "mine";
  const CliResult refused = run_cli({"eval", case_path, "--out", out});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("--force") != std::string::npos);
  CHECK(read_file(out + "/keep.txt") == "mine");
  CHECK_FALSE(fs::exists(out + "/T.npy"));
  REQUIRE(run_cli({"eval", case_path, "--out", out, "--force"}).exit_code == 0);
  CHECK(fs::exists(out + "/T.npy"));
  CHECK_FALSE(fs::exists(out + "/keep.txt"));
}

TEST_CASE("entries undecided at --max-prec are NaN, reported, and exit code 3", "[cli]") {
  // T_00 lies 2^-72 above a binary32 midpoint (t-certified-eval.cpp): 64 bits cannot decide it.
  Problem p;
  p.kind = Kind::general;
  p.scale.rule = Scale::Rule::decimal;
  p.scale.decimal = "1";
  p.Q = Matrix(2, 1);
  p.K = Matrix(2, 1);
  p.V = Matrix(2, 1);
  p.Q.values = {1.0, 1.0};
  p.K.values = {1.0, 0.0};
  p.V.values = {1.0 + std::ldexp(1.0, -24), 2.0};
  p.W.assign(3, Matrix(1, 1));
  p.W[1].at(0, 0) = 50.0;
  const TempDir dir("cli-undecided");
  const std::string case_path = write_case(dir, p), out = dir.path().string() + "/out";
  const CliResult r = run_cli({"eval", case_path, "--out", out, "--max-prec", "64"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("1 entries undecided") != std::string::npos);
  const nlohmann::json report = read_json(out + "/report.json");
  CHECK(report["undecided_count"] == 1);
  CHECK(report["undecided"][0]["row"] == 0);
  CHECK(report["undecided"][0]["binary32"] == "undecided");
  CHECK(report["undecided"][0]["binary64"] == "decided");
  CHECK_THROWS_WITH(read_npy(out + "/T_f32.npy"), Catch::Contains("NaN"));  // never a silent rounding
  CHECK(read_npy(out + "/T.npy").values[0] == 1.0 + std::ldexp(1.0, -24));
  CHECK(run_cli({"eval", case_path, "--out", dir.path().string() + "/full"}).exit_code == 0);
}

TEST_CASE("bad input: exit 2, one line naming the file and the problem, no OUT_DIR", "[cli][bad-input]") {
  const TempDir dir("cli-bad");
  const Problem good = small_rope_problem();

  SECTION("NaN in Q") {
    Problem p = good;
    p.Q.values[5] = NAN;
    const std::string c = write_case(dir, good);
    write_npy_float64(c + "/Q.npy", {3, 4}, p.Q.values);
    expect_bad_input(dir, c, "Q.npy", "NaN");
  }
  SECTION("infinity in V") {
    Problem p = good;
    p.V.values[1] = -INFINITY;
    const std::string c = write_case(dir, good);
    write_npy_float64(c + "/V.npy", {3, 2}, p.V.values);
    expect_bad_input(dir, c, "V.npy", "nf");
  }
  SECTION("K with a different head dimension") {
    const std::string c = write_case(dir, good);
    write_npy_float64(c + "/K.npy", {3, 2}, std::vector<double>(6, 1.0));
    expect_bad_input(dir, c, "K.npy", "");
  }
  SECTION("V with a different number of rows than K") {
    const std::string c = write_case(dir, good);
    write_npy_float64(c + "/V.npy", {2, 2}, std::vector<double>(4, 1.0));
    expect_bad_input(dir, c, "V.npy", "");
  }
  SECTION("odd rotary_dim") {
    const std::string c = write_case(dir, good);
    edit_case_json(c, [](nlohmann::json& j) { j["rope"]["rotary_dim"] = 3; });
    expect_bad_input(dir, c, "case.json", "rotary_dim");
  }
  SECTION("rotary_dim larger than d") {
    const std::string c = write_case(dir, good);
    edit_case_json(c, [](nlohmann::json& j) { j["rope"]["rotary_dim"] = 8; });
    expect_bad_input(dir, c, "case.json", "rotary_dim");
  }
  SECTION("odd d for RoPE") {
    const std::string c = write_case(dir, good);
    edit_case_json(c, [](nlohmann::json& j) { j["rope"].erase("rotary_dim"); });
    write_npy_float64(c + "/Q.npy", {3, 3}, std::vector<double>(9, 1.0));
    write_npy_float64(c + "/K.npy", {3, 3}, std::vector<double>(9, 1.0));
    expect_bad_input(dir, c, "", "even");
  }
  SECTION("general kind with n_q != n_k") {
    Problem p = good;
    p.kind = Kind::general;
    p.mask = MaskKind::none;
    p.W.assign(5, Matrix(4, 4));
    const std::string c = write_case(dir, p);
    write_npy_float64(c + "/Q.npy", {2, 4}, std::vector<double>(8, 1.0));
    expect_bad_input(dir, c, "", "n_q");
  }
  SECTION("missing V.npy") {
    const std::string c = write_case(dir, good);
    fs::remove(c + "/V.npy");
    expect_bad_input(dir, c, "V.npy", "");
  }
  SECTION("missing case directory") { expect_bad_input(dir, dir.path().string() + "/nowhere", "nowhere", ""); }
  SECTION("malformed case.json") {
    const std::string c = write_case(dir, good);
    std::ofstream(c + "/case.json") << "{\"format\": \"ropecert-case/1\", ";
    expect_bad_input(dir, c, "case.json", "JSON");
  }
  SECTION("unknown key in case.json") {
    const std::string c = write_case(dir, good);
    edit_case_json(c, [](nlohmann::json& j) { j["maks"] = "causal"; });
    expect_bad_input(dir, c, "case.json", "maks");
  }
  SECTION("truncated K.npy") {
    const std::string c = write_case(dir, good);
    const std::string bytes = read_file(c + "/K.npy");
    std::ofstream(c + "/K.npy", std::ios::binary) << bytes.substr(0, bytes.size() - 3);
    expect_bad_input(dir, c, "K.npy", "");
  }
  SECTION("causal mask with a fully masked row") {
    const std::string c = write_case(dir, good);
    edit_case_json(c, [](nlohmann::json& j) { j["rope"]["k_offset"] = 1; });
    expect_bad_input(dir, c, "case.json", "no visible key");
  }
  SECTION("bad --max-prec") {
    const std::string c = write_case(dir, good);
    const CliResult r = run_cli({"eval", c, "--out", dir.path().string() + "/out", "--max-prec", "12"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--max-prec") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.path().string() + "/out"));
  }
}

TEST_CASE("audit prints all twelve claims and writes the same content as JSON", "[cli][audit]") {
  const TempDir dir("cli-audit");
  const std::string json_path = (dir / "audit.json").string();
  const CliResult r = run_cli({"audit", "--json", json_path, "--seed", "7"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json audit = read_json(json_path);
  CHECK(audit["format"] == "ropecert-audit/1");
  CHECK(audit["seed"] == 7);
  REQUIRE(audit["claims"].size() == 12);
  for (std::size_t k = 0; k < 12; ++k) {
    const nlohmann::json& claim = audit["claims"][k];
    CHECK(claim["id"] == "C" + std::to_string(k + 1));
    for (const char* key : {"claim", "verdict", "evidence", "correction", "test", "note"}) CHECK(claim[key].is_string());
    CHECK(r.out.find("## " + claim["id"].get<std::string>() + ": " + claim["verdict"].get<std::string>()) !=
          std::string::npos);
  }
  const nlohmann::json& c3 = audit["claims"][2];
  CHECK(c3["verdict"] == "fails");
  CHECK(c3["evidence"].get<std::string>().find("is Toeplitz but not circulant") != std::string::npos);
  CHECK(c3["correction"].get<std::string>().find("Toeplitz") != std::string::npos);
  CHECK(audit["claims"][8]["verdict"] == "split: general W holds; standard RoPE fails");
  CHECK(audit["claims"][8]["evidence"].get<std::string>().find("M = I has rank 5") != std::string::npos);
  CHECK(audit["claims"][8]["evidence"].get<std::string>().find("so rank 2") != std::string::npos);
  CHECK(audit["claims"][10]["verdict"] == "proof note only");

  const CliResult bad = run_cli({"audit", "--json", (dir / "missing" / "a.json").string()});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("missing") != std::string::npos);
}

TEST_CASE("fast: exact polynomial method within its bound, both routes equal, clear refusals", "[cli][fast]") {
  const TempDir dir("cli-fast");
  Problem p = small_rope_problem();  // n = 3, d = 4, causal, interleaved
  p.rope.angles = Angles::pythagorean;
  p.scale.rule = Scale::Rule::inv_d;
  const std::string c = write_case(dir, p), toeplitz = (dir / "toeplitz").string(), lowrank = (dir / "lowrank").string();

  const CliResult r = run_cli({"fast", c, "--eps", "1e-4", "--out", toeplitz, "--check"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json report = read_json(toeplitz + "/report.json");
  CHECK(report["format"] == "ropecert-fast-report/1");
  CHECK(report["bound"].get<double>() <= 1e-4);
  CHECK(report["check"]["within_bound"] == true);
  CHECK(report["check"]["measured_max_error"].get<double>() <= report["bound"].get<double>());
  CHECK(report["check"]["measured_max_error"].get<double>() > 0);  // the surrogate is not the exact softmax

  REQUIRE(run_cli({"fast", c, "--eps", "1e-4", "--out", lowrank, "--route", "lowrank"}).exit_code == 0);
  CHECK(read_file(toeplitz + "/T.npy") == read_file(lowrank + "/T.npy"));  // exactly the same surrogate
  CHECK(read_json(lowrank + "/report.json")["terms"] != report["terms"]);   // binom(d+g, g) vs binom(|S|+g, g)

  const CliResult too_many = run_cli({"fast", c, "--eps", "1e-12", "--out", (dir / "x").string(), "--max-terms", "10"});
  CHECK(too_many.exit_code == 2);
  CHECK(too_many.err.find("terms, more than --max-terms 10") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "x"));

  const std::string standard = write_case(dir, small_rope_problem(), "standard");
  const CliResult irrational = run_cli({"fast", standard, "--eps", "1e-4", "--out", (dir / "y").string()});
  CHECK(irrational.exit_code == 2);
  CHECK(irrational.err.find("pythagorean") != std::string::npos);
  CHECK(run_cli({"fast", c, "--eps", "1e-4", "--out", (dir / "z").string(), "--arith", "mpfr"}).exit_code == 2);
  CHECK(run_cli({"fast", c, "--eps", "-1", "--out", (dir / "z").string()}).exit_code == 2);
  CHECK(run_cli({"fast", c, "--eps", "1e-30", "--arith", "double", "--out", (dir / "z").string()}).exit_code == 2);
  CHECK_FALSE(fs::exists(dir / "z"));

  // Binary64 on standard RoPE: the total bound (a-priori + rounding) holds against the certified enclosure.
  const std::string binary64 = (dir / "binary64").string();
  const CliResult d = run_cli({"fast", standard, "--eps", "1e-6", "--arith", "double", "--route", "lowrank", "--out", binary64, "--check"});
  INFO(d.err);
  REQUIRE(d.exit_code == 0);
  const nlohmann::json double_report = read_json(binary64 + "/report.json");
  CHECK(double_report["arith"] == "double");
  CHECK(double_report["rounding_bound"].get<double>() > 0);
  CHECK(double_report["rounding_bound"].get<double>() < 1e-10);
  CHECK(double_report["total_bound_within_eps"] == true);
  CHECK(double_report["check"]["within_bound"] == true);
  CHECK(double_report["check"]["measured_max_error"].get<double>() <= double_report["total_bound"].get<double>());
}
