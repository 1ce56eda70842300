// Positions, visibility and the invariants of an in-memory Problem (problem.hpp).
#include "ropecert/problem.hpp"

#include <algorithm>

#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <utility>

#include "ropecert/decimal.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/rope_parameters.hpp"

namespace ropecert {

std::int64_t Problem::query_position(std::size_t i) const {
  return static_cast<std::int64_t>(i) + (kind == Kind::rope ? rope.q_offset : 0);
}

std::int64_t Problem::key_position(std::size_t j) const {
  return static_cast<std::int64_t>(j) + (kind == Kind::rope ? rope.k_offset : 0);
}

bool Problem::key_visible(std::size_t i, std::size_t j) const {
  return mask == MaskKind::none || key_position(j) <= query_position(i);
}

std::size_t Problem::visible_key_count(std::size_t i) const {
  if (mask != MaskKind::causal) return n_k();
  const std::int64_t last = query_position(i) - key_position(0);  // the largest visible j
  return last < 0 ? 0 : std::min<std::size_t>(n_k(), static_cast<std::size_t>(last) + 1);
}

const std::string& PartNames::of(ProblemPart part) const {
  switch (part) {
    case ProblemPart::Q:
      return Q;
    case ProblemPart::K:
      return K;
    case ProblemPart::V:
      return V;
    case ProblemPart::W:
      return W;
    case ProblemPart::settings:
      return settings;
  }
  throw std::logic_error("PartNames::of: unknown part");
}

namespace {

// "<origin>: <name>: <detail>", leaving out an empty origin or name.
std::string problem_message(const std::string& origin, const std::string& name, const std::string& detail) {
  std::string message;
  for (const std::string* piece : {&origin, &name})
    if (!piece->empty()) message += *piece + ": ";
  return message + detail;
}

}  // namespace

ProblemError::ProblemError(const std::string& origin, const PartNames& names, ProblemPart part, std::string detail)
    : InputError(problem_message(origin, names.of(part), detail)), part_(part), detail_(std::move(detail)) {}

namespace {

// Where validate_problem reports: errors name `origin` and the parts by `names`.
struct Report {
  const std::string& origin;
  const PartNames& names;

  [[noreturn]] void fail(ProblemPart part, const std::string& detail) const {
    throw ProblemError(origin, names, part, detail);
  }
  const std::string& name(ProblemPart part) const { return names.of(part); }
};

std::string pair_text(std::size_t a, std::size_t b) { return "(" + std::to_string(a) + ", " + std::to_string(b) + ")"; }

// `s` with control characters shown as \xNN, so that a message stays on one line.
std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\x%02x", c);
    out += (c < 0x20 || c == 0x7f) ? hex : std::string(1, static_cast<char>(c));
  }
  return out;
}

void check_matrix(const Matrix& m, const Report& report, ProblemPart part, const char* dims) {
  if (m.values.size() != m.rows * m.cols)
    report.fail(part, "holds " + std::to_string(m.values.size()) + " values but its shape " +
                          pair_text(m.rows, m.cols) + " needs " + std::to_string(m.rows * m.cols));
  if (m.rows == 0 || m.cols == 0)
    report.fail(part, "shape " + pair_text(m.rows, m.cols) + " is empty; " + dims + " must both be >= 1");
}

// `prefix` leads the reported index, e.g. "4, " for matrix W[4].
void check_finite(const Matrix& m, const Report& report, ProblemPart part, const std::string& prefix) {
  for (std::size_t i = 0; i < m.rows; ++i)
    for (std::size_t j = 0; j < m.cols; ++j)
      if (!std::isfinite(m.at(i, j)))
        report.fail(part, "value at index (" + prefix + std::to_string(i) + ", " + std::to_string(j) + ") is " +
                              (std::isnan(m.at(i, j)) ? "NaN"
                               : m.at(i, j) > 0       ? "+Inf"
                                                      : "-Inf") +
                              "; all values must be finite");
}

