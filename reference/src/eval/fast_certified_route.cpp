// The fast certified route (fast_certified_route.hpp). Every error term below is derived in
// proofs-notes/13-fast-certified-path.md, section fast_route (Lemmas FR.1, FR.1' to FR.6); u = 2^-53.
#include "ropecert/fast_certified_route.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include <mpfi.h>
#include <mpfr.h>

#include "ropecert/double_word.hpp"
#include "ropecert/binary64_exp.hpp"
#include "ropecert/double_word_exp.hpp"
#include "ropecert/double_word_rows.hpp"
#include "ropecert/exact_product.hpp"
#include "ropecert/logit_scale.hpp"
#include "ropecert/parallel.hpp"
#include "ropecert/rope_geometry.hpp"
#include "ropecert/rotation_tables.hpp"
#include "ropecert/rounding.hpp"

namespace ropecert {

namespace {

constexpr mpfr_prec_t rotation_precision = 128;   // MPFI enclosures of the rotated rows (radius ~2^-127 relative)
constexpr mpfr_prec_t enclosure_precision = 192;  // the final quotient N / Z (FR.6)
// Slice caps (FR.2, FR.5): a rotated row is complete after 3 slices unless its entries span more than 2^16
// in magnitude; a weight row keeps about 5 x 20 bits below its largest weight.
constexpr std::size_t rotated_slice_cap = 4;
constexpr std::size_t weight_slice_cap = 4;
constexpr std::size_t value_slice_cap = 3;
// Slice products A_s B_t are computed for s + t <= the kept pair sum (0-based); the others are bounded (FR.2,
// FR.5). Slice s of a row is about 2^-(s (53 - beta)) of the row's largest entry: 2^-23 s for the logits (k = d
// <= 256), 2^-20 s for the numerators (k = n_k <= 2^14), so the dropped pairs stay below about 2^-92 and 2^-100
// of the products' scale.
constexpr std::size_t logit_kept_pair_sum = 3;
constexpr std::size_t numerator_kept_pair_sum = 4;
// A shifted logit below exp_domain_low has a weight below exp(exp_domain_low + 1) < 2^-864 when the logit
// error bound is at most 1 (checked: at most max_logit_error); FR.4.
constexpr double tiny_weight_bound = 0x1p-864;
constexpr double max_logit_error = 0x1p-20;
// Inflation of an RN sum of m <= 2^40 non-negative terms and of (1 + u)/(1 - 3u^2) factors (FR.3).
constexpr double sum_inflation = 1 + 0x1p-10;

// Upper bounds of sums of products of non-negative doubles, by MPFR with upward rounding.
class UpperBound {
 public:
  UpperBound() {
    mpfr_init2(value_, 64);
    mpfr_init2(term_, 64);
    mpfr_set_zero(value_, 1);
  }
  UpperBound(const UpperBound&) = delete;
  UpperBound& operator=(const UpperBound&) = delete;
  ~UpperBound() {
    mpfr_clear(value_);
    mpfr_clear(term_);
  }
  UpperBound& add(double a) {
    mpfr_add_d(value_, value_, a, MPFR_RNDU);
    return *this;
  }
  UpperBound& add(double a, double b) {
    mpfr_set_d(term_, a, MPFR_RNDU);
    mpfr_mul_d(term_, term_, b, MPFR_RNDU);
    mpfr_add(value_, value_, term_, MPFR_RNDU);
    return *this;
  }
  double value() const { return mpfr_get_d(value_, MPFR_RNDU); }

