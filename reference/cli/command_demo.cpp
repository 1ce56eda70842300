#include <chrono>
#include <iomanip>
#include <iostream>

#include "arguments.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "ropecert/certified_eval.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/synthetic.hpp"

namespace ropecert::cli {

namespace {

// The built-in demo: causal standard RoPE, n = 128, d = 64, entries in [-4, 4] (logits up to ~10).
constexpr std::size_t demo_n = 128, demo_d = 64;
constexpr std::uint64_t demo_seed = 2505'11892;

const CommandSpec demo_command{
    "demo",
    "Usage: ropecert demo [--threads N]\n\nEvaluates a built-in causal RoPE case (n = " + std::to_string(demo_n) +
        ", d = " + std::to_string(demo_d) + ") with certified arithmetic and prints a summary.\n\n",
    {{"--threads", "N", "worker threads, 0 = all cores (default 0)"}},
    "",
    0,
    0,
    {},
};

}  // namespace

int command_demo(int argc, char** argv) {
  const std::optional<ParsedArguments> parsed = parse_command(argc, argv, demo_command);
  if (!parsed) return exit_ok;
  const ParsedArguments& args = *parsed;
  EvalOptions options;
  options.threads = static_cast<unsigned>(args.integer_or("--threads", 0, 0, 1024));
  options.progress = stderr_progress("ropecert demo");

  const Problem problem = synthetic_rope_problem(demo_n, demo_d, MaskKind::causal, 4.0, demo_seed);
  std::cout << "ropecert demo: causal standard RoPE attention, n = " << demo_n << ", d = " << demo_d
            << ", base 10000, half pairing, scale 1/sqrt(d), entries in [-4, 4]\n";
  const auto start = std::chrono::steady_clock::now();
  const CertifiedOutput output = evaluate_certified(problem, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  print_summary(std::cout, output, seconds);

  std::cout << "\nlast row, first 4 columns (row " << demo_n - 1 << " sees every key):\n"
            << "  col  RN binary64               RN binary32       enclosure [lo, hi] (binary64, outward)\n";
  for (std::size_t c = 0; c < 4; ++c) {
    const EntryOutcome& e = output.at(demo_n - 1, c);
    std::cout << "  " << std::setw(3) << c << "  " << std::setw(24) << std::setprecision(17) << e.t64 << "  "
              << std::setw(16) << std::setprecision(9) << e.t32 << "  [" << std::setprecision(17) << e.lo << ", "
              << e.hi << "]\n";
  }
  return output.undecided_count() == 0 ? exit_ok : exit_undecided;
}

}  // namespace ropecert::cli
