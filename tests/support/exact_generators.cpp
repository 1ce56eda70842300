#include "support/exact_generators.hpp"

#include <utility>

using namespace ropecert;

namespace ropecert_test {

namespace {

// A small dyadic k/4, |k| <= 8.
double small_dyadic() { return uniform(-8, 9) / 4.0; }

Matrix random_matrix(std::size_t rows, std::size_t cols) {
  Matrix m(rows, cols);
  for (double& x : m.values) x = small_dyadic();
  return m;
}

MaskKind random_mask() { return uniform(0, 2) == 0 ? MaskKind::none : MaskKind::causal; }

}  // namespace

Problem random_general() {
  const std::size_t n = uniform<std::size_t>(1, 6);
  const std::size_t d = uniform<std::size_t>(1, 4);
  Problem p;
  p.kind = Kind::general;
  p.scale.rule = Scale::Rule::inv_d;
  p.mask = random_mask();
  p.Q = random_matrix(n, d);
  p.K = random_matrix(n, d);
  p.V = random_matrix(n, uniform<std::size_t>(1, 3));
  for (std::size_t k = 0; k < 2 * n - 1; ++k)
    p.W.push_back(uniform(0, 4) == 0 ? Matrix(d, d) : random_matrix(d, d));
  validate_problem(p, "random_general");
  return p;
}

Problem random_rope() {
  Problem p;
  p.kind = Kind::rope;
  p.rope.angles = Angles::pythagorean;
  p.scale.rule = Scale::Rule::inv_d;
  const std::size_t n_q = uniform<std::size_t>(1, 6);
  const std::size_t n_k = uniform<std::size_t>(1, 6);
  const std::size_t d = (uniform(0, 2) == 0 ? std::size_t(2) : std::size_t(4));
  p.rope.rotary_dim = (uniform(0, 2) == 0 ? std::size_t(2) : d);
  p.rope.pairing = (uniform(0, 2) == 0 ? Pairing::half : Pairing::interleaved);
  p.mask = random_mask();
  p.rope.q_offset = uniform(0, 4);
  p.rope.k_offset = uniform(0, 4);
  if (p.mask == MaskKind::causal && p.rope.k_offset > p.rope.q_offset) std::swap(p.rope.k_offset, p.rope.q_offset);
  p.Q = random_matrix(n_q, d);
  p.K = random_matrix(n_k, d);
  p.V = random_matrix(n_k, uniform<std::size_t>(1, 3));
  validate_problem(p, "random_rope");
  return p;
}

}  // namespace ropecert_test