 private:
  mpfr_t value_, term_;
};

// RU(k u / (1 - k u)): gamma_k of the DGEMM bound (FR.0), k u < 1/2.
double gamma_upper(std::size_t k) {
  mpfr_t numerator, denominator;
  mpfr_inits2(64, numerator, denominator, static_cast<mpfr_ptr>(nullptr));
  mpfr_set_ui(numerator, k, MPFR_RNDU);
  mpfr_mul_2si(numerator, numerator, -53, MPFR_RNDU);
  mpfr_ui_sub(denominator, 1, numerator, MPFR_RNDD);
  mpfr_div(numerator, numerator, denominator, MPFR_RNDU);
  const double gamma = mpfr_get_d(numerator, MPFR_RNDU);
  mpfr_clears(numerator, denominator, static_cast<mpfr_ptr>(nullptr));
  return gamma;
}

// RU(exp(e) / (1 - epsilon) - 1): the relative error of a weight whose shifted logit is known within e and
// whose exp has relative error epsilon (FR.4; exp_relative_error, or binary64_exp_relative_error in FR.8).
double weight_error_upper(double e, double epsilon) {
  mpfr_t t, one_minus;
  mpfr_inits2(128, t, one_minus, static_cast<mpfr_ptr>(nullptr));
  mpfr_set_d(t, e, MPFR_RNDU);
  mpfr_exp(t, t, MPFR_RNDU);
  mpfr_set_d(one_minus, epsilon, MPFR_RNDN);  // exact
  mpfr_ui_sub(one_minus, 1, one_minus, MPFR_RNDD);
  mpfr_div(t, t, one_minus, MPFR_RNDU);
  mpfr_sub_ui(t, t, 1, MPFR_RNDU);
  const double delta = mpfr_get_d(t, MPFR_RNDU);
  mpfr_clears(t, one_minus, static_cast<mpfr_ptr>(nullptr));
  return delta;
}

// Sum of |x_j| in round to nearest, times sum_inflation rounded up: an upper bound of the exact sum for
// n <= 2^40 terms (FR.4 (d); more cannot be held in memory).
double abs_sum_upper(const double* x, std::size_t n) {
  double sum = 0;
  for (std::size_t j = 0; j < n; ++j) sum += std::fabs(x[j]);
  return UpperBound().add(sum, sum_inflation).value();
}

// The first `rows` rows of x.
Matrix leading_rows(const Matrix& x, std::size_t rows) {
  Matrix head(rows, x.cols);
  std::copy_n(x.values.begin(), rows * x.cols, head.values.begin());
  return head;
}

// out = [c.hi + c.lo - r, c.hi + c.lo + r], rounded outward (MPFI); scratch has out's precision (FR.6, FR.8 (d)).
void set_ball(Interval& out, DoubleWord c, double r, Interval& scratch) {
  mpfi_set_d(out.get(), c.hi);
  mpfi_add_d(out.get(), out.get(), c.lo);
  mpfi_interv_d(scratch.get(), -r, r);
  mpfi_add(out.get(), out.get(), scratch.get());
}

// The first `keys` rows of V as the rows of V^T (one per column c, for the products W V) and max_j |V_jc|.
struct ValueColumns {
  Matrix transposed;          // d_v x keys
  std::vector<double> max;    // [c]
};
ValueColumns value_columns(const Matrix& v, std::size_t keys) {
  ValueColumns columns{transpose(leading_rows(v, keys)), std::vector<double>(v.cols, 0)};
  for (std::size_t c = 0; c < v.cols; ++c)
    for (std::size_t j = 0; j < keys; ++j)
      columns.max[c] = std::max(columns.max[c], std::fabs(columns.transposed.at(c, j)));
  return columns;
}

// Sums z_k += x_k of exact doubles in double-word arithmetic (JMP Algorithm 4, note 13 Lemma DW.2), with the
// running sums of |z_k.hi| that bound their errors (FR.3).
struct Accumulators {
  std::vector<DoubleWord> sums;
  std::vector<double> magnitudes;
  explicit Accumulators(std::size_t n) : sums(n, DoubleWord{0, 0}), magnitudes(n, 0) {}
  void add(const Matrix& terms) { accumulate(sums.data(), magnitudes.data(), terms.values.data(), sums.size()); }
  // x y^T (first y_rows rows of y) in a buffer reused from product to product (no fresh pages each time).
  const Matrix& product_of(const Matrix& x, const Matrix& y, std::size_t y_rows) {
    multiply_by_transpose(x, y, y_rows, product);
    return product;
  }
  Matrix product;
};

// Upper bounds of the row norms of every slice: norms[s][i] >= the norm of row i of slices[s].
std::vector<std::vector<double>> slice_row_norms(const RowSplitting& split, double (*norm)(const double*, std::size_t)) {
  std::vector<std::vector<double>> norms;
  for (const Matrix& slice : split.slices) {
    std::vector<double> row_norms(slice.rows);
    for (std::size_t i = 0; i < slice.rows; ++i) row_norms[i] = norm(&slice.values[i * slice.cols], slice.cols);
    norms.push_back(std::move(row_norms));
  }
  return norms;
}

// For each row i and each slice t of the other factor: sum over the slices s with (s, t) dropped (s + t >
// kept_pair_sum) of norms[s][i], rounded up; dropped[t][i].
std::vector<std::vector<double>> dropped_norm_sums(const std::vector<std::vector<double>>& norms,
                                                   std::size_t other_slices, std::size_t rows,
                                                   std::size_t kept_pair_sum) {
  std::vector<std::vector<double>> dropped(other_slices, std::vector<double>(rows, 0));
  for (std::size_t t = 0; t < other_slices; ++t)
    for (std::size_t i = 0; i < rows; ++i) {
      UpperBound sum;
      for (std::size_t s = 0; s < norms.size(); ++s)
        if (s + t > kept_pair_sum) sum.add(norms[s][i]);
      dropped[t][i] = sum.value();
    }
  return dropped;
}

// The products of the kept slice pairs (s + t <= kept_pair_sum) added into `into`; b's rows beyond b_rows unused.
void add_kept_products(const RowSplitting& a, const RowSplitting& b, std::size_t b_rows, std::size_t kept_pair_sum,
                       Accumulators& into) {
  for (std::size_t s = 0; s < a.slices.size(); ++s)
    for (std::size_t t = 0; t < b.slices.size() && s + t <= kept_pair_sum; ++t)
      into.add(into.product_of(a.slices[s], b.slices[t], b_rows));
}

// Row `row` of `out`: f R^a_m x at the position m of table index t (f = the scale, or 1 when scale is nullptr), from
// the tables when they certify it (FR.1'), else from MPFI (FR.1). False when neither gives finite binary64 rows.
bool set_rotated_row(DoubleWordRows& out, std::size_t row, const double* x, std::size_t t, std::int64_t position,
                     const RopeParams& rope, const RopeFrequencies& frequencies, const Interval* scale,
                     const RotationTables* tables) {
  if (tables && tables->rotate_row(x, t, out, row)) return true;
  std::vector<Interval> rotated =
      enclose_rotated_row(x, out.hi.cols, rope, frequencies, position, rotation_precision, CosSinEnclosure::midpoint);
  if (scale)
    for (Interval& y : rotated) mpfi_mul(y.get(), y.get(), scale->get());
  return out.set_row(row, rotated);
}

// RotationTables for the rows at positions first_position + t, t < count, when they apply (else nullptr).
std::unique_ptr<RotationTables> rotation_tables(const RopeParams& rope, const RopeFrequencies& frequencies,
                                                const Interval& factor, std::int64_t first_position, std::size_t count,
                                                unsigned threads) {
  if (!rotation_tables_apply(rope) || count == 0) return nullptr;
  return std::make_unique<RotationTables>(rope, frequencies, factor, first_position, count, threads);
}

// The rotated keys as double words, split for the slice products, with the maxima over keys of their
// row norms (FR.1, FR.2).
struct KeySide {
  DoubleWordRows rows;
  RowSplitting slices;
  std::vector<double> slice_norm_max;  // [t]: max over keys of the 2-norm of the key's row of slice t
  Matrix cross;  // row j: [lo_j, hi_j], 2d columns
  double hi_max = 0, lo_max = 0, radius_max = 0, remainder_max = 0;
  std::string refused;
  explicit KeySide(std::size_t n, std::size_t d) : rows(n, d), cross(n, 2 * d) {}
};

KeySide prepare_keys(const Problem& problem, const RopeFrequencies& frequencies, unsigned threads) {
  const std::size_t n = problem.n_k(), d = problem.d();
  KeySide keys(n, d);
  Interval one(rotation_precision);
  mpfi_set_ui(one.get(), 1);
  const std::unique_ptr<RotationTables> tables =
      rotation_tables(problem.rope, frequencies, one, problem.key_position(0), n, threads);
  std::vector<char> finite(n, 1);
  parallel_for(n, threads, [&](std::size_t j) {
    finite[j] = set_rotated_row(keys.rows, j, &problem.K.values[j * d], j, problem.key_position(j), problem.rope,
                                frequencies, nullptr, tables.get());
  });
  if (std::find(finite.begin(), finite.end(), 0) != finite.end()) {
    keys.refused = "a rotated key is not finite in binary64";
    return keys;
  }
  keys.slices = split_rows(keys.rows.hi, ozaki_beta(d), "rotated key", rotated_slice_cap);
  if (!keys.slices.refused.empty()) {
    keys.refused = keys.slices.refused;
    return keys;
  }
  for (std::size_t j = 0; j < n; ++j) {
    std::copy_n(&keys.rows.lo.values[j * d], d, &keys.cross.values[j * 2 * d]);
    std::copy_n(&keys.rows.hi.values[j * d], d, &keys.cross.values[j * 2 * d + d]);
    keys.hi_max = std::max(keys.hi_max, keys.rows.hi_norm[j]);
    keys.lo_max = std::max(keys.lo_max, keys.rows.lo_norm[j]);
    keys.radius_max = std::max(keys.radius_max, keys.rows.radius_norm[j]);
    keys.remainder_max = std::max(keys.remainder_max, norm_upper(&keys.slices.remainder.values[j * d], d));
  }
  for (const std::vector<double>& norms : slice_row_norms(keys.slices, norm_upper))
    keys.slice_norm_max.push_back(*std::max_element(norms.begin(), norms.end()));
  return keys;
}

// The rounding decisions of one entry from its enclosure (note 10, Lemma 4): every format it decides is recorded;
// false if a format of `formats` is undecided.
bool settle_entry(mpfi_srcptr enclosure, unsigned formats, EntryOutcome& entry) {
  EntryOutcome settled;
  for (const RoundedOutputField& output : rounded_output_fields) {
    const std::optional<double> value = decided_rounding(&enclosure->left, &enclosure->right, output.format);
    if (!value && (formats & output.bit)) return false;
    settled.*output.decided = value.has_value();
    settled.*output.value = value.value_or(0.0);
  }
  entry = settled;
  auto directed = [](mpfr_srcptr x, RoundingMode mode) {
    const std::optional<double> fast = round_mpfr_to_normal(x, binary64, mode);
    return fast ? *fast : round_mpfr(x, binary64, mode);
  };
  entry.lo = directed(&enclosure->left, RoundingMode::down);
  entry.hi = directed(&enclosure->right, RoundingMode::up);
  MPFR_DECL_INIT(width, 64);
  mpfr_sub(width, &enclosure->right, &enclosure->left, MPFR_RNDU);
  entry.width = directed(width, RoundingMode::up);
  entry.precision = 0;
  entry.decided_by = EvalRoute::fast;
  return true;
}

// A block of query rows (FR.2 to FR.6, and the binary64 tier FR.8). Writes the entries of the rows it decides.
class BlockEvaluator {
 public:
  BlockEvaluator(const Problem& problem, const KeySide& keys, const RopeFrequencies& frequencies,
                 const Interval& scale, unsigned formats, const RotationTables* query_tables,
                 const EnclosureObserver& observe)
      : problem_(problem),
        keys_(keys),
        frequencies_(frequencies),
        scale_(scale),
        formats_(formats),
        query_tables_(query_tables),
        observe_(observe) {}

