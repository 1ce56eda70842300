// ropecert validate: grade candidate outputs against a golden suite (the work is in validate.hpp).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "arguments.hpp"
#include "commands.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/output_dir.hpp"
#include "ropecert/validate.hpp"

namespace ropecert::cli {

namespace {

namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;

constexpr int exit_some_failed = 1;  // a test failed or is missing

const char* const validate_help =
    "Usage: ropecert validate --golden DIR --candidate DIR [--dtype f64|f32|bf16|f16]\n"
    "                         [--policy torch|ulp:N|abs:X,rel:Y|ratio:K] [--json FILE] [--against OTHER_DIR]\n"
    "\n"
    "Grades candidate attention outputs against a golden suite written by 'ropecert golden'. The manifest\n"
    "is checked first (format ropecert-golden/1, unique tcIds) and the SHA-256 of every file it lists is\n"
    "verified: a modified suite is refused. A candidate is DIR/<tcId>.npy with the test's shape [n_q, d_v]\n"
    "and dtype '<f8', '<f4', '<f2', or (with --dtype bf16) '<u2' bfloat16 bit patterns; a missing file\n"
    "is reported as missing and fails, a wrong shape, NaN or infinity fails its test.\n"
    "\n"
    "The exact output T is known through the suite's enclosure T_lo <= T <= T_hi. For an entry c the\n"
    "error is err = max(|c - T_lo|, |c - T_hi|) rounded up (MPFR), a rigorous upper bound on |c - T|.\n"
    "Per test: max abs error (max err), max rel error (err / |T64| over entries with T64 != 0, T64 the\n"
    "correctly rounded float64 T), the normwise error in ulps (max err / ulp_dtype(max |T|), with the ulp\n"
    "taken at a lower bound of max |T|, so the count is an upper bound), the number of mismatches\n"
    "(entries failing the elementwise form of the policy) and the verdict.\n"
    "\n"
    "Policies (a pass is certified: it holds for the exact T, thresholds are rounded down):\n"
    "  torch         PyTorch assert_close tolerances for the dtype: an entry passes iff\n"
    "                err <= atol + rtol |T|; f64 atol 1e-7 rtol 1e-7, f32 atol 1e-5 rtol 1.3e-6,\n"
    "                bf16 atol 1e-5 rtol 1.6e-2, f16 atol 1e-5 rtol 1e-3.\n"
    "  abs:X,rel:Y   the same with atol X and rtol Y.\n"
    "  ulp:N         passes iff the normwise error is <= N ulps: max err <= N ulp_dtype(max |T|).\n"
    "                Elementwise ulps are not the default: an output entry is a weighted mean of V that\n"
    "                can cancel to nearly 0, where its own ulp is tiny; a kernel whose error is a fraction\n"
    "                of an ulp of the largest outputs (the best a float accumulation can promise) is then\n"
    "                millions of ulps off there. The normwise measure scales every error to the output's\n"
    "                magnitude.\n"
    "  ratio:K       the FlashAttention-style criterion, with the unavoidable rounding error of the dtype as\n"
    "                the reference: passes iff max err <= K times a lower bound of the max error of the\n"
    "                correctly rounded output in that dtype (expected/T_<dtype>.npy; its distance to the\n"
    "                enclosure, rounded down), so the pass holds for the exact T. For K >= 1 an entry equal\n"
    "                to the correctly rounded value passes. If the lower bound is 0 (always in f64: RN64(T)\n"
    "                lies in the enclosure) every other entry must equal an exactly known T.\n"
    "\n"
    "A failing test shows its worst entry (index, candidate, truth enclosure) and hints where to look\n"
    "first, not a diagnosis: 'likely cause: check <convention>' for each convention the test's comment or\n"
    "flags name (interleaved, yarn, offset, causal, ...), and 'likely cause: precision' when the error is\n"
    "below 2^-7 of max|T|, the size of rounding in a lower precision (listed first below 2^-9).\n"
    "With --against, the exit code is that of --candidate.\n"
    "Exit codes: 0 every test passes, 1 a test fails or is missing, 2 bad input (one line on stderr).\n"
    "\n";

const CommandSpec validate_command{
    "validate",
    validate_help,
    {{"--golden", "DIR", "the golden suite (manifest.json, cases/<tcId>/...); required"},
     {"--candidate", "DIR", "the outputs to grade, DIR/<tcId>.npy; required"},
     {"--dtype", "D", "f64, f32 (default), bf16 or f16: tolerances, ulps and the rounded reference"},
     {"--policy", "P", "torch (default), ulp:N, abs:X,rel:Y or ratio:K (see above)"},
     {"--json", "FILE", "also write the results as JSON (atomically)"},
     {"--against", "DIR", "grade a second candidate directory and say which is provably closer to the truth"}},
    "",
    0,
    0,
    {"--golden", "--candidate"},
};

std::string fixed(double x, const char* format = "%.3g") {
  char text[64];
  std::snprintf(text, sizeof text, format, x);
  return text;
}

std::string cell(const CaseGrade& grade, double value) { return grade.graded ? fixed(value) : "-"; }

std::string shortened(const std::string& text, std::size_t width) {
  return text.size() <= width ? text : text.substr(0, width - 3) + "...";
}

// A plain text table: the first row is the header; columns padded to their widest cell.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (widths.size() <= c) widths.push_back(0);
      widths[c] = std::max(widths[c], row[c].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    out << line << '\n';
  }
}

const char* closer_name(Closer closer) {
  return closer == Closer::first ? "candidate" : closer == Closer::second ? "other" : "undecided";
}

std::string lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

ordered_json grade_json(const CaseGrade& grade) {
  ordered_json j;
  j["tcId"] = grade.tc_id;
  j["comment"] = grade.comment;
  j["verdict"] = lowercase(verdict_name(grade.verdict));
  j["message"] = grade.message;
  j["max_abs_error"] = grade.graded ? ordered_json(grade.max_abs_error) : ordered_json(nullptr);
  j["max_rel_error"] = grade.graded && grade.max_rel_error ? ordered_json(*grade.max_rel_error) : ordered_json(nullptr);
  j["normwise_ulps"] = grade.graded ? ordered_json(grade.normwise_ulps) : ordered_json(nullptr);
  j["reference_error"] = grade.graded ? ordered_json(grade.reference_error) : ordered_json(nullptr);
  j["mismatches"] = grade.graded ? ordered_json(grade.mismatches) : ordered_json(nullptr);
  j["entries"] = grade.entries;
  if (grade.worst.valid)
    j["worst"] = {{"index", {grade.worst.row, grade.worst.col}},
                  {"candidate", grade.worst.candidate},
                  {"truth_lo", grade.worst.truth_lo},
                  {"truth_hi", grade.worst.truth_hi},
                  {"error", grade.worst.error}};
  else
    j["worst"] = nullptr;
  j["hints"] = grade.hints;
  return j;
}

ordered_json policy_json(const Policy& policy) {
  ordered_json j{{"text", policy.text}};
  switch (policy.kind) {
    case Policy::Kind::tolerance:
      j["kind"] = "tolerance";
      j["atol"] = policy.atol;
      j["rtol"] = policy.rtol;
      break;
    case Policy::Kind::ulp:
      j["kind"] = "ulp";
      j["ulps"] = policy.ulps;
      break;
    case Policy::Kind::ratio:
      j["kind"] = "ratio";
      j["ratio"] = policy.ratio;
      break;
  }
  return j;
}

}  // namespace

