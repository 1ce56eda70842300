#include <sys/resource.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "arguments.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "ropecert/certified_eval.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/parallel.hpp"
#include "ropecert/synthetic.hpp"

namespace ropecert::cli {

namespace {

const CommandSpec bench_command{
    "bench",
    "Usage: ropecert bench eval [options]\n"
    "       ropecert bench fast [options] (see ropecert bench fast --help)\n\n"
    "Times the certified evaluator (ropecert eval) on synthetic standard-RoPE cases, n_q = n_k = n, and\n"
    "prints the wall time, the share of entries decided by the fast route and at each working precision of\n"
    "the MPFI Ziv loop, and the process's peak resident memory so far.\n\n",
    {{"--sizes", "LIST", "comma-separated n values (default 256,512,1024,2048)"},
     {"--d", "D", "head dimension, even (default 64)"},
     {"--bound", "B", "entries of Q, K, V uniform in [-B, B], B a power of two (default 1)"},
     {"--causal", "", "use the causal mask"},
     {"--start-prec", "BITS", "first working precision, >= 53 (default 64)"},
     route_option(),
     {"--threads", "N", "worker threads, 0 = all cores (default 0)"},
     {"--seed", "S", "seed of the synthetic cases (default 1)"}},
    "BENCHMARK (eval or fast)",
    1,
    1,
    {},
};

std::vector<std::size_t> parse_sizes(const std::string& text) {
  std::vector<std::size_t> sizes;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ','))
    sizes.push_back(static_cast<std::size_t>(parse_integer(item, "--sizes", 1, 1 << 20)));
  if (sizes.empty()) throw InputError("--sizes: empty list");
  return sizes;
}

// The peak resident set size of this process so far, in MiB (getrusage; Linux reports KiB).
long peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

}  // namespace

int command_bench(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "fast") return command_bench_fast(argc, argv);
  const std::optional<ParsedArguments> parsed = parse_command(argc, argv, bench_command);
  if (!parsed) return exit_ok;
  const ParsedArguments& args = *parsed;
  if (args.positionals.front() != "eval")
    throw InputError("bench: unknown benchmark (available: eval, fast)");
  const std::vector<std::size_t> sizes = parse_sizes(args.value_or("--sizes", "256,512,1024,2048"));
  const std::size_t d = static_cast<std::size_t>(args.integer_or("--d", 64, 2, 4096));
  if (d % 2 != 0) throw InputError("--d: RoPE needs an even head dimension, got " + std::to_string(d));
  const long long bound = args.integer_or("--bound", 1, 1, 1 << 20);
  if ((bound & (bound - 1)) != 0) throw InputError("--bound: expected a power of two, got " + std::to_string(bound));
  const std::uint64_t seed = static_cast<std::uint64_t>(args.integer_or("--seed", 1, 0, 1LL << 62));
  EvalOptions options;
  options.threads = static_cast<unsigned>(args.integer_or("--threads", 0, 0, 1024));
  options.start_precision = args.integer_or("--start-prec", 64, 53, options.max_precision);
  options.route = route_from(args);
  const MaskKind mask = args.has("--causal") ? MaskKind::causal : MaskKind::none;

  std::cout << "certified evaluation, kind rope, d = " << d << ", entries in [-" << bound << ", " << bound
            << "], mask " << (mask == MaskKind::causal ? "causal" : "none") << ", threads "
            << effective_threads(options.threads) << ", route " << args.value_or("--route", "fast") << "\n\n"
            << "| n | time (s) | entries | fast route | decided at (bits: share) | exact rows | undecided | peak RSS (MiB) |\n"
            << "|---:|---:|---:|---:|---|---:|---:|---:|\n";
  for (std::size_t n : sizes) {
    const Problem problem = synthetic_rope_problem(n, d, mask, static_cast<double>(bound), seed);
    options.progress = stderr_progress("bench n=" + std::to_string(n));
    const auto start = std::chrono::steady_clock::now();
    const CertifiedOutput output = evaluate_certified(problem, options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::ostringstream shares;
    const char* separator = "";
    for (const PrecisionRound& round : output.rounds) {
      shares << separator << round.precision << ": " << std::setprecision(6)
             << 100.0 * static_cast<double>(round.entries_decided) / static_cast<double>(output.entries.size())
             << "%";
      separator = ", ";
    }
    const double fast_share =
        100.0 * static_cast<double>(output.fast.rows_decided * output.cols) / static_cast<double>(output.entries.size());
    std::cout << "| " << n << " | " << std::fixed << std::setprecision(2) << seconds << std::defaultfloat << " | "
              << output.entries.size() << " | " << std::setprecision(6) << fast_share << "% | " << shares.str()
              << " | " << output.exact_rows << " | " << output.undecided_count() << " | " << peak_rss_mib() << " |"
              << std::endl;
  }
  return exit_ok;
}

}  // namespace ropecert::cli
