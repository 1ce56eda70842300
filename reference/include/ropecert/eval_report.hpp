// The files written by `ropecert eval`: T.npy, T_f32.npy, T_lo.npy, T_hi.npy, report.json.
#pragma once
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "ropecert/certified_eval.hpp"

namespace ropecert {

// report.json content (format "ropecert-eval-report/1"): shape, options, rounds (precision,
// rows evaluated, entries decided), exact rows, max enclosure width, undecided entries with
// their indices. Deterministic: the caller adds the "timing" object, the only field that varies.
nlohmann::json eval_report(const CertifiedOutput& output, const EvalOptions& options);

// Writes the four .npy files and report.json (with `timing` merged in) into `dir`.
// Undecided roundings are written as NaN in T.npy / T_f32.npy.
void write_eval_files(const std::filesystem::path& dir, const CertifiedOutput& output,
                      const nlohmann::json& report);

}  // namespace ropecert
