#include "ropecert/exact_problem.hpp"

#include <cctype>
#include <cstdlib>
#include <map>

#include "ropecert/rope_geometry.hpp"

namespace ropecert {

std::string exact_view_unavailable(const Problem& problem) {
  // Scaling and the inv_freq emulation need standard angles (validate_problem), but the cos / sin emulation
  // does not; none of them is part of the exact view (exact_coupling knows only R_{-delta}), so refuse each
  // explicitly rather than rely on the angles.
  if (problem.kind == Kind::rope && problem.rope.scaled_or_emulated())
    return "rope scaling and framework emulation (rope.scaling, rope.emulate) have no exact rational view: the "
           "emulated rotations are not a function of the position difference";
  if (problem.kind == Kind::rope && problem.rope.angles == Angles::standard)
    return "standard RoPE rotations cos(m theta_p), sin(m theta_p) are irrational; use \"angles\": "
           "\"pythagorean\" for exact checks";
  return "";
}

RationalMatrix exact_coupling(const Problem& problem, std::int64_t delta) {
  const std::size_t d = problem.d();
  RationalMatrix w(d, d);
  if (problem.kind == Kind::general) {
    const Matrix& coupling = problem.coupling(delta);
    for (std::size_t e = 0; e < d * d; ++e) w.values[e] = Rational(coupling.values[e]);
    return w;
  }
  for (std::size_t l = problem.rope.rotary_dim; l < d; ++l) w.at(l, l) = 1;
  const auto planes = rotary_planes(problem.rope.rotary_dim, problem.rope.pairing);
  for (std::size_t p = 0; p < planes.size(); ++p) {
    const RationalRotation r = pythagorean_rotation(p, -delta);  // W_delta = R_{-delta}
    const auto [a, b] = planes[p];
    w.at(a, a) = r.cos;
    w.at(a, b) = -r.sin;
    w.at(b, a) = r.sin;
    w.at(b, b) = r.cos;
  }
  return w;
}

RationalMatrix exact_logits(const Problem& problem, const Rational& scale) {
  std::map<std::int64_t, RationalMatrix> couplings;  // by position difference
  RationalMatrix m(problem.n_q(), problem.n_k());
  const std::size_t d = problem.d();
  for (std::size_t i = 0; i < problem.n_q(); ++i)
    for (std::size_t j = 0; j < problem.n_k(); ++j) {
      const std::int64_t delta = problem.query_position(i) - problem.key_position(j);
      auto it = couplings.find(delta);
      if (it == couplings.end()) it = couplings.emplace(delta, exact_coupling(problem, delta)).first;
      Rational sum = 0;
      for (std::size_t l1 = 0; l1 < d; ++l1)
        for (std::size_t l2 = 0; l2 < d; ++l2)
          sum += Rational(problem.Q.at(i, l1)) * it->second.at(l1, l2) * Rational(problem.K.at(j, l2));
      m.at(i, j) = scale * sum;
    }
  return m;
}

}  // namespace ropecert
