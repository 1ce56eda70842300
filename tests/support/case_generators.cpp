#include "support/case_generators.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <vector>

#include "ropecert/rope_parameters.hpp"
#include "support/hex_text.hpp"

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
    case 0:
      scale.rule = Scale::Rule::inv_d;
      break;
    case 1:
      scale.rule = Scale::Rule::decimal;
      scale.decimal = *rc::gen::element<std::string>("0.1", "1", "0", "2.5e-1", "-0.75");
      break;
    default:
      scale.rule = Scale::Rule::inv_sqrt_d;
      break;
  }
  return scale;
}

}  // namespace

rc::Gen<RopeScaling> gen_rope_scaling(std::size_t rotary_dim) {
  return rc::gen::exec([rotary_dim] {
    RopeScaling s;
    std::vector<RopeScalingKind> kinds = {RopeScalingKind::linear, RopeScalingKind::yarn, RopeScalingKind::llama3,
                                          RopeScalingKind::longrope};
    if (rotary_dim >= 4) kinds.insert(kinds.end(), 2, RopeScalingKind::dynamic);  // twice: r >= 4 is the rarer case
    s.kind = *rc::gen::elementOf(kinds);
    switch (s.kind) {
      case RopeScalingKind::none:
        break;
      case RopeScalingKind::linear:
        s.factor = *rc::gen::element(1.0, 1.5, 2.0, 4.0, 8.0);
        break;
      case RopeScalingKind::dynamic:
        s.factor = *rc::gen::element(1.0, 2.0, 4.0, 1.75);
        s.max_position_embeddings = *rc::gen::element<std::uint64_t>(2, 4, 16, 2048);
        s.sequence_length = *rc::gen::element<std::uint64_t>(0, 1, 3, 8, 40, 5000);
        break;
      case RopeScalingKind::yarn:
        s.original_max_position_embeddings = *rc::gen::element<std::uint64_t>(4, 16, 64, 4096);
        if (*rc::gen::weightedElement<bool>({{3, true}, {1, false}})) {
          s.factor = *rc::gen::element(1.0, 4.0, 8.0, 32.0, 40.0);
        } else {  // f = M / L, as HF does without a factor
          s.max_position_embeddings = s.original_max_position_embeddings * *rc::gen::element<std::uint64_t>(1, 4, 32);
        }
        s.truncate = *rc::gen::arbitrary<bool>();
        s.beta_fast = *rc::gen::element(32.0, 0.0, 16.0);
        s.beta_slow = *rc::gen::element(1.0, 0.0, 2.0);
        switch (*rc::gen::inRange(0, 4)) {
          case 0:  // DeepSeek-like mscale pair
            s.mscale = *rc::gen::element(0.707, 1.0);
            s.mscale_all_dim = *rc::gen::element(0.707, 1.0, 0.0);
            break;
          case 1:
            s.attention_factor = *rc::gen::element(0.75, 1.0, 1.25);
            break;
          default:
            break;
        }
        break;
      case RopeScalingKind::llama3:
        s.factor = *rc::gen::element(8.0, 32.0, 2.0);
        if (*rc::gen::arbitrary<bool>()) {  // Llama 3.1
          s.low_freq_factor = 1;
          s.high_freq_factor = 4;
          s.original_max_position_embeddings = 8192;
        } else {
          s.low_freq_factor = *rc::gen::element(0.5, 1.0, 2.0);
          s.high_freq_factor = s.low_freq_factor + *rc::gen::element(0.5, 3.0);
          s.original_max_position_embeddings = *rc::gen::element<std::uint64_t>(16, 64, 4096);
        }
        break;
      case RopeScalingKind::longrope:
        s.original_max_position_embeddings = *rc::gen::element<std::uint64_t>(2, 16, 4096);
        s.max_position_embeddings = s.original_max_position_embeddings * *rc::gen::element<std::uint64_t>(1, 2, 32);
        if (*rc::gen::arbitrary<bool>()) s.factor = *rc::gen::element(1.0, 8.0, 32.0);  // else M / L
        s.sequence_length = *rc::gen::element<std::uint64_t>(0, 1, s.original_max_position_embeddings,
                                                             s.original_max_position_embeddings + 1);
        if (*rc::gen::weightedElement<bool>({{1, true}, {3, false}})) s.attention_factor = 1.25;
        for (std::size_t p = 0; p < rotary_dim / 2; ++p) {
          s.short_factor.push_back(*rc::gen::element(1.0, 1.25, 2.0, 4.5));
          s.long_factor.push_back(*rc::gen::element(1.0, 4.0, 10.5, 40.0));
        }
        break;
    }
    return s;
  });
}

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
    if (limits.conventions) {
      if (p.rope.angles == Angles::standard) {
        switch (*rc::gen::inRange(0, 4)) {
          case 0:
          case 1:
            p.rope.scaling = *gen_rope_scaling(p.rope.rotary_dim);
            break;
          case 2:
            p.rope.emulate.inv_freq = InvFreqEmulation::float32;
            break;
          default:
            break;
        }
      }
      p.rope.emulate.cos_sin = *rc::gen::element(CosSinEmulation::exact, CosSinEmulation::float32,
                                                 CosSinEmulation::bfloat16, CosSinEmulation::float16);
    }
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