int command_validate(int argc, char** argv) {
  const std::optional<ParsedArguments> parsed = parse_command(argc, argv, validate_command);
  if (!parsed) return exit_ok;
  const ParsedArguments& args = *parsed;
  const std::string dtype_text = args.value_or("--dtype", "f32");
  const std::optional<GradeDtype> dtype = parse_grade_dtype(dtype_text);
  if (!dtype) throw InputError("--dtype: expected f64, f32, bf16 or f16, got '" + dtype_text + "'");
  const Policy policy = parse_policy(args.value_or("--policy", "torch"), *dtype);
  const fs::path golden = args.value_or("--golden", ""), candidate = args.value_or("--candidate", "");
  const std::string json_path = args.value_or("--json", "");
  if (args.has("--json")) {
    const fs::path parent = fs::path(json_path).has_parent_path() ? fs::path(json_path).parent_path() : ".";
    std::error_code ec;
    if (json_path.empty() || !fs::is_directory(parent, ec))
      throw InputError("--json: " + json_path + ": directory does not exist");
  }

  const GoldenSuite suite = load_golden_suite(golden);
  if (suite.manifest.tests.empty()) throw InputError((golden / "manifest.json").string() + ": the suite has no tests");
  const std::vector<CaseGrade> grades = grade_directory(suite, candidate, *dtype, policy);
  std::size_t passed = 0, failed = 0, missing = 0, skipped = 0;
  for (const CaseGrade& grade : grades) {
    passed += grade.verdict == Verdict::pass;
    failed += grade.verdict == Verdict::fail;
    missing += grade.verdict == Verdict::missing;
    skipped += grade.verdict == Verdict::skipped;
  }
  if (skipped == grades.size())
    throw InputError("--dtype: no test group of the suite lists " + dtype_text + " (see the groups' \"dtypes\")");
  std::vector<CaseGrade> others;
  if (args.has("--against")) others = grade_directory(suite, args.value_or("--against", ""), *dtype, policy);

  // The table for people.
  std::cout << "validate: suite " << (suite.manifest.suite.empty() ? "(unnamed)" : suite.manifest.suite) << " ("
            << (suite.manifest.generator.empty() ? "unknown generator" : suite.manifest.generator) << "), " << grades.size()
            << " tests, dtype " << dtype_text << ", policy " << describe_policy(policy) << "\n\n";
  std::vector<std::vector<std::string>> rows{
      {"tcId", "comment", "max abs", "max rel", "ulps (norm)", "mismatches", "verdict"}};
  for (const CaseGrade& grade : grades)
    rows.push_back({grade.tc_id, shortened(grade.comment, 40), cell(grade, grade.max_abs_error),
                    grade.graded && grade.max_rel_error ? fixed(*grade.max_rel_error) : "-",
                    cell(grade, grade.normwise_ulps),
                    grade.graded ? std::to_string(grade.mismatches) + "/" + std::to_string(grade.entries) : "-",
                    verdict_name(grade.verdict)});
  print_table(std::cout, rows);
  bool details = false;
  for (const CaseGrade& grade : grades) {
    if (grade.verdict == Verdict::pass) continue;
    if (!details) std::cout << '\n';
    details = true;
    std::cout << verdict_name(grade.verdict) << ' ' << grade.tc_id << ": " << grade.message << '\n';
    for (const std::string& hint : grade.hints) std::cout << "  " << hint << " (a hint, not a diagnosis)\n";
  }
  const bool all_passed = failed == 0 && missing == 0;
  std::cout << "\nsummary: " << grades.size() << " tests, " << passed << " passed, " << failed << " failed, " << missing
            << " missing" << (skipped ? ", " + std::to_string(skipped) + " skipped" : "") << " (dtype " << dtype_text
            << ", policy " << describe_policy(policy) << "): " << (all_passed ? "all passed" : "FAILED") << '\n';

  std::size_t closer_counts[3] = {0, 0, 0};  // candidate, other, tie
  if (!others.empty()) {
    std::cout << "\nagainst " << args.value_or("--against", "")
              << ": which output is provably closer to the truth (its max abs error below the other's for every T in\n"
                 "the enclosures; undecided when the enclosures cannot separate them)\n";
    std::vector<std::vector<std::string>> against_rows{
        {"tcId", "candidate max abs", "other max abs", "candidate", "other", "closer"}};
    for (std::size_t k = 0; k < grades.size(); ++k) {
      const Closer closer = closer_of(grades[k], others[k]);
      ++closer_counts[static_cast<int>(closer)];
      against_rows.push_back({grades[k].tc_id, cell(grades[k], grades[k].max_abs_error),
                              cell(others[k], others[k].max_abs_error), verdict_name(grades[k].verdict),
                              verdict_name(others[k].verdict), closer_name(closer)});
    }
    print_table(std::cout, against_rows);
    std::cout << "closer: candidate in " << closer_counts[0] << ", other in " << closer_counts[1] << ", undecided in "
              << closer_counts[2] << '\n';
  }

  if (args.has("--json")) {
    ordered_json report;
    report["format"] = "ropecert-validate/1";
    report["golden"] = golden.string();
    report["suite"] = suite.manifest.suite;
    report["generator"] = suite.manifest.generator;
    report["candidate"] = candidate.string();
    report["dtype"] = dtype_text;
    report["policy"] = policy_json(policy);
    report["cases"] = ordered_json::array();
    for (std::size_t k = 0; k < grades.size(); ++k) {
      ordered_json entry = grade_json(grades[k]);
      if (!others.empty()) {
        entry["against"] = grade_json(others[k]);
        entry["closer"] = closer_name(closer_of(grades[k], others[k]));
      }
      report["cases"].push_back(entry);
    }
    report["summary"] = {{"tests", grades.size()}, {"passed", passed},   {"failed", failed},
                         {"missing", missing},     {"skipped", skipped}, {"all_passed", all_passed}};
    if (!others.empty())
      report["against"] = {{"dir", args.value_or("--against", "")},
                           {"candidate_closer", closer_counts[0]},
                           {"other_closer", closer_counts[1]},
                           {"undecided", closer_counts[2]}};
    write_file_atomically(json_path, report.dump(2) + "\n");
  }
  return all_passed ? exit_ok : exit_some_failed;
}

}  // namespace ropecert::cli
