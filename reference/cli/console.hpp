// What the commands print: progress on stderr for long runs, a summary of a certified evaluation.
#pragma once
#include <cstddef>
#include <functional>
#include <ostream>
#include <string>

#include <mpfr.h>

#include "arguments.hpp"
#include "ropecert/certified_eval.hpp"

namespace ropecert::cli {

// The --route option of eval, golden and bench eval: "fast" (default) or "mpfi"; InputError otherwise.
// (A function, not a global: the commands' CommandSpec globals copy it during static initialisation.)
OptionSpec route_option();
EvalRoute route_from(const ParsedArguments& args);

// A progress callback for EvalOptions::progress that stays silent for the first two seconds,
// then writes "<label>: <bits> bits, rows <done>/<total>" to stderr about once a second.
std::function<void(std::size_t, std::size_t, mpfr_prec_t)> stderr_progress(const std::string& label);

// Number of entries decided at each working precision, e.g. "64 bits: 4090, 128 bits: 6".
std::string decided_by_precision(const CertifiedOutput& output);

// A human-readable summary: shape, exact rows, decisions per precision, undecided entries,
// largest enclosure width, wall time.
void print_summary(std::ostream& out, const CertifiedOutput& output, double seconds);

}  // namespace ropecert::cli