// rope.scaling (every field, exactly) and rope.emulate, when not the defaults.
void describe_conventions(std::ostringstream& out, const RopeParams& rope) {
  static const char* const cos_sin[] = {"exact", "float32", "bfloat16", "float16"};
  const RopeScaling& s = rope.scaling;
  if (s.kind != RopeScalingKind::none) {
    out << " scaling={" << rope_scaling_kind_name(s.kind) << " factor=" << (s.factor ? hex(*s.factor) : "unset")
        << " L=" << s.original_max_position_embeddings << " M=" << s.max_position_embeddings
        << " seq=" << s.sequence_length << " beta_fast=" << hex(s.beta_fast) << " beta_slow=" << hex(s.beta_slow)
        << " mscale=" << (s.mscale ? hex(*s.mscale) : "unset")
        << " mscale_all_dim=" << (s.mscale_all_dim ? hex(*s.mscale_all_dim) : "unset") << " truncate=" << s.truncate
        << " attention=" << (s.attention_factor ? hex(*s.attention_factor) : "unset")
        << " low=" << hex(s.low_freq_factor) << " high=" << hex(s.high_freq_factor) << " short=[";
    for (const double e : s.short_factor) out << hex(e) << ' ';
    out << "] long=[";
    for (const double e : s.long_factor) out << hex(e) << ' ';
    out << "]}";
  }
  if (rope.emulate.inv_freq == InvFreqEmulation::float32) out << " inv_freq=float32";
  if (rope.emulate.cos_sin != CosSinEmulation::exact)
    out << " cos_sin=" << cos_sin[static_cast<int>(rope.emulate.cos_sin)];
}

}  // namespace

std::string describe(const Problem& p) {
  std::ostringstream out;
  out << (p.kind == Kind::rope ? "rope" : "general") << " mask=" << (p.mask == MaskKind::causal ? "causal" : "none")
      << " scale="
      << (p.scale.rule == Scale::Rule::inv_d        ? "inv_d"
          : p.scale.rule == Scale::Rule::inv_sqrt_d ? "inv_sqrt_d"
                                                    : p.scale.decimal);
  if (p.kind == Kind::rope) {
    out << " angles=" << (p.rope.angles == Angles::standard ? "standard" : "pythagorean");
    if (p.rope.angles == Angles::standard) out << " base=" << p.rope.base;
    out << " pairing=" << (p.rope.pairing == Pairing::half ? "half" : "interleaved")
        << " rotary_dim=" << p.rope.rotary_dim << " q_offset=" << p.rope.q_offset << " k_offset=" << p.rope.k_offset;
    describe_conventions(out, p.rope);
  }
  describe_matrix(out, "Q", p.Q);
  describe_matrix(out, "K", p.K);
  describe_matrix(out, "V", p.V);
  for (std::size_t k = 0; k < p.W.size(); ++k) describe_matrix(out, ("W" + std::to_string(k)).c_str(), p.W[k]);
  return out.str();
}

}  // namespace ropecert_test
