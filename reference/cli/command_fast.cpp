#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>

#include "arguments.hpp"
#include "commands.hpp"
#include "ropecert/case_io.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/exact_problem.hpp"
#include "ropecert/fast_run.hpp"
#include "ropecert/npy.hpp"
#include "ropecert/output_dir.hpp"
#include "ropecert/rounding.hpp"

#include <nlohmann/json.hpp>

namespace ropecert::cli {

namespace {

const std::vector<OptionSpec> fast_options{
    {"--eps", "E", "bound on the output error ||T~ - T||_inf, a decimal (required)"},
    {"--out", "OUT_DIR", "output directory (required); written atomically"},
    {"--arith", "A", "arithmetic: exact (default; double and mpfr are not built yet)"},
    {"--route", "R", "toeplitz (default; corrected Theorem 5.3) or lowrank (RoPE only)"},
    {"--max-terms", "N", "refuse plans with more terms than N (default 5000)"},
    {"--check", "", "also run the certified evaluator and report the measured error"},
    {"--force", "", "replace OUT_DIR if it exists and is not empty"},
    {"--help", "", "show this help"},
};

double rounded(const Rational& x, RoundingMode mode) { return round_rational(x.backend().data(), binary64, mode); }

}  // namespace

int command_fast(int argc, char** argv) {
  const ParsedArguments args = parse_arguments(argc, argv, 1, fast_options);
  if (args.has("--help")) {
    std::cout << "Usage: ropecert fast CASE_DIR --eps E --out OUT_DIR [--route toeplitz|lowrank] [--check]\n\n"
                 "The polynomial method of Alman & Song with the Toeplitz correction, in exact arithmetic, on a\n"
                 "case with rational rotations (kind general, or kind rope with \"angles\": \"pythagorean\").\n"
                 "Chooses the least degree g of P(x) = sum_t (x+R)^t/t! whose proven bound on ||T~ - T||_inf is\n"
                 "<= E, computes T~ exactly and writes OUT_DIR/T.npy (T~ rounded to nearest binary64) and\n"
                 "report.json (R, g, delta, the bound, the number of terms, the Lemma 3.1 degree, wall time;\n"
                 "with --check also the measured error against the certified enclosure).\n\n"
              << describe_options(fast_options);
    return exit_ok;
  }
  if (args.positionals.size() != 1) throw InputError("fast: expected one CASE_DIR (see ropecert fast --help)");
  if (!args.has("--eps")) throw InputError("fast: --eps E is required");
  if (!args.has("--out")) throw InputError("fast: --out OUT_DIR is required");
  const std::string arith = args.value_or("--arith", "exact");
  if (arith != "exact")
    throw InputError("--arith: '" + arith + "' is not built yet; only exact arithmetic is available");
  const std::string route_name = args.value_or("--route", "toeplitz");
  if (route_name != "toeplitz" && route_name != "lowrank")
    throw InputError("--route: expected toeplitz or lowrank, got '" + route_name + "'");
  const FastRoute route = route_name == "toeplitz" ? FastRoute::toeplitz : FastRoute::lowrank;
  const std::optional<Rational> eps = exact_decimal(args.value_or("--eps", ""));
  if (!eps) throw InputError("--eps: expected a decimal number such as 1e-6, got '" + args.value_or("--eps", "") + "'");
  const Integer max_terms(args.integer_or("--max-terms", 5000, 1, 1LL << 40));

  const auto start = std::chrono::steady_clock::now();
  const Problem problem = load_case(args.positionals.front());
  const FastPlan plan = plan_fast_exact(problem, *eps, route, max_terms);
  AtomicOutputDir out_dir(args.value_or("--out", ""), args.has("--force"));
  const RationalMatrix t = run_fast_exact(problem, plan, route);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  nlohmann::json report{{"format", "ropecert-fast-report/1"},
                        {"arith", arith},
                        {"route", route_name},
                        {"eps", plan.eps.str()},
                        {"R", plan.R.str()},
                        {"g", plan.g},
                        {"delta", rounded(plan.delta, RoundingMode::up)},
                        {"bound", rounded(plan.bound, RoundingMode::up)},
                        {"terms", plan.terms.str()},
                        {"lemma31_degree", plan.lemma31_degree},
                        {"timing", {{"wall_time_s", seconds}}}};
  bool check_passed = true;
  if (args.has("--check")) {
    // The largest distance from T~ to a 256-bit certified enclosure bounds |T~ - T| rigorously.
    const Rational measured = certified_max_error(problem, t, 256);
    // The enclosure's width (~2^-250) limits the check: errors below 2^-200 count as within.
    check_passed = measured <= plan.bound + Rational(1) / boost::multiprecision::pow(Integer(2), 200);
    report["check"] = {{"measured_max_error", rounded(measured, RoundingMode::up)},
                       {"measured_over_bound", static_cast<double>(plan.bound > 0 ? Rational(measured / plan.bound)
                                                                                   : Rational(0))},
                       {"within_bound", check_passed}};
  }
  std::vector<double> t64;
  for (const Rational& x : t.values) t64.push_back(rounded(x, RoundingMode::nearest_even));
  write_npy_float64(out_dir.staging() / "T.npy", {t.rows, t.cols}, t64);
  std::ofstream(out_dir.staging() / "report.json") << report.dump(2) << '\n';
  out_dir.commit();

  std::cout << "wrote " << args.value_or("--out", "") << "\nR = " << plan.R.str() << ", g = " << plan.g
            << " (Lemma 3.1 formula: " << plan.lemma31_degree << "), terms = " << plan.terms.str()
            << ", bound = " << rounded(plan.bound, RoundingMode::up) << " <= eps = " << plan.eps.str() << '\n';
  if (report.contains("check"))
    std::cout << "check: measured max error " << report["check"]["measured_max_error"].get<double>() << " = "
              << report["check"]["measured_over_bound"].get<double>() << " x bound\n";
  if (!check_passed) {
    std::cerr << "ropecert: error: the measured error exceeds the a-priori bound (see report.json)\n";
    return 1;
  }
  return exit_ok;
}

}  // namespace ropecert::cli