  // Settles the rows (query indices) it can; returns the fallback reason of each ("" if settled).
  std::vector<std::string> run(const std::vector<std::size_t>& rows, EntryOutcome* entries) const;

  // The binary64 tier (FR.8), when no binary64 output is requested: settles the rows whose requested roundings
  // its enclosures decide; returns, for each row, whether it did.
  std::vector<char> run_binary64(const std::vector<std::size_t>& rows, EntryOutcome* entries) const;

 private:
  // What both tiers need of a list of rows: visible key counts, the scaled rotated queries (FR.1), early reasons.
  struct Prepared {
    std::vector<std::string> reason;
    std::vector<std::size_t> visible;
    std::size_t keys_used = 0;
    DoubleWordRows queries;
    Prepared(std::size_t count, std::size_t d) : reason(count), visible(count), queries(count, d) {}
  };
  Prepared prepare(const std::vector<std::size_t>& rows) const;

  const Problem& problem_;
  const KeySide& keys_;
  const RopeFrequencies& frequencies_;
  const Interval& scale_;
  unsigned formats_;
  const RotationTables* query_tables_;  // positions query_position(0) + i; nullptr: MPFI only
  const EnclosureObserver& observe_;
};

BlockEvaluator::Prepared BlockEvaluator::prepare(const std::vector<std::size_t>& rows) const {
  const std::size_t d = problem_.d(), count = rows.size();
  Prepared prepared(count, d);
  for (std::size_t r = 0; r < count; ++r) {
    prepared.visible[r] = problem_.visible_key_count(rows[r]);
    if (prepared.visible[r] == 0) prepared.reason[r] = "no visible key";
    prepared.keys_used = std::max(prepared.keys_used, prepared.visible[r]);
  }
  // FR.1: the scaled rotated queries s R q_i as double words with radii.
  for (std::size_t r = 0; r < count; ++r) {
    if (!prepared.reason[r].empty()) continue;
    const std::size_t i = rows[r];
    if (!set_rotated_row(prepared.queries, r, &problem_.Q.values[i * d], i, problem_.query_position(i),
                         problem_.rope, frequencies_, &scale_, query_tables_)) {
      prepared.reason[r] = "a scaled rotated query is not finite in binary64";
      std::fill_n(&prepared.queries.hi.values[r * d], d, 0.0);
      std::fill_n(&prepared.queries.lo.values[r * d], d, 0.0);
    }
  }
  return prepared;
}

std::vector<std::string> BlockEvaluator::run(const std::vector<std::size_t>& rows, EntryOutcome* entries) const {
  const std::size_t d = problem_.d(), d_v = problem_.d_v(), count = rows.size();
  Prepared prepared = prepare(rows);
  std::vector<std::string>& reason = prepared.reason;
  const std::vector<std::size_t>& visible = prepared.visible;
  const std::size_t keys_used = prepared.keys_used;
  const DoubleWordRows& queries = prepared.queries;
  auto fail_block = [&](const std::string& why) {
    for (std::string& r : reason)
      if (r.empty()) r = why;
    return reason;
  };
  if (keys_used == 0) return reason;

  // FR.2: logits z_ij = sum_{s,t} (Q_s K_t^T)_ij + ([qh ql] [kl kh]^T)_ij, accumulated in double words.
  const RowSplitting query_slices = split_rows(queries.hi, ozaki_beta(d), "scaled rotated query", rotated_slice_cap);
  const std::string refusal = slice_products_refusal(query_slices, keys_.slices);
  if (!refusal.empty()) return fail_block(refusal);
  Accumulators logits(count * keys_used);
  add_kept_products(query_slices, keys_.slices, keys_used, logit_kept_pair_sum, logits);
  Matrix query_cross(count, 2 * d);
  for (std::size_t r = 0; r < count; ++r) {
    std::copy_n(&queries.hi.values[r * d], d, &query_cross.values[r * 2 * d]);
    std::copy_n(&queries.lo.values[r * d], d, &query_cross.values[r * 2 * d + d]);
  }
  logits.add(logits.product_of(query_cross, keys_.cross, keys_used));
  const std::vector<std::vector<double>> query_dropped =
      dropped_norm_sums(slice_row_norms(query_slices, norm_upper), keys_.slices.slices.size(), count,
                        logit_kept_pair_sum);

  // FR.3, FR.4: shift, weights, denominators.
  const double gamma_cross = gamma_upper(2 * d);
  Matrix weights_hi(count, keys_used), weights_lo(count, keys_used);
  std::vector<DoubleWord> denominator(count, DoubleWord{0, 0});
  std::vector<double> denominator_error(count, 0), weight_error(count, 0), weight_hi_sum(count, 0),
      weight_lo_sum(count, 0);
  std::vector<std::size_t> tiny(count, 0);
  for (std::size_t r = 0; r < count; ++r) {
    if (!reason[r].empty()) continue;
    DoubleWord* row = &logits.sums[r * keys_used];
    double* row_magnitudes = &logits.magnitudes[r * keys_used];
    double shift = -std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < visible[r]; ++j) shift = std::max(shift, row[j].hi);
    const std::vector<double> minus_shift(visible[r], -shift);
    accumulate(row, row_magnitudes, minus_shift.data(), visible[r]);
    // Every |z_k.hi| of every step went into row_magnitudes, so a finite one means no step overflowed (FR.3); a
    // NaN would be skipped by max, hence the explicit test.
    const bool finite = std::all_of(row_magnitudes, row_magnitudes + visible[r], [](double m) { return std::isfinite(m); });
    const double magnitudes = finite ? *std::max_element(row_magnitudes, row_magnitudes + visible[r]) : 0;
    if (!finite || !std::isfinite(shift)) {
      reason[r] = "a logit overflows binary64";
      continue;
    }
    const double remainder_norm = norm_upper(&query_slices.remainder.values[r * d], d);
    const double q_hi = queries.hi_norm[r], q_lo = queries.lo_norm[r], q_radius = queries.radius_norm[r];
    // FR.2: |L_ij - z_ij| <= this bound (before the shift's own rounding, FR.3).
    UpperBound logit_error;
    logit_error.add(q_hi, keys_.remainder_max)
        .add(remainder_norm, keys_.remainder_max)
        .add(remainder_norm, keys_.hi_max)
        .add(UpperBound().add(q_hi, keys_.lo_max).add(q_lo, keys_.hi_max).value(), gamma_cross)
        .add(q_lo, keys_.lo_max)
        .add(q_radius, UpperBound().add(keys_.hi_max).add(keys_.lo_max).add(keys_.radius_max).value())
        .add(UpperBound().add(q_hi).add(q_lo).value(), keys_.radius_max)
        .add(static_cast<double>(2 * d), 0x1p-1073);
    for (std::size_t t = 0; t < keys_.slice_norm_max.size(); ++t)
      logit_error.add(query_dropped[t][r], keys_.slice_norm_max[t]);  // FR.2: the dropped slice pairs
    logit_error
        .add(magnitudes, 0x1p-105 * sum_inflation);  // FR.3: the double-word additions
    const double e = logit_error.value();
    if (!(e <= max_logit_error)) {
      reason[r] = "the logit error bound exceeds 2^-20";
      continue;
    }
    weight_error[r] = weight_error_upper(e, exp_relative_error);
    double* w_hi = &weights_hi.values[r * keys_used];
    double* w_lo = &weights_lo.values[r * keys_used];
    double total_magnitudes = 0;
    for (std::size_t j = 0; j < visible[r]; ++j) {
      const DoubleWord x = row[j];
      if (x.hi < exp_domain_low) {
        ++tiny[r];
        continue;  // weight 0, error <= tiny_weight_bound (FR.4)
      }
      if (x.hi > exp_domain_high) {
        reason[r] = "a shifted logit is above the exp domain";
        break;
      }
      const DoubleWord w = ropecert::exp(x);
      w_hi[j] = w.hi;
      w_lo[j] = w.lo;
      denominator[r] = ropecert::add(denominator[r], w);
      total_magnitudes += denominator[r].hi;
    }
    if (!reason[r].empty()) continue;
    weight_hi_sum[r] = abs_sum_upper(w_hi, keys_used);
    weight_lo_sum[r] = abs_sum_upper(w_lo, keys_used);
    // FR.4: |Z_i - denominator| <= this bound.
    denominator_error[r] = UpperBound()
                               .add(total_magnitudes, 0x1p-104 * sum_inflation)  // 3u^2 + 13u^3 <= 2^-104.4
                               .add(weight_error[r], UpperBound().add(weight_hi_sum[r]).add(weight_lo_sum[r]).value())
                               .add(static_cast<double>(tiny[r]), tiny_weight_bound)
                               .value();
  }

