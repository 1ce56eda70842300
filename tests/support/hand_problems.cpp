#include "support/hand_problems.hpp"

#include <utility>

using namespace ropecert;

namespace ropecert_test {

Matrix rows_of(std::initializer_list<std::initializer_list<double>> rows) {
  Matrix m(rows.size(), rows.begin()->size());
  std::size_t i = 0;
  for (const auto& row : rows) {
    std::size_t j = 0;
    for (double x : row) m.at(i, j++) = x;
    ++i;
  }
  return m;
}

Problem rope_problem(Matrix q, Matrix k, Matrix v, MaskKind mask) {
  Problem p;
  p.kind = Kind::rope;
  p.mask = mask;
  p.rope.rotary_dim = q.cols;
  p.Q = std::move(q);
  p.K = std::move(k);
  p.V = std::move(v);
  validate_problem(p, "test");
  return p;
}

}  // namespace ropecert_test
