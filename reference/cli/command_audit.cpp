#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "arguments.hpp"
#include "commands.hpp"
#include "ropecert/audit.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/output_dir.hpp"

namespace ropecert::cli {

namespace {

const CommandSpec audit_command{
    "audit",
    "Usage: ropecert audit [--json FILE] [--seed N]\n\n"
    "Audits the claims of Alman & Song, \"Fast RoPE Attention\" (arXiv 2505.11892), claim by claim:\n"
    "verdict, evidence computed now (property checks with counterexamples shrunk by RapidCheck,\n"
    "exact rational arithmetic), the corrected statement, and the test and proof note behind it.\n"
    "Markdown on stdout.\n\n",
    {{"--json", "FILE", "also write the audit as JSON to FILE (atomically)"},
     {"--seed", "N", "seed of the property checks (default 1)"}},
    "",
    0,
    0,
    {},
};

}  // namespace

int command_audit(int argc, char** argv) {
  const std::optional<ParsedArguments> parsed = parse_command(argc, argv, audit_command);
  if (!parsed) return exit_ok;
  const ParsedArguments& args = *parsed;
  const std::uint64_t seed = static_cast<std::uint64_t>(args.integer_or("--seed", 1, 0, 1LL << 62));
  const auto start = std::chrono::steady_clock::now();
  const std::vector<ClaimVerdict> verdicts = run_audit(seed, [start](const std::string& id) {
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(2))  // quiet for short runs
      std::cerr << "ropecert audit: checking " << id << '\n';
  });
  if (args.has("--json")) write_file_atomically(args.value_or("--json", ""), audit_json(verdicts, seed).dump(2) + "\n");
  std::cout << audit_markdown(verdicts, seed);
  return exit_ok;
}

}  // namespace ropecert::cli
