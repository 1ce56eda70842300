#include "console.hpp"

#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

namespace ropecert::cli {

std::function<void(std::size_t, std::size_t, mpfr_prec_t)> stderr_progress(const std::string& label) {
  const auto start = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  return [label, start](std::size_t done, std::size_t total, mpfr_prec_t bits) {
    if (std::chrono::steady_clock::now() - *start < std::chrono::seconds(2)) return;
    std::cerr << label << ": " << bits << " bits, rows " << done << "/" << total << std::endl;
  };
}

std::string decided_by_precision(const CertifiedOutput& output) {
  std::ostringstream text;
  const char* separator = "";
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