  // FR.5: numerators N_ic = sum_{s,t} (W_s V_t)_ic + (W_lo V)_ic, accumulated in double words.
  const int beta = ozaki_beta(keys_used);
  const ValueColumns values = value_columns(problem_.V, keys_used);
  const Matrix& values_t = values.transposed;
  const RowSplitting weight_slices = split_rows(weights_hi, beta, "weight row", weight_slice_cap);
  const RowSplitting value_slices = split_rows(values_t, beta, "column of V", value_slice_cap);
  const std::string value_refusal = slice_products_refusal(weight_slices, value_slices);
  if (!value_refusal.empty()) return fail_block(value_refusal);
  Accumulators numerators(count * d_v);
  add_kept_products(weight_slices, value_slices, d_v, numerator_kept_pair_sum, numerators);
  numerators.add(numerators.product_of(weights_lo, values_t, d_v));
  const std::vector<std::vector<double>> weight_dropped =
      dropped_norm_sums(slice_row_norms(weight_slices, abs_sum_upper), value_slices.slices.size(), count,
                        numerator_kept_pair_sum);
  std::vector<std::vector<double>> value_slice_max(value_slices.slices.size(), std::vector<double>(d_v, 0));
  for (std::size_t t = 0; t < value_slices.slices.size(); ++t)
    for (std::size_t c = 0; c < d_v; ++c)
      for (std::size_t j = 0; j < keys_used; ++j)
        value_slice_max[t][c] = std::max(value_slice_max[t][c], std::fabs(value_slices.slices[t].at(c, j)));
  std::vector<double> value_remainder_max(d_v, 0);
  for (std::size_t c = 0; c < d_v; ++c)
    for (std::size_t j = 0; j < keys_used; ++j)
      value_remainder_max[c] = std::max(value_remainder_max[c], std::fabs(value_slices.remainder.at(c, j)));
  const double gamma_values = gamma_upper(keys_used);

