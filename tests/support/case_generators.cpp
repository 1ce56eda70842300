#include "support/case_generators.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace ropecert_test {

using namespace ropecert;

rc::Gen<double> gen_entry() {
  return rc::gen::weightedOneOf<double>({
      {2, rc::gen::just(0.0)},
      {8, rc::gen::map(rc::gen::inRange(-24, 25), [](int k) { return k / 8.0; })},
      {1, rc::gen::apply([](int k, int e) { return std::ldexp(k, e); }, rc::gen::inRange(-255, 256),
                         rc::gen::inRange(-30, 13))},
  });
}

namespace {

Matrix gen_matrix(std::size_t rows, std::size_t cols) {
  Matrix m(rows, cols);
  for (double& x : m.values) x = *gen_entry();
  return m;
}

Scale gen_scale() {
  Scale scale;
  switch (*rc::gen::inRange(0, 4)) {
    case 0: scale.rule = Scale::Rule::inv_d; break;
    case 1: scale.rule = Scale::Rule::decimal; scale.decimal = *rc::gen::element<std::string>("0.1", "1", "0", "2.5e-1", "-0.75"); break;
    default: scale.rule = Scale::Rule::inv_sqrt_d; break;
  }
  return scale;
}

}  // namespace

rc::Gen<Problem> gen_rope_problem(ProblemLimits limits) {
  return rc::gen::exec([limits] {
    Problem p;
    p.kind = Kind::rope;
    const std::size_t n_q = *rc::gen::inRange<std::size_t>(1, limits.max_n + 1);
    const std::size_t n_k = *rc::gen::inRange<std::size_t>(1, limits.max_n + 1);
    const std::size_t d = 2 * *rc::gen::inRange<std::size_t>(1, limits.max_half_d + 1);
    const std::size_t d_v = *rc::gen::inRange<std::size_t>(1, limits.max_d_v + 1);
    p.scale = gen_scale();
    p.rope.pairing = *rc::gen::element(Pairing::half, Pairing::interleaved);
    p.rope.rotary_dim = 2 * *rc::gen::inRange<std::size_t>(1, d / 2 + 1);
    p.rope.angles = *rc::gen::weightedElement<Angles>({{3, Angles::standard}, {1, Angles::pythagorean}});
    if (p.rope.angles == Angles::standard) p.rope.base = *rc::gen::element(10000.0, 500000.0, 10.0, 2.5);
    const bool large = *rc::gen::weightedElement<bool>({{4, false}, {1, true}});
    const std::int64_t base_offset = large ? 1000000 : 0;
    p.rope.k_offset = base_offset + *rc::gen::inRange<std::int64_t>(0, 4);
    p.mask = *rc::gen::element(MaskKind::none, MaskKind::causal);
    // q_offset >= k_offset keeps every causal row non-empty.
    p.rope.q_offset = p.rope.k_offset + *rc::gen::inRange<std::int64_t>(0, 6);
    p.Q = gen_matrix(n_q, d);
    p.K = gen_matrix(n_k, d);
    p.V = gen_matrix(n_k, d_v);
    return p;
  });
}

rc::Gen<Problem> gen_general_problem(ProblemLimits limits) {
  return rc::gen::exec([limits] {
    Problem p;
    p.kind = Kind::general;
    const std::size_t n = *rc::gen::inRange<std::size_t>(1, limits.max_n + 1);
    const std::size_t d = *rc::gen::inRange<std::size_t>(1, 2 * limits.max_half_d + 1);
    const std::size_t d_v = *rc::gen::inRange<std::size_t>(1, limits.max_d_v + 1);
    p.scale = gen_scale();
    p.mask = *rc::gen::element(MaskKind::none, MaskKind::causal);
    p.Q = gen_matrix(n, d);
    p.K = gen_matrix(n, d);
    p.V = gen_matrix(n, d_v);
    // A random support S, shared by every W_k.
    std::vector<bool> support(d * d);
    for (std::size_t e = 0; e < d * d; ++e) support[e] = *rc::gen::weightedElement<bool>({{1, false}, {2, true}});
    for (std::size_t k = 0; k < 2 * n - 1; ++k) {
      Matrix w(d, d);
      for (std::size_t e = 0; e < d * d; ++e)
        if (support[e]) w.values[e] = *gen_entry();
      p.W.push_back(w);
    }
    return p;
  });
}

rc::Gen<Problem> gen_problem(ProblemLimits limits) {
  return rc::gen::weightedOneOf<Problem>({{3, gen_rope_problem(limits)}, {1, gen_general_problem(limits)}});
}

namespace {
void describe_matrix(std::ostringstream& out, const char* name, const Matrix& m) {
  out << ' ' << name << '[' << m.rows << 'x' << m.cols << "]={";
  char buffer[40];
  for (std::size_t e = 0; e < m.values.size(); ++e) {
    std::snprintf(buffer, sizeof buffer, "%a", m.values[e]);
    out << (e ? "," : "") << buffer;
  }
  out << '}';
}
}  // namespace

std::string describe(const Problem& p) {
  std::ostringstream out;
  out << (p.kind == Kind::rope ? "rope" : "general") << " mask=" << (p.mask == MaskKind::causal ? "causal" : "none")
      << " scale=" << (p.scale.rule == Scale::Rule::inv_d ? "inv_d"
                       : p.scale.rule == Scale::Rule::inv_sqrt_d ? "inv_sqrt_d" : p.scale.decimal);
  if (p.kind == Kind::rope) {
    out << " angles=" << (p.rope.angles == Angles::standard ? "standard" : "pythagorean");
    if (p.rope.angles == Angles::standard) out << " base=" << p.rope.base;
    out << " pairing=" << (p.rope.pairing == Pairing::half ? "half" : "interleaved")
        << " rotary_dim=" << p.rope.rotary_dim << " q_offset=" << p.rope.q_offset << " k_offset=" << p.rope.k_offset;
  }
  describe_matrix(out, "Q", p.Q);
  describe_matrix(out, "K", p.K);
  describe_matrix(out, "V", p.V);
  for (std::size_t k = 0; k < p.W.size(); ++k) describe_matrix(out, ("W" + std::to_string(k)).c_str(), p.W[k]);
  return out.str();
}

}  // namespace ropecert_test
