#include "ropecert/exact_rows.hpp"

#include <optional>
#include <vector>

#include "ropecert/exact_numbers.hpp"
#include "ropecert/logit_scale.hpp"
#include "ropecert/rope_geometry.hpp"

namespace ropecert {

namespace {

// L_ij = q_i^T W_{i-j} k_j as an exact rational (products and sums of doubles).
Rational general_logit(const Problem& problem, std::size_t row, std::size_t key) {
  const Matrix& coupling = problem.coupling(static_cast<std::int64_t>(row) - static_cast<std::int64_t>(key));
  Rational sum;
  for (std::size_t l1 = 0; l1 < problem.d(); ++l1)
    for (std::size_t l2 = 0; l2 < problem.d(); ++l2)
      if (problem.Q.at(row, l1) != 0 && coupling.at(l1, l2) != 0 && problem.K.at(key, l2) != 0)
        sum += Rational(problem.Q.at(row, l1)) * Rational(coupling.at(l1, l2)) * Rational(problem.K.at(key, l2));
  return sum;
}

// L_ij = q_i^T R_m k_j, m = b_j - a_i, when it is rational: plane p contributes
// (x1 y1 + x2 y2) cos(m theta_p) + (x2 y1 - x1 y2) sin(m theta_p), which is x1 y1 + x2 y2 for
// m = 0 and zero when q or k vanishes in the plane; otherwise nothing is claimed (nullopt).
std::optional<Rational> rational_rope_logit(const Problem& problem, std::size_t row, std::size_t key) {
  Rational sum;
  for (std::size_t l = problem.rope.rotary_dim; l < problem.d(); ++l)
    sum += Rational(problem.Q.at(row, l)) * Rational(problem.K.at(key, l));
  const bool same_position = problem.key_position(key) == problem.query_position(row);
  // R_a^T R_a = I needs an orthogonal rotation: an attention factor (yarn, longrope) scales it by a^2 and
  // emulated cos/sin make it c^2 + s^2 != 1 (proofs-notes/10-certified-evaluation.md, Lemma 8).
  const bool rotation_may_scale = problem.rope.emulate.cos_sin != CosSinEmulation::exact ||
                                  problem.rope.scaling.kind == RopeScalingKind::yarn ||
                                  problem.rope.scaling.kind == RopeScalingKind::longrope;
  for (const auto& [a, b] : rotary_planes(problem.rope.rotary_dim, problem.rope.pairing)) {
    const bool query_zero = problem.Q.at(row, a) == 0 && problem.Q.at(row, b) == 0;
    const bool key_zero = problem.K.at(key, a) == 0 && problem.K.at(key, b) == 0;
    if (query_zero || key_zero) continue;
    if (!same_position || rotation_may_scale) return std::nullopt;
    sum += Rational(problem.Q.at(row, a)) * Rational(problem.K.at(key, a)) +
           Rational(problem.Q.at(row, b)) * Rational(problem.K.at(key, b));
  }
  return sum;
}

std::optional<Rational> rational_logit(const Problem& problem, std::size_t row, std::size_t key) {
  if (problem.kind == Kind::general) return general_logit(problem, row, key);
  return rational_rope_logit(problem, row, key);
}

std::vector<std::size_t> visible_keys(const Problem& problem, std::size_t row) {
  std::vector<std::size_t> keys;
  for (std::size_t j = 0; j < problem.n_k(); ++j)
    if (problem.key_visible(row, j)) keys.push_back(j);
  return keys;
}

}  // namespace

bool row_logits_provably_equal(const Problem& problem, std::size_t row) {
  const std::vector<std::size_t> keys = visible_keys(problem, row);
  if (keys.size() <= 1 || scale_is_exact_zero(problem.scale)) return true;
  const std::optional<Rational> first = rational_logit(problem, row, keys.front());
  if (!first) return false;
  for (std::size_t t = 1; t < keys.size(); ++t) {
    const std::optional<Rational> logit = rational_logit(problem, row, keys[t]);
    if (!logit || *logit != *first) return false;
  }
  return true;
}

std::optional<double> constant_visible_value(const Problem& problem, std::size_t row, std::size_t column) {
  const double first = problem.V.at(0, column);
  for (std::size_t j = 1; j < problem.visible_key_count(row); ++j)
    if (problem.V.at(j, column) != first) return std::nullopt;  // == on doubles: equality of the reals
  return first;
}

void exact_visible_mean(const Problem& problem, std::size_t row, std::size_t column, mpq_t mean) {
  const std::vector<std::size_t> keys = visible_keys(problem, row);
  Rational sum;
  for (std::size_t j : keys) sum += Rational(problem.V.at(j, column));
  sum /= Rational(static_cast<unsigned long>(keys.size()));
  mpq_set(mean, sum.backend().data());
}

}  // namespace ropecert