  // FR.6: T_ic in [N - eN, N + eN] / [Z - eZ, Z + eZ], decided or handed to the Ziv loop.
  Interval quotient(enclosure_precision), divisor(enclosure_precision), radius(enclosure_precision);
  for (std::size_t r = 0; r < count; ++r) {
    if (!reason[r].empty()) continue;
    const double remainder_sum = abs_sum_upper(&weight_slices.remainder.values[r * keys_used], keys_used);
    const double weight_sum = UpperBound().add(weight_hi_sum[r]).add(weight_lo_sum[r]).value();
    UpperBound per_value_max;  // alpha_i
    per_value_max.add(remainder_sum)
        .add(gamma_values, weight_lo_sum[r])
        .add(weight_error[r], weight_sum)
        .add(static_cast<double>(tiny[r]), tiny_weight_bound);
    const double alpha = per_value_max.value();
    const double beta_row = UpperBound().add(weight_hi_sum[r]).add(remainder_sum).value();
    set_ball(divisor, denominator[r], denominator_error[r], radius);
    if (!(mpfr_sgn(&divisor.get()->left) > 0) || !std::isfinite(alpha)) {
      reason[r] = "the softmax denominator is not bounded away from zero";
      continue;
    }
    std::vector<EntryOutcome> settled(d_v);
    for (std::size_t c = 0; c < d_v && reason[r].empty(); ++c) {
      const DoubleWord n = numerators.sums[r * d_v + c];
      UpperBound error_bound;
      error_bound.add(numerators.magnitudes[r * d_v + c], 0x1p-105 * sum_inflation)
          .add(values.max[c], alpha)
          .add(value_remainder_max[c], beta_row)
          .add(static_cast<double>(keys_used), 0x1p-1073);
      for (std::size_t t = 0; t < value_slice_max.size(); ++t)
        error_bound.add(weight_dropped[t][r], value_slice_max[t][c]);  // FR.5: the dropped slice pairs
      const double error = error_bound.value();
      set_ball(quotient, n, error, radius);
      mpfi_div(quotient.get(), quotient.get(), divisor.get());
      if (observe_) observe_(rows[r], c, quotient.get());
      if (!std::isfinite(error) || !settle_entry(quotient.get(), formats_, settled[c]))
        reason[r] = "an enclosure does not decide a rounding at the fast route's accuracy";
    }
    if (reason[r].empty()) std::copy(settled.begin(), settled.end(), entries + rows[r] * d_v);
  }
  return reason;
}


std::vector<char> BlockEvaluator::run_binary64(const std::vector<std::size_t>& rows, EntryOutcome* entries) const {
  const std::size_t d = problem_.d(), d_v = problem_.d_v(), count = rows.size();
  std::vector<char> settled_rows(count, 0);
  const Prepared prepared = prepare(rows);
  const std::size_t keys_used = prepared.keys_used;
  if (keys_used == 0) return settled_rows;
  const DoubleWordRows& queries = prepared.queries;
  // FR.8 (a): logits C = fl(Q^h K^h^T), one DGEMM of inner dimension d.
  const Matrix logits = multiply_by_transpose(queries.hi, keys_.rows.hi, keys_used);
  const double gamma_d = gamma_upper(d), gamma_keys = gamma_upper(keys_used);
  Matrix weights(count, keys_used);
  std::vector<double> total(count, 0), weight_error(count, 0);
  std::vector<std::size_t> tiny(count, 0);
  std::vector<char> usable(count, 0);
  for (std::size_t r = 0; r < count; ++r) {
    if (!prepared.reason[r].empty()) continue;
    const double* row = &logits.values[r * keys_used];
    const std::size_t visible = prepared.visible[r];
    const double shift = *std::max_element(row, row + visible);
    if (!std::isfinite(shift)) continue;
    const double q_hi = queries.hi_norm[r], q_lo = queries.lo_norm[r], q_radius = queries.radius_norm[r];
    UpperBound logit_error;  // FR.8 (a): |L_ij - C_ij| <= E_i
    logit_error.add(gamma_d, UpperBound().add(q_hi, keys_.hi_max).value())
        .add(static_cast<double>(d), 0x1p-1073)
        .add(q_hi, keys_.lo_max)
        .add(q_lo, UpperBound().add(keys_.hi_max).add(keys_.lo_max).value())
        .add(q_radius, UpperBound().add(keys_.hi_max).add(keys_.lo_max).add(keys_.radius_max).value())
        .add(UpperBound().add(q_hi).add(q_lo).value(), keys_.radius_max);
    double* w = &weights.values[r * keys_used];
    std::vector<double> shifted(visible);
    double largest_shifted = 0;  // max |x_ij| over the keys whose exp is taken
    for (std::size_t j = 0; j < visible; ++j) {
      const double x = row[j] - shift;  // FR.8 (b): |x - (C_ij - m_i)| <= u |x|
      if (x < binary64_exp_domain_low) {
        ++tiny[r];
        shifted[j] = binary64_exp_domain_low;  // in the domain; its weight is replaced by 0 below
      } else {
        shifted[j] = x;
        largest_shifted = std::max(largest_shifted, -x);
      }
    }
    const double e = logit_error.add(largest_shifted, 0x1p-53).value();
    if (!(e <= max_logit_error)) continue;
    exp_binary64(shifted.data(), w, visible);
    for (std::size_t j = 0; j < visible; ++j)
      if (row[j] - shift < binary64_exp_domain_low) w[j] = 0;  // FR.4 (a): a tiny weight, bounded separately
    double sum = 0;
    for (std::size_t j = 0; j < visible; ++j) sum += w[j];
    total[r] = sum;
    weight_error[r] = weight_error_upper(e, binary64_exp_relative_error);
    usable[r] = 1;
  }
  // FR.8 (c): numerators N^ = fl(W V), one DGEMM of inner dimension n'.
  const ValueColumns values = value_columns(problem_.V, keys_used);
  const Matrix numerators = multiply_by_transpose(weights, values.transposed);
  Interval quotient(64), divisor(64), radius(64);
  for (std::size_t r = 0; r < count; ++r) {
    if (!usable[r]) continue;
    // S >= sum_j w^_j: the RN sum is at least (1 - gamma) times it (FR.8 (c)).
    MPFR_DECL_INIT(bound, 64);
    mpfr_set_d(bound, gamma_keys, MPFR_RNDU);
    mpfr_ui_sub(bound, 1, bound, MPFR_RNDD);
    mpfr_d_div(bound, total[r], bound, MPFR_RNDU);
    const double weight_sum = mpfr_get_d(bound, MPFR_RNDU);
    const double per_value_max = UpperBound()
                                     .add(gamma_keys, weight_sum)
                                     .add(weight_error[r], weight_sum)
                                     .add(static_cast<double>(tiny[r]), tiny_weight_bound)
                                     .value();
    // |Z_i - Z^| <= gamma S + delta_i S + tiny 2^-864, the same sum as the factor of Vmax_c (FR.8 (c)).
    set_ball(divisor, DoubleWord{total[r], 0}, per_value_max, radius);
    if (!(mpfr_sgn(&divisor.get()->left) > 0) || !std::isfinite(per_value_max)) continue;
    std::vector<EntryOutcome> settled(d_v);
    bool all = true;
    for (std::size_t c = 0; c < d_v && all; ++c) {
      const double error = UpperBound().add(values.max[c], per_value_max).add(double(keys_used), 0x1p-1073).value();
      set_ball(quotient, DoubleWord{numerators.at(r, c), 0}, error, radius);
      mpfi_div(quotient.get(), quotient.get(), divisor.get());
      if (observe_) observe_(rows[r], c, quotient.get());
      all = std::isfinite(error) && settle_entry(quotient.get(), formats_, settled[c]);
    }
    if (!all) continue;
    std::copy(settled.begin(), settled.end(), entries + rows[r] * d_v);
    settled_rows[r] = 1;
  }
  return settled_rows;
}
}  // namespace

