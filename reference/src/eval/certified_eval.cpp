#include "ropecert/certified_eval.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>

#include "ropecert/exact_rows.hpp"
#include "ropecert/fast_certified_route.hpp"
#include "ropecert/fixed_precision_eval.hpp"
#include "ropecert/parallel.hpp"
#include "ropecert/rounding.hpp"

namespace ropecert {

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();
constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

// True when the logit enclosures share a point: only then can the logits be all equal.
bool logits_share_a_point(const std::vector<Interval>& logits) {
  const Interval* highest_low = &logits.front();
  const Interval* lowest_high = &logits.front();
  for (const Interval& logit : logits) {
    if (mpfr_greater_p(&logit.get()->left, &highest_low->get()->left)) highest_low = &logit;
    if (mpfr_less_p(&logit.get()->right, &lowest_high->get()->right)) lowest_high = &logit;
  }
  return mpfr_lessequal_p(&highest_low->get()->left, &lowest_high->get()->right);
}

// An entry whose exact value T_ic is the rational `value`: every format rounded from it, ties and the
// sign of an exact zero (+0) included, and the enclosure [T_ic, T_ic] rounded outward.
void settle_exact_entry(const mpq_t value, EntryOutcome& entry) {
  for (const RoundedOutputField& output : rounded_output_fields) {
    entry.*output.value = round_rational(value, output.format, RoundingMode::nearest_even);
    entry.*output.decided = true;
  }
  entry.lo = round_rational(value, binary64, RoundingMode::down);
  entry.hi = round_rational(value, binary64, RoundingMode::up);
  entry.width = 0;
  entry.precision = 0;
}

// Exact rows (proofs-notes/10-certified-evaluation.md, Lemma 5): T_ic is the exact visible mean.
void settle_exact_row(const Problem& problem, std::size_t row, EntryOutcome* entries) {
  mpq_t mean;
  mpq_init(mean);
  for (std::size_t c = 0; c < problem.d_v(); ++c) {
    exact_visible_mean(problem, row, c, mean);
    settle_exact_entry(mean, entries[c]);
  }
  mpq_clear(mean);
}

// Constant visible columns (Lemma 9): T_ic is that V value. Returns the number of entries settled.
std::size_t settle_constant_columns(const Problem& problem, std::size_t row, EntryOutcome* entries) {
  std::size_t settled = 0;
  mpq_t value;
  mpq_init(value);
  for (std::size_t c = 0; c < problem.d_v(); ++c) {
    if (const std::optional<double> constant = constant_visible_value(problem, row, c)) {
      mpq_set_d(value, *constant);  // exact
      settle_exact_entry(value, entries[c]);
      ++settled;
    }
  }
  mpq_clear(value);
  return settled;
}

// Records the enclosure of one entry and settles the roundings it decides (Lemma 4).
void record_enclosure(const Interval& enclosure, EntryOutcome& entry) {
  const mpfi_srcptr x = enclosure.get();
  entry.precision = static_cast<long>(enclosure.precision());
  if (!enclosure.is_finite()) {  // possible only when an intermediate range blew up
    entry.lo = -infinity;
    entry.hi = infinity;
    entry.width = infinity;
    return;
  }
  entry.lo = round_mpfr(&x->left, binary64, RoundingMode::down);
  entry.hi = round_mpfr(&x->right, binary64, RoundingMode::up);
  mpfr_t width;
  mpfr_init2(width, 64);
  mpfr_sub(width, &x->right, &x->left, MPFR_RNDU);
  entry.width = round_mpfr(width, binary64, RoundingMode::up);
  mpfr_clear(width);
  for (const RoundedOutputField& output : rounded_output_fields) {
    if (entry.*output.decided) continue;
    if (const auto value = decided_rounding(&x->left, &x->right, output.format)) {
      entry.*output.value = *value;
      entry.*output.decided = true;
    }
  }
}

// One row at one precision; returns the number of entries that became decided.
std::size_t settle_row(const Problem& problem, const FixedPrecisionEvaluator& evaluator, std::size_t row,
                       bool first_round, unsigned formats, EntryOutcome* entries, bool* exact) {
  const RowSoftmax row_softmax = evaluator.softmax(row);
  if (first_round && logits_share_a_point(row_softmax.logits) && row_logits_provably_equal(problem, row)) {
    settle_exact_row(problem, row, entries);
    *exact = true;
    return problem.d_v();
  }
  std::size_t newly_decided = first_round ? settle_constant_columns(problem, row, entries) : 0;
  for (std::size_t c = 0; c < problem.d_v(); ++c) {
    EntryOutcome& entry = entries[c];
    if (entry.decided(formats)) continue;
    record_enclosure(evaluator.output(row_softmax, c), entry);
    if (entry.decided(formats)) ++newly_decided;
  }
  return newly_decided;
}

}  // namespace

