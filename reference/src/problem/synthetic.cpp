#include "ropecert/synthetic.hpp"

#include <cmath>
#include <random>

namespace ropecert {

namespace {

// A multiple of 2^-20 in [-bound, bound], from the top bits of one 64-bit draw: exact and portable
// (std::uniform_real_distribution differs between standard libraries).
double dyadic_sample(std::mt19937_64& rng, double bound) {
  const std::int64_t steps = static_cast<std::int64_t>(std::ldexp(bound, 20));
  const std::uint64_t draw = rng() >> 11;  // 53 random bits
  const std::int64_t k = static_cast<std::int64_t>(draw % static_cast<std::uint64_t>(2 * steps + 1)) - steps;
  return std::ldexp(static_cast<double>(k), -20);
}

Matrix random_matrix(std::size_t rows, std::size_t cols, double bound, std::mt19937_64& rng) {
  Matrix m(rows, cols);
  for (double& x : m.values) x = dyadic_sample(rng, bound);
  return m;
}

}  // namespace

Problem synthetic_rope_problem(std::size_t n, std::size_t d, MaskKind mask, double bound, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Problem problem;
  problem.kind = Kind::rope;
  problem.scale.rule = Scale::Rule::inv_sqrt_d;
  problem.mask = mask;
  problem.rope.rotary_dim = d;
  problem.Q = random_matrix(n, d, bound, rng);
  problem.K = random_matrix(n, d, bound, rng);
  problem.V = random_matrix(n, d, bound, rng);
  return problem;
}

}  // namespace ropecert