std::vector<std::string> evaluate_fast_route(const Problem& problem, unsigned threads, unsigned formats,
                                             EntryOutcome* entries,
                                             const std::function<void(std::size_t)>& progress,
                                             const EnclosureObserver& observe) {
  const std::size_t n_q = problem.n_q();
  if (problem.kind != Kind::rope)
    return std::vector<std::string>(n_q, "kind general (couplings W_{i-j}) is not on the fast route");
  const std::string unavailable = slicing_unavailable();
  if (!unavailable.empty()) return std::vector<std::string>(n_q, unavailable);
  const RopeFrequencies frequencies = enclose_rope_frequencies(problem.rope, rotation_precision);
  const Interval scale = enclose_scale(problem.scale, problem.d(), rotation_precision);
  const KeySide keys = prepare_keys(problem, frequencies, threads);
  if (!keys.refused.empty()) return std::vector<std::string>(n_q, keys.refused);
  const std::unique_ptr<RotationTables> query_tables =
      rotation_tables(problem.rope, frequencies, scale, problem.query_position(0), n_q, threads);

  // Blocks of about 2^20 logits (2 x 8 MiB of double words per block), at most 256 rows.
  const std::size_t block_rows = std::clamp<std::size_t>((std::size_t{1} << 20) / problem.n_k(), 8, 256);
  const std::size_t blocks = (n_q + block_rows - 1) / block_rows;
  const BlockEvaluator evaluator(problem, keys, frequencies, scale, formats, query_tables.get(), observe);
  std::vector<std::string> reasons(n_q);
  parallel_for(
      blocks, threads,
      [&](std::size_t b) {
        const std::size_t first = b * block_rows, count = std::min(block_rows, n_q - first);
        std::vector<std::size_t> rows(count);
        for (std::size_t r = 0; r < count; ++r) rows[r] = first + r;
        if (!(formats & output_binary64)) {  // FR.8: the binary64 tier first, the double-word tier for the rest
          const std::vector<char> settled = evaluator.run_binary64(rows, entries);
          std::vector<std::size_t> rest;
          for (std::size_t r = 0; r < count; ++r)
            if (!settled[r]) rest.push_back(rows[r]);
          rows.swap(rest);
        }
        const std::vector<std::string> block = evaluator.run(rows, entries);
        for (std::size_t r = 0; r < rows.size(); ++r) reasons[rows[r]] = block[r];
      },
      [&](std::size_t finished) {
        if (progress) progress(std::min(n_q, finished * block_rows));
      });
  return reasons;
}

}  // namespace ropecert