void check_qkv(const Problem& p, const Report& report) {
  using Part = ProblemPart;
  check_matrix(p.Q, report, Part::Q, "n_q and d");
  check_matrix(p.K, report, Part::K, "n_k and d");
  check_matrix(p.V, report, Part::V, "n_k and d_v");
  if (p.K.cols != p.d())
    report.fail(Part::K, "shape " + pair_text(p.K.rows, p.K.cols) + " but " + report.name(Part::Q) +
                             " has d = " + std::to_string(p.d()));
  if (p.V.rows != p.n_k())
    report.fail(Part::V, "has " + std::to_string(p.V.rows) + " rows but " + report.name(Part::K) + " has " +
                             std::to_string(p.n_k()));
  check_finite(p.Q, report, Part::Q, "");
  check_finite(p.K, report, Part::K, "");
  check_finite(p.V, report, Part::V, "");
}

// Keeps offset .. offset + n - 1 within 0 .. max_position.
void check_offset(std::int64_t offset, std::size_t n, const Report& report, const char* name) {
  const std::string prefix = std::string("rope.") + name + " = " + std::to_string(offset);
  if (offset < 0) report.fail(ProblemPart::settings, prefix + " must be >= 0");
  if (n - 1 > static_cast<std::size_t>(max_position) || offset > max_position - static_cast<std::int64_t>(n - 1))
    report.fail(ProblemPart::settings, prefix + " puts row " + std::to_string(n - 1) + " beyond max_position = 2^52");
}

// Every number of rope.scaling, used by its kind or not, is finite (so that save_case can write it as JSON).
void check_scaling_numbers(const RopeScaling& s, const Report& report) {
  const auto check = [&](const char* key, double value) {
    if (!std::isfinite(value))
      report.fail(ProblemPart::settings,
                  std::string("rope.scaling.") + key + " = " + number_text(value) + " must be finite");
  };
  const std::optional<double> optional[] = {s.factor, s.mscale, s.mscale_all_dim, s.attention_factor};
  const char* optional_keys[] = {"factor", "mscale", "mscale_all_dim", "attention_factor"};
  for (std::size_t k = 0; k < 4; ++k)
    if (optional[k]) check(optional_keys[k], *optional[k]);
  for (const auto& [key, value] : {std::pair<const char*, double>{"beta_fast", s.beta_fast},
                                   {"beta_slow", s.beta_slow},
                                   {"low_freq_factor", s.low_freq_factor},
                                   {"high_freq_factor", s.high_freq_factor}})
    check(key, value);
  for (const double e : s.short_factor) check("short_factor", e);
  for (const double e : s.long_factor) check("long_factor", e);
}

// rope.scaling and rope.emulate (problem.hpp): scaling and inv_freq emulation need standard angles, the
// inv_freq emulation models HF's default frequencies only, and the scaling parameters pass
// validate_rope_scaling (its std::invalid_argument becomes an error about the settings).
void check_conventions(const RopeParams& r, const Report& report) {
  const bool scaled = r.scaling.kind != RopeScalingKind::none;
  const bool float32_inv_freq = r.emulate.inv_freq == InvFreqEmulation::float32;
  if (r.angles == Angles::pythagorean && scaled)
    report.fail(ProblemPart::settings,
                "rope.scaling needs angles \"standard\" (the frequencies it scales are base^(-2p/r))");
  if (r.angles == Angles::pythagorean && float32_inv_freq)
    report.fail(ProblemPart::settings,
                "rope.emulate.inv_freq \"float32\" needs angles \"standard\" (it emulates base^(-2p/r) in float32)");
  if (scaled && float32_inv_freq)
    report.fail(ProblemPart::settings,
                "rope.emulate.inv_freq \"float32\" emulates HF's default frequencies only; with rope.scaling, HF's "
                "scaled float32 paths are out of scope (use inv_freq \"exact\")");
  if (scaled) {
    check_scaling_numbers(r.scaling, report);
    try {
      validate_rope_scaling(r.scaling, r.base, r.rotary_dim);
    } catch (const std::invalid_argument& e) {
      report.fail(ProblemPart::settings, e.what());
    }
  }
  if (float32_inv_freq) {
    try {
      validate_hf_inv_freq_float32(r.base, r.rotary_dim);
    } catch (const std::invalid_argument& e) {
      report.fail(ProblemPart::settings, std::string("rope.emulate.inv_freq \"float32\": ") + e.what());
    }
  }
}

