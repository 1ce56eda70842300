// Certified evaluation: correctly rounded binary64, binary32, binary16 and bfloat16 outputs of softmax attention,
// with rigorous enclosures, by a Ziv loop over working precisions
// (proofs-notes/10-certified-evaluation.md, Theorem 6).
#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <mpfr.h>

#include "ropecert/problem.hpp"
#include "ropecert/rounding.hpp"

namespace ropecert {

// Which evaluator decides the entries: the fast certified route (fast_certified_route.hpp), whose undecided
// rows go to the MPFI Ziv loop, or the MPFI Ziv loop alone (the slow twin, from the definition).
enum class EvalRoute { fast, mpfi };

// On the fast route the Ziv loop of the fallback rows starts at max(start_precision, min(max_precision, this))
// bits: the fast route has already carried about 100 bits.
constexpr mpfr_prec_t fallback_start_precision = 128;

// The correctly rounded formats an evaluation must decide, as a bit set. A format not requested is still
// recorded where an enclosure happens to decide it, and is NaN otherwise.
enum OutputFormat : unsigned { output_binary64 = 1, output_binary32 = 2, output_binary16 = 4, output_bfloat16 = 8 };
constexpr unsigned all_output_formats = output_binary64 | output_binary32 | output_binary16 | output_bfloat16;

struct EvalOptions {
  EvalRoute route = EvalRoute::fast;
  unsigned formats = all_output_formats;  // the formats to decide (a nonzero OutputFormat set)
  mpfr_prec_t start_precision = 64;   // first working precision; doubled each round
  mpfr_prec_t max_precision = 4096;   // the cap; entries undecided there are reported
  unsigned threads = 0;               // 0 = hardware concurrency; results do not depend on it
  // Called from the calling thread about once a second with (rows finished, rows in this round,
  // working precision); may be empty.
  std::function<void(std::size_t, std::size_t, mpfr_prec_t)> progress;
};

struct EntryOutcome {
  double t64 = 0;     // RN binary64 of T_ic; NaN if undecided in binary64
  double t32 = 0;     // RN binary32 of T_ic (a float value held in a double); NaN if undecided
  double t16 = 0;     // RN binary16 of T_ic; NaN if undecided
  double tbf16 = 0;   // RN bfloat16 of T_ic; NaN if undecided
  double lo = 0;      // enclosure [lo, hi] of T_ic: the last one computed, endpoints rounded outward
  double hi = 0;
  double width = 0;   // hi - lo of the MPFR enclosure, rounded up (0 for exact entries)
  bool t64_decided = false;
  bool t32_decided = false;
  bool t16_decided = false;
  bool tbf16_decided = false;
  long precision = 0; // 0 for exact entries and the fast route, else the working precision of the last enclosure
  EvalRoute decided_by = EvalRoute::mpfi;  // the route that computed this entry's enclosure
  // Whether every format of `formats` (an OutputFormat set) is decided.
  bool decided(unsigned formats = all_output_formats) const {
    return (!(formats & output_binary64) || t64_decided) && (!(formats & output_binary32) || t32_decided) &&
           (!(formats & output_binary16) || t16_decided) && (!(formats & output_bfloat16) || tbf16_decided);
  }
};

// The four correctly rounded outputs of an entry: the format, its OutputFormat bit and the EntryOutcome fields.
struct RoundedOutputField {
  BinaryFormat format;
  unsigned bit;
  double EntryOutcome::*value;
  bool EntryOutcome::*decided;
};
inline constexpr RoundedOutputField rounded_output_fields[] = {
    {binary64, output_binary64, &EntryOutcome::t64, &EntryOutcome::t64_decided},
    {binary32, output_binary32, &EntryOutcome::t32, &EntryOutcome::t32_decided},
    {binary16, output_binary16, &EntryOutcome::t16, &EntryOutcome::t16_decided},
    {bfloat16, output_bfloat16, &EntryOutcome::tbf16, &EntryOutcome::tbf16_decided}};

struct PrecisionRound {
  mpfr_prec_t precision;
  std::size_t rows_evaluated;     // rows with at least one undecided entry at the round's start
  std::size_t entries_decided;    // entries whose requested roundings became decided in this round
};

// Why rows left the fast route, with their counts (ordered by reason, so reports are deterministic).
struct FastRouteSummary {
  bool ran = false;              // false for EvalRoute::mpfi
  std::size_t rows_decided = 0;  // rows whose every entry the fast route decided
  std::map<std::string, std::size_t> fallback_rows;  // reason -> rows handed to the MPFI Ziv loop
};

struct CertifiedOutput {
  std::size_t rows = 0, cols = 0;   // n_q x d_v
  unsigned formats = all_output_formats;  // EvalOptions::formats: what "decided" means below
  std::vector<EntryOutcome> entries;  // row-major
  std::size_t exact_rows = 0;         // rows with provably equal logits (exact_rows.hpp, Lemma 5)
  std::vector<PrecisionRound> rounds;  // the MPFI Ziv loop's rounds (on the fast route: the fallback rows only)
  FastRouteSummary fast;
  const EntryOutcome& at(std::size_t i, std::size_t c) const { return entries[i * cols + c]; }
  std::size_t undecided_count() const;  // entries with a requested format undecided
};

// Evaluates T = softmax(M) V for `problem` (validated). For every entry: the rigorous enclosure
// of the exact T_ic and, once the enclosure decides them, RN binary64, binary32, binary16 and
// bfloat16 of T_ic (each rounded from the exact value, not from each other). The narrower formats
// almost never cost a round: once RN binary64 is decided, the only way the others are not is that
// RN64(T) is itself one of their rounding boundaries. Rows whose visible logits are provably
// equal, and entries whose visible V column is constant, are computed exactly (exact_rows.hpp); a
// zero output has the sign of the exact T_ic, +0 for an exact zero (proofs-notes/10, Lemmas 4, 9).
// Route (options.route): the fast route settles every row it can decide and hands the others to the Ziv loop;
// where both routes decide a rounding they agree (both are the correct rounding of T_ic), while the
// enclosures [lo, hi] differ by route. Byte-identical results for any options.threads.
CertifiedOutput evaluate_certified(const Problem& problem, const EvalOptions& options);

}  // namespace ropecert
