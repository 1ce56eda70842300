#include "ropecert/structure.hpp"

#include <flint/fmpq.h>
#include <flint/fmpq_mat.h>

#include <map>
#include <set>
#include <stdexcept>

#include "ropecert/exact_problem.hpp"

namespace ropecert {

namespace {

// The position differences a_i - b_j of the problem, from smallest to largest.
std::pair<std::int64_t, std::int64_t> delta_range(const Problem& problem) {
  const std::int64_t base = problem.query_position(0) - problem.key_position(0);
  return {base - static_cast<std::int64_t>(problem.n_k() - 1), base + static_cast<std::int64_t>(problem.n_q() - 1)};
}

// Exact couplings by position difference, computed once each.
class CouplingCache {
 public:
  explicit CouplingCache(const Problem& problem) : problem_(problem) {}
  const RationalMatrix& at(std::int64_t delta) {
    auto it = cache_.find(delta);
    if (it == cache_.end()) it = cache_.emplace(delta, exact_coupling(problem_, delta)).first;
    return it->second;
  }

 private:
  const Problem& problem_;
  std::map<std::int64_t, RationalMatrix> cache_;
};

void require_exact_view(const Problem& problem) {
  const std::string why = exact_view_unavailable(problem);
  if (!why.empty()) throw std::invalid_argument("structure: " + why);
}

}  // namespace

std::vector<SupportPair> coupling_support(const Problem& problem) {
  require_exact_view(problem);
  CouplingCache couplings(problem);
  std::set<SupportPair> support;
  const auto [low, high] = delta_range(problem);
  for (std::int64_t delta = low; delta <= high; ++delta) {
    const RationalMatrix& w = couplings.at(delta);
    for (std::size_t l1 = 0; l1 < w.rows; ++l1)
      for (std::size_t l2 = 0; l2 < w.cols; ++l2)
        if (w.at(l1, l2) != 0) support.insert({l1, l2});
  }
  return {support.begin(), support.end()};
}

RationalMatrix coupling_matrix(const Problem& problem, SupportPair pair) {
  require_exact_view(problem);
  CouplingCache couplings(problem);
  RationalMatrix c(problem.n_q(), problem.n_k());
  for (std::size_t i = 0; i < c.rows; ++i)
    for (std::size_t j = 0; j < c.cols; ++j)
      c.at(i, j) = couplings.at(problem.query_position(i) - problem.key_position(j)).at(pair.first, pair.second);
  return c;
}

bool is_toeplitz(const RationalMatrix& a) {
  for (std::size_t i = 1; i < a.rows; ++i)
    for (std::size_t j = 1; j < a.cols; ++j)
      if (a.at(i, j) != a.at(i - 1, j - 1)) return false;
  return true;
}

bool is_circulant(const RationalMatrix& a) {
  if (a.rows != a.cols) return false;
  const std::size_t n = a.rows;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (a.at(i, j) != a.at((i + 1) % n, (j + 1) % n)) return false;
  return true;
}

bool coupling_is_periodic(const Problem& problem) {
  require_exact_view(problem);
  if (problem.n_q() != problem.n_k()) throw std::invalid_argument("coupling_is_periodic: needs n_q == n_k");
  const std::int64_t n = static_cast<std::int64_t>(problem.n_q());
  const std::int64_t base = problem.query_position(0) - problem.key_position(0);
  CouplingCache couplings(problem);
  for (std::int64_t k = 1; k < n; ++k)
    if (!(couplings.at(base + k) == couplings.at(base + k - n))) return false;
  return true;
}

RationalMatrix decomposed_logits(const Problem& problem, const Rational& scale) {
  RationalMatrix sum(problem.n_q(), problem.n_k());
  for (const SupportPair& pair : coupling_support(problem)) {
    const RationalMatrix c = coupling_matrix(problem, pair);
    for (std::size_t i = 0; i < sum.rows; ++i)
      for (std::size_t j = 0; j < sum.cols; ++j)
        sum.at(i, j) += Rational(problem.Q.at(i, pair.first)) * c.at(i, j) * Rational(problem.K.at(j, pair.second));
  }
  for (Rational& x : sum.values) x *= scale;
  return sum;
}

RationalMatrix dense(const RescaledToeplitz& a) {
  RationalMatrix m(a.row.size(), a.col.size());
  for (std::size_t i = 0; i < m.rows; ++i)
    for (std::size_t j = 0; j < m.cols; ++j) m.at(i, j) = a.row[i] * a.symbol[i + m.cols - 1 - j] * a.col[j];
  return m;
}

namespace {
std::vector<Rational> entrywise(const std::vector<Rational>& a, const std::vector<Rational>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("hadamard: shapes differ");
  std::vector<Rational> c(a.size());
  for (std::size_t k = 0; k < a.size(); ++k) c[k] = a[k] * b[k];
  return c;
}
}  // namespace

RescaledToeplitz hadamard(const RescaledToeplitz& a, const RescaledToeplitz& b) {
  return {entrywise(a.row, b.row), entrywise(a.symbol, b.symbol), entrywise(a.col, b.col)};
}

RationalMatrix hadamard(const RationalMatrix& a, const RationalMatrix& b) {
  if (a.rows != b.rows || a.cols != b.cols) throw std::invalid_argument("hadamard: shapes differ");
  RationalMatrix c(a.rows, a.cols);
  c.values = entrywise(a.values, b.values);
  return c;
}

std::size_t rank(const RationalMatrix& a) {
  fmpq_mat_t m;
  fmpq_mat_init(m, static_cast<slong>(a.rows), static_cast<slong>(a.cols));
  for (std::size_t i = 0; i < a.rows; ++i)
    for (std::size_t j = 0; j < a.cols; ++j)
      fmpq_set_mpq(fmpq_mat_entry(m, static_cast<slong>(i), static_cast<slong>(j)), a.at(i, j).backend().data());
  fmpq_mat_t reduced;
  fmpq_mat_init(reduced, static_cast<slong>(a.rows), static_cast<slong>(a.cols));
  const slong r = fmpq_mat_rref(reduced, m);  // returns the rank
  fmpq_mat_clear(reduced);
  fmpq_mat_clear(m);
  return static_cast<std::size_t>(r);
}

}  // namespace ropecert