std::size_t CertifiedOutput::undecided_count() const {
  return static_cast<std::size_t>(
      std::count_if(entries.begin(), entries.end(), [this](const EntryOutcome& e) { return !e.decided(formats); }));
}

CertifiedOutput evaluate_certified(const Problem& problem, const EvalOptions& options) {
  if (options.start_precision < 53 || options.max_precision < options.start_precision)
    throw std::invalid_argument("precisions must satisfy 53 <= start_precision <= max_precision");
  if (options.formats == 0 || (options.formats & ~all_output_formats) != 0)
    throw std::invalid_argument("formats must be a nonempty set of OutputFormat bits");
  CertifiedOutput out;
  out.formats = options.formats;
  out.rows = problem.n_q();
  out.cols = problem.d_v();
  out.entries.assign(out.rows * out.cols, EntryOutcome{});
  std::vector<std::size_t> pending;
  if (options.route == EvalRoute::fast) {
    out.fast.ran = true;
    const std::vector<std::string> fallback =
        evaluate_fast_route(problem, options.threads, options.formats, out.entries.data(), [&](std::size_t finished) {
          if (options.progress) options.progress(finished, out.rows, 0);
        });
    for (std::size_t i = 0; i < out.rows; ++i) {
      if (fallback[i].empty()) {
        ++out.fast.rows_decided;
      } else {
        ++out.fast.fallback_rows[fallback[i]];
        pending.push_back(i);
      }
    }
  } else {
    pending.resize(out.rows);
    for (std::size_t i = 0; i < out.rows; ++i) pending[i] = i;
  }

  // The fast route has already carried about 100 bits: its fallback rows start the Ziv loop at 128 bits at least.
  const mpfr_prec_t start =
      options.route == EvalRoute::fast
          ? std::max(options.start_precision, std::min(options.max_precision, fallback_start_precision))
                                       : options.start_precision;
  for (mpfr_prec_t precision = start; !pending.empty() && precision <= options.max_precision; precision *= 2) {
    const bool first_round = precision == start;
    const FixedPrecisionEvaluator evaluator(problem, precision, options.threads);
    std::vector<std::size_t> decided(pending.size(), 0);
    std::vector<char> exact(pending.size(), 0);
    parallel_for(
        pending.size(), options.threads,
        [&](std::size_t k) {
          bool row_exact = false;
          decided[k] = settle_row(problem, evaluator, pending[k], first_round, options.formats,
                                  &out.entries[pending[k] * out.cols], &row_exact);
          exact[k] = row_exact;
        },
        [&](std::size_t finished) {
          if (options.progress) options.progress(finished, pending.size(), precision);
        });

    PrecisionRound round{precision, pending.size(), 0};
    std::vector<std::size_t> still_pending;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      if (exact[k]) {
        ++out.exact_rows;
      } else {
        round.entries_decided += decided[k];
      }
      const EntryOutcome* row = &out.entries[pending[k] * out.cols];
      if (std::any_of(row, row + out.cols, [&](const EntryOutcome& e) { return !e.decided(options.formats); }))
        still_pending.push_back(pending[k]);
    }
    out.rounds.push_back(round);
    pending.swap(still_pending);
  }
  for (EntryOutcome& entry : out.entries) {  // never a silent rounding: NaN marks the undecided
    for (const RoundedOutputField& output : rounded_output_fields)
      if (!(entry.*output.decided)) entry.*output.value = not_a_number;
  }
  return out;
}

}  // namespace ropecert
