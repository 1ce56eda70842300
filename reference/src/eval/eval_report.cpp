#include "ropecert/eval_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <stdexcept>

#include "ropecert/errors.hpp"

#include "ropecert/npy.hpp"
#include "ropecert/output_dir.hpp"

namespace ropecert {

nlohmann::json eval_report(const Problem& problem, const CertifiedOutput& output, const EvalOptions& options) {
  nlohmann::json report;
  report["format"] = "ropecert-eval-report/1";
  report["shape"] = {{"n_q", problem.n_q()}, {"n_k", problem.n_k()}, {"d", problem.d()}, {"d_v", problem.d_v()}};
  report["options"] = {{"route", options.route == EvalRoute::fast ? "fast" : "mpfi"},
                       {"outputs", output_format_names(options.formats)},
                       {"start_precision", options.start_precision},
                       {"max_precision", options.max_precision}};
  if (output.fast.ran) {
    nlohmann::json fallback = nlohmann::json::array();
    std::size_t fallback_rows = 0;
    for (const auto& [reason, rows] : output.fast.fallback_rows) {
      fallback.push_back({{"reason", reason}, {"rows", rows}});
      fallback_rows += rows;
    }
    report["fast_route"] = {{"rows_decided", output.fast.rows_decided},
                            {"entries_decided", output.fast.rows_decided * output.cols},
                            {"rows_fallen_back", fallback_rows},
                            {"fallback", fallback}};
  }
  nlohmann::json rounds = nlohmann::json::array();
  for (const PrecisionRound& round : output.rounds)
    rounds.push_back({{"precision", round.precision},
                      {"rows_evaluated", round.rows_evaluated},
                      {"entries_decided", round.entries_decided}});
  report["rounds"] = rounds;
  report["exact_rows"] = output.exact_rows;
  report["exact_entries"] = output.exact_rows * output.cols;
  double max_width = 0;
  nlohmann::json undecided = nlohmann::json::array();
  for (std::size_t i = 0; i < output.rows; ++i) {
    for (std::size_t c = 0; c < output.cols; ++c) {
      const EntryOutcome& entry = output.at(i, c);
      max_width = std::max(max_width, entry.width);
      if (!entry.decided(output.formats))
        undecided.push_back({{"row", i}, {"column", c}, {"binary64", entry.t64_decided ? "decided" : "undecided"},
                             {"binary32", entry.t32_decided ? "decided" : "undecided"},
                             {"binary16", entry.t16_decided ? "decided" : "undecided"},
                             {"bfloat16", entry.tbf16_decided ? "decided" : "undecided"},
                             {"precision", entry.precision}});
    }
  }
  report["entries"] = output.rows * output.cols;
  // JSON has no infinity: a blown-up enclosure is reported as null.
  report["max_enclosure_width"] = std::isfinite(max_width) ? nlohmann::json(max_width) : nlohmann::json();
  report["undecided_count"] = undecided.size();
  report["undecided"] = undecided;
  return report;
}

std::vector<std::string> output_format_names(unsigned formats) {
  std::vector<std::string> names;
  for (const EvalOutputFile& file : eval_output_files)
    if (formats & file.bit) names.push_back(file.name);
  return names;
}

unsigned parse_output_formats(const std::string& list) {
  unsigned formats = 0;
  std::size_t start = 0;
  for (;;) {  // every comma-separated item, empty ones included ("f64," has the items "f64" and "")
    const std::size_t comma = list.find(',', start);
    const std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto file = std::find_if(std::begin(eval_output_files), std::end(eval_output_files),
                                   [&](const EvalOutputFile& f) { return item == f.name; });
    if (file == std::end(eval_output_files))
      throw InputError("--outputs: unknown format '" + item + "' (expected a comma-separated list of f64, f32, f16, bf16)");
    if (formats & file->bit) throw InputError("--outputs: '" + item + "' is listed twice");
    formats |= file->bit;
    if (comma == std::string::npos) return formats;
    start = comma + 1;
  }
}

void write_eval_files(const std::filesystem::path& dir, const CertifiedOutput& output, const nlohmann::json& report) {
  const std::vector<std::size_t> shape{output.rows, output.cols};
  std::vector<double> t64, t32, t16, tbf16, lo, hi;
  for (const EntryOutcome& entry : output.entries) {
    t64.push_back(entry.t64);
    t32.push_back(entry.t32);
    t16.push_back(entry.t16);
    tbf16.push_back(entry.tbf16);
    lo.push_back(entry.lo);
    hi.push_back(entry.hi);
  }
  if (output.formats & output_binary64) write_npy_float64(dir / "T.npy", shape, t64);
  if (output.formats & output_binary32) write_npy_float32(dir / "T_f32.npy", shape, t32);
  if (output.formats & output_binary16) write_npy_float16(dir / "T_f16.npy", shape, t16);
  if (output.formats & output_bfloat16) {
    std::vector<std::uint16_t> bits;
    for (double x : tbf16) bits.push_back(std::isnan(x) ? std::uint16_t(0x7fc0) : bfloat16_bits(x));  // quiet NaN
    write_npy_uint16(dir / "T_bf16.npy", shape, bits);
  }
  write_npy_float64(dir / "T_lo.npy", shape, lo);
  write_npy_float64(dir / "T_hi.npy", shape, hi);
  write_text_file(dir / "report.json", report.dump(2) + "\n");
}

}  // namespace ropecert