void check_rope(const Problem& p, const Report& report) {
  if (!p.W.empty()) report.fail(ProblemPart::W, "kind rope takes no W; set kind general to use a coupling W");
  const RopeParams& r = p.rope;
  if (r.angles == Angles::standard && !(std::isfinite(r.base) && r.base > 1))
    report.fail(ProblemPart::settings, "rope.base = " + number_text(r.base) + " must be a finite number > 1");
  if (r.rotary_dim % 2 != 0 || r.rotary_dim < 2 || r.rotary_dim > p.d())
    report.fail(ProblemPart::settings, "rope.rotary_dim = " + std::to_string(r.rotary_dim) +
                                           " must be even with 2 <= rotary_dim <= d = " + std::to_string(p.d()));
  check_offset(r.q_offset, p.n_q(), report, "q_offset");
  check_offset(r.k_offset, p.n_k(), report, "k_offset");
  check_conventions(r, report);
}

void check_general(const Problem& p, const Report& report) {
  const std::size_t n = p.n_q();
  if (p.n_k() != n)
    report.fail(ProblemPart::K, "kind general needs n_q = n_k, got n_q = " + std::to_string(n) + " (" +
                                    report.name(ProblemPart::Q) + ") and n_k = " + std::to_string(p.n_k()) + " (" +
                                    report.name(ProblemPart::K) + ")");
  const std::string expected = "expected 2n-1 = " + std::to_string(2 * n - 1) + " matrices of shape " +
                               pair_text(p.d(), p.d()) + " for n = " + std::to_string(n) +
                               ", d = " + std::to_string(p.d());
  if (p.W.size() != 2 * n - 1)
    report.fail(ProblemPart::W, "holds " + std::to_string(p.W.size()) + " matrices; " + expected);
  for (std::size_t k = 0; k < p.W.size(); ++k) {
    const Matrix& w = p.W[k];
    if (w.rows != p.d() || w.cols != p.d() || w.values.size() != w.rows * w.cols)
      report.fail(ProblemPart::W,
                  "matrix " + std::to_string(k) + " has shape " + pair_text(w.rows, w.cols) + "; " + expected);
    check_finite(w, report, ProblemPart::W, std::to_string(k) + ", ");
  }
}

void check_scale(const Scale& scale, const Report& report) {
  if (scale.rule == Scale::Rule::decimal && !is_decimal(scale.decimal))
    report.fail(ProblemPart::settings,
                "scale \"" + printable(scale.decimal) +
                    "\" is not a decimal number; expected \"inv_d\", \"inv_sqrt_d\" or a decimal "
                    "string such as \"0.125\" or \"1e-2\"");
}

// Query positions grow with the row index: if row 0 sees key 0, every row does.
void check_mask(const Problem& p, const Report& report) {
  if (p.mask == MaskKind::causal && !p.key_visible(0, 0))
    report.fail(ProblemPart::settings,
                "causal mask leaves query row 0 (position " + std::to_string(p.query_position(0)) +
                    ") with no visible key (first key position " + std::to_string(p.key_position(0)) + ")");
}

}  // namespace

void validate_problem(const Problem& problem, const std::string& origin, const PartNames& names) {
  const Report report{origin, names};
  check_qkv(problem, report);
  if (problem.kind == Kind::rope)
    check_rope(problem, report);
  else
    check_general(problem, report);
  check_scale(problem.scale, report);
  check_mask(problem, report);
}

}  // namespace ropecert
