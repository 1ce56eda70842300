// `ropecert bench fast`: time and peak memory of the quadratic binary64 loop, the Toeplitz route and the
// low-rank route of the fast algorithm in binary64, on synthetic standard-RoPE cases (bench/README.md).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "arguments.hpp"
#include "commands.hpp"
#include "ropecert/attention_double.hpp"
#include "ropecert/decimal.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/exact_problem.hpp"
#include "ropecert/fast_run.hpp"
#include "ropecert/output_dir.hpp"
#include "ropecert/polynomial.hpp"
#include "ropecert/synthetic.hpp"

namespace ropecert::cli {

namespace {

const CommandSpec bench_fast_command{
    "bench fast",
    "Usage: ropecert bench fast [options]\n\n"
    "Times, on synthetic standard-RoPE cases (n_q = n_k = n, entries uniform in [-1, 1], d_v = d),\n"
    "the quadratic binary64 loop (attention_quadratic_double, one thread) against the fast\n"
    "algorithm in binary64: the Toeplitz route (FFTW) and the low-rank route, both at the degree g\n"
    "planned for --eps (R from the norms of each case). Each run is a child process: the table\n"
    "gives its wall time and peak resident memory. One run, one machine: compare ratios.\n\n",
    {{"--sizes", "LIST", "comma-separated n values (default 256,512,...,65536)"},
     {"--d", "D", "head dimension, even (default 2)"},
     {"--eps", "E", "target bound on ||T~ - T||_inf, a decimal (default 1e-3)"},
     {"--methods", "LIST", "any of quadratic,toeplitz,lowrank (default all three)"},
     {"--causal", "", "use the causal mask"},
     {"--max-seconds", "S", "skip a method at the next n once its predicted time exceeds S (default 120)"},
     {"--csv", "FILE", "also write the measurements as CSV (for bench/plot_fast.py), atomically"},
     {"--seed", "S", "seed of the synthetic cases (default 1)"}},
    "",
    0,
    0,
    {},
};

struct Measurement {
  double seconds = 0;
  double peak_rss_mib = 0;
};

// Runs `work` in a child process and returns its wall time and the child's peak resident set while it
// ran: the high-water mark is reset at the start (/proc/self/clear_refs, value 5), so inputs inherited
// from this process count only as far as they are resident in the child.
Measurement measure_in_child(const std::function<void()>& work) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("bench: pipe failed");
  std::cout.flush();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("bench: fork failed");
  if (pid == 0) {
    close(fds[0]);
    std::ofstream("/proc/self/clear_refs") << "5";
    Measurement m;
    const auto start = std::chrono::steady_clock::now();
    try {
      work();
    } catch (...) {
      _exit(1);
    }
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmHWM:", 0) == 0) m.peak_rss_mib = std::stod(line.substr(6)) / 1024.0;
    const ssize_t written = write(fds[1], &m, sizeof m);
    _exit(written == ssize_t(sizeof m) ? 0 : 1);
  }
  close(fds[1]);
  Measurement m;
  const ssize_t got = read(fds[0], &m, sizeof m);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (got != ssize_t(sizeof m) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("bench: the measured run failed");
  return m;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');) items.push_back(item);
  return items;
}

}  // namespace

int command_bench_fast(int argc, char** argv) {
  const std::optional<ParsedArguments> parsed = parse_command(argc, argv, bench_fast_command);
  if (!parsed) return exit_ok;
  const ParsedArguments& args = *parsed;
  std::vector<std::size_t> sizes;
  for (const std::string& item : split(args.value_or("--sizes", "256,512,1024,2048,4096,8192,16384,32768,65536")))
    sizes.push_back(static_cast<std::size_t>(parse_integer(item, "--sizes", 1, 1 << 22)));
  if (sizes.empty()) throw InputError("--sizes: empty list");
  const std::size_t d = static_cast<std::size_t>(args.integer_or("--d", 2, 2, 64));
  if (d % 2 != 0) throw InputError("--d: RoPE needs an even head dimension, got " + std::to_string(d));
  const std::optional<Rational> eps = exact_decimal(args.value_or("--eps", "1e-3"));
  if (!eps || *eps <= 0 || *eps >= 1) throw InputError("--eps: expected a decimal in (0, 1), got '" + args.value_or("--eps", "") + "'");
  std::vector<std::string> methods = split(args.value_or("--methods", "quadratic,toeplitz,lowrank"));
  for (const std::string& m : methods)
    if (m != "quadratic" && m != "toeplitz" && m != "lowrank")
      throw InputError("--methods: unknown method '" + m + "' (quadratic, toeplitz, lowrank)");
  const double max_seconds = static_cast<double>(args.integer_or("--max-seconds", 120, 1, 1 << 20));
  const MaskKind mask = args.has("--causal") ? MaskKind::causal : MaskKind::none;
  const std::uint64_t seed = static_cast<std::uint64_t>(args.integer_or("--seed", 1, 0, 1LL << 62));
  if (args.has("--csv")) {  // fail before the runs on a bad path
    const std::filesystem::path csv_path(args.value_or("--csv", ""));
    if (!std::filesystem::is_directory(csv_path.has_parent_path() ? csv_path.parent_path() : "."))
      throw InputError(csv_path.string() + ": directory does not exist");
  }

  std::ostringstream csv;
  csv << "method,n,d,support,eps,g,terms,seconds,peak_rss_mib\n";
  std::cout << "fast algorithm in binary64 vs the quadratic loop: d = " << d << ", eps = " << args.value_or("--eps", "1e-3")
            << ", mask " << (mask == MaskKind::causal ? "causal" : "none") << ", one thread each\n\n"
            << "| method | n | g | terms | time (s) | peak RSS (MiB) |\n|---|---:|---:|---:|---:|---:|\n";
  std::map<std::string, std::pair<std::size_t, double>> last;  // method -> (n, seconds) of its last run
  for (std::size_t n : sizes) {
    const Problem problem = synthetic_rope_problem(n, d, mask, 1.0, seed);
    const FastPlan plan = plan_fast(problem, *eps, FastRoute::toeplitz, FastArithmetic::binary64, Integer(1) << 60);
    for (const std::string& method : methods) {
      // Predicted time from the last run: n^2 for the quadratic loop, n log n (taken as n^1.1) otherwise.
      if (last.count(method)) {
        const double growth = double(n) / double(last[method].first);
        const double predicted = last[method].second * std::pow(growth, method == "quadratic" ? 2.0 : 1.1);
        if (predicted > max_seconds) continue;
      }
      const Integer terms = method == "toeplitz" ? plan.terms
                            : method == "lowrank" ? binomial(d + plan.g, plan.g)
                                                  : Integer(0);
      const Measurement m = measure_in_child([&] {
        if (method == "quadratic") attention_quadratic_double(problem, 1);
        if (method == "toeplitz") run_fast_binary64(problem, plan, FastRoute::toeplitz);
        if (method == "lowrank") run_fast_binary64(problem, plan, FastRoute::lowrank);
      });
      last[method] = {n, m.seconds};
      std::cout << "| " << method << " | " << n << " | " << (method == "quadratic" ? "-" : std::to_string(plan.g))
                << " | " << (method == "quadratic" ? "-" : terms.str()) << " | " << std::setprecision(4) << m.seconds
                << " | " << std::setprecision(4) << m.peak_rss_mib << " |" << std::endl;
      csv << method << ',' << n << ',' << d << ',' << plan.support << ',' << args.value_or("--eps", "1e-3") << ','
          << (method == "quadratic" ? "" : std::to_string(plan.g)) << ',' << (method == "quadratic" ? "" : terms.str())
          << ',' << std::setprecision(6) << m.seconds << ',' << std::setprecision(6) << m.peak_rss_mib << '\n';
    }
  }
  if (args.has("--csv")) write_file_atomically(args.value_or("--csv", ""), csv.str());
  return exit_ok;
}

}  // namespace ropecert::cli
