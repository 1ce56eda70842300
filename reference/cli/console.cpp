#include "console.hpp"

#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "ropecert/errors.hpp"

namespace ropecert::cli {

OptionSpec route_option() {
  return {"--route", "ROUTE",
          "fast (default): the fast certified route, its undecided rows by the MPFI Ziv loop; mpfi: the MPFI Ziv "
          "loop alone"};
}

EvalRoute route_from(const ParsedArguments& args) {
  const std::string route = args.value_or("--route", "fast");
  if (route == "fast") return EvalRoute::fast;
  if (route == "mpfi") return EvalRoute::mpfi;
  throw InputError("--route: expected fast or mpfi, got '" + route + "'");
}

std::function<void(std::size_t, std::size_t, mpfr_prec_t)> stderr_progress(const std::string& label) {
  const auto start = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  return [label, start](std::size_t done, std::size_t total, mpfr_prec_t bits) {
    if (std::chrono::steady_clock::now() - *start < std::chrono::seconds(2)) return;
    if (bits == 0) {
      std::cerr << label << ": fast route, rows " << done << "/" << total << std::endl;
    } else {
      std::cerr << label << ": " << bits << " bits, rows " << done << "/" << total << std::endl;
    }
  };
}

std::string decided_by_precision(const CertifiedOutput& output) {
  std::ostringstream text;
  const char* separator = "";
  if (output.fast.ran) {
    text << "fast route: " << output.fast.rows_decided * output.cols;
    separator = ", ";
  }
  for (const PrecisionRound& round : output.rounds) {
    text << separator << round.precision << " bits: " << round.entries_decided;
    separator = ", ";
  }
  return text.str();
}

void print_summary(std::ostream& out, const CertifiedOutput& output, double seconds) {
  double max_width = 0;
  for (const EntryOutcome& entry : output.entries) max_width = std::max(max_width, entry.width);
  out << "entries: " << output.rows << " x " << output.cols << " = " << output.entries.size() << '\n'
      << "exact rows (provably equal logits): " << output.exact_rows << '\n'
      << "decided at: " << decided_by_precision(output) << '\n'
      << "undecided: " << output.undecided_count() << '\n'
      << "max enclosure width: " << std::setprecision(3) << max_width << '\n'
      << "wall time: " << std::fixed << std::setprecision(3) << seconds << " s" << std::defaultfloat << '\n';
}

}  // namespace ropecert::cli
