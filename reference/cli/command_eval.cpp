#include <chrono>
#include <iostream>

#include "arguments.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "ropecert/case_io.hpp"
#include "ropecert/certified_eval.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/eval_report.hpp"
#include "ropecert/output_dir.hpp"

namespace ropecert::cli {

namespace {

const CommandSpec eval_command{
    "eval",
    "Usage: ropecert eval CASE_DIR --out OUT_DIR [--outputs LIST] [--route fast|mpfi] [--start-prec BITS]\n"
    "                     [--max-prec BITS] [--threads N] [--force]\n"
    "\n"
    "Certified evaluation of T = softmax(M) V for the case in CASE_DIR (format ropecert-case/1,\n"
    "see README). Every entry gets a rigorous enclosure. The fast route (default) decides almost\n"
    "every row in binary64 arithmetic with proven error bounds (proofs-notes/13); its undecided\n"
    "rows, and every row with --route mpfi, go to the MPFI Ziv loop: working precisions\n"
    "--start-prec, twice that, ... up to --max-prec are tried until the enclosure decides the\n"
    "round-to-nearest-even roundings that --outputs asks for. Writes into OUT_DIR, per format of\n"
    "--outputs, T.npy (f64, float64), T_f32.npy (f32, float32), T_f16.npy (f16, float16) and T_bf16.npy\n"
    "(bf16, uint16 bit patterns), and T_lo.npy, T_hi.npy (the enclosure, rounded outward) and report.json.\n"
    "Entries still undecided at --max-prec are NaN in those files, listed in report.json, and the exit\n"
    "code is 3.\n\n",
    {{"--out", "OUT_DIR", "output directory (required); written atomically"},
     {"--outputs", "LIST", "formats to decide and write: some of f64,f32,f16,bf16 (default f64,f32)"},
     route_option(),
     {"--start-prec", "BITS", "first working precision, >= 53 (default 64)"},
     {"--max-prec", "BITS", "largest working precision, >= --start-prec (default 4096)"},
     {"--threads", "N", "worker threads, 0 = all cores (default 0); outputs do not depend on it"},
     {"--force", "", "replace OUT_DIR if it exists and is not empty"}},
    "CASE_DIR",
    1,
    1,
    {"--out"},
};

}  // namespace

int command_eval(int argc, char** argv) {
  const std::optional<ParsedArguments> parsed = parse_command(argc, argv, eval_command);
  if (!parsed) return exit_ok;
  const ParsedArguments& args = *parsed;
  EvalOptions options;
  options.start_precision = args.integer_or("--start-prec", 64, 53, 1 << 20);
  options.max_precision = args.integer_or("--max-prec", 4096, options.start_precision, 1 << 20);
  options.threads = static_cast<unsigned>(args.integer_or("--threads", 0, 0, 1024));
  options.route = route_from(args);
  options.formats = parse_output_formats(args.value_or("--outputs", "f64,f32"));
  options.progress = stderr_progress("ropecert eval");

  const auto start = std::chrono::steady_clock::now();
  const Problem problem = load_case(args.positionals.front());
  AtomicOutputDir out_dir(args.value_or("--out", ""), args.has("--force"));
  const CertifiedOutput output = evaluate_certified(problem, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  nlohmann::json report = eval_report(problem, output, options);
  report["timing"] = {{"wall_time_s", seconds}};
  write_eval_files(out_dir.staging(), output, report);
  out_dir.commit();

  std::cout << "wrote " << args.value_or("--out", "") << '\n';
  print_summary(std::cout, output, seconds);
  if (output.undecided_count() != 0) {
    std::cerr << "ropecert: warning: " << output.undecided_count() << " entries undecided at "
              << options.max_precision << " bits (NaN in the output files; see report.json)\n";
    return exit_undecided;
  }
  return exit_ok;
}

}  // namespace ropecert::cli
