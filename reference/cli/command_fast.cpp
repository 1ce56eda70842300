#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <optional>
#include <vector>

#include "arguments.hpp"
#include "commands.hpp"
#include "ropecert/case_io.hpp"
#include "ropecert/decimal.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/exact_problem.hpp"
#include "ropecert/fast_run.hpp"
#include "ropecert/npy.hpp"
#include "ropecert/output_dir.hpp"
#include "ropecert/rounding.hpp"

#include <nlohmann/json.hpp>

namespace ropecert::cli {

namespace {

const CommandSpec fast_command{
    "fast",
    "Usage: ropecert fast CASE_DIR --eps E --out OUT_DIR [--arith exact|double]\n"
    "                     [--route toeplitz|lowrank] [--check]\n\n"
    "The polynomial method of Alman & Song with the Toeplitz correction. Chooses the least degree g\n"
    "of P(x) = sum_t (x+R)^t/t! whose proven bound on ||T~ - T||_inf is <= E (R from the norms of\n"
    "Q and K), computes T~ and writes OUT_DIR/T.npy and report.json (R, g, delta, the bound, the\n"
    "number of terms, the Lemma 3.1 degree, wall time; with --check also the measured error\n"
    "against the certified enclosure).\n"
    "  --arith exact: rational arithmetic, for cases with rational rotations (kind general, or kind\n"
    "    rope with \"angles\": \"pythagorean\"); T.npy is T~ rounded to nearest binary64.\n"
    "  --arith double: binary64 with FFTW, any case; the report adds a rigorous bound on the\n"
    "    rounding error (under the FFT accuracy model of proofs-notes/21) to the a-priori bound.\n\n",
    {{"--eps", "E", "bound on the output error ||T~ - T||_inf, a decimal (required)"},
     {"--out", "OUT_DIR", "output directory (required); written atomically"},
     {"--arith", "A", "exact (default; rational rotations only) or double (binary64 + FFTW, any case)"},
     {"--route", "R", "toeplitz (default; corrected Theorem 5.3) or lowrank (RoPE only)"},
     {"--max-terms", "N", "refuse plans with more terms than N (default 5000)"},
     {"--check", "", "also run the certified evaluator and report the measured error"},
     {"--force", "", "replace OUT_DIR if it exists and is not empty"}},
    "CASE_DIR",
    1,
    1,
    {"--eps", "--out"},
};

double rounded(const Rational& x, RoundingMode mode) { return round_rational(x.backend().data(), binary64, mode); }

}  // namespace

int command_fast(int argc, char** argv) {
  const std::optional<ParsedArguments> parsed = parse_command(argc, argv, fast_command);
  if (!parsed) return exit_ok;
  const ParsedArguments& args = *parsed;
  const std::string arith = args.value_or("--arith", "exact");
  if (arith != "exact" && arith != "double")
    throw InputError("--arith: expected exact or double, got '" + arith + "'");
  const FastArithmetic arithmetic = arith == "exact" ? FastArithmetic::exact : FastArithmetic::binary64;
  const std::string route_name = args.value_or("--route", "toeplitz");
  if (route_name != "toeplitz" && route_name != "lowrank")
    throw InputError("--route: expected toeplitz or lowrank, got '" + route_name + "'");
  const FastRoute route = route_name == "toeplitz" ? FastRoute::toeplitz : FastRoute::lowrank;
  const std::optional<Rational> eps = exact_decimal(args.value_or("--eps", ""));
  if (!eps) throw InputError("--eps: expected a decimal number such as 1e-6, got '" + args.value_or("--eps", "") + "'");
  const Integer max_terms(args.integer_or("--max-terms", 5000, 1, 1LL << 40));

  const auto start = std::chrono::steady_clock::now();
  const Problem problem = load_case(args.positionals.front());
  const FastPlan plan = plan_fast(problem, *eps, route, arithmetic, max_terms);
  AtomicOutputDir out_dir(args.value_or("--out", ""), args.has("--force"));
  // T~ as rationals (exact, or the binary64 values read exactly) when every entry is finite: an uncertified
  // binary64 T~ may hold infinities or NaNs, which have no rational value (and mpq_set_d traps on them).
  std::optional<RationalMatrix> t;
  std::vector<double> t64;  // T.npy: T~ rounded to nearest (the binary64 values as they are)
  Binary64Result binary64_result;
  if (arithmetic == FastArithmetic::exact) {
    t = run_fast_exact(problem, plan, route);
    for (const Rational& x : t->values) t64.push_back(rounded(x, RoundingMode::nearest_even));
  } else {
    binary64_result = run_fast_binary64(problem, plan, route);
    t64 = binary64_result.t.values;
    if (std::all_of(t64.begin(), t64.end(), [](double x) { return std::isfinite(x); })) {
      t = RationalMatrix(binary64_result.t.rows, binary64_result.t.cols);
      for (std::size_t e = 0; e < t64.size(); ++e) t->values[e] = Rational(t64[e]);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The total bound: the a-priori bound plus, in binary64, the rounding bound computed alongside.
  const bool certified = arithmetic == FastArithmetic::exact || binary64_result.uncertified.empty();
  const Rational total_bound =
      arithmetic == FastArithmetic::exact || !certified ? plan.bound : Rational(plan.bound + Rational(binary64_result.rounding_bound));

  nlohmann::json report{{"format", "ropecert-fast-report/1"},
                        {"arith", arith},
                        {"route", route_name},
                        {"eps", plan.eps.str()},
                        {"R", plan.R.str()},
                        {"g", plan.g},
                        {"delta", rounded(plan.delta, RoundingMode::up)},
                        {"bound", rounded(plan.bound, RoundingMode::up)},
                        {"support", plan.support},
                        {"terms", plan.terms.str()},
                        {"lemma31_degree", plan.lemma31_degree},
                        {"timing", {{"wall_time_s", seconds}}}};
  if (arithmetic == FastArithmetic::binary64) {
    report["rho"] = rounded(plan.rho, RoundingMode::up);
    if (certified) {
      report["rounding_bound"] = binary64_result.rounding_bound;
      report["total_bound"] = rounded(total_bound, RoundingMode::up);
      report["total_bound_within_eps"] = total_bound <= plan.eps;
    } else {
      report["rounding_bound"] = nullptr;
      report["uncertified"] = binary64_result.uncertified;
    }
  }
  bool check_passed = true;
  if (args.has("--check") && !t) {
    // Only an uncertified binary64 T~ can be non-finite (normalise in fast_double.cpp): nothing to measure.
    report["check"] = {{"measured_max_error", nullptr}, {"measured_over_bound", nullptr}, {"within_bound", nullptr},
                       {"not_measured", "T~ has entries that are not finite"}};
  } else if (args.has("--check")) {
    // The largest distance from T~ to a 256-bit certified enclosure bounds |T~ - T| rigorously.
    const Rational measured = certified_max_error(problem, *t, 256);
    // The enclosure's width (~2^-250) limits the check: errors below 2^-200 count as within.
    check_passed = !certified || measured <= total_bound + Rational(1) / boost::multiprecision::pow(Integer(2), 200);
    report["check"] = {{"measured_max_error", rounded(measured, RoundingMode::up)},
                       {"measured_over_bound", static_cast<double>(total_bound > 0 ? Rational(measured / total_bound)
                                                                                    : Rational(0))},
                       {"within_bound", check_passed}};
  }
  write_npy_float64(out_dir.staging() / "T.npy", {problem.n_q(), problem.d_v()}, t64);
  write_text_file(out_dir.staging() / "report.json", report.dump(2) + "\n");
  out_dir.commit();

  std::cout << "wrote " << args.value_or("--out", "") << "\nR = " << plan.R.str() << ", g = " << plan.g
            << " (Lemma 3.1 formula: " << plan.lemma31_degree << "), terms = " << plan.terms.str()
            << ", bound = " << rounded(plan.bound, RoundingMode::up) << " <= eps = " << plan.eps.str() << '\n';
  if (arithmetic == FastArithmetic::binary64) {
    if (certified)
      std::cout << "binary64: rounding bound " << binary64_result.rounding_bound << ", total bound "
                << rounded(total_bound, RoundingMode::up) << (total_bound <= plan.eps ? " <= eps\n" : " > eps\n");
    else
      std::cout << "binary64: rounding error not certified: " << binary64_result.uncertified << '\n';
  }
  if (report.contains("check") && !t)
    std::cout << "check: not measured (T~ has entries that are not finite)\n";
  else if (report.contains("check"))
    std::cout << "check: measured max error " << report["check"]["measured_max_error"].get<double>() << " = "
              << report["check"]["measured_over_bound"].get<double>() << " x bound\n";
  if (!check_passed) {
    std::cerr << "ropecert: error: the measured error exceeds the a-priori bound (see report.json)\n";
    return 1;
  }
  return exit_ok;
}

}  // namespace ropecert::cli
