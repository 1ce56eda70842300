// The files written by `ropecert eval`: T.npy, T_f32.npy, T_f16.npy, T_bf16.npy (those --outputs asks for),
// T_lo.npy, T_hi.npy, report.json.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ropecert/certified_eval.hpp"

namespace ropecert {

// report.json content (format "ropecert-eval-report/1"): shape, route and precision options, on the fast route
// the rows it decided and why the others fell back (reason, row count), the Ziv loop's rounds
// (precision, rows evaluated, entries decided), exact rows, max enclosure width, undecided
// entries with their indices. Deterministic, thread count excluded: the caller adds the
// "timing" object, the only field that varies between runs.
nlohmann::json eval_report(const Problem& problem, const CertifiedOutput& output, const EvalOptions& options);

// The formats of `ropecert eval --outputs`: the list's name of a format and its OutputFormat bit.
struct EvalOutputFile {
  const char* name;
  unsigned bit;
};
inline constexpr EvalOutputFile eval_output_files[] = {
    {"f64", output_binary64}, {"f32", output_binary32}, {"f16", output_binary16}, {"bf16", output_bfloat16}};

// The names of the formats in an OutputFormat set, in the order of eval_output_files.
std::vector<std::string> output_format_names(unsigned formats);

// The OutputFormat set of a comma-separated list of f64, f32, f16, bf16 (--outputs); InputError naming the
// bad item for an unknown, repeated or missing name.
unsigned parse_output_formats(const std::string& list);

// Writes, into the existing directory `dir`, the files of the formats output.formats requests (T.npy float64,
// T_f32.npy float32, T_f16.npy float16, T_bf16.npy uint16 bfloat16 bit patterns), T_lo.npy, T_hi.npy and
// report.json. Undecided roundings are written as NaN (bfloat16: the quiet NaN 0x7fc0).
void write_eval_files(const std::filesystem::path& dir, const CertifiedOutput& output,
                      const nlohmann::json& report);

}  // namespace ropecert
