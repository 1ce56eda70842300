// The files written by `ropecert eval`: T.npy, T_f32.npy, T_lo.npy, T_hi.npy, report.json.
#pragma once
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "ropecert/certified_eval.hpp"

namespace ropecert {

// report.json content (format "ropecert-eval-report/1"): shape, route and precision options, on the fast route
// the rows it decided and why the others fell back (reason, row count), the Ziv loop's rounds
// (precision, rows evaluated, entries decided), exact rows, max enclosure width, undecided
// entries with their indices. Deterministic, thread count excluded: the caller adds the
// "timing" object, the only field that varies between runs.
nlohmann::json eval_report(const Problem& problem, const CertifiedOutput& output, const EvalOptions& options);

// Writes T.npy, T_f32.npy, T_lo.npy, T_hi.npy and report.json into the existing directory `dir`.
// Undecided roundings are written as NaN in T.npy / T_f32.npy.
void write_eval_files(const std::filesystem::path& dir, const CertifiedOutput& output,
                      const nlohmann::json& report);

}  // namespace ropecert
